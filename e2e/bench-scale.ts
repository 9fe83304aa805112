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
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parsePreview } from "../tools/review/preview";
import { renderReview, reviewPreview } from "../tools/review/review";
import { bareProgramInput, inNamespace } from "./bare-program/render";
import { BARE_OBJECTS_FILE } from "./bare-program/objects";
import { kubectlApply, kubectlDiff, manifestsOf, renderDevStack } from "./kubectl-path";
import { appReady, devStackWorkspace, localImages, median, ROOT, tearDown, TEST_CONTEXT, waitFor, Workspace } from "./lib";
import {
    checkGoals,
    figuresTable,
    goalsTable,
    plotSvg,
    SIDES,
    slopeTable,
    superlinear,
    withSize,
    FIGURE_INFO,
    medianOf,
    medianOfRounds,
    SIDE_TITLES,
    type Figure,
    type ScaleResults,
    type Side,
    type SizeResult,
} from "./scale-figures";

/** The record (`--results` to keep another); the plot is drawn beside it, as .svg. */
const RESULTS = path.resolve(process.argv.includes("--results") ? process.argv[process.argv.indexOf("--results") + 1] : path.join(ROOT, "docs", "speed-scale.json"));
const PLOT = RESULTS.replace(/\.json$/, "") + ".svg";
const EXPANDABLE_CLASS = "hostpath-expandable";
const SIZE_BEFORE = "1Gi";
const SIZE_AFTER = "2Gi";
const SCALED_DOWN = 3;
const BARE_DIR = "bare";

function option(name: string, fallback: string): string {
    const index = process.argv.indexOf(`--${name}`);
    return index >= 0 ? process.argv[index + 1] : fallback;
}

const progress = (text: string) => process.stderr.write(text);

// ---- what each side deploys ----

/** The stack's config for `replicas` pods with claims of `size` (the rest as the dev stack has it). */
const stackConfig = (replicas: number, size: string) => ({
    "sticky:replicas": String(replicas),
    "sticky:storageSize": size,
    "sticky:storageClassName": EXPANDABLE_CLASS,
});

/** The image every side runs (Workspace.initDevStack's), looked up once. */
let image: string | undefined;

/** What to deploy: `replicas` pods with claims of `size`, grown from `grownFrom` (the size `replicas` claims have now). */
interface Target {
    readonly replicas: number;
    readonly size: string;
    readonly grownFrom?: string;
}

/** What the stack registers for `target`, under mocks (a grow as the stack's history would plan it). */
function render(target: Target) {
    image ??= localImages().nginx;
    const previousOutputs =
        target.grownFrom === undefined
            ? undefined
            : { storageSize: target.grownFrom, claimNames: Array.from({ length: target.replicas }, (_, i) => `sticky-data-sticky-${i}`) };
    return renderDevStack({ ...stackConfig(target.replicas, target.size), "sticky:image": image }, { previousOutputs, expandableClasses: [EXPANDABLE_CLASS] });
}

// ---- measuring ----

/**
 * The figure of a command that changes the app: its own seconds if the app is ready with
 * `replicas` pods when it returns, else the seconds from its start until the app is.
 */
