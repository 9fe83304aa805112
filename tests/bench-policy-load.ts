/**
 * How long Pulumi's policy host takes to load the pack, as committed and with `noResolve`, side
 * by side in one run: the two figures and their ratio. The pack's compile follows every import
 * it meets; a pack that reached an SDK's declarations (through an environment's definition, say)
 * pays seconds on every `pulumi preview --policy-pack`, and `noResolve` would hide that.
 *
 *   npm run bench:policy-load [-- --runs 5]
 *
 * Each figure is a fresh `node` process that registers ts-node as
 * @pulumi/pulumi/cmd/run-policy-pack does (type-checking on, the pack's tsconfig.json from the
 * pack's directory, no compile cache) and requires policy/policies.ts; the time is from
 * registration until it has loaded.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { ROOT } from "./harness";

type Mode = "committed" | "noResolve";

/** Child process: load the pack one way, print the milliseconds. */
function child(mode: Mode): void {
    const policyDir = path.join(ROOT, "policy");
    process.chdir(policyDir);
    const tsutils = require("@pulumi/pulumi/tsutils") as {
        loadTypeScriptCompilerOptions(file: string): Record<string, unknown>;
        typeScriptRequireStrings(): { tsnodeRequire: string; typescriptRequire: string };
    };
    // The ts-node and TypeScript the host takes: the project's, else the ones @pulumi/pulumi vendors.
    const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
    const compilerOptions = tsutils.loadTypeScriptCompilerOptions("tsconfig.json");
    const started = process.hrtime.bigint();
    require(tsnodeRequire).register({
        typeCheck: true,
        skipProject: false,
        compiler: typescriptRequire,
        compilerOptions: { target: "ES2020", module: "commonjs", moduleResolution: "node", sourceMap: "true", ...compilerOptions, ...(mode === "noResolve" ? { noResolve: true } : {}) },
    });
    const { policies } = require(path.join(policyDir, "policies.ts")) as { policies: unknown[] };
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    if (!(policies.length > 5)) throw new Error(`the pack loaded ${policies.length} policies`);
    process.stdout.write(`${elapsed.toFixed(0)}\n`);
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

function main(): void {
    const runsFlag = process.argv.indexOf("--runs");
    const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 5;
    if (!(Number.isInteger(runs) && runs > 0)) throw new Error(`--runs ${process.argv[runsFlag + 1]}: must be a positive integer`);
    const times: Record<Mode, number[]> = { committed: [], noResolve: [] };
    // Interleaved, so a busy moment of the machine costs both modes alike.
    for (let i = 0; i < runs; i++) {
        for (const mode of Object.keys(times) as Mode[]) {
            const result = spawnSync(process.execPath, [__filename, "--child", mode], { encoding: "utf8", env: { ...process.env, TS_NODE_CACHE: "false" } });
            if (result.status !== 0) throw new Error(`${mode}: ${result.stderr}`);
            times[mode].push(Number(result.stdout.trim()));
        }
    }
    console.log(`policy pack load, ${runs} runs each (ms): ${new Date().toISOString().slice(0, 10)}`);
    for (const mode of Object.keys(times) as Mode[]) console.log(`  ${mode.padEnd(10)} ${times[mode].join(", ")} (median ${median(times[mode])})`);
    console.log(`  committed / noResolve: ${(median(times.committed) / median(times.noResolve)).toFixed(2)}`);
}

if (process.argv[2] === "--child") child(process.argv[3] as Mode);
else main();
