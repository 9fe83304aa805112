/**
 * How long the program takes to start and run under Pulumi's Node.js runtime, against a plain
 * transpile-only load of the same program, in one run. Prints both figures and their ratio
 * (the goal: under 1.5x), plus what type-checking on every run would cost.
 *
 *   npm run bench:startup [-- --runs 5 --stacks dev,prod]
 *
 * Each figure is the wall time of a fresh `node` process, from spawn to exit, that loads
 * index.ts and runs it to completion against mocked providers (so no engine or cluster is
 * needed, and only the loading differs between the modes):
 *   pulumi     Pulumi's own loader (@pulumi/pulumi/cmd/run), which reads tsconfig.json the way
 *              `pulumi up` does: `noCheck` there makes it transpile-only.
 *   plain      a minimal require hook calling `ts.transpileModule`, no ts-node: the floor.
 *   typecheck  Pulumi's loader with PULUMI_NODEJS_TRANSPILE_ONLY=false: what every
 *              `pulumi preview` would pay without `noCheck`.
 * Pulumi's ts-node keeps a disk cache of compiled files (in the temp folder); every mode here
 * runs with TS_NODE_CACHE=false, so each figure is what a run after editing the program costs.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { installMocks, ROOT, stackConfig, waitForRPCs } from "./harness";

type Mode = "pulumi" | "plain" | "typecheck";

/** Child process: load and run the program one way, then exit. */
async function child(mode: Mode, stack: string): Promise<void> {
    process.chdir(ROOT);
    const recording = await installMocks(stack, stackConfig(stack));
    const pulumi = await import("@pulumi/pulumi");
    if (mode === "plain") {
        const ts = require("typescript") as typeof import("typescript");
        require.extensions[".ts"] = (module: any, filename: string) => {
            const source = fs.readFileSync(filename, "utf8");
            const output = ts.transpileModule(source, {
                fileName: filename,
                compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
            });
            module._compile(output.outputText, filename);
        };
        await pulumi.runtime.runInPulumiStack(require(path.join(ROOT, "index.ts")));
    } else {
        // What the language host sets for a TypeScript project.
        process.env.PULUMI_NODEJS_TYPESCRIPT = "true";
        if (mode === "typecheck") process.env.PULUMI_NODEJS_TRANSPILE_ONLY = "false";
        // cmd/run/index.js is the language host's entry point: loading it parses this process's
        // argv and connects to an engine. run.js requires it only for an exit code, so stand in
        // for it and call run.js, the loader itself, directly.
        const entryPoint = require.resolve("@pulumi/pulumi/cmd/run");
        const Module = require("module");
        const stub = new Module(entryPoint);
        stub.filename = entryPoint;
        stub.loaded = true;
        stub.exports = { nodeJSProcessExitedAfterLoggingUserActionableMessage: 32 };
        require.cache[entryPoint] = stub;
        const { run } = require("@pulumi/pulumi/cmd/run/run");
        await run({ _: ["index.ts"] }, () => undefined, () => undefined, () => false);
    }
    await waitForRPCs();
    // A mode that loaded nothing would look fast: prove the program ran to the end.
    if (!recording.resources.some((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "sticky")) {
        throw new Error(`${mode}: the program did not register the sticky StatefulSet`);
    }
}

function timeChild(mode: Mode, stack: string): number {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [__filename, "--child", mode, stack], {
        encoding: "utf8",
        cwd: ROOT,
        env: { ...process.env, TS_NODE_CACHE: "false" },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 0) {
        throw new Error(`${mode} load of stack ${stack} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
    return seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function option(name: string, fallback: string): string {
    const index = process.argv.indexOf(`--${name}`);
    return index >= 0 ? process.argv[index + 1] : fallback;
}

function main(): void {
    const runs = Number(option("runs", "5"));
    const stacks = option("stacks", "dev,prod").split(",");
    console.log(`Program start, median of ${runs} fresh processes each (type-check: 1 run), ${new Date().toISOString().slice(0, 10)}`);
    console.log("stack  pulumi (s)  plain (s)  ratio   type-checking (s)");
    let worst = 0;
    for (const stack of stacks) {
        const pulumiTimes: number[] = [];
        const plainTimes: number[] = [];
        timeChild("plain", stack); // warm the file cache so the first measured mode is not penalised
        for (let i = 0; i < runs; i++) {
            // Interleaved, so a noisy moment on the machine hits both modes alike.
            pulumiTimes.push(timeChild("pulumi", stack));
            plainTimes.push(timeChild("plain", stack));
        }
        const typecheck = timeChild("typecheck", stack);
        const ratio = median(pulumiTimes) / median(plainTimes);
        worst = Math.max(worst, ratio);
        console.log(
            `${stack.padEnd(6)} ${median(pulumiTimes).toFixed(2).padStart(10)} ${median(plainTimes).toFixed(2).padStart(10)}` +
                `  ${ratio.toFixed(2).padStart(5)}x  ${typecheck.toFixed(2).padStart(17)}`,
        );
    }
    console.log(`worst ratio ${worst.toFixed(2)}x (goal: at most 1.5x)`);
}

if (process.argv[2] === "--child") {
    child(process.argv[3] as Mode, process.argv[4]).catch((error) => {
        console.error(error);
        process.exit(1);
    });
} else {
    main();
}
