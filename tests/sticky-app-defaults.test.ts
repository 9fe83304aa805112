/**
 * StickyApp owns its defaults: constructed directly (not through index.ts, which passes every
 * setting), with nothing but the one argument it cannot guess, it registers the app the dev stack
 * registers from Pulumi.yaml's defaults.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { StickyApp } from "../components/sticky-app";
import { STICKY_APP_DEFAULTS, STICKY_APP_TYPE } from "../components/sticky-app-contract";
import { TYPES } from "../core/kubernetes";
import { find, installMocks, runStack, waitForRPCs, type Registered, type StackRun } from "./harness";

const STATEFULSET = TYPES.statefulSet;
const SERVICE = TYPES.service;

describe("StickyApp constructed directly, given only its StorageClass", () => {
    let direct: StackRun;
    let app: StickyApp;
    before(async () => {
        const recording = await installMocks("dev", {});
        await pulumi.runtime.runInPulumiStack(async () => {
            app = new StickyApp("sticky", { storageClassName: "hostpath" });
        });
        await waitForRPCs();
        direct = { resources: recording.resources, outputs: {}, rawOutputs: {}, calls: recording.calls, requests: recording.requests };
    });

    it("registers its own defaults: replicas, image, claim size and port", () => {
        const spec = find(direct, STATEFULSET).inputs.spec;
        assert.strictEqual(spec.replicas, STICKY_APP_DEFAULTS.replicas);
        assert.strictEqual(spec.template.spec.containers[0].image, STICKY_APP_DEFAULTS.image);
        assert.strictEqual(spec.volumeClaimTemplates[0].spec.resources.requests.storage, STICKY_APP_DEFAULTS.storageSize);
        assert.strictEqual(find(direct, SERVICE, "sticky-public").inputs.spec.ports[0].port, STICKY_APP_DEFAULTS.servicePort);
    });

    it("protects nothing", () => {
        assert.strictEqual(STICKY_APP_DEFAULTS.protect, false);
        assert.deepStrictEqual(direct.resources.filter((r) => r.protect).map((r) => r.name), []);
    });

    it("follows the claim-size plan it is given: a `keep` plan patches no claim", async () => {
        await installMocks("dev", {});
        let grown: StickyApp | undefined;
        await pulumi.runtime.runInPulumiStack(async () => {
            grown = new StickyApp("sticky", {
                storageClassName: "hostpath",
                claimSizePlan: { action: "keep", from: "1Gi", size: "2Gi", claimNames: ["sticky-data-sticky-0"] },
            });
        });
        await waitForRPCs();
        assert.strictEqual(grown?.claimSizePlan.action, "keep");
        assert.strictEqual(grown?.claimGrowth, undefined);
        assert.strictEqual(app.claimSizePlan.action, "new", "nothing deployed before: claims are made at the default size");
    });

    it("registers exactly what the dev stack registers for the app, where index.ts passes every setting from Pulumi.yaml", async () => {
        const dev = await runStack("dev");
        const children = (run: StackRun) => {
            const component = find(run, STICKY_APP_TYPE);
            return run.resources
                .filter((r) => r.parent === component.urn)
                .map((r: Registered) => ({ type: r.type, name: r.name, inputs: r.inputs, protect: r.protect }))
                .sort((a, b) => `${a.type}::${a.name}`.localeCompare(`${b.type}::${b.name}`));
        };
        assert.strictEqual(children(direct).length, 8);
        assert.deepStrictEqual(children(direct), children(dev));
    });
});

describe("StickyApp checks its own arguments, before it registers any child", () => {
    const cases: [string, string, Record<string, unknown>, RegExp][] = [
        ["a name pods cannot carry", "Sticky_App", {}, /StickyApp "Sticky_App": name "Sticky_App": must be a DNS label of at most 52 characters/],
        ["no pods", "sticky", { replicas: 0 }, /replicas = 0: must be an integer from 1 to 100/],
        ["a port past 65535", "sticky", { servicePort: 70000 }, /servicePort = 70000: must be a TCP port, 1 to 65535/],
        ["a size that is no quantity", "sticky", { storageSize: "1GB" }, /storageSize = "1GB": must be a positive Kubernetes quantity/],
        ["a size and a plan", "sticky", { storageSize: "2Gi", claimSizePlan: { action: "new", size: "2Gi" } }, /storageSize and claimSizePlan are mutually exclusive \(the plan carries its size\): choose one/],
        ["a zone spread Kubernetes does not know", "sticky", { zoneSpread: "Always" }, /zoneSpread = "Always": must be "DoNotSchedule" or "ScheduleAnyway"/],
        ["a plan of a bad size", "sticky", { claimSizePlan: { action: "new", size: "0Gi" } }, /claimSizePlan.size = "0Gi"/],
    ];
    for (const [what, name, args, message] of cases) {
        it(`refuses ${what}`, async () => {
            const recording = await installMocks("dev", {});
            await assert.rejects(
                pulumi.runtime.runInPulumiStack(async () => {
                    new StickyApp(name, { storageClassName: "hostpath", ...args });
                }),
                message,
            );
            await waitForRPCs();
            assert.deepStrictEqual(recording.resources.filter((r) => r.type.startsWith("kubernetes:")), [], "no Kubernetes object registered");
        });
    }
});
