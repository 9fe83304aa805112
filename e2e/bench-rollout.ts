/**
 * How long from `pulumi up` to all three pods serving, on the test cluster's real node, with the
 * StatefulSet's pod management policy as shipped (Parallel) against Kubernetes' default
 * (OrderedReady, one pod at a time, each waiting for the one before to be Ready). One run,
 * alternating rounds (npm run bench:rollout [-- --rounds 3]).
 *
 * Each round starts from nothing (no app objects, no claims), so both sides provision their
 * volumes. "Serving" means the pod answers HTTP on its own address (403 for its empty volume,
 * as the article says); the clock runs from starting `pulumi up` until the last of the three
 * answers. The OrderedReady program is the same program with one stack transformation that sets
 * the policy: nothing else differs.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { TYPES } from "../core/kubernetes";
import { median } from "./median";
import { httpGet } from "./requests";
import { devStackWorkspace, tearDown, Workspace } from "./workspace";

const POLICIES = ["Parallel", "OrderedReady"] as const;
type Policy = (typeof POLICIES)[number];

/** An entry point that runs index.ts with the StatefulSet's policy set to OrderedReady. */
function writeOrderedReadyEntry(ws: Workspace): string {
    const entry = "ordered-ready.ts";
    fs.writeFileSync(
        path.join(ws.dir, entry),
        `import * as pulumi from "@pulumi/pulumi";
pulumi.runtime.registerStackTransformation((args) => {
    if (args.type !== ${JSON.stringify(TYPES.statefulSet)}) return undefined;
    return { props: { ...args.props, spec: { ...args.props.spec, podManagementPolicy: "OrderedReady" } }, opts: args.opts };
});
module.exports = require("./index");
`,
    );
    return entry;
}

function setMain(ws: Workspace, main: string): void {
    const file = path.join(ws.dir, "Pulumi.yaml");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/^main: .*$/m, `main: ${main}`));
}

/** Pod IPs of sticky-0..2 that answer HTTP on port 80 right now. */
async function serving(ws: Workspace): Promise<number> {
    const list = ws.get("pods", "-l", "app=sticky").items as any[];
    const answers = await Promise.all(
        list.filter((p) => p.status.podIP && !p.metadata.deletionTimestamp).map((p) => httpGet(p.status.podIP, 80, 500)),
    );
    return answers.filter((a) => a.status > 0).length;
}

/** Seconds from starting `pulumi up` to three pods serving, and to `pulumi up` returning. */
async function round(ws: Workspace, policy: Policy): Promise<{ serving: number; up: number }> {
    const started = Date.now();
    const child = spawn("pulumi", ["up", "--yes", "--skip-preview", "--stack", "dev", "--non-interactive"], {
        cwd: ws.dir,
        env: ws.env,
        stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
    let upSeconds: number | undefined;
    void exited.then(() => (upSeconds = (Date.now() - started) / 1000));

    let servingSeconds: number | undefined;
    while (servingSeconds === undefined) {
        if ((await serving(ws)) === 3) servingSeconds = (Date.now() - started) / 1000;
        else if (Date.now() - started > 600_000) throw new Error(`${policy}: three pods not serving after 10 minutes`);
        else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const code = await exited;
    if (code !== 0) throw new Error(`pulumi up (${policy}) exited ${code}:\n${output}`);
    const sts = ws.get("statefulset", "sticky");
    if (sts.spec.podManagementPolicy !== policy) throw new Error(`deployed ${sts.spec.podManagementPolicy}, wanted ${policy}`);
    return { serving: servingSeconds, up: upSeconds ?? (Date.now() - started) / 1000 };
}

async function main(): Promise<void> {
    const roundsIndex = process.argv.indexOf("--rounds");
    const rounds = roundsIndex >= 0 ? Number(process.argv[roundsIndex + 1]) : 3;
    const ws = await devStackWorkspace("sticky-bench-rollout-");
    try {
        const orderedEntry = writeOrderedReadyEntry(ws);
        const results: Record<Policy, { serving: number[]; up: number[] }> = {
            Parallel: { serving: [], up: [] },
            OrderedReady: { serving: [], up: [] },
        };
        for (let i = 1; i <= rounds; i++) {
            for (const policy of POLICIES) {
                process.stderr.write(`round ${i}/${rounds}: ${policy}...`);
                setMain(ws, policy === "Parallel" ? "index.ts" : orderedEntry);
                const r = await round(ws, policy);
                process.stderr.write(` serving after ${r.serving.toFixed(1)} s, pulumi up ${r.up.toFixed(1)} s\n`);
                results[policy].serving.push(r.serving);
                results[policy].up.push(r.up);
                ws.pulumi("destroy", "--yes", "--skip-preview", "--stack", "dev");
                await ws.removeApp();
            }
        }
        const base = median(results.OrderedReady.serving);
        console.log(`From \`pulumi up\` to sticky-0..2 all serving, real node, median of ${rounds} rounds, ${new Date().toISOString().slice(0, 10)}`);
        console.log(`${"podManagementPolicy".padEnd(34)} ${"serving".padStart(8)}  ${"vs default".padStart(10)}  ${"pulumi up".padStart(9)}   (each round)`);
        for (const policy of POLICIES) {
            const label = policy === "Parallel" ? "Parallel (as shipped)" : "OrderedReady (Kubernetes default)";
            const s = results[policy].serving;
            console.log(
                `${label.padEnd(34)} ${median(s).toFixed(1).padStart(6)} s  ${(median(s) / base).toFixed(2).padStart(9)}x  ` +
                    `${median(results[policy].up).toFixed(1).padStart(7)} s   (${s.map((v) => v.toFixed(1)).join(", ")})`,
            );
        }
    } finally {
        await tearDown(ws);
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