async function untilReady(ws: Workspace, replicas: number, startedAt: number, seconds: number): Promise<number> {
    if (appReady(ws, replicas)) return seconds;
    const deadline = Date.now() + 600_000;
    while (!appReady(ws, replicas)) {
        if (Date.now() > deadline) throw new Error(`the app did not become ready with ${replicas} pods within 10 minutes`);
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return (Date.now() - startedAt) / 1000;
}

/**
 * Nothing of the app left: its objects, pods and claims gone, and the volumes the claims had
 * released too (the provisioner deletes them after the claims, and the next up from nothing
 * would otherwise provision its volumes while the last ones are still being deleted).
 */
async function nothingLeft(ws: Workspace): Promise<void> {
    await ws.removeApp();
    await waitFor("no volumes of the app's claims left", 300, () =>
        (ws.get("pv").items as any[]).some((pv) => String(pv.spec?.claimRef?.name ?? "").startsWith("sticky-data-")) ? undefined : true,
    );
}

/** Every claim of the app asks for `size`: the grow did its job. */
function expectClaims(ws: Workspace, replicas: number, size: string, side: Side): void {
    const claims = ws.get("pvc", "-l", "app=sticky").items as any[];
    const wrong = claims.filter((c) => Number(c.metadata.name.split("-").pop()) < replicas && c.spec.resources.requests.storage !== size);
    if (claims.length < replicas || wrong.length > 0) {
        throw new Error(`${side}: after the grow, ${wrong.length} of ${claims.length} claims do not ask for ${size}: ${wrong.map((c) => c.metadata.name).join(", ")}`);
    }
}

/** The annotation KWOK puts on the nodes it fakes: a pod there runs no container. */
const FAKE_NODE_ANNOTATION = "kwok.x-k8s.io/node";

/** Pods on real nodes and on fake ones (annotated kwok.x-k8s.io/node=fake), if a cluster has any. */
function podPlacement(ws: Workspace): { real: number; fake: number } {
    const fakeNodes = new Set(
        (ws.get("nodes").items as any[]).filter((n) => n.metadata.annotations?.[FAKE_NODE_ANNOTATION] === "fake").map((n) => n.metadata.name),
    );
    const pods = ws.get("pods", "-l", "app=sticky").items as any[];
    const fake = pods.filter((p) => fakeNodes.has(p.spec.nodeName)).length;
    return { real: pods.length - fake, fake };
}

/** Peak memory of the program processes a Pulumi command ran (peak-memory.ts), in MB; the file is emptied. */
class PeakMemory {
    readonly file: string;

    constructor(ws: Workspace) {
        this.file = path.join(ws.dir, "peak-memory.jsonl");
        ws.env.NODE_OPTIONS = `${ws.env.NODE_OPTIONS ?? ""} --require ${path.join(ROOT, "bin", "e2e", "peak-memory.js")}`.trim();
        ws.env.STICKY_PEAK_MEMORY_FILE = this.file;
        // ts-node's cache of transpiled files (in the os temporary folder by default), here so a
        // side can start without it: its first command then costs what a first run on a machine does.
        this.transpileCache = path.join(ws.dir, "ts-node-cache");
        ws.env.TS_NODE_CACHE_DIRECTORY = this.transpileCache;
    }

    private readonly transpileCache: string;

    /** Starts a side: nothing measured yet, nothing transpiled yet. */
    start(): void {
        fs.rmSync(this.file, { force: true });
        fs.rmSync(this.transpileCache, { recursive: true, force: true });
    }

    /**
     * Reads what the last commands left and starts over for the next side: the peak resident
     * memory of the program processes (MB), and of the process that peaked its heap at exit and
     * the modules it loaded by package.
     */
    take(): { peakMB: number; warmPeakMB?: number; heapMB: number; modules: Record<string, number>; cached: number } | undefined {
        const lines = fs.existsSync(this.file) ? fs.readFileSync(this.file, "utf8").trim().split("\n").filter((l) => l !== "") : [];
        fs.rmSync(this.file, { force: true });
        // The language host starts the program as `node .../@pulumi/pulumi/cmd/run ...`.
        const programs = lines.map((l) => JSON.parse(l)).filter((entry) => entry.argv.some((a: string) => /cmd[/\\]run([/\\]index(\.js)?)?$/.test(a)));
        if (programs.length === 0) return undefined;
        const highest = (entries: typeof programs) => entries.reduce((a, b) => (b.maxRssKiB > a.maxRssKiB ? b : a));
        const peak = highest(programs);
        // The side's first command transpiles the program's TypeScript (ts-node keeps what it
        // transpiled in a cache under the temporary folder, keyed by content and compiler options);
        // every later command finds it there, as every `pulumi up` after the first on a machine does.
        const warm = programs.length > 1 ? highest(programs.slice(1)).maxRssKiB / 1024 : undefined;
        const cached = fs.existsSync(this.transpileCache) ? fs.readdirSync(this.transpileCache, { recursive: true }).length : 0;
        return { peakMB: peak.maxRssKiB / 1024, warmPeakMB: warm, heapMB: peak.heapUsedKiB / 1024, modules: peak.modules, cached };
    }
}

/** Seconds of the review CLI on `file` (median of 3 fresh processes), and of its parse + review + render in this process (median of 5). */
function timeReview(file: string): { cli: number; render: number } {
    const cli: number[] = [];
    for (let i = 0; i < 3; i++) {
        const started = process.hrtime.bigint();
        const run = spawnSync(process.execPath, [path.join(ROOT, "bin", "tools", "review", "cli.js"), file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        cli.push(Number(process.hrtime.bigint() - started) / 1e9);
        if (run.status !== 0) throw new Error(`the review exited ${run.status}: ${run.stderr}`);
    }
    const text = fs.readFileSync(file, "utf8");
    const render: number[] = [];
    for (let i = 0; i < 5; i++) {
        const started = process.hrtime.bigint();
        renderReview(reviewPreview({ preview: parsePreview(text), stack: "dev" }));
        render.push(Number(process.hrtime.bigint() - started) / 1e9);
    }
    return { cli: median(cli), render: median(render) };
}

type Figures = Partial<Record<Figure, number>>;
interface SideRun {
    readonly figures: Figures;
    readonly details: Record<string, number>;
    readonly pods: { real: number; fake: number };
}

/** The kubectl path at `replicas`. */
async function kubectlSide(ws: Workspace, replicas: number): Promise<SideRun> {
    const full = manifestsOf(await render({ replicas, size: SIZE_BEFORE }));
    const small = manifestsOf(await render({ replicas: SCALED_DOWN, size: SIZE_BEFORE }));
    const grown = manifestsOf(await render({ replicas, size: SIZE_AFTER, grownFrom: SIZE_BEFORE }));
    const figures: Figures = {};
    const step = async (label: string, count: number, run: () => Promise<number>): Promise<number> => {
        progress(` ${label}`);
        const started = Date.now();
        const seconds = await untilReady(ws, count, started, await run());
        progress(` ${seconds.toFixed(1)}s`);
        return seconds;
    };
    // The scale first, from 3 replicas to N (N - 3 new claims) and back to 3; then nothing is left
    // for the up from nothing.
    await step("(3 replicas)", SCALED_DOWN, () => kubectlApply(ws, small));
    const up = await step("scale up", replicas, () => kubectlApply(ws, full));
    const down = await step("scale down", SCALED_DOWN, () => kubectlApply(ws, small));
    figures.scale = up + down;
    await nothingLeft(ws);
    figures.up = await step("apply", replicas, () => kubectlApply(ws, full));
    const pods = podPlacement(ws);
    progress(" diff");
    figures.preview = kubectlDiff(ws, full);
    figures.noop = await step("no-op apply", replicas, () => kubectlApply(ws, full));
    figures.grow = await step("grow", replicas, async () => {
        // The claim template cannot change in place: the StatefulSet goes (its pods stay, orphaned)
        // and comes back with the new template, as the stack's replacement does; the claims'
        // size is taken over from the controller that made them, as the stack's patches do.
        const started = Date.now();
        ws.kubectl("delete", "statefulset", "sticky", "--cascade=orphan");
        await kubectlApply(ws, grown, ["--force-conflicts"]);
        return (Date.now() - started) / 1000;
    });
    expectClaims(ws, replicas, SIZE_AFTER, "kubectl");
    await nothingLeft(ws);
    return { figures, details: { scaleUp: up, scaleDown: down }, pods };
}

/**
 * A Pulumi side at `replicas`: `prepare(target)` points the program at what to deploy (stack
 * config, or the bare program's objects); `project` are the arguments that point `pulumi` at
 * its project (none for the stack, which is the workspace itself). With
 * `diagnose` (a folder), once the figures are taken, a no-op preview and one more grow run with
 * `-v=9 --logflow` and leave their logs there (docs/speed.md reads such a log step by step).
 */
async function pulumiSide(
    ws: Workspace,
    replicas: number,
    memory: PeakMemory,
    prepare: (target: Target) => Promise<void>,
    project: string[],
    side: Side,
    diagnose: string | undefined,
): Promise<SideRun> {
    const review = side === "stack";
    const figures: Figures = {};
    const details: Record<string, number> = {};
    const pulumi = (...args: string[]) => ws.pulumi(...project, ...args);
    const step = async (label: string, count: number, args: string[]): Promise<number> => {
        progress(` ${label}`);
        const started = Date.now();
        const seconds = await untilReady(ws, count, started, pulumi(...args).seconds);
        progress(` ${seconds.toFixed(1)}s`);
        return seconds;
    };
    const up = ["up", "--yes", "--skip-preview", "--stack", "dev"];
    const fromNothing = async () => {
        pulumi("destroy", "--yes", "--skip-preview", "--stack", "dev");
        await nothingLeft(ws);
    };
    memory.start();
    // The scale first, from 3 replicas to N (N - 3 new claims) and back to 3.
    await prepare({ replicas: SCALED_DOWN, size: SIZE_BEFORE });
    await step("(3 replicas)", SCALED_DOWN, up);
    await prepare({ replicas, size: SIZE_BEFORE });
    details.scaleUp = await step("scale up", replicas, up);
    await prepare({ replicas: SCALED_DOWN, size: SIZE_BEFORE });
    details.scaleDown = await step("scale down", SCALED_DOWN, up);
    figures.scale = details.scaleUp + details.scaleDown;
    await fromNothing();
    await prepare({ replicas, size: SIZE_BEFORE });
    figures.up = await step("up", replicas, up);
    const pods = podPlacement(ws);
    progress(" preview");
    figures.preview = pulumi("preview", "--expect-no-changes", "--stack", "dev").seconds;
    progress(` ${figures.preview.toFixed(1)}s`);
    figures.noop = await step("no-op up", replicas, ["up", "--yes", "--expect-no-changes", "--stack", "dev"]);
    await prepare({ replicas, size: SIZE_AFTER, grownFrom: SIZE_BEFORE });
    /** The review CLI on a preview of this side's (`pulumi preview --json`), kept in the diagnose folder or the workspace. */
    const reviewed = (name: string) => {
        // The Kubernetes provider built offline here refuses a StatefulSet replacement's dry run
        // (pulumi-kubernetes#4328, fixed in 4.29), so the grow's preview fails part-way (exit 1);
        // the review reads a preview as it is, as CI would.
        const preview = ws.run("pulumi", [...project, "preview", "--json", "--stack", "dev", "--non-interactive"]);
        if (preview.status !== 0 && preview.status !== 1) throw new Error(`the ${name} preview exited ${preview.status}:\n${preview.stderr}`);
        const file = path.join(diagnose ?? ws.dir, `${side}-${replicas}-${name}-preview.json`);
        fs.writeFileSync(file, preview.stdout);
        const steps = parsePreview(preview.stdout).steps.length;
        return { exit: preview.status, steps, kiB: Buffer.byteLength(preview.stdout) / 1024, ...timeReview(file) };
    };
    if (review) {
        progress(" grow preview");
        const grow = reviewed("grow");
        details.growPreviewExit = grow.exit;
        details.growPreviewSteps = grow.steps;
        details.growReview = grow.cli;
    }
    figures.grow = await step("grow", replicas, up);
    expectClaims(ws, replicas, SIZE_AFTER, side);
    if (review) {
        // The biggest preview this provider completes: the run after a grow lets go of the N
        // claim patches (each a step, the claims themselves kept), so it lists N + 1 steps.
        progress(" after-grow preview");
        const after = reviewed("after-grow");
        if (after.exit !== 0) throw new Error(`the preview after the grow failed (exit ${after.exit}); see ${side}-${replicas}-after-grow-preview.json`);
        figures.review = Math.max(after.cli, details.growReview);
        details.reviewSteps = after.steps;
        details.reviewRender = after.render;
        details.previewJsonKiB = after.kiB;
        progress(` review ${after.cli.toFixed(2)}s (${after.steps} steps)`);
    }
    const used = memory.take();
    if (used !== undefined) {
        figures.memory = used.peakMB;
        figures.memoryWarm = used.warmPeakMB;
        details.heapAtExitMB = used.heapMB;
        details.modulesLoaded = Object.values(used.modules).reduce((a, b) => a + b, 0);
        details.programModules = used.modules.program ?? 0;
        // Entries in ts-node's cache after the side: non-zero shows the warm figure had it to use.
        details.transpileCacheEntries = used.cached;
        if (diagnose !== undefined) fs.writeFileSync(path.join(diagnose, `${side}-${replicas}-modules.json`), `${JSON.stringify(used.modules, null, 1)}\n`);
    }
    if (diagnose !== undefined) {
        progress(" diagnostic logs");
        const logged = (name: string, args: string[]) => pulumiLogged(ws, path.join(diagnose, `${side}-${replicas}-${name}.log`), [...project, ...args]);
        try {
            await fromNothing();
            await prepare({ replicas, size: SIZE_BEFORE });
            logged("up", up);
            await untilReady(ws, replicas, Date.now(), 0);
            logged("preview", ["preview", "--expect-no-changes", "--stack", "dev"]);
            details.allocatedMB = allocationProfile(ws, path.join(diagnose, `${side}-${replicas}-allocations.json`), [...project, "preview", "--expect-no-changes", "--stack", "dev"]);
            await prepare({ replicas, size: SIZE_AFTER, grownFrom: SIZE_BEFORE });
            logged("grow", up);
        } catch (error) {
            // The figures are taken; a failed diagnostic pass costs only its logs.
            progress(` (diagnostic pass failed: ${String(error).slice(0, 300)})`);
        }
        memory.take();
    }
    return { figures, details, pods };
}

/**
 * One more no-op preview with the program under V8's sampling heap profiler
 * (allocation-profile.ts): what it allocated over its life, by package and by function, goes to
 * `file`; returns the total in MB. Not timed: the profiler slows the program.
 */
function allocationProfile(ws: Workspace, file: string, args: string[]): number {
    const lines = `${file}l`;
    fs.rmSync(lines, { force: true });
    const saved = { NODE_OPTIONS: ws.env.NODE_OPTIONS, STICKY_ALLOCATION_FILE: ws.env.STICKY_ALLOCATION_FILE };
    ws.env.NODE_OPTIONS = `${ws.env.NODE_OPTIONS ?? ""} --require ${path.join(ROOT, "bin", "e2e", "allocation-profile.js")}`.trim();
    ws.env.STICKY_ALLOCATION_FILE = lines;
    try {
        ws.pulumi(...args);
    } finally {
        Object.assign(ws.env, saved);
    }
    const entries = fs.readFileSync(lines, "utf8").trim().split("\n").map((line) => JSON.parse(line));
    fs.rmSync(lines);
    if (entries.length !== 1 || entries[0].error !== undefined) throw new Error(`the allocation profile of \`pulumi ${args.join(" ")}\`: ${JSON.stringify(entries).slice(0, 300)}`);
    fs.writeFileSync(file, `${JSON.stringify(entries[0], null, 1)}\n`);
    return entries[0].allocatedMB;
}

function setStackConfig(ws: Workspace, config: Record<string, string>): void {
    ws.pulumi("config", "set-all", ...Object.entries(config).flatMap(([key, value]) => ["--plaintext", `${key}=${value}`]), "--stack", "dev");
}

/** Points the bare program in `bareDir` at `target`: the objects the stack registers for it. */
async function writeBareObjects(bareDir: string, target: Target): Promise<void> {
    fs.writeFileSync(path.join(bareDir, BARE_OBJECTS_FILE), JSON.stringify(bareProgramInput(await render(target), TEST_CONTEXT), null, 1));
}

/** `pulumi ...args -v=9 --logflow` with its log written straight into `log` (a -v=9 log of a hundred claim patches is far more than a pipe buffer). */
function pulumiLogged(ws: Workspace, log: string, args: string[]) {
    return ws.ok("bash", ["-c", 'log="$1"; shift; exec pulumi "$@" 2>"$log"', "bash", log, ...args, "-v=9", "--logflow", "--logtostderr", "--non-interactive"]);
}

/** The lowest and highest of `values`, as "min-max". */
const spread = (values: number[]) => `${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}`;

/** The bare program's project beside the stack's, in the same workspace and state backend. */
function bareProject(ws: Workspace): string {
    const dir = path.join(ws.dir, BARE_DIR);
    fs.mkdirSync(dir);
    for (const file of ["index.ts", "objects.ts"]) fs.copyFileSync(path.join(ROOT, "e2e", "bare-program", file), path.join(dir, file));
    // The stack's compiler settings (transpile-only), so both programs load the same way.
    fs.copyFileSync(path.join(ROOT, "tsconfig.json"), path.join(dir, "tsconfig.json"));
    fs.writeFileSync(
        path.join(dir, "Pulumi.yaml"),
        "name: sticky-bare\ndescription: bench:scale's bare program\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n    packagemanager: npm\nmain: index.ts\n",
    );
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "sticky-bare", private: true, main: "index.ts" }));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    ws.pulumi("-C", BARE_DIR, "stack", "init", "dev");
    return dir;
}

