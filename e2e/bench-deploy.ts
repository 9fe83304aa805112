/**
 * Deploy figures on the test cluster, in one run (npm run bench:deploy [-- --rounds 3]):
 *   - `pulumi up` from nothing to ready, against `kubectl apply` of the same objects followed by
 *     waiting for the StatefulSet's rollout and the LoadBalancer's address (what Pulumi waits for);
 *   - `pulumi preview` with no changes, and a no-op `pulumi up` (preview + update, as users run it).
 * "From nothing" means no app objects and no claims: each round provisions its volumes anew.
 * The objects kubectl applies are the ones the program registers for the dev stack (rendered
 * under mocks by tests/harness.ts), so both sides create the same things.
 */
import * as fs from "fs";
import * as path from "path";
import { runStack } from "../tests/harness";
import { localImages, median, TEST_CONTEXT, waitFor, Workspace } from "./lib";

async function renderManifests(file: string): Promise<void> {
    // The same image the pulumi side uses (Workspace.initDevStack): the node cannot pull any.
    const run = await runStack("dev", { "sticky:kubeContext": TEST_CONTEXT, "sticky:image": localImages().nginx });
    const items = run.resources.filter((r) => r.type.startsWith("kubernetes:") && !r.read).map((r) => r.inputs);
    fs.writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 2));
}

async function kubectlApply(ws: Workspace, manifests: string): Promise<number> {
    const started = Date.now();
    ws.kubectl("apply", "--server-side", "-f", manifests);
    ws.ok("kubectl", ["--context", TEST_CONTEXT, "rollout", "status", "statefulset/sticky", "--timeout=600s"], 650);
    await waitFor("the LoadBalancer address", 600, () =>
        ws.get("service", "sticky").status.loadBalancer.ingress?.length ? true : undefined,
    );
    return (Date.now() - started) / 1000;
}

async function main(): Promise<void> {
    const roundsIndex = process.argv.indexOf("--rounds");
    const rounds = roundsIndex >= 0 ? Number(process.argv[roundsIndex + 1]) : 3;
    const ws = new Workspace("sticky-bench-");
    try {
        const manifests = path.join(ws.dir, "manifests.json");
        await renderManifests(manifests);
        ws.initDevStack();
        await ws.removeApp();

        const up: number[] = [];
        const apply: number[] = [];
        const preview: number[] = [];
        const noop: number[] = [];
        for (let round = 1; round <= rounds; round++) {
            process.stderr.write(`round ${round}/${rounds}: kubectl apply...`);
            apply.push(await kubectlApply(ws, manifests));
            await ws.removeApp();

            process.stderr.write(" pulumi up...");
            up.push(ws.pulumi("up", "--yes", "--skip-preview", "--stack", "dev").seconds);
            process.stderr.write(" preview...");
            preview.push(ws.pulumi("preview", "--expect-no-changes", "--stack", "dev").seconds);
            process.stderr.write(" no-op up...\n");
            noop.push(ws.pulumi("up", "--yes", "--expect-no-changes", "--stack", "dev").seconds);
            ws.pulumi("destroy", "--yes", "--skip-preview", "--stack", "dev");
            await ws.removeApp();
        }

        const kubectlMedian = median(apply);
        const line = (label: string, values: number[]) =>
            `${label.padEnd(44)} ${median(values).toFixed(1).padStart(6)} s  ${(median(values) / kubectlMedian).toFixed(2).padStart(5)}x` +
            `   (${values.map((v) => v.toFixed(1)).join(", ")})`;
        console.log(`Deploy figures on the test cluster, median of ${rounds} rounds, ${new Date().toISOString().slice(0, 10)}`);
        console.log(`${"".padEnd(44)} ${"median".padStart(8)}  vs kubectl   (each round)`);
        console.log(line("kubectl apply + rollout + LB address", apply));
        console.log(line("pulumi up, nothing to ready", up));
        console.log(line("pulumi preview, no changes", preview));
        console.log(line("pulumi up, no changes (preview + update)", noop));
    } finally {
        ws.remove();
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
