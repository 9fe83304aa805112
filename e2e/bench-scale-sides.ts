/**
 * bench:scale's three sides (e2e/bench-scale.ts): what each deploys, how each figure is taken,
 * and one take of a size with the sides in a given order.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { APP_NAME, claimName } from "../components/sticky-app-contract";
import { parsePreview } from "../tools/review/preview";
import { renderReview } from "../tools/review/markdown";
import { reviewPreview } from "../tools/review/review";
import { bareProgramInput } from "./bare-program/render";
import { BARE_OBJECTS_FILE } from "./bare-program/objects";
import { kubectlApply, kubectlDiff, manifestsOf, renderDevStack } from "./kubectl-path";
import { appReady } from "./app-state";
import { median } from "./median";
import { localImages, ROOT, TEST_CONTEXT, waitFor, Workspace } from "./workspace";
import { SIDE_TITLES, type Figure, type Side, type SizeResult } from "./scale-figures";

const EXPANDABLE_CLASS = "hostpath-expandable";
export const SIZE_BEFORE = "1Gi";
export const SIZE_AFTER = "2Gi";
export const SCALED_DOWN = 3;
export const BARE_DIR = "bare";

export const progress = (text: string) => process.stderr.write(text);

// ---- what each side deploys ----

/** The stack's config for `replicas` pods with claims of `size` (the rest as the dev stack has it). */
export const stackConfig = (replicas: number, size: string) => ({
    "sticky:replicas": String(replicas),
    "sticky:storageSize": size,
    "sticky:storageClassName": EXPANDABLE_CLASS,
});

/** The image every side runs (Workspace.initDevStack's), looked up once. */
let image: string | undefined;

/** What to deploy: `replicas` pods with claims of `size`, grown from `grownFrom` (the size `replicas` claims have now). */
export interface Target {
    readonly replicas: number;
    readonly size: string;
    readonly grownFrom?: string;
}

/** What the stack registers for `target`, under mocks (a grow as the stack's history would plan it). */
export function render(target: Target) {
    image ??= localImages().nginx;
    const previousOutputs =
        target.grownFrom === undefined
            ? undefined
            : { storageSize: target.grownFrom, claimNames: Array.from({ length: target.replicas }, (_, i) => claimName(APP_NAME, i)) };
    return renderDevStack({ ...stackConfig(target.replicas, target.size), "sticky:image": image }, { previousOutputs, expandableClasses: [EXPANDABLE_CLASS] });
}

// ---- measuring ----

/**
 * The figure of a command that changes the app: its own seconds if the app is ready with
 * `replicas` pods when it returns, else the seconds from its start until the app is.
 */
export async function untilReady(ws: Workspace, replicas: number, startedAt: number, seconds: number): Promise<number> {
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
export async function nothingLeft(ws: Workspace): Promise<void> {
    await ws.removeApp();
    await waitFor("no volumes of the app's claims left", 300, () =>
        (ws.get("pv").items as any[]).some((pv) => String(pv.spec?.claimRef?.name ?? "").startsWith("sticky-data-")) ? undefined : true,
    );
}

/** Every claim of the app asks for `size`: the grow did its job. */
export function expectClaims(ws: Workspace, replicas: number, size: string, side: Side): void {
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
export class PeakMemory {
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

export function setStackConfig(ws: Workspace, config: Record<string, string>): void {
    ws.pulumi("config", "set-all", ...Object.entries(config).flatMap(([key, value]) => ["--plaintext", `${key}=${value}`]), "--stack", "dev");
}

/** Points the bare program in `bareDir` at `target`: the objects the stack registers for it. */
export async function writeBareObjects(bareDir: string, target: Target): Promise<void> {
    fs.writeFileSync(path.join(bareDir, BARE_OBJECTS_FILE), JSON.stringify(bareProgramInput(await render(target), TEST_CONTEXT), null, 1));
}

/** `pulumi ...args -v=9 --logflow` with its log written straight into `log` (a -v=9 log of a hundred claim patches is far more than a pipe buffer). */
export function pulumiLogged(ws: Workspace, log: string, args: string[]) {
    return ws.ok("bash", ["-c", 'log="$1"; shift; exec pulumi "$@" 2>"$log"', "bash", log, ...args, "-v=9", "--logflow", "--logtostderr", "--non-interactive"]);
}

/** The lowest and highest of `values`, as "min-max". */
export const spread = (values: number[]) => `${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}`;

/** The bare program's project beside the stack's, in the same workspace and state backend. */
export function bareProject(ws: Workspace): string {
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
export const sideOrder = (round: number): Side[] => [0, 1, 2].map((i) => (["kubectl", "stack", "bare"] as const)[(i + round) % 3]);

/** One take of `replicas`: the three sides one after the other, in `order`. */
export async function measureSize(ws: Workspace, bareDir: string, memory: PeakMemory, replicas: number, order: readonly Side[], diagnoseDir: string | undefined): Promise<SizeResult> {
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

export function versions(ws: Workspace): string {
    const pulumiVersion = ws.run("pulumi", ["version"]).stdout.trim();
    const kubernetesSdk = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", "@pulumi", "kubernetes", "package.json"), "utf8")).version;
    return `${os.cpus().length}-core ${os.type()}, Node ${process.version}, pulumi ${pulumiVersion}, @pulumi/kubernetes ${kubernetesSdk}`;
}