/** The order of the sides in round `round` (from 0): each side goes first, second and third in turn, so none always runs on the machine the one before left. */
const sideOrder = (round: number): Side[] => [0, 1, 2].map((i) => (["kubectl", "stack", "bare"] as const)[(i + round) % 3]);

/** One take of `replicas`: the three sides one after the other, in `order`. */
async function measureSize(ws: Workspace, bareDir: string, memory: PeakMemory, replicas: number, order: readonly Side[], diagnoseDir: string | undefined): Promise<SizeResult> {
    const sides: Record<Side, () => Promise<SideRun>> = {
        kubectl: () => kubectlSide(ws, replicas),
        stack: async () => {
            const run = await pulumiSide(ws, replicas, memory, async (target) => setStackConfig(ws, stackConfig(target.replicas, target.size)), [], "stack", diagnoseDir);
            ws.pulumi("destroy", "--yes", "--skip-preview", "--stack", "dev");
            await nothingLeft(ws);
            setStackConfig(ws, stackConfig(SCALED_DOWN, SIZE_BEFORE));
            return run;
        },
        bare: async () => {
            const run = await pulumiSide(ws, replicas, memory, (target) => writeBareObjects(bareDir, target), ["-C", BARE_DIR], "bare", diagnoseDir);
            ws.pulumi("-C", BARE_DIR, "destroy", "--yes", "--skip-preview", "--stack", "dev");
            await nothingLeft(ws);
            return run;
        },
    };
    const runs = {} as Record<Side, SideRun>;
    for (const side of order) {
        progress(`${replicas} replicas, ${SIDE_TITLES[side]}:`);
        runs[side] = await sides[side]();
        progress("\n");
    }
    return {
        replicas,
        takenAt: new Date().toISOString(),
        pods: { stack: runs.stack.pods, bare: runs.bare.pods, kubectl: runs.kubectl.pods },
        figures: { stack: runs.stack.figures, bare: runs.bare.figures, kubectl: runs.kubectl.figures },
        details: { stack: runs.stack.details, bare: runs.bare.details, kubectl: runs.kubectl.details },
    };
}

