/**
 * Restore by config on real containers (issue 21): a PersistentVolume made beforehand on the test
 * cluster's hostpath storage, over a directory that already holds a file, is named in
 * `sticky:restoreFrom` ("2=<volume>"); `pulumi up` of a fresh dev stack makes claim
 * sticky-data-sticky-2 bound to it before the StatefulSet, which adopts it: sticky-2 serves the
 * file through the load balancer on 127.0.0.1:3333, and no empty volume is provisioned for
 * ordinal 2. Before that, the same volume under another class is refused by the live check,
 * before any resource is created; after it, a second run keeps the restored claim as it is.
 *
 * The steps depend on each other and run in order; mocha's --bail stops at the first failure.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { APP_NAME, claimName } from "../components/sticky-app-contract";
import { expectOneInThree, expectOnlySticky2Has, sample } from "./app-requests";
import { appServing } from "./app-state";
import { devStackWorkspace, ROOT, say, tearDown, waitFor, Workspace } from "./workspace";

/** The volume the stack restores from: made by hand, as an operator would for a kept directory. */
const VOLUME = "sticky-restore-e2e";
/** Where its data is: beside the test cluster's own hostpath volumes (test-cluster/node.sh). */
const DATA_DIR = path.join(ROOT, ".cluster", "volumes", "restore-e2e-source");
const TEXT = `restored ${new Date().toISOString()}`;
const CLAIM = claimName(APP_NAME, 2);

function persistentVolume(storageClassName: string) {
    return {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: VOLUME, labels: { "sticky-e2e": "restore-from" } },
        spec: {
            capacity: { storage: "1Gi" },
            accessModes: ["ReadWriteOnce"],
            persistentVolumeReclaimPolicy: "Retain",
            storageClassName,
            hostPath: { path: DATA_DIR, type: "Directory" },
        },
    };
}

/** The volume and its directory, should an earlier run have left them. */
function leftovers(ws: Workspace): void {
    ws.kubectl("delete", "persistentvolume", VOLUME, "--ignore-not-found", "--wait=false");
    fs.rmSync(DATA_DIR, { recursive: true, force: true });
}

/** Every volume the cluster holds for claim sticky-data-sticky-2, by name. */
const volumesFor = (ws: Workspace, claim: string): string[] =>
    (ws.get("persistentvolumes").items as any[]).filter((pv) => pv.spec.claimRef?.name === claim).map((pv) => pv.metadata.name);

describe("restore by config on the test cluster (sticky:restoreFrom, local)", function () {
    this.timeout(5 * 60 * 1000);
    let ws: Workspace;

    before(async () => {
        ws = await devStackWorkspace("sticky-e2e-restore-", { leftovers });
        fs.mkdirSync(DATA_DIR, { recursive: true });
        fs.chmodSync(DATA_DIR, 0o777);
        fs.writeFileSync(path.join(DATA_DIR, "index.html"), TEXT, { mode: 0o644 });
        ws.pulumi("config", "set", "--path", "sticky:restoreFrom[0]", `2=${VOLUME}`, "--stack", "dev");
    });

    after(() => tearDown(ws, leftovers));

    it("1. a volume of another class is refused by the live check, naming the fix, before any resource is created", () => {
        const file = path.join(ws.dir, "volume.json");
        fs.writeFileSync(file, JSON.stringify(persistentVolume("manual")));
        ws.kubectl("apply", "-f", file);
        const preview = ws.run("pulumi", ["preview", "--stack", "dev", "--non-interactive"]);
        const text = preview.stdout + preview.stderr;
        assert.notStrictEqual(preview.status, 0, text);
        assert.ok(
            text.includes(`sticky:restoreFrom = "2=${VOLUME}": PersistentVolume ${VOLUME} has StorageClass "manual", the claims "hostpath"; a claim binds only a volume of its class`),
            text,
        );
        assert.deepStrictEqual(ws.get("persistentvolumeclaims", "-l", "app=sticky").items, [], "no claim was made");
        assert.strictEqual(ws.get("statefulsets", "-l", "app=sticky").items.length, 0, "no StatefulSet was made");
        say("refused: the volume's class is not the claims'");
        // The fix the message names.
        ws.kubectl("patch", "persistentvolume", VOLUME, "-p", JSON.stringify({ spec: { storageClassName: "hostpath" } }));
    });

    it("2. pulumi up: claim sticky-data-sticky-2 is bound to that volume, the StatefulSet adopts it, and no empty volume is made for ordinal 2", async () => {
        const up = ws.up();
        say(`pulumi up: ${up.seconds.toFixed(1)} s`);
        const pods = await waitFor("sticky-0..2 Ready and behind the Service", 120, () => appServing(ws));
        assert.deepStrictEqual(pods.map((p) => p.name), ["sticky-0", "sticky-1", "sticky-2"]);

        const claim = ws.get("persistentvolumeclaim", CLAIM);
        assert.strictEqual(claim.spec.volumeName, VOLUME);
        assert.strictEqual(claim.status.phase, "Bound");
        assert.strictEqual(claim.spec.resources.requests.storage, "1Gi", "the claim-size plan's size, as the StatefulSet's template");
        const volume = ws.get("persistentvolume", VOLUME);
        assert.strictEqual(volume.status.phase, "Bound");
        assert.strictEqual(volume.spec.claimRef.name, CLAIM);
        assert.strictEqual(volume.spec.claimRef.uid, claim.metadata.uid);
        assert.deepStrictEqual(volumesFor(ws, CLAIM), [VOLUME], "no other volume for ordinal 2");
        const pod = ws.get("pod", "sticky-2");
        assert.strictEqual(pod.spec.volumes.find((v: any) => v.persistentVolumeClaim)?.persistentVolumeClaim.claimName, CLAIM);
        for (const other of ["sticky-data-sticky-0", "sticky-data-sticky-1"]) {
            const made = ws.get("persistentvolumeclaim", other);
            assert.match(made.spec.volumeName, /^pvc-/, `${other} is provisioned as usual`);
        }
        const outputs = JSON.parse(ws.pulumi("stack", "output", "--json", "--stack", "dev").stdout);
        assert.deepStrictEqual(outputs.restoredFrom, { [CLAIM]: VOLUME });
    });

    it("3. sticky-2 serves the file that was in the volume's directory, through 127.0.0.1:3333; the others are empty", async () => {
        await expectOnlySticky2Has(ws, TEXT);
        expectOneInThree(await sample(), TEXT);
    });

    it("4. the next run keeps the restored claim as it is: no changes", () => {
        const preview = ws.run("pulumi", ["preview", "--expect-no-changes", "--stack", "dev", "--non-interactive"]);
        assert.strictEqual(preview.status, 0, preview.stdout + preview.stderr);
        say(`preview: no changes (${preview.seconds.toFixed(1)} s)`);
    });
});
