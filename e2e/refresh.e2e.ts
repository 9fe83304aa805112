/**
 * The refresh the delivery now does before every preview and deploy, on the real engine and the
 * test cluster: a refresh of the unchanged dev stack plans nothing (`pulumi preview --refresh`
 * shows no changes), and a real `pulumi refresh` keeps the state's fingerprint (tools/plan-pin),
 * so the deploy's check after its own refresh lets an unchanged stack through. Then a change made
 * outside Pulumi (a label put on the Service with kubectl): the refreshing preview shows it, and
 * after the refresh the pin refuses the state, naming the Service.
 */
import * as assert from "assert";
import * as path from "path";
import { plannedChanges } from "./app-state";
import { devStackWorkspace, ROOT, say, tearDown, Workspace } from "./workspace";

const PLAN_PIN = path.join(ROOT, "bin", "tools", "plan-pin", "cli.js");

describe("refresh before preview and deploy (dev stack on the test cluster)", function () {
    let ws: Workspace | undefined;
    let pin = "";
    const planPin = (...args: string[]) => ws!.run(process.execPath, [PLAN_PIN, ...args, "--stack", "dev"]);

    before(async () => {
        ws = await devStackWorkspace("sticky-e2e-refresh-");
        ws.up();
        pin = path.join(ws.dir, "state-pin.json");
        const recorded = planPin("record", "--out", pin);
        assert.strictEqual(recorded.status, 0, recorded.stderr);
    });

    after(async () => {
        await tearDown(ws);
    });

    it("a refreshing preview of the unchanged stack plans no change", () => {
        const preview = ws!.pulumi("preview", "--refresh", "--json", "--stack", "dev");
        assert.deepStrictEqual(plannedChanges(preview.stdout), []);
        // And the CLI's own verdict: --expect-no-changes fails on any change.
        ws!.pulumi("preview", "--refresh", "--expect-no-changes", "--stack", "dev");
    });

    it("a real refresh of the unchanged stack keeps its fingerprint: the deploy's check after its refresh passes", () => {
        const refresh = ws!.pulumi("refresh", "--yes", "--skip-preview", "--stack", "dev");
        say(`pulumi refresh: ${refresh.seconds.toFixed(1)} s`);
        const check = planPin("check", "--pin", pin, "--after", "the refresh");
        assert.strictEqual(check.status, 0, check.stderr);
        assert.match(check.stdout, /is in the state the plan was made against \(sha256:[0-9a-f]{64}\), after the refresh/);
    });

    it("a label added with kubectl (a field Pulumi does not manage): the refreshing preview plans nothing, but after the refresh the pin refuses the state", () => {
        ws!.kubectl("label", "service", "sticky", "edited-by=hand");
        const preview = ws!.pulumi("preview", "--refresh", "--json", "--stack", "dev");
        assert.deepStrictEqual(plannedChanges(preview.stdout), [], "server-side apply: the label is another field manager's");
        ws!.pulumi("refresh", "--yes", "--skip-preview", "--stack", "dev");
        const check = planPin("check", "--pin", pin, "--after", "the refresh");
        assert.strictEqual(check.status, 1, check.stdout);
        assert.match(check.stderr, /refused after the refresh: .*\n.*: changed urn:pulumi:dev::sticky::sticky:app:StickyApp\$kubernetes:core\/v1:Service::sticky-public\n/);
    });

    it("a port changed with kubectl (a field Pulumi manages): the refreshing preview plans the Service's update back to 3333", () => {
        ws!.kubectl("patch", "service", "sticky", "--type", "json", "-p", '[{"op":"replace","path":"/spec/ports/0/port","value":3334}]');
        // The engine plans the update, and the provider's server-side dry run of it then fails:
        // server-side apply merges the port list by port number, so 3333 comes back beside 3334,
        // both named "web". Either way the preview shows the edit; it is never invisible.
        const preview = ws!.run("pulumi", ["preview", "--refresh", "--json", "--stack", "dev", "--non-interactive"]);
        const steps = (JSON.parse(preview.stdout).steps as { op: string; urn: string; detailedDiff?: Record<string, unknown> }[]).filter((s) => s.op !== "same" && s.op !== "refresh" && s.op !== "read");
        assert.deepStrictEqual(
            steps.map((s) => [s.op, s.urn.split("::").pop(), Object.keys(s.detailedDiff ?? {})]),
            [["update", "sticky-public", ["spec.ports[0].port"]]],
        );
        say(`the refreshing preview planned the port back (exit status ${preview.status}${/Duplicate value/.test(preview.stdout) ? ", its dry run refused by the API server: a duplicate port name" : ""})`);
    });
});
