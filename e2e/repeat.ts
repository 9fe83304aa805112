/**
 * Runs one e2e file several times in a row on the test cluster, each run a fresh mocha process,
 * and prints the tally: runs passed, and the requests sent and failed over every step that
 * counts them. A flaky e2e shows here as a failed run (its failed requests' stories are in its
 * output, which is printed in full for a failed run and kept in a file for every run).
 *
 *   npm run e2e:repeat -- zero-downtime            # ten runs
 *   npm run e2e:repeat -- zero-downtime --times 3
 *
 * Needs the toolchain and a running test cluster, like `npm run test:e2e`. Exits non-zero when
 * any run failed.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { ROOT } from "./workspace";

const { values, positionals } = parseArgs({ options: { times: { type: "string", default: "10" } }, allowPositionals: true });
const times = Number(values.times);
const [name] = positionals;
if (positionals.length !== 1 || !Number.isInteger(times) || times < 1) {
    console.error("usage: npm run e2e:repeat -- <e2e file name, e.g. zero-downtime> [--times N (a whole number, at least 1; default 10)]");
    process.exit(2);
}
const file = path.join(ROOT, "bin", "e2e", `${name}.e2e.js`);
if (!fs.existsSync(file)) {
    console.error(`e2e:repeat: ${file} does not exist (names: ${fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith(".e2e.js")).map((f) => f.replace(/\.e2e\.js$/, "")).join(", ")})`);
    process.exit(2);
}

/** Every "N sent, M failed" figure a run printed. */
const requestCounts = (output: string) => [...output.matchAll(/(\d+) sent, (\d+) failed/g)].map((m) => ({ sent: Number(m[1]), failed: Number(m[2]) }));

const runs: { passed: boolean; seconds: number; sent: number; failed: number }[] = [];
for (let run = 1; run <= times; run++) {
    const started = Date.now();
    // Each run's output goes to a file as it comes, so a long run can be followed (tail -f).
    const logFile = path.join(os.tmpdir(), `e2e-repeat-${name}-${run}.log`);
    const log = fs.openSync(logFile, "w");
    const result = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js"), "--config", path.join(ROOT, ".mocharc.e2e.json"), file], {
        cwd: ROOT,
        stdio: ["ignore", log, log],
    });
    fs.closeSync(log);
    const output = fs.readFileSync(logFile, "utf8");
    const counts = requestCounts(output);
    const outcome = {
        passed: result.status === 0,
        seconds: (Date.now() - started) / 1000,
        sent: counts.reduce((sum, c) => sum + c.sent, 0),
        failed: counts.reduce((sum, c) => sum + c.failed, 0),
    };
    runs.push(outcome);
    console.log(`run ${run}/${times}: ${outcome.passed ? "passed" : "FAILED"} in ${outcome.seconds.toFixed(0)} s, ${outcome.sent} requests sent, ${outcome.failed} failed (${new Date().toISOString()}, output: ${logFile})`);
    if (!outcome.passed) console.log(output);
}
const passed = runs.filter((r) => r.passed).length;
const sent = runs.reduce((sum, r) => sum + r.sent, 0);
const failed = runs.reduce((sum, r) => sum + r.failed, 0);
console.log(`${name}: ${passed} of ${times} runs passed; ${sent} requests sent, ${failed} failed`);
process.exit(passed === times ? 0 : 1);