function versions(ws: Workspace): string {
    const pulumiVersion = ws.run("pulumi", ["version"]).stdout.trim();
    const kubernetesSdk = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", "@pulumi", "kubernetes", "package.json"), "utf8")).version;
    return `${os.cpus().length}-core ${os.type()}, Node ${process.version}, pulumi ${pulumiVersion}, @pulumi/kubernetes ${kubernetesSdk}`;
}

function readResults(): ScaleResults {
    return fs.existsSync(RESULTS) ? JSON.parse(fs.readFileSync(RESULTS, "utf8")) : { environment: "", sizes: [] };
}

/** The tables, the goals and what grows faster than linear, from the whole record; redraws the plot. */
function report(results: ScaleResults): void {
    const dates = [...new Set(results.sizes.map((s) => s.takenAt.slice(0, 10)))].join(", ");
    fs.writeFileSync(PLOT, plotSvg(results, `npm run bench:scale, ${dates}; ${results.environment}`));
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
    console.log(`\nplot: ${path.relative(ROOT, PLOT)}; record: ${path.relative(ROOT, RESULTS)}`);
}

/**
 * `--await-probe N`: what the provider's StatefulSet await costs an up from nothing of N
 * replicas. Two rounds of: the kubectl path; the bare program as it is (the provider waits for
 * every pod, watching each); the bare program with the StatefulSet annotated
 * `pulumi.com/skipAwait: "true"` (the provider returns once the object is created). Every
 * figure is until the app is ready, as in the table. Printed, not recorded.
 */
