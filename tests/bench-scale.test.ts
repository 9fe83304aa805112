/**
 * The pure half of `npm run bench:scale` (e2e/scale-figures.ts) on made-up figures, and the bare
 * program (e2e/bare-program) under mocks: it must register the very objects the stack registers.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { bareKey, BARE_OBJECTS_FILE } from "../e2e/bare-program/objects";
import { bareProgramInput, inNamespace } from "../e2e/bare-program/render";
import { kubernetesObjects } from "../e2e/kubectl-path";
import { summarize, type ProfileNode } from "../e2e/allocation-profile";
import { packageOf } from "../e2e/peak-memory";
import { median } from "../e2e/median";
import {
    checkGoals,
    figuresTable,
    FIGURE_INFO,
    FIGURES,
    growth,
    medianOfRounds,
    plotSvg,
    points,
    slope,
    slopeTable,
    superlinear,
    tickStep,
    withSize,
    type Figure,
    type ScaleResults,
    type Side,
    type SizeResult,
} from "../e2e/scale-figures";
import { installMocks, runStack, waitForRPCs, type Registered } from "./harness";

/** A size where each side's every figure is `a + b * replicas` (+ `c * replicas^2` where given). */
function size(replicas: number, cost: Partial<Record<Side, Partial<Record<Figure, [number, number, number?]>>>>): SizeResult {
    const sideFigures = (side: Side) =>
        Object.fromEntries(Object.entries(cost[side] ?? {}).map(([figure, [a, b, c]]) => [figure, a + b * replicas + (c ?? 0) * replicas ** 2]));
    return {
        replicas,
        takenAt: "2026-12-02T17:00:00.000Z",
        pods: { stack: { real: replicas, fake: 0 }, bare: { real: replicas, fake: 0 }, kubectl: { real: replicas, fake: 0 } },
        figures: { stack: sideFigures("stack"), bare: sideFigures("bare"), kubectl: sideFigures("kubectl") },
        details: { stack: {}, bare: {}, kubectl: {} },
    };
}

const results = (cost: Parameters<typeof size>[1], sizes = [3, 30, 100]): ScaleResults => ({ environment: "test", sizes: sizes.map((n) => size(n, cost)) });

