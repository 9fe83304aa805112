/**
 * A claim size change through the whole program: the resources it registers for an expandable
 * class, a non-expandable one, a fresh stack and a stack deployed before the `storageSize` output
 * existed, all under mocks with the stack's previous outputs played by the mocked stack
 * reference. The plan itself is tests/claim-size.test.ts.
 */
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { grownCapacity } from "../components/claim-growth";
import { APP_NAME, claimName, podName } from "../components/sticky-app-contract";
import { TYPES } from "../core/kubernetes";
import { find, ProgramFailed, runStack, typeToken, type StackRun } from "./harness";

const STATEFULSET = TYPES.statefulSet;
const CLAIM_PATCH = typeToken(k8s.core.v1.PersistentVolumeClaimPatch);
const CONFIG_MAP = typeToken(k8s.core.v1.ConfigMap);
const CLAIMS = [0, 1, 2].map((ordinal) => claimName(APP_NAME, ordinal));

describe("claim size: what the program registers", () => {
    const deployedBefore = { storageSize: "1Gi", claimNames: CLAIMS, podNames: [0, 1, 2].map((ordinal) => podName(APP_NAME, ordinal)) };
    const templateSize = (run: StackRun) => find(run, STATEFULSET).inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage;
    const patches = (run: StackRun) => run.resources.filter((r) => r.type === CLAIM_PATCH);

    /** Runs the dev stack, collecting what the program logs at warning and info level. */
    async function runDev(config: Record<string, string>, world: Parameters<typeof runStack>[2]) {
        const logged: string[] = [];
        const log = pulumi.log as { warn: (m: string) => Promise<void>; info: (m: string) => Promise<void> };
        const [warn, info] = [log.warn, log.info];
        log.warn = async (message: string) => void logged.push(`warning: ${message}`);
        log.info = async (message: string) => void logged.push(`info: ${message}`);
        try {
            return { run: await runStack("dev", config, world), logged };
        } finally {
            [log.warn, log.info] = [warn, info];
        }
    }

    it("expandable class: the template asks for the new size and one patch grows each existing claim", async () => {
        const { run, logged } = await runDev(
            { "sticky:storageSize": "2Gi", "sticky:storageClassName": "hostpath-expandable" },
            { previousOutputs: deployedBefore, expandableClasses: ["hostpath-expandable"] },
        );
        assert.strictEqual(templateSize(run), "2Gi");
        const grown = patches(run);
        assert.deepStrictEqual(grown.map((p) => p.name), CLAIMS);
        const statefulSet = find(run, STATEFULSET);
        for (const patch of grown) {
            assert.deepStrictEqual(patch.inputs.metadata, {
                name: patch.name,
                annotations: { "pulumi.com/patchForce": "true", "pulumi.com/waitFor": "jsonpath={.status.capacity.storage}=2Gi" },
            });
            assert.deepStrictEqual(patch.inputs.spec, { resources: { requests: { storage: "2Gi" } } });
            assert.strictEqual(patch.retainOnDelete, true, `${patch.name}: a relinquished size field cannot be removed from a claim`);
        }
        const growth = find(run, "sticky:app:ClaimGrowth");
        assert.ok(growth.dependencies.includes(statefulSet.urn), "claims grow once the new StatefulSet is in place");
        assert.strictEqual(logged.length, 1, logged.join("\n"));
        assert.match(logged[0], /^info: claim size 1Gi -> 2Gi: StorageClass "hostpath-expandable" allows volume expansion/);
        assert.strictEqual(run.outputs.storageSize, "2Gi");
    });

    it("prod: the gp3 class it creates allows expansion, so a bigger size grows the claims, unblocked by sticky:protect", async () => {
        const run = await runStack("prod", { "sticky:storageSize": "2Gi" }, { previousOutputs: deployedBefore });
        assert.deepStrictEqual(patches(run).map((p) => [p.name, p.inputs.spec.resources.requests.storage]), CLAIMS.map((c) => [c, "2Gi"]));
        const statefulSet = find(run, STATEFULSET);
        assert.strictEqual(statefulSet.protect, false, "protect would refuse the replacement");
        assert.strictEqual(find(run, CONFIG_MAP, "sticky-lifetime").protect, true, "destroy still stops at the owner");
        assert.ok(patches(run).every((p) => !p.protect), "unprotected: the next up drops them from the stack (retained on delete)");
    });

    it("non-expandable class: the template asks for the new size, no claim is touched, and the preview says why", async () => {
        const { run, logged } = await runDev({ "sticky:storageSize": "2Gi" }, { previousOutputs: deployedBefore });
        assert.strictEqual(templateSize(run), "2Gi");
        assert.deepStrictEqual(patches(run), []);
        assert.strictEqual(logged.length, 1, logged.join("\n"));
        assert.match(logged[0], /^warning: claim size 1Gi -> 2Gi: StorageClass "hostpath" does not allow volume expansion/);
        assert.match(logged[0], /keep 1Gi \(sticky-data-sticky-0, sticky-data-sticky-1, sticky-data-sticky-2\)/);
    });

    it("at preview, a class without allowVolumeExpansion (unknown there) counts as not expandable, and the program completes", async () => {
        const { run, logged } = await runDev({ "sticky:storageSize": "2Gi" }, { previousOutputs: deployedBefore, preview: true });
        assert.strictEqual(templateSize(run), "2Gi");
        assert.deepStrictEqual(patches(run), []);
        assert.match(logged.join("\n"), /StorageClass "hostpath" does not allow volume expansion/);
    });

    it("at preview, an expandable class is known as such", async () => {
        const { run } = await runDev(
            { "sticky:storageSize": "2Gi", "sticky:storageClassName": "hostpath-expandable" },
            { previousOutputs: deployedBefore, expandableClasses: ["hostpath-expandable"], preview: true },
        );
        assert.deepStrictEqual(patches(run).map((p) => p.name), CLAIMS);
    });

    for (const preview of [true, false]) {
        it(`a new StorageClass: ${preview ? "the preview" : "the up"} says the existing claims keep theirs and their volumes, only new claims get it`, async () => {
            const { run, logged } = await runDev(
                { "sticky:storageClassName": "standard" },
                { previousOutputs: { ...deployedBefore, storageClassName: "hostpath" }, preview },
            );
            assert.strictEqual(find(run, STATEFULSET).inputs.spec.volumeClaimTemplates[0].spec.storageClassName, "standard");
            assert.deepStrictEqual(patches(run), [], "no claim is touched");
            assert.deepStrictEqual(logged, [
                'warning: StorageClass "hostpath" -> "standard": a claim\'s class never changes, so the existing claims keep "hostpath" and their volumes ' +
                    `(${CLAIMS.join(", ")}); only claims made from now on (more replicas) get "standard". ` +
                    "The StatefulSet is re-created around its running pods, which it adopts unchanged: nothing goes down. " +
                    "To move the data to the new class, copy it (docs/backup-and-restore.md).",
            ]);
        });
    }

    it("the same StorageClass, or none recorded: nothing said about the class", async () => {
        for (const previousOutputs of [{ ...deployedBefore, storageClassName: "hostpath" }, deployedBefore]) {
            const { logged } = await runDev({}, { previousOutputs });
            assert.deepStrictEqual(logged, []);
        }
    });

    it("an unchanged size, an expandable class: nothing to grow, nothing said", async () => {
        const { run, logged } = await runDev(
            { "sticky:storageClassName": "hostpath-expandable" },
            { previousOutputs: deployedBefore, expandableClasses: ["hostpath-expandable"] },
        );
        assert.deepStrictEqual(patches(run), []);
        assert.deepStrictEqual(logged, []);
    });

    it("a fresh stack: no previous outputs, no patches, no read of a StatefulSet that is not there", async () => {
        const { run } = await runDev({ "sticky:storageSize": "2Gi" }, { expandableClasses: ["hostpath"] });
        assert.deepStrictEqual(patches(run), []);
        assert.deepStrictEqual(run.resources.filter((r) => r.read).map((r) => `${r.type}::${r.name}`).sort(), [
            `${TYPES.storageClass}::local-storage-class`,
            "pulumi:pulumi:StackReference::previous-deployment",
        ]);
        assert.strictEqual(find(run, "pulumi:pulumi:StackReference").inputs.name, "organization/sticky/dev");
    });

    it("a stack deployed before the storageSize output: the size comes from the live StatefulSet", async () => {
        const { run } = await runDev(
            { "sticky:storageSize": "3Gi", "sticky:storageClassName": "hostpath-expandable" },
            { previousOutputs: { claimNames: CLAIMS }, expandableClasses: ["hostpath-expandable"], liveClaimSize: "2Gi" },
        );
        assert.strictEqual(find(run, STATEFULSET, "deployed-statefulset").read, true);
        assert.deepStrictEqual(patches(run).map((p) => p.inputs.spec.resources.requests.storage), ["3Gi", "3Gi", "3Gi"]);
        await assert.rejects(
            runDev({ "sticky:storageSize": "1Gi" }, { previousOutputs: { claimNames: CLAIMS }, liveClaimSize: "2Gi" }),
            /sticky:storageSize = "1Gi": must be at least "2Gi"/,
        );
    });

    it("a smaller size fails before any resource is created, with the error as a RunError", async () => {
        await assert.rejects(runStack("dev", { "sticky:storageSize": "512Mi" }, { previousOutputs: deployedBefore }), (error: ProgramFailed) => {
            assert.ok(error instanceof ProgramFailed);
            assert.ok(pulumi.RunError.isInstance(error.cause), "a RunError: Pulumi prints its message without a stack trace");
            assert.match(error.message, /^Invalid stack configuration \(1 problem\); nothing was deployed or changed:\n {2}- sticky:storageSize = "512Mi": must be at least "1Gi", the size the claims have now/);
            assert.deepStrictEqual(
                error.resources.map((r) => `${r.type}${r.read ? " (read)" : ""}`).sort(),
                ["pulumi:pulumi:Stack", "pulumi:pulumi:StackReference (read)"],
                "only the stack and the read of its own previous outputs: the plan refuses before the environment is deployed",
            );
            return true;
        });
    });

    it("a smaller size, a restore into a claim the stack made and a bad key: every problem in one run", async () => {
        const config = { "sticky:storageSize": "512Mi", "sticky:restoreFrom": '["1=old-data"]', "sticky:image": "nginx" };
        await assert.rejects(runStack("dev", config, { previousOutputs: deployedBefore }), (error: ProgramFailed) => {
            const problems = error.message.split("\n").slice(1);
            assert.match(error.message, /^Invalid stack configuration \(3 problems\)/);
            assert.match(problems[0], /^ {2}- sticky:image = "nginx": /);
            assert.match(problems[1], /^ {2}- sticky:storageSize = "512Mi": must be at least "1Gi"/);
            assert.match(problems[2], /^ {2}- sticky:restoreFrom = "1=old-data": claim default\/sticky-data-sticky-1 already exists/);
            assert.deepStrictEqual(error.resources.filter((r) => !r.read && r.type !== "pulumi:pulumi:Stack"), []);
            return true;
        });
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: nothing else reaches the engine while the stack's own outputs are read (a file backend rewrites that file after every step)`, async () => {
            // The engine takes its time over the read, as a real one on a busy machine does.
            const run = await runStack(stack, {}, { previousOutputs: deployedBefore, historyReadMs: 300 });
            const answered = run.requests.indexOf("answered pulumi:pulumi:StackReference");
            assert.ok(answered > 0, `the stack reads its own outputs: ${run.requests.slice(0, 6).join(", ")}`);
            const sent = run.requests.indexOf("sent pulumi:pulumi:StackReference");
            // Before the read only the stack itself, whose registration is answered before its
            // children can be sent; during the read, nothing.
            assert.deepStrictEqual(run.requests.slice(0, sent), ["sent pulumi:pulumi:Stack", "answered pulumi:pulumi:Stack"]);
            assert.deepStrictEqual(run.requests.slice(sent + 1, answered), [], "requests sent while the stack's own outputs were being read");
            assert.ok(run.requests.length > answered + 4, "the program goes on to register its resources after the read");
            assert.ok(run.requests.slice(answered).some((r) => r.startsWith("sent pulumi:providers:kubernetes")), "the environment's provider comes after the read");
        });
    }

    it("the StatefulSet orphans its pods when replaced, and goes with its owner ConfigMap on destroy", async () => {
        const { run } = await runDev({}, {});
        const statefulSet = find(run, STATEFULSET);
        const owner = find(run, CONFIG_MAP, "sticky-lifetime");
        assert.deepStrictEqual(statefulSet.inputs.metadata.annotations, {
            "kube-score/ignore": "container-image-pull-policy,statefulset-has-host-podantiaffinity",
            "pulumi.com/deletionPropagationPolicy": "orphan",
            "pulumi.com/patchForce": "true",
        });
        const [ownerReference, ...others] = statefulSet.inputs.metadata.ownerReferences;
        assert.deepStrictEqual(others, []);
        assert.deepStrictEqual(
            { ...ownerReference, uid: "(the ConfigMap's uid)" },
            { apiVersion: "v1", kind: "ConfigMap", name: "sticky-lifetime", uid: "(the ConfigMap's uid)", blockOwnerDeletion: true },
        );
        assert.ok(statefulSet.dependencies.includes(owner.urn), "the uid comes from the ConfigMap");
        assert.strictEqual(statefulSet.deletedWith, owner.urn, "destroy deletes the owner, never the StatefulSet (which would orphan its pods)");
        assert.strictEqual(statefulSet.deleteBeforeReplace, true);
        assert.strictEqual(owner.inputs.metadata.annotations, undefined, "the owner itself is deleted with the default, foreground, propagation");
    });

    describe("a grow waits for the capacity Kubernetes writes back (grownCapacity)", () => {
        for (const [size, capacity] of [
            ["2Gi", "2Gi"],
            ["2048Mi", "2Gi"],
            ["1536Mi", "1536Mi"],
            ["3Ti", "3Ti"],
            ["2G", "1953125Ki"],
            ["1500", "1500"],
        ]) {
            it(`${size}: waits for status.capacity.storage = ${capacity}`, () =>
                assert.strictEqual(grownCapacity(size), `jsonpath={.status.capacity.storage}=${capacity}`));
        }
        it("refuses what is not a size, naming it", () => assert.throws(() => grownCapacity("big"), /grownCapacity\("big"\): not a storage quantity/));
    });
});
