/**
 * The e2e's request loops measure the service, not the test that drives the change: a request
 * must not fail because the test's own thread was busy. Here a local server in a child process
 * answers at once, and the change holds its thread for 2.5 s with a synchronous command, as the
 * template change's `pulumi config set` calls do (seen 2026-12-07: over 2 s on a cold machine).
 */
import * as assert from "assert";
import { execFileSync, spawn, type ChildProcess } from "child_process";
import { once } from "events";
import { logLineTime } from "../e2e/request-witness";
import { failedRequest, RequestLoop, requestsDuring } from "../e2e/requests";

describe("the e2e's request loops", function () {
    this.timeout(30_000);
    let server: ChildProcess;
    let port: number;

    before(async () => {
        server = spawn(process.execPath, ["-e", "const s = require('http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', () => console.log(s.address().port))"], { stdio: ["ignore", "pipe", "inherit"] });
        const [line] = await once(server.stdout!, "data");
        port = Number(String(line).trim());
    });
    after(() => server.kill());

    /** Holds this thread for 2.5 s, from the event loop's check phase (where mocha runs tests). */
    const busyChange = async () => {
        await new Promise((resolve) => setImmediate(resolve));
        execFileSync("sleep", ["2.5"]);
    };

    it("in the test's own thread, a synchronous command of 2.5 s fails a request the server answered (why they run in a worker)", async () => {
        await new Promise((resolve) => setImmediate(resolve));
        const loop = new RequestLoop("127.0.0.1", port, 50);
        execFileSync("sleep", ["2.5"]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const answers = await loop.stop();
        assert.deepStrictEqual(answers.filter(failedRequest).map((a) => a.body), ["ETIMEDOUT"]);
    });

    it("requestsDuring's loops, in a worker thread, lose no request to the change's synchronous commands", async () => {
        const target = { name: "local", host: "127.0.0.1", port };
        const { answers } = await requestsDuring([target], busyChange, 300);
        const list = answers.get("local")!;
        assert.ok(list.length >= 30, `requests went on during the 2.5 s: ${list.length}`);
        assert.deepStrictEqual(list.filter(failedRequest), []);
        assert.ok(list.every((a) => a.status === 200 && a.body === "ok"));
    });
});

describe("a failed request's story: log lines by time", () => {
    const year = 2026;
    for (const [line, expected] of [
        ["I1207 03:12:45.123456   12345 proxier.go:805] \"SyncProxyRules complete\" elapsed=\"41ms\"", Date.parse("2026-12-07T03:12:45.123Z")],
        ["E0101 00:00:00.000001   1 x.go:1] boom", Date.parse("2026-01-01T00:00:00.000Z")],
        ["2026-12-07T03:12:45.678Z default/sticky:3333: listening", Date.parse("2026-12-07T03:12:45.678Z")],
        ["a line without a time", undefined],
        ["X1207 03:12:45.123456 not klog", undefined],
    ] as const) {
        it(`${JSON.stringify(line.slice(0, 40))} -> ${expected === undefined ? "no time" : new Date(expected).toISOString()}`, () => {
            assert.strictEqual(logLineTime(line, year), expected);
        });
    }
});
