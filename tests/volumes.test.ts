/**
 * tools/volumes.mjs (`npm run volumes`), run as users run it, against a stand-in `kubectl` on
 * PATH that answers with the objects a cluster would return: a Docker Desktop hostpath volume,
 * an EBS CSI volume as on prod, and a claim not bound yet. The real script runs against the real
 * test cluster in the demo (e2e/demo.e2e.ts, step 4); this covers the kinds that cluster has not.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const SCRIPT = path.resolve(__dirname, "..", "..", "tools", "volumes.mjs");

const claim = (name: string, volumeName: string | undefined, storageClassName: string) => ({
    metadata: { name },
    spec: { volumeName, storageClassName, resources: { requests: { storage: "1Gi" } } },
    status: volumeName ? { phase: "Bound", capacity: { storage: "1Gi" } } : { phase: "Pending" },
});

const OBJECTS: Record<string, unknown> = {
    "persistentvolumeclaims": {
        items: [
            claim("sticky-data-sticky-10", undefined, "gp3"),
            claim("sticky-data-sticky-2", "pvc-ebs", "gp3"),
            claim("sticky-data-sticky-1", "pvc-host", "hostpath"),
        ],
    },
    "persistentvolumeclaim sticky-data-sticky-1": claim("sticky-data-sticky-1", "pvc-host", "hostpath"),
    "persistentvolumeclaim sticky-data-sticky-2": claim("sticky-data-sticky-2", "pvc-ebs", "gp3"),
    "persistentvolume pvc-host": { spec: { hostPath: { path: "/var/lib/k8s-pvs/sticky-data-sticky-1/pvc-host" } } },
    "persistentvolume pvc-ebs": {
        spec: {
            csi: { driver: "ebs.csi.aws.com", volumeHandle: "vol-0abc" },
            nodeAffinity: {
                required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", values: ["eu-west-1b"] }] }] },
            },
        },
    },
};

/** Runs the script with a kubectl that logs its arguments and prints the matching object. */
function volumes(...args: string[]): { status: number; stdout: string; stderr: string; kubectlCalls: string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sticky-volumes-"));
    try {
        fs.writeFileSync(path.join(dir, "objects.json"), JSON.stringify(OBJECTS));
        // Drops the scope flags and the label selector, then looks up "<kind> [name]".
        fs.writeFileSync(
            path.join(dir, "kubectl"),
            `#!/usr/bin/env node
const fs = require("fs");
fs.appendFileSync(${JSON.stringify(path.join(dir, "calls"))}, process.argv.slice(2).join(" ") + "\\n");
const a = process.argv.slice(2);
const words = [];
for (let i = 0; i < a.length; i++) {
    if (["--context", "--namespace", "-l", "-o"].includes(a[i])) i++;
    else if (a[i] !== "get") words.push(a[i]);
}
const objects = JSON.parse(fs.readFileSync(${JSON.stringify(path.join(dir, "objects.json"))}, "utf8"));
const found = objects[words.join(" ")];
if (!found) { console.error("Error from server (NotFound): " + words.join(" ")); process.exit(1); }
console.log(JSON.stringify(found));
`,
            { mode: 0o755 },
        );
        const result = spawnSync("node", [SCRIPT, ...args], { encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
        const calls = fs.existsSync(path.join(dir, "calls")) ? fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n") : [];
        return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, kubectlCalls: calls };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("tools/volumes.mjs (npm run volumes)", () => {
    it("lists every sticky claim in ordinal order with its volume and where the bytes are", () => {
        const result = volumes("--context", "docker-desktop");
        assert.strictEqual(result.status, 0, result.stderr);
        const rows = result.stdout.trimEnd().split("\n").map((line) => line.split(/\s{2,}/));
        assert.deepStrictEqual(rows, [
            ["CLAIM", "VOLUME", "CLASS", "SIZE", "TYPE", "WHERE"],
            ["sticky-data-sticky-1", "pvc-host", "hostpath", "1Gi", "hostPath", "/var/lib/k8s-pvs/sticky-data-sticky-1/pvc-host"],
            ["sticky-data-sticky-2", "pvc-ebs", "gp3", "1Gi", "ebs.csi.aws.com", "vol-0abc (eu-west-1b)"],
            ["sticky-data-sticky-10", "(not bound yet)", "gp3", "1Gi", "-", "Pending"],
        ]);
        assert.ok(result.kubectlCalls.every((call) => call.startsWith("--context docker-desktop ")), result.kubectlCalls.join("\n"));
        assert.match(result.kubectlCalls[0], /get persistentvolumeclaims -l app=sticky -o json$/);
    });

    it("--path-only prints the host path of one claim, for scripts", () => {
        const result = volumes("--claim", "sticky-data-sticky-1", "--path-only");
        assert.strictEqual(result.status, 0, result.stderr);
        assert.strictEqual(result.stdout, "/var/lib/k8s-pvs/sticky-data-sticky-1/pvc-host\n");
    });

    it("--path-only on an EBS volume fails, saying where the data is instead", () => {
        const result = volumes("--claim", "sticky-data-sticky-2", "--path-only");
        assert.strictEqual(result.status, 1);
        assert.strictEqual(result.stdout, "");
        assert.strictEqual(
            result.stderr.trim(),
            "volumes: sticky-data-sticky-2's volume is not a directory on a node (ebs.csi.aws.com: vol-0abc (eu-west-1b))",
        );
    });

    it("--path-only without --claim, and a claim that does not exist, fail with what to do", () => {
        const all = volumes("--path-only");
        assert.strictEqual(all.status, 1);
        assert.strictEqual(all.stderr.trim(), "volumes: --path-only needs --claim NAME");
        const missing = volumes("--claim", "nope");
        assert.strictEqual(missing.status, 1);
        assert.match(missing.stderr, /^volumes: kubectl get persistentvolumeclaim nope failed: Error from server \(NotFound\)/);
    });
});