async function awaitProbe(ws: Workspace, bareDir: string, replicas: number): Promise<void> {
    const objects = bareProgramInput(await render({ replicas, size: SIZE_BEFORE }), TEST_CONTEXT);
    const skipping = {
        ...objects,
        objects: objects.objects.map((o) =>
            o.type === "kubernetes:apps/v1:StatefulSet"
                ? { ...o, args: { ...o.args, metadata: { ...o.args.metadata, annotations: { ...o.args.metadata.annotations, "pulumi.com/skipAwait": "true" } } } }
                : o,
        ),
    };
    const full = manifestsOf(await render({ replicas, size: SIZE_BEFORE }));
    const up = ["-C", BARE_DIR, "up", "--yes", "--skip-preview", "--stack", "dev"];
    const figures: Record<string, number[]> = { kubectl: [], bare: [], "bare, skipAwait": [] };
    const timed = async (label: string, run: () => Promise<number>) => {
        progress(` ${label}`);
        const started = Date.now();
        const seconds = await untilReady(ws, replicas, started, await run());
        figures[label].push(seconds);
        progress(` ${seconds.toFixed(1)}s`);
    };
    for (let round = 0; round < 2; round++) {
        progress(`await probe, ${replicas} replicas, round ${round + 1}:`);
        await timed("kubectl", () => kubectlApply(ws, full));
        await nothingLeft(ws);
        for (const [label, input] of [["bare", objects], ["bare, skipAwait", skipping]] as const) {
            fs.writeFileSync(path.join(bareDir, BARE_OBJECTS_FILE), JSON.stringify(input, null, 1));
            await timed(label, async () => ws.pulumi(...up).seconds);
            ws.pulumi("-C", BARE_DIR, "destroy", "--yes", "--skip-preview", "--stack", "dev");
            await nothingLeft(ws);
        }
        progress("\n");
    }
    console.log(`up from nothing at ${replicas} replicas, until ready (2 rounds, median):`);
    for (const [label, values] of Object.entries(figures)) {
        console.log(`  ${label}: ${medianOf(values).toFixed(2)} s (${values.map((v) => v.toFixed(2)).join(", ")}); ${(medianOf(values) / medianOf(figures.kubectl)).toFixed(2)}x kubectl`);
    }
}

