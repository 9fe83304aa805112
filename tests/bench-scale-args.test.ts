/**
 * e2e/bench-scale-args.ts: bench:scale's command line through util.parseArgs, checked before any
 * cluster is touched; and e2e/median.ts, the one median the figures use.
 */
import * as assert from "assert";
import * as path from "path";
import { REPLICAS } from "../components/sticky-app-contract";
import { parseBenchScaleArgs } from "../e2e/bench-scale-args";
import { median } from "../e2e/median";

const ROOT = "/project";

describe("bench:scale's command line (e2e/bench-scale-args.ts)", () => {
    it("defaults: 3, 30 and 100 replicas, 3 rounds, the committed record and its plot, no probe", () => {
        assert.deepStrictEqual(parseBenchScaleArgs([], ROOT), {
            report: false,
            sizes: [3, 30, 100],
            rounds: 3,
            results: path.join(ROOT, "docs", "speed-scale.json"),
            plot: path.join(ROOT, "docs", "speed-scale.svg"),
            diagnose: undefined,
            awaitProbe: undefined,
            paired: undefined,
            pairedGrow: undefined,
            pairs: 10,
            skipCheckpoints: false,
        });
    });

    it("reads every option, in both spellings util.parseArgs accepts", () => {
        const args = parseBenchScaleArgs(["--sizes=3,30", "--rounds", "1", "--results", "/tmp/r.json", "--paired-grow", "30", "--pairs=4", "--skip-checkpoints", "--diagnose", "/tmp/d"], ROOT);
        assert.deepStrictEqual([args.sizes, args.rounds, args.results, args.plot, args.pairedGrow, args.pairs, args.skipCheckpoints, args.diagnose], [[3, 30], 1, "/tmp/r.json", "/tmp/r.svg", 30, 4, true, "/tmp/d"]);
        assert.strictEqual(parseBenchScaleArgs(["--report"], ROOT).report, true);
    });

    for (const [argv, message] of [
        [["--sizes", "3,0"], `--sizes 3,0: replicas from ${REPLICAS.min} to ${REPLICAS.max}, comma-separated`],
        [["--sizes", "3,101"], `--sizes 3,101: replicas from ${REPLICAS.min} to ${REPLICAS.max}, comma-separated`],
        [["--paired", "2.5"], `--paired 2.5: replicas from ${REPLICAS.min} to ${REPLICAS.max}`],
        [["--await-probe", ""], `--await-probe : replicas from ${REPLICAS.min} to ${REPLICAS.max}`],
        [["--rounds", "0"], "--rounds 0: a whole number of rounds, 1 or more"],
        [["--pairs", "x"], "--pairs x: a whole number of pairs, 1 or more"],
    ] as const) {
        it(`refuses ${argv.join(" ")}, naming the option, the value and what is allowed`, () => assert.throws(() => parseBenchScaleArgs(argv, ROOT), { message }));
    }

    it("refuses an option it does not know, and a stray argument", () => {
        assert.throws(() => parseBenchScaleArgs(["--size", "3"], ROOT), /Unknown option '--size'/);
        assert.throws(() => parseBenchScaleArgs(["3"], ROOT), /Unexpected argument '3'/);
    });
});

describe("the median (e2e/median.ts)", () => {
    it("is the middle figure, or the mean of the middle two", () => {
        assert.deepStrictEqual([median([3, 1, 2]), median([4, 1, 3, 2]), median([5])], [2, 2.5, 5]);
        assert.throws(() => median([]), /median of no figures/);
    });
});