describe("bench:scale figures", () => {
    it("slope is the least-squares cost per added replica", () => {
        assert.ok(Math.abs(slope([[3, 2.03], [30, 2.3], [100, 3]]) - 0.01) < 1e-12);
        assert.ok(Math.abs(slope([[0, 1], [1, 3], [2, 5]]) - 2) < 1e-12);
        // Noise around a flat line leaves a small slope of either sign, not an error.
        assert.ok(Math.abs(slope([[3, 2.0], [30, 2.1], [100, 1.95]])) < 0.002);
        assert.ok(Number.isNaN(slope([[3, 1]])));
        assert.ok(Number.isNaN(slope([[3, 1], [3, 2]])));
    });

    it("finds a figure that grows faster than linear, and not a linear or flat one", () => {
        // 0.01 s + 0.0005 s * n^2: the segment slopes grow with the size.
        const quadratic = growth([[3, 2 + 0.0005 * 9], [30, 2 + 0.0005 * 900], [100, 2 + 0.0005 * 10000]], 0.002);
        assert.strictEqual(quadratic.fasterThanLinear, true);
        assert.strictEqual(quadratic.segments.length, 2);
        assert.ok(quadratic.segments[1] > 3 * quadratic.segments[0]);
        assert.strictEqual(growth([[3, 2.03], [30, 2.3], [100, 3]], 0.002).fasterThanLinear, false);
        // Flat but noisy: a 0.1 s wobble is not "faster than linear".
        assert.strictEqual(growth([[3, 2.0], [30, 1.95], [100, 2.1]], 0.002).fasterThanLinear, false);
        // Two sizes cannot show a bend.
        assert.strictEqual(growth([[3, 1], [100, 50]], 0.002).fasterThanLinear, false);
    });

    it("superlinear names the figure and the side", () => {
        const found = superlinear(results({ stack: { grow: [5, 0.01, 0.001] }, bare: { grow: [5, 0.01] }, kubectl: { grow: [1, 0.01] } }));
        assert.deepStrictEqual(
            found.map((f) => `${f.figure} ${f.side}`),
            ["grow stack"],
        );
    });

    it("checks each of issue 24's goals, met and not met", () => {
        const checks = checkGoals(
            results({
                // up: stack 5% over bare (met), the slopes equal kubectl's (met), 100 replicas at 1.2x kubectl (met).
                stack: { up: [2.1, 0.1], preview: [2.6, 0], grow: [6, 0.05], review: [0.1, 0.01] },
                bare: { up: [2, 0.1], preview: [2, 0], grow: [5, 0.05] },
                kubectl: { up: [0.5, 0.1], preview: [0.2, 0], grow: [1, 0.01] },
            }),
        );
        const byGoal = (start: string) => checks.filter((c) => c.goal.startsWith(start));
        assert.deepStrictEqual(byGoal("up from nothing at ").map((c) => c.met), [true, true, true, true]);
        // preview: 2.6 / 2 = 1.3 at every size.
        assert.deepStrictEqual(byGoal("no-op preview (kubectl diff) at ").map((c) => [c.value, c.met]), [["1.30x", false], ["1.30x", false], ["1.30x", false]]);
        assert.deepStrictEqual(byGoal("up from nothing at 100: stack / kubectl").map((c) => c.met), [true]);
        // grow: 0.05 s per replica against kubectl's 0.01: 5x.
        assert.deepStrictEqual(byGoal("storage size grow slope").map((c) => [c.value, c.met]), [
            ["50.0 / 10.0 ms per replica (5.00x)", false],
            ["50.0 / 10.0 ms per replica (5.00x)", false],
        ]);
        // Flat preview on all sides: met.
        assert.ok(byGoal("no-op preview (kubectl diff) slope").every((c) => c.met));
        // review: 0.1 + 0.01 * 100 = 1.1 s.
        assert.deepStrictEqual(byGoal("review").map((c) => [c.value, c.met]), [["1.10 s", false]]);
    });

    it("against a flat kubectl figure, a Pulumi slope must be flat too", () => {
        const checks = checkGoals(results({ stack: { noop: [3, 0.01] }, bare: { noop: [3, 0.001] }, kubectl: { noop: [0.5, 0] } }));
        assert.deepStrictEqual(
            checks.filter((c) => c.goal.includes("slope")).map((c) => [c.goal, c.value, c.met]),
            [
                ["no-op up slope: this stack / kubectl <= 1.2", "10.0 / 0.0 ms per replica (kubectl flat)", false],
                ["no-op up slope: bare Pulumi / kubectl <= 1.2", "1.0 / 0.0 ms per replica (kubectl flat)", true],
            ],
        );
    });

    it("tables every figure at every size with the ratios, and the slopes per side", () => {
        const r = results({ stack: { up: [2.2, 0.1], memory: [150, 0.5] }, bare: { up: [2, 0.1], memory: [140, 0.4] }, kubectl: { up: [0.5, 0.1] } }, [3, 100]);
        const table = figuresTable(r).split("\n");
        assert.ok(table.includes("| up from nothing | 3 | 2.50 s | 2.30 s | 0.80 s | 1.09x | 3.13x | 2.87x |"), table.join("\n"));
        assert.ok(table.includes("| program peak memory | 100 | 200 MB | 180 MB |  | 1.11x |  |  |"), table.join("\n"));
        assert.ok(!table.some((line) => line.startsWith("| storage size grow")), "no row for a figure nobody measured");
        const slopes = slopeTable(r).split("\n");
        assert.ok(slopes.includes("| up from nothing | 100.0 ms | 100.0 ms | 100.0 ms | 1.00x | 1.00x |"), slopes.join("\n"));
        assert.ok(slopes.includes("| program peak memory | 0.50 MB | 0.40 MB |  |  |  |"), slopes.join("\n"));
    });

    it("points are in replica order; a later take of a size replaces the earlier one", () => {
        let r: ScaleResults = { environment: "test", sizes: [] };
        r = withSize(r, size(100, { stack: { up: [10, 0] } }));
        r = withSize(r, size(3, { stack: { up: [1, 0] } }));
        r = withSize(r, size(100, { stack: { up: [20, 0] } }));
        assert.deepStrictEqual(points(r, "up", "stack"), [[3, 1], [100, 20]]);
        assert.deepStrictEqual(points(r, "up", "kubectl"), []);
    });

    it("several rounds of a size become each figure's median, with the lowest and highest round", () => {
        assert.strictEqual(median([3, 1, 2]), 2);
        assert.strictEqual(median([4, 1, 3, 2]), 2.5);
        const round = (up: number, grow: number | undefined, at: string): SizeResult => ({
            ...size(30, {}),
            takenAt: at,
            figures: { stack: grow === undefined ? { up } : { up, grow }, bare: { up: up / 2 }, kubectl: {} },
            details: { stack: { scaleUp: up }, bare: {}, kubectl: {} },
        });
        const combined = medianOfRounds([round(9, 1, "2026-12-02T20:03:00Z"), round(3, undefined, "2026-12-02T20:01:00Z"), round(4, 2, "2026-12-02T20:02:00Z")]);
        assert.strictEqual(combined.rounds, 3);
        assert.strictEqual(combined.takenAt, "2026-12-02T20:03:00Z", "the last round's end");
        assert.deepStrictEqual(combined.figures.stack, { up: 4, grow: 1.5 }, "a figure only some rounds have is the median of those");
        assert.deepStrictEqual(combined.figures.bare, { up: 2 });
        assert.deepStrictEqual(combined.figures.kubectl, {});
        assert.deepStrictEqual(combined.spread?.stack.up, [3, 9]);
        assert.deepStrictEqual(combined.details.stack, { scaleUp: 4 });
        assert.throws(() => medianOfRounds([size(3, {}), size(30, {})]), /different sizes \(3, 30\)/);
        assert.throws(() => medianOfRounds([]), /no rounds/);
        const table = figuresTable({ environment: "test", sizes: [combined] }).split("\n");
        assert.ok(table.includes("| up from nothing | 30 | 4.00 s (3.00-9.00) | 2.00 s (1.50-4.50) |  | 2.00x |  |  |"), table.join("\n"));
    });

    it("counts the modules a benchmarked program loads by package", () => {
        assert.strictEqual(packageOf("/w/node_modules/@pulumi/kubernetes/core/v1/service.js"), "@pulumi/kubernetes");
        assert.strictEqual(packageOf("/w/node_modules/@pulumi/pulumi/node_modules/semver/index.js"), "semver");
        assert.strictEqual(packageOf("/w/node_modules/typescript/lib/typescript.js"), "typescript");
        assert.strictEqual(packageOf("/tmp/ws/components/sticky-app.ts"), "program");
    });

    it("sums a sampled heap profile's allocations by package and by function", () => {
        const node = (functionName: string, url: string, lineNumber: number, mb: number, children: ProfileNode[] = []): ProfileNode => ({
            callFrame: { functionName, url, lineNumber },
            selfSize: mb * 1024 * 1024,
            children,
        });
        const head = node("(root)", "", -1, 0, [
            node("wrapCallSite", "file:///w/node_modules/@pulumi/pulumi/vendor/ts-node@7.0.1/index.js", 2083, 3, [
                node("readFileSync", "node:fs", 471, 2),
                node("StickyApp", "file:///tmp/ws/components/sticky-app.ts", 133, 0.5, [node("wrapCallSite", "file:///w/node_modules/@pulumi/pulumi/vendor/ts-node@7.0.1/index.js", 2083, 1.5)]),
            ]),
            node("(garbage collector)", "", -1, 0.25),
        ]);
        const summary = summarize(head, 3);
        assert.strictEqual(summary.allocatedMB, 7.25);
        // ts-node vendored in @pulumi/pulumi counts as @pulumi/pulumi (packageOf); `top` leaves out the smallest, "(native)".
        assert.deepStrictEqual(summary.byPackage, { "@pulumi/pulumi": 4.5, "node:": 2, program: 0.5 });
        // The same function at the same place is one entry wherever it is in the tree; `top` keeps the biggest.
        assert.deepStrictEqual(Object.keys(summary.byFunction), ["wrapCallSite ts-node@7.0.1/index.js:2084", "readFileSync node:fs:472", "StickyApp components/sticky-app.ts:134"]);
        assert.strictEqual(summary.byFunction["wrapCallSite ts-node@7.0.1/index.js:2084"], 4.5);
        // A frame without a file (V8's own work) is named alone.
        assert.deepStrictEqual(summarize(head).byFunction["(garbage collector)"], 0.25);
        // Nothing allocated: zeros, no entries.
        assert.deepStrictEqual(summarize(node("(root)", "", -1, 0)), { allocatedMB: 0, byPackage: {}, byFunction: {} });
    });

    it("tick steps are round", () => {
        assert.strictEqual(tickStep(9.3), 2.5);
        assert.strictEqual(tickStep(0.37), 0.1);
        assert.strictEqual(tickStep(180), 50);
        assert.strictEqual(tickStep(0), 1);
    });

    it("plots one panel per figure with a line per side that has it, as an SVG", () => {
        const svg = plotSvg(
            results({ stack: { up: [2.2, 0.1], review: [0.1, 0.001], memory: [150, 0.5] }, bare: { up: [2, 0.1], memory: [140, 0.4] }, kubectl: { up: [0.5, 0.1] } }),
            "2026-12-02 & a test",
        );
        assert.ok(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert.ok(svg.trimEnd().endsWith("</svg>"));
        assert.ok(svg.includes("2026-12-02 &amp; a test"), "the caption is escaped");
        for (const figure of FIGURES) {
            const { title, unit } = FIGURE_INFO[figure];
            assert.ok(svg.includes(`>${title.replace(/>/g, "&gt;")} (${unit})</text>`), `a panel titled ${title}`);
        }
        // up: three sides; review: one; memory: two. Nothing else was measured.
        assert.strictEqual(svg.match(/<polyline /g)?.length, 6);
        assert.strictEqual(svg.match(/<circle /g)?.length, 18);
        // Well-formed enough for a browser: every opened group is closed.
        assert.strictEqual(svg.match(/<g>/g)?.length, svg.match(/<\/g>/g)?.length);
    });
});

describe("bench:scale's bare program", () => {
    const config = { "sticky:replicas": "5", "sticky:storageSize": "2Gi", "sticky:storageClassName": "hostpath-expandable", "sticky:kubeContext": "sticky-test" };
    const world = { previousOutputs: { storageSize: "1Gi", claimNames: [0, 1, 2, 3, 4].map((i) => `sticky-data-sticky-${i}`) }, expandableClasses: ["hostpath-expandable"] };
    let stack: Registered[];
    let bare: Registered[];

    before(async () => {
        stack = (await runStack("dev", config, world)).resources;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sticky-bare-"));
        const cwd = process.cwd();
        try {
            fs.writeFileSync(path.join(dir, BARE_OBJECTS_FILE), JSON.stringify(bareProgramInput(stack, "sticky-test")));
            process.chdir(dir);
            const recording = await installMocks("dev", {});
            await pulumi.runtime.runInPulumiStack(async () => {
                require("../e2e/bare-program/index");
            });
            await waitForRPCs();
            bare = recording.resources;
        } finally {
            process.chdir(cwd);
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("registers the stack's Kubernetes objects (the claim patches of a grow included), same types, names and inputs", () => {
        const objects = (resources: Registered[]) => {
            const registered = resources.filter((r) => r.type.startsWith("kubernetes:") && !r.read);
            const args = kubernetesObjects(resources);
            return registered.map((r, i) => ({ key: bareKey(r), args: args[i] }));
        };
        assert.deepStrictEqual(objects(bare), objects(stack));
        assert.strictEqual(objects(bare).filter((o) => o.key.startsWith("kubernetes:core/v1:PersistentVolumeClaimPatch::")).length, 5);
    });

    it("with nothing else: no component, no stack reference, no read, one provider", () => {
        const others = bare.filter((r) => !r.type.startsWith("kubernetes:") && r.type !== "pulumi:pulumi:Stack");
        assert.deepStrictEqual(others.map((r) => r.type), ["pulumi:providers:kubernetes"]);
        assert.ok(bare.every((r) => !r.read && (r.parent === "" || r.parent.includes("::pulumi:pulumi:Stack::"))), "everything at the top level");
        assert.ok(stack.some((r) => r.type === "pulumi:pulumi:StackReference") && stack.some((r) => r.read), "the stack has what the bare program leaves out");
    });

    it("with the stack's options and dependencies: the StatefulSet after its owner, each patch after the StatefulSet", () => {
        const key = (urn: string, resources: Registered[]) => {
            const r = resources.find((x) => x.urn === urn);
            return r === undefined ? urn : bareKey(r);
        };
        const options = (resources: Registered[]) =>
            resources
                .filter((r) => r.type.startsWith("kubernetes:") && !r.read)
                .map((r) => ({ key: bareKey(r), deleteBeforeReplace: r.deleteBeforeReplace, retainOnDelete: r.retainOnDelete, deletedWith: r.deletedWith && key(r.deletedWith, resources) }));
        assert.deepStrictEqual(options(bare), options(stack));
        const depsOf = (name: string, type: string) => bare.find((r) => r.name === name && r.type === type)!.dependencies.map((urn) => key(urn, bare));
        assert.ok(depsOf("sticky", "kubernetes:apps/v1:StatefulSet").includes("kubernetes:core/v1:ConfigMap::sticky-lifetime"));
        assert.ok(depsOf("sticky-data-sticky-4", "kubernetes:core/v1:PersistentVolumeClaimPatch").includes("kubernetes:apps/v1:StatefulSet::sticky"));
    });

    it("moves into a namespace of its own for --paired: every object there, the namespace patch on it, the load balancer on another port", () => {
        const input = bareProgramInput(stack, "sticky-test");
        const moved = inNamespace(input, "sticky-bare", 3334);
        assert.strictEqual(moved.objects.length, input.objects.length);
        for (const object of moved.objects) {
            if (object.type === "kubernetes:core/v1:NamespacePatch") assert.strictEqual(object.args.metadata.name, "sticky-bare");
            else assert.strictEqual(object.args.metadata.namespace, "sticky-bare", `${object.type} ${object.name}`);
        }
        const services = moved.objects.filter((o) => o.type === "kubernetes:core/v1:Service");
        const publicService = services.find((o) => o.args.spec.type === "LoadBalancer")!;
        assert.deepStrictEqual(publicService.args.spec.ports.map((p: { port: number }) => p.port), [3334]);
        // Only the load balancer's port moves (the headless Service has no address to clash over), and the input is left as it was.
        const headless = services.find((o) => o.args.spec.type !== "LoadBalancer")!;
        assert.deepStrictEqual(headless.args.spec, input.objects.find((o) => o.type === headless.type && o.name === headless.name)!.args.spec);
        assert.ok(input.objects.every((o) => o.args.metadata.namespace === undefined));
        // Everything else is the same object: names, options, dependencies, the claim patches.
        assert.deepStrictEqual(moved.objects.map((o) => [o.type, o.name, o.dependsOn, o.ownerUidFrom]), input.objects.map((o) => [o.type, o.name, o.dependsOn, o.ownerUidFrom]));
    });
});
