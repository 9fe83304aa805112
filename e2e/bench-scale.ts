/**
 * Cost as the work grows (issue 24): `npm run bench:scale [-- --sizes 3,30,100]` on the test
 * cluster. At each size, in one run, the same job done three ways:
 *
 *   this stack    the dev stack as shipped (`pulumi up` of index.ts)
 *   bare Pulumi   e2e/bare-program: the same objects (rendered from the stack under mocks) as
 *                 plain resources, nothing else: the floor of any Pulumi program for this job
 *   kubectl path  the same objects through kubectl (kubectl-path.ts, as bench:deploy does)
 *
 * and on each side: a scale from 3 replicas to N (N - 3 new pods and claims) and back to 3; then,
 * from nothing again, `up` of N replicas, a no-op preview (`kubectl diff`), a no-op up and a
 * storage size grow from 1Gi to 2Gi (the StatefulSet re-created around its pods, one claim patch
 * per replica). For this stack also the review's time on its biggest previews (the grow's, and
 * the one after it, which lets go of the N claim patches: N + 1 steps), and for both Pulumi sides
 * the program's peak memory and the modules it loaded (peak-memory.ts, preloaded through
 * NODE_OPTIONS). The claims are on `hostpath-expandable`, the test cluster's class that can grow.
 *
 * Each figure is the time until the command returns or, if the app is not ready by then
 * (`appReady`: N pods ready, nothing terminating), until it is. A take of a size runs its three
 * sides one after the other, so ratios are within one run; `--rounds R` (default 3) takes every
 * size R times, each side first, second and third in turn, and records each figure's median and
 * its lowest and highest round. The sizes' entries replace earlier ones in docs/speed-scale.json
 * (the record, committed), and every run prints the table, the slopes and the goals from the
 * whole record and redraws docs/speed-scale.svg. `--report` only does the latter, without a
 * cluster; `--results FILE` keeps the record (and the plot) elsewhere; `--diagnose DIR` adds, in
 * the first round after each Pulumi side's figures, an up from nothing, a no-op preview and a
 * grow with `-v=9 --logflow` whose logs go to DIR, with the previews the review read and the
 * modules each program loaded, and one more no-op preview whose program runs under V8's sampling
 * heap profiler (allocation-profile.ts: what it allocated, by package and by function); the
 * record says how many pods were real at each size (all of them up to 100 replicas here: they
 * fit on the test cluster's one real node). `--paired N`, `--paired-grow N` and `--await-probe N` are one-off probes
 * at N replicas, printed and not recorded (see their functions).
 */
import * as fs from "fs";
import * as path from "path";
import { parseBenchScaleArgs } from "./bench-scale-args";
import { devStackWorkspace, ROOT, tearDown } from "./workspace";
import { checkGoals, figuresTable, goalsTable, plotSvg, SIDES, slopeTable, superlinear, withSize, FIGURE_INFO, medianOfRounds, type ScaleResults, type SizeResult } from "./scale-figures";
import { awaitProbe, pairedGrowProbe, pairedProbe } from "./bench-scale-probes";
import { BARE_DIR, bareProject, measureSize, PeakMemory, progress, SCALED_DOWN, sideOrder, SIZE_BEFORE, stackConfig, versions } from "./bench-scale-sides";

/** The record (`--results` to keep another); the plot is drawn beside it, as .svg. */
const ARGS = parseBenchScaleArgs(process.argv.slice(2), ROOT);

function readResults(): ScaleResults {
    return fs.existsSync(ARGS.results) ? JSON.parse(fs.readFileSync(ARGS.results, "utf8")) : { environment: "", sizes: [] };
}

/** The tables, the goals and what grows faster than linear, from the whole record; redraws the plot. */
function report(results: ScaleResults): void {
    const dates = [...new Set(results.sizes.map((s) => s.takenAt.slice(0, 10)))].join(", ");
    fs.writeFileSync(ARGS.plot, plotSvg(results, `npm run bench:scale, ${dates}; ${results.environment}`));
    console.log(`bench:scale, ${dates}; ${results.environment}`);
    for (const size of results.sizes) {
        const pods = SIDES.map((side) => `${side} ${size.pods[side].real} real${size.pods[side].fake ? ` + ${size.pods[side].fake} on KWOK nodes` : ""}`).join(", ");
        console.log(`${size.replicas} replicas (${size.rounds ?? 1} round${(size.rounds ?? 1) === 1 ? "" : "s"}, the last ended ${size.takenAt}): pods ${pods}`);
    }
    console.log(`\n${figuresTable(results)}\n\nPer added replica (least squares over the sizes):\n\n${slopeTable(results)}\n\n${goalsTable(checkGoals(results))}\n`);
    const faster = superlinear(results);
    console.log(
        faster.length === 0
            ? "Nothing grows faster than linear."
            : `Faster than linear: ${faster.map((f) => `${FIGURE_INFO[f.figure].title} (${f.side}: ${f.segments.map((s) => (s * 1000).toFixed(1)).join(" then ")} ms per replica)`).join("; ")}`,
    );
    console.log(`\nplot: ${path.relative(ROOT, ARGS.plot)}; record: ${path.relative(ROOT, ARGS.results)}`);
}

async function main(): Promise<void> {
    if (ARGS.report) return report(readResults());
    const { sizes, rounds, pairs, awaitProbe: probe, paired, pairedGrow, diagnose: diagnoseDir } = ARGS;
    if (diagnoseDir !== undefined) fs.mkdirSync(diagnoseDir, { recursive: true });
    const ws = await devStackWorkspace("sticky-bench-scale-", { config: stackConfig(SCALED_DOWN, SIZE_BEFORE) });
    const memory = new PeakMemory(ws);
    let results = readResults();
    try {
        const bareDir = bareProject(ws);
        if (probe !== undefined) return await awaitProbe(ws, bareDir, probe);
        if (paired !== undefined) return await pairedProbe(ws, bareDir, paired, pairs);
        if (pairedGrow !== undefined) return await pairedGrowProbe(ws, bareDir, pairedGrow, pairs, diagnoseDir, ARGS.skipCheckpoints);
        results = { ...results, environment: versions(ws) };
        const takes = new Map<number, SizeResult[]>(sizes.map((n) => [n, []]));
        for (let round = 0; round < rounds; round++) {
            for (const replicas of sizes) {
                progress(`round ${round + 1} of ${rounds}\n`);
                // The diagnostic pass (-v=9 logs) in the first round only: its logs are of one take.
                const take = await measureSize(ws, bareDir, memory, replicas, sideOrder(round), round === 0 ? diagnoseDir : undefined);
                takes.get(replicas)!.push(take);
                // Written after every take, so a run stopped part-way keeps what it measured.
                results = withSize(results, medianOfRounds(takes.get(replicas)!));
                fs.writeFileSync(ARGS.results, `${JSON.stringify(results, null, 2)}\n`);
            }
        }
    } finally {
        ws.run("pulumi", ["-C", BARE_DIR, "destroy", "--yes", "--skip-preview", "--stack", "dev", "--non-interactive"]);
        await tearDown(ws);
    }
    report(results);
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
