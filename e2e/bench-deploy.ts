/**
 * Deploy figures on the test cluster, side by side in one run (npm run bench:deploy [-- --rounds 3]):
 * each Pulumi command against the kubectl command that does the same work on the same objects.
 *
 *   | pulumi                                        | kubectl                                    |
 *   |-----------------------------------------------|--------------------------------------------|
 *   | `up` from nothing, until it returns (all pods  | `apply --server-side`, `rollout status`,   |
 *   |   ready, the load balancer's address known)   |   then poll for the address                |
 *   | `preview`, no changes                          | `diff --server-side`, no changes           |
 *   | `up`, no changes (preview + update, as users   | the same `apply` + `rollout status` +      |
 *   |   run it)                                      |   address, with nothing to change          |
 *
 * "From nothing" means no app objects and no claims: each round provisions its volumes anew.
 * `up` from nothing is measured twice: with `--skip-preview` (the update alone) and as users run
 * it (`--yes`: a preview, then the update). The objects kubectl applies are the ones the program
 * registers for the dev stack (rendered under mocks by tests/harness.ts), so both sides create
 * the same things. Each Pulumi command is then run again with NODE_COMPILE_CACHE set, as
 * `npm run dev:up` runs it, and printed against both the plain command and kubectl.
 */
import * as path from "path";
import { kubectlApply, kubectlDiff, renderManifests } from "./kubectl-path";
import { median } from "./median";
import { devStackWorkspace, tearDown } from "./workspace";

async function main(): Promise<void> {
    const roundsIndex = process.argv.indexOf("--rounds");
    const rounds = roundsIndex >= 0 ? Number(process.argv[roundsIndex + 1]) : 3;
    const ws = await devStackWorkspace("sticky-bench-");
    try {
        const manifests = await renderManifests();

        const figures = {
            apply: [] as number[],
            diff: [] as number[],
            applyNoop: [] as number[],
            up: [] as number[],
            upWithPreview: [] as number[],
            preview: [] as number[],
            noop: [] as number[],
            upCached: [] as number[],
            previewCached: [] as number[],
            noopCached: [] as number[],
        };
        // `npm run dev:up` runs pulumi with Node's compile cache (tools/dev-up.sh); warm it
        // once, as any earlier run on a laptop has.
        const compileCache = path.join(ws.dir, ".cache", "node-compile");
        const withCompileCache = <T>(run: () => T): T => {
            ws.env.NODE_COMPILE_CACHE = compileCache;
            try {
                return run();
            } finally {
                delete ws.env.NODE_COMPILE_CACHE;
            }
        };
        withCompileCache(() => ws.pulumi("preview", "--stack", "dev"));
        for (let round = 1; round <= rounds; round++) {
            process.stderr.write(`round ${round}/${rounds}: kubectl apply...`);
            figures.apply.push(await kubectlApply(ws, manifests));
            process.stderr.write(" diff...");
            figures.diff.push(kubectlDiff(ws, manifests));
            process.stderr.write(" no-op apply...");
            figures.applyNoop.push(await kubectlApply(ws, manifests));
            await ws.removeApp();

            process.stderr.write(" pulumi up...");
            figures.up.push(ws.up().seconds);
            process.stderr.write(" preview...");
            figures.preview.push(ws.pulumi("preview", "--expect-no-changes", "--stack", "dev").seconds);
            process.stderr.write(" no-op up...");
            figures.noop.push(ws.pulumi("up", "--yes", "--expect-no-changes", "--stack", "dev").seconds);
            ws.pulumi("destroy", "--yes", "--skip-preview", "--stack", "dev");
            await ws.removeApp();

            process.stderr.write(" pulumi up with preview...");
            figures.upWithPreview.push(ws.pulumi("up", "--yes", "--stack", "dev").seconds);
            ws.pulumi("destroy", "--yes", "--skip-preview", "--stack", "dev");
            await ws.removeApp();

            process.stderr.write(" the same with the compile cache...\n");
            withCompileCache(() => {
                figures.upCached.push(ws.up().seconds);
                figures.previewCached.push(ws.pulumi("preview", "--expect-no-changes", "--stack", "dev").seconds);
                figures.noopCached.push(ws.pulumi("up", "--yes", "--expect-no-changes", "--stack", "dev").seconds);
                ws.pulumi("destroy", "--yes", "--skip-preview", "--stack", "dev");
            });
            await ws.removeApp();
        }

        const row = (label: string, values: number[], against: number[], goal: number) => {
            const ratio = median(values) / median(against);
            return `${label.padEnd(48)} ${median(values).toFixed(2).padStart(6)} s  ${ratio.toFixed(2).padStart(5)}x ` +
                `${goal > 0 ? `(goal ${goal}x: ${ratio <= goal ? "met" : "NOT met"})` : ""}`.padEnd(22) +
                `  [${values.map((v) => v.toFixed(2)).join(", ")}]`;
        };
        const base = (label: string, values: number[]) =>
            `${label.padEnd(48)} ${median(values).toFixed(2).padStart(6)} s  ${"".padEnd(29)}[${values.map((v) => v.toFixed(2)).join(", ")}]`;
        console.log(`Deploy figures on the test cluster, median of ${rounds} rounds, ${new Date().toISOString().slice(0, 10)}, node ${process.version}`);
        console.log(`${"".padEnd(48)} ${"median".padStart(8)}  ratio  ${"".padEnd(22)} (each round)`);
        console.log(base("kubectl apply + rollout + address, from nothing", figures.apply));
        console.log(row("pulumi up --skip-preview, from nothing", figures.up, figures.apply, 1.5));
        console.log(row("pulumi up --yes (preview + update), from nothing", figures.upWithPreview, figures.apply, 0));
        console.log(base("kubectl diff, no changes", figures.diff));
        console.log(row("pulumi preview, no changes", figures.preview, figures.diff, 2));
        console.log(base("kubectl apply + rollout + address, no changes", figures.applyNoop));
        // The issue's goal compares a no-op up with "the kubectl path" (apply + rollout + address
        // from nothing); the same against kubectl's own no-op is printed too, without a goal.
        console.log(row("pulumi up --yes, no changes, vs the kubectl path", figures.noop, figures.apply, 2.5));
        console.log(row("pulumi up --yes, no changes, vs kubectl no-op", figures.noop, figures.applyNoop, 0));
        console.log("With NODE_COMPILE_CACHE, as npm run dev:up runs pulumi (ratio: against the same command without it)");
        console.log(row("pulumi up --skip-preview, from nothing", figures.upCached, figures.up, 0));
        console.log(row("pulumi preview, no changes", figures.previewCached, figures.preview, 0));
        console.log(row("pulumi up --yes, no changes", figures.noopCached, figures.noop, 0));
        console.log("... and against kubectl, for the goals");
        console.log(row("pulumi up --skip-preview, from nothing", figures.upCached, figures.apply, 1.5));
        console.log(row("pulumi preview, no changes", figures.previewCached, figures.diff, 2));
        console.log(row("pulumi up --yes, no changes, vs the kubectl path", figures.noopCached, figures.apply, 2.5));
    } finally {
        await tearDown(ws);
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