/** Where `--paired` runs its copy of the bare program, and the port of that copy's Service. */
const PAIRED_NAMESPACE = "sticky-bare";
const PAIRED_PORT = 3334;

/**
 * `--paired N [--pairs P]`: the no-op preview and the no-op `up` of this stack and of the bare
 * program at N replicas with both deployed at once (the bare program's copy in a namespace of its
 * own, its Service on another port: bare-program/render.ts's `inNamespace`), one command of each
 * taking turns, P pairs (default 10), which goes first swapped every pair. A ratio is the median
 * of the pairs' own ratios, so a machine that slows down during the run moves both commands of a
 * pair alike: the table's sides run minutes apart, and on two cores that drift is bigger than the
 * 10% the goals check. Printed, not recorded.
 */
async function pairedProbe(ws: Workspace, bareDir: string, replicas: number, pairs: number): Promise<void> {
    const bare = ["-C", BARE_DIR];
    ws.kubectl("create", "namespace", PAIRED_NAMESPACE);
    ws.pulumi(...bare, "stack", "init", "paired");
    try {
        setStackConfig(ws, stackConfig(replicas, SIZE_BEFORE));
        ws.pulumi("up", "--yes", "--skip-preview", "--stack", "dev");
        await untilReady(ws, replicas, Date.now(), 0);
        const objects = inNamespace(bareProgramInput(await render({ replicas, size: SIZE_BEFORE }), TEST_CONTEXT), PAIRED_NAMESPACE, PAIRED_PORT);
        fs.writeFileSync(path.join(bareDir, BARE_OBJECTS_FILE), JSON.stringify(objects, null, 1));
        ws.pulumi(...bare, "up", "--yes", "--skip-preview", "--stack", "paired");
        await waitFor(`${replicas} ready pods of the bare program's copy`, 600, () => {
            const pods = ws.get("pods", "-n", PAIRED_NAMESPACE, "-l", "app=sticky").items as any[];
            return pods.length === replicas && pods.every((p) => (p.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True")) ? true : undefined;
        });
        const commands = {
            "no-op preview": ["preview", "--expect-no-changes"],
            "no-op up": ["up", "--yes", "--expect-no-changes"],
        };
        for (const [label, args] of Object.entries(commands)) {
            const times = { stack: [] as number[], bare: [] as number[] };
            const ratios: number[] = [];
            progress(`paired, ${replicas} replicas, ${label}:`);
            for (let pair = 0; pair < pairs; pair++) {
                const run = (side: "stack" | "bare") => (side === "stack" ? ws.pulumi(...args, "--stack", "dev") : ws.pulumi(...bare, ...args, "--stack", "paired")).seconds;
                const order = pair % 2 === 0 ? (["stack", "bare"] as const) : (["bare", "stack"] as const);
                const taken = { stack: 0, bare: 0 };
                for (const side of order) taken[side] = run(side);
                times.stack.push(taken.stack);
                times.bare.push(taken.bare);
                ratios.push(taken.stack / taken.bare);
                progress(` ${taken.stack.toFixed(2)}/${taken.bare.toFixed(2)}`);
            }
            progress("\n");
            console.log(
                `${label} at ${replicas} replicas, ${pairs} pairs: this stack ${medianOf(times.stack).toFixed(2)} s (${spread(times.stack)}), ` +
                    `bare Pulumi ${medianOf(times.bare).toFixed(2)} s (${spread(times.bare)}); stack / bare ${medianOf(ratios).toFixed(2)}x (pairs ${spread(ratios)})`,
            );
        }
    } finally {
        ws.run("pulumi", [...bare, "destroy", "--yes", "--skip-preview", "--stack", "paired", "--non-interactive"]);
        ws.run("kubectl", ["--context", TEST_CONTEXT, "delete", "namespace", PAIRED_NAMESPACE, "--wait=true"]);
    }
}

/** One side of a `--paired-grow` probe: its project, how it is pointed at a target, and what its commands add to the environment. */
interface GrowContender {
    readonly label: string;
    readonly side: "stack" | "bare";
    readonly project: string[];
    readonly prepare: (target: Target) => Promise<void>;
    readonly env?: Record<string, string>;
}

/**
 * `--paired-grow N [--pairs P] [--diagnose DIR] [--skip-checkpoints]`: the storage size grow
 * (1Gi to 2Gi, N claim patches) of this stack and of the bare program at N replicas, P pairs
 * (default 10), which goes first swapped every pair, each grow timed until the app is ready as in
 * the table. A grow cannot be undone (a smaller size is refused), so before each grow its side is
 * torn down and deployed at 1Gi from nothing; both sides use the same namespace, one after the
 * other, seconds apart rather than the table's minutes. With `--skip-checkpoints` the pair is the
 * bare program against itself with `PULUMI_SKIP_CHECKPOINTS=true` on its grow: what the engine's
 * state writes cost per claim patch (pulumi/pulumi#10960). With `--diagnose`, one more grow of
 * each side with `-v=9 --logflow` (untimed) leaves its log in DIR as paired-grow-<side>-N.log.
 * Printed, not recorded.
 */
async function pairedGrowProbe(ws: Workspace, bareDir: string, replicas: number, pairs: number, diagnose: string | undefined, skipCheckpoints: boolean): Promise<void> {
    const stack: GrowContender = { label: "stack", side: "stack", project: [], prepare: async (target) => setStackConfig(ws, stackConfig(target.replicas, target.size)) };
    const bare: GrowContender = { label: "bare", side: "bare", project: ["-C", BARE_DIR], prepare: (target) => writeBareObjects(bareDir, target) };
    const contenders: [GrowContender, GrowContender] = skipCheckpoints ? [bare, { ...bare, label: "bare-skip-checkpoints", env: { PULUMI_SKIP_CHECKPOINTS: "true" } }] : [stack, bare];
    const up = ["up", "--yes", "--skip-preview", "--stack", "dev"];
    /** Runs `command` with the contender's additions to the environment. */
    const withEnv = <T>(contender: GrowContender, command: () => T): T => {
        const saved = Object.fromEntries(Object.keys(contender.env ?? {}).map((key) => [key, ws.env[key]]));
        Object.assign(ws.env, contender.env);
        try {
            return command();
        } finally {
            for (const [key, value] of Object.entries(saved)) {
                if (value === undefined) delete ws.env[key];
                else ws.env[key] = value;
            }
        }
    };
    /** One grow of `contender` from a fresh 1Gi deployment; its seconds until ready (when `log` is given, untimed: 0). */
    const grow = async (contender: GrowContender, log?: string): Promise<number> => {
        const { project, prepare } = contender;
        await prepare({ replicas, size: SIZE_BEFORE });
        ws.pulumi(...project, ...up);
        await untilReady(ws, replicas, Date.now(), 0);
        await prepare({ replicas, size: SIZE_AFTER, grownFrom: SIZE_BEFORE });
        const started = Date.now();
        const ran =
            log === undefined
                ? withEnv(contender, () => ws.pulumi(...project, ...up))
                : withEnv(contender, () => pulumiLogged(ws, log, [...project, ...up]));
        const seconds = await untilReady(ws, replicas, started, ran.seconds);
        expectClaims(ws, replicas, SIZE_AFTER, contender.side);
        ws.pulumi(...project, "destroy", "--yes", "--skip-preview", "--stack", "dev");
        await nothingLeft(ws);
        return log === undefined ? seconds : 0;
    };
    const [first, second] = contenders;
    const times = new Map<GrowContender, number[]>(contenders.map((c) => [c, []]));
    const ratios: number[] = [];
    progress(`paired grow, ${replicas} replicas, ${first.label} / ${second.label}:`);
    for (let pair = 0; pair < pairs; pair++) {
        const taken = new Map<GrowContender, number>();
        for (const contender of pair % 2 === 0 ? [first, second] : [second, first]) taken.set(contender, await grow(contender));
        for (const contender of contenders) times.get(contender)!.push(taken.get(contender)!);
        ratios.push(taken.get(first)! / taken.get(second)!);
        progress(` ${taken.get(first)!.toFixed(2)}/${taken.get(second)!.toFixed(2)}`);
    }
    progress("\n");
    const figure = (c: GrowContender) => `${c.label} ${medianOf(times.get(c)!).toFixed(2)} s (${spread(times.get(c)!)})`;
    console.log(
        `storage size grow at ${replicas} replicas, ${pairs} pairs: ${figure(first)}, ${figure(second)}; ` +
            `${first.label} / ${second.label} ${medianOf(ratios).toFixed(2)}x (pairs ${spread(ratios)})`,
    );
    if (diagnose !== undefined) {
        for (const contender of contenders) await grow(contender, path.join(diagnose, `paired-grow-${contender.label}-${replicas}.log`));
        console.log(`-v=9 logs of one more grow of each side: ${contenders.map((c) => path.join(diagnose, `paired-grow-${c.label}-${replicas}.log`)).join(", ")}`);
    }
}

/** A probe's `--name N`: replicas from 1 to 100, or undefined when the option is not given. */
function replicasOption(name: string): number | undefined {
    if (!process.argv.includes(`--${name}`)) return undefined;
    const replicas = Number(option(name, ""));
    if (!(Number.isInteger(replicas) && replicas >= 1 && replicas <= 100)) throw new Error(`--${name} ${option(name, "")}: replicas from 1 to 100`);
    return replicas;
}

async function main(): Promise<void> {
    if (process.argv.includes("--report")) return report(readResults());
    const sizes = option("sizes", "3,30,100").split(",").map(Number);
    if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 100)) throw new Error(`--sizes ${option("sizes", "")}: replicas from 1 to 100, comma-separated`);
    const rounds = Number(option("rounds", "3"));
    if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds ${option("rounds", "")}: a whole number of rounds, 1 or more`);
    const probe = replicasOption("await-probe");
    const paired = replicasOption("paired");
    const pairedGrow = replicasOption("paired-grow");
    const pairs = Number(option("pairs", "10"));
    if (!Number.isInteger(pairs) || pairs < 1) throw new Error(`--pairs ${option("pairs", "")}: a whole number of pairs, 1 or more`);
    const diagnoseDir = process.argv.includes("--diagnose") ? path.resolve(option("diagnose", "")) : undefined;
    if (diagnoseDir !== undefined) fs.mkdirSync(diagnoseDir, { recursive: true });
    const ws = await devStackWorkspace("sticky-bench-scale-", { config: stackConfig(SCALED_DOWN, SIZE_BEFORE) });
    const memory = new PeakMemory(ws);
    let results = readResults();
    try {
        const bareDir = bareProject(ws);
        if (probe !== undefined) return await awaitProbe(ws, bareDir, probe);
        if (paired !== undefined) return await pairedProbe(ws, bareDir, paired, pairs);
        if (pairedGrow !== undefined) return await pairedGrowProbe(ws, bareDir, pairedGrow, pairs, diagnoseDir, process.argv.includes("--skip-checkpoints"));
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
                fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
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
