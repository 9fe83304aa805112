#!/usr/bin/env node
// Where does the sticky app's data live? One line per claim: the claim, the volume bound to it,
// its class and size, and where the bytes are, which is what the article digs out of
// `kubectl describe persistentvolume`:
//   - hostpath (Docker Desktop, the test cluster): a directory on the node. On Docker Desktop
//     that is inside its VM (reach it with a privileged pod); on the test cluster it is on this
//     machine.
//   - EBS (prod): the volume id and its zone, for the AWS console or `aws ec2 describe-volumes`.
//
//   npm run volumes -- --context docker-desktop
//   node tools/volumes.mjs --context sticky-test --claim sticky-data-sticky-2 --path-only
//
// Options: --context NAME, --namespace NAME (kubectl's defaults otherwise), --claim NAME (only
// that one), --path-only (print just the host path, or fail if the volume has none).
// Reads through kubectl (the first on PATH); changes nothing.

import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";

const { values: opts } = parseArgs({
    options: {
        context: { type: "string" },
        namespace: { type: "string" },
        claim: { type: "string" },
        "path-only": { type: "boolean", default: false },
    },
});

function kubectl(...args) {
    const scope = [
        ...(opts.context ? ["--context", opts.context] : []),
        ...(opts.namespace ? ["--namespace", opts.namespace] : []),
    ];
    try {
        return JSON.parse(execFileSync("kubectl", [...scope, ...args, "-o", "json"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
    } catch (err) {
        fail(`kubectl ${args.join(" ")} failed: ${(err.stderr ?? err.message).toString().trim()}`);
    }
}

function fail(message) {
    console.error(`volumes: ${message}`);
    process.exit(1);
}

/** Where a PersistentVolume keeps its bytes, as { kind, where, path? }. */
function locate(pv) {
    const spec = pv.spec;
    if (spec.hostPath) return { kind: "hostPath", where: spec.hostPath.path, path: spec.hostPath.path };
    if (spec.local) return { kind: "local", where: spec.local.path, path: spec.local.path };
    if (spec.csi) {
        const zone = spec.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions
            ?.find((e) => e.key.endsWith("zone"))?.values?.[0];
        return { kind: spec.csi.driver, where: `${spec.csi.volumeHandle}${zone ? ` (${zone})` : ""}` };
    }
    if (spec.awsElasticBlockStore) return { kind: "awsElasticBlockStore", where: spec.awsElasticBlockStore.volumeID };
    return { kind: "other", where: "(see kubectl describe persistentvolume)" };
}

const claims = opts.claim
    ? [kubectl("get", "persistentvolumeclaim", opts.claim)]
    : kubectl("get", "persistentvolumeclaims", "-l", "app=sticky").items;
if (claims.length === 0) fail("no claims labelled app=sticky here; is the stack deployed to this context and namespace?");

const rows = claims
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name, "en", { numeric: true }))
    .map((claim) => {
        const volumeName = claim.spec.volumeName;
        if (!volumeName) return { claim, volumeName: "(not bound yet)", location: { kind: "-", where: claim.status?.phase ?? "Pending" } };
        return { claim, volumeName, location: locate(kubectl("get", "persistentvolume", volumeName)) };
    });

if (opts["path-only"]) {
    if (rows.length !== 1) fail("--path-only needs --claim NAME");
    const { claim, location } = rows[0];
    if (!location.path) fail(`${claim.metadata.name}'s volume is not a directory on a node (${location.kind}: ${location.where})`);
    console.log(location.path);
} else {
    const table = [["CLAIM", "VOLUME", "CLASS", "SIZE", "TYPE", "WHERE"]];
    for (const { claim, volumeName, location } of rows) {
        table.push([
            claim.metadata.name,
            volumeName,
            claim.spec.storageClassName ?? "",
            claim.status?.capacity?.storage ?? claim.spec.resources.requests.storage,
            location.kind,
            location.where,
        ]);
    }
    const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
    for (const row of table) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd());
}
