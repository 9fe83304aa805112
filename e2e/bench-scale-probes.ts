/**
 * bench:scale's one-off probes at N replicas (`--await-probe`, `--paired`, `--paired-grow`):
 * printed, not recorded (e2e/bench-scale.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { TYPES } from "../core/kubernetes";
import { bareProgramInput, inNamespace } from "./bare-program/render";
import { BARE_OBJECTS_FILE } from "./bare-program/objects";
import { kubectlApply, manifestsOf } from "./kubectl-path";
import { median } from "./median";
import { TEST_CONTEXT, waitFor, Workspace } from "./workspace";
import { BARE_DIR, expectClaims, nothingLeft, progress, pulumiLogged, render, setStackConfig, SIZE_AFTER, SIZE_BEFORE, spread, stackConfig, type Target, untilReady, writeBareObjects } from "./bench-scale-sides";

/**
 * `--await-probe N`: what the provider's StatefulSet await costs an up from nothing of N
 * replicas. Two rounds of: the kubectl path; the bare program as it is (the provider waits for
 * every pod, watching each); the bare program with the StatefulSet annotated
 * `pulumi.com/skipAwait: "true"` (the provider returns once the object is created). Every
 * figure is until the app is ready, as in the table. Printed, not recorded.
 */
export async function awaitProbe(ws: Workspace, bareDir: string, replicas: number): Promise<void> {
    const objects = bareProgramInput(await render({ replicas, size: SIZE_BEFORE }), TEST_CONTEXT);
    const skipping = {
        ...objects,
        objects: objects.objects.map((o) =>
            o.type === TYPES.statefulSet
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
        console.log(`  ${label}: ${median(values).toFixed(2)} s (${values.map((v) => v.toFixed(2)).join(", ")}); ${(median(values) / median(figures.kubectl)).toFixed(2)}x kubectl`);
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
export async function pairedProbe(ws: Workspace, bareDir: string, replicas: number, pairs: number): Promise<void> {
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
                `${label} at ${replicas} replicas, ${pairs} pairs: this stack ${median(times.stack).toFixed(2)} s (${spread(times.stack)}), ` +
                    `bare Pulumi ${median(times.bare).toFixed(2)} s (${spread(times.bare)}); stack / bare ${median(ratios).toFixed(2)}x (pairs ${spread(ratios)})`,
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
export async function pairedGrowProbe(ws: Workspace, bareDir: string, replicas: number, pairs: number, diagnose: string | undefined, skipCheckpoints: boolean): Promise<void> {
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
    const figure = (c: GrowContender) => `${c.label} ${median(times.get(c)!).toFixed(2)} s (${spread(times.get(c)!)})`;
    console.log(
        `storage size grow at ${replicas} replicas, ${pairs} pairs: ${figure(first)}, ${figure(second)}; ` +
            `${first.label} / ${second.label} ${median(ratios).toFixed(2)}x (pairs ${spread(ratios)})`,
    );
    if (diagnose !== undefined) {
        for (const contender of contenders) await grow(contender, path.join(diagnose, `paired-grow-${contender.label}-${replicas}.log`));
        console.log(`-v=9 logs of one more grow of each side: ${contenders.map((c) => path.join(diagnose, `paired-grow-${c.label}-${replicas}.log`)).join(", ")}`);
    }
}
