/**
 * StickyApp owns its defaults: constructed directly (not through index.ts, which passes every
 * setting), with nothing but the one argument it cannot guess, it registers the app the dev stack
 * registers from Pulumi.yaml's defaults.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { StickyApp } from "../components/sticky-app";
import { STICKY_APP_TYPE } from "../components/sticky-app-contract";
import { STICKY_APP_DEFAULTS } from "../components/sticky-app-contract";
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
        direct = { resources: recording.resources, outputs: {}, rawOutputs: {}, calls: recording.calls };
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
