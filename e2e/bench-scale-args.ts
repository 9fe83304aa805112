/**
 * `npm run bench:scale`'s command line (e2e/bench-scale.ts explains each option), read once with
 * Node's `util.parseArgs` and checked before any cluster is touched: every refusal names the
 * option, the value and what is allowed.
 */
import * as path from "path";
import { parseArgs } from "util";
import { REPLICAS } from "../components/sticky-app-contract";

export interface BenchScaleArgs {
    /** `--report`: only print the table and redraw the plot from the record. */
    readonly report: boolean;
    /** `--sizes 3,30,100`: the replica counts measured. */
    readonly sizes: readonly number[];
    /** `--rounds R`: takes of every size. */
    readonly rounds: number;
    /** `--results FILE`: the record (its plot beside it, `.svg`). */
    readonly results: string;
    readonly plot: string;
    /** `--diagnose DIR`: where the diagnostic pass's logs go; none without it. */
    readonly diagnose?: string;
    /** The one-off probes, at N replicas each. */
    readonly awaitProbe?: number;
    readonly paired?: number;
    readonly pairedGrow?: number;
    /** `--pairs P`: pairs of a paired probe. */
    readonly pairs: number;
    /** `--skip-checkpoints`: the paired grow's Pulumi runs without the engine's state writes. */
    readonly skipCheckpoints: boolean;
}

const wholeNumber = (option: string, text: string, allowed: string, check: (n: number) => boolean): number => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isInteger(n) || !check(n)) throw new Error(`--${option} ${text}: ${allowed}`);
    return n;
};
const replicas = (option: string, text: string) =>
    wholeNumber(option, text, `replicas from ${REPLICAS.min} to ${REPLICAS.max}`, (n) => n >= REPLICAS.min && n <= REPLICAS.max);

/** The arguments after `bench-scale.js`; `root` is where the default record lives (docs/). */
export function parseBenchScaleArgs(argv: readonly string[], root: string): BenchScaleArgs {
    const { values } = parseArgs({
        args: [...argv],
        options: {
            report: { type: "boolean", default: false },
            sizes: { type: "string", default: "3,30,100" },
            rounds: { type: "string", default: "3" },
            results: { type: "string", default: path.join(root, "docs", "speed-scale.json") },
            diagnose: { type: "string" },
            "await-probe": { type: "string" },
            paired: { type: "string" },
            "paired-grow": { type: "string" },
            pairs: { type: "string", default: "10" },
            "skip-checkpoints": { type: "boolean", default: false },
        },
        strict: true,
        allowPositionals: false,
    });
    const sizes = values.sizes.split(",").map((size) => {
        try {
            return replicas("sizes", size);
        } catch {
            throw new Error(`--sizes ${values.sizes}: replicas from ${REPLICAS.min} to ${REPLICAS.max}, comma-separated`);
        }
    });
    const probe = (option: "await-probe" | "paired" | "paired-grow") => (values[option] === undefined ? undefined : replicas(option, values[option]));
    const results = path.resolve(values.results);
    return {
        report: values.report,
        sizes,
        rounds: wholeNumber("rounds", values.rounds, "a whole number of rounds, 1 or more", (n) => n >= 1),
        results,
        plot: `${results.replace(/\.json$/, "")}.svg`,
        diagnose: values.diagnose === undefined ? undefined : path.resolve(values.diagnose),
        awaitProbe: probe("await-probe"),
        paired: probe("paired"),
        pairedGrow: probe("paired-grow"),
        pairs: wholeNumber("pairs", values.pairs, "a whole number of pairs, 1 or more", (n) => n >= 1),
        skipCheckpoints: values["skip-checkpoints"],
    };
}
