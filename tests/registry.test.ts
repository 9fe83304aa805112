/**
 * The environment registry (environments/registry.ts): what it loads, and an environment added
 * through it alone. tests/example-environment/ is a third environment, "existing" (a cluster
 * that exists, by kube context, with a retained Longhorn class the stack creates), passed here
 * in a list of the test's own: settings.ts, index.ts and the policy pack follow from that list
 * without a line of them changed, and the committed registry never sees it.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { STICKY_APP_TYPE } from "../components/sticky-app-contract";
import { ENVIRONMENTS } from "../environments/registry";
import { TYPES } from "../core/kubernetes";
import { productionStorageIsEncryptedGp3, productionStoragePolicy } from "../policy/policies";
import { documentedKeys, parseSettings } from "../stack/settings";
import { existingDefinition } from "./example-environment/definition";
import { find, projectDefaults, providerUrn, ROOT, runProgram, type StackRun } from "./harness";
import { asFake, checkStack, messagesOf } from "./policy-engine";
import { configDocProblems, declaredConfig } from "./pulumi-yaml";
import { ConfigProblemsError } from "../core/config-keys";

const WITH_EXISTING = [...ENVIRONMENTS, existingDefinition];
const STORAGE_CLASS = TYPES.storageClass;
const STATEFULSET = TYPES.statefulSet;
const reader = (config: Record<string, string>) => (key: string) => config[key];

/** The problems parseSettings reports for `config` with the example registered. */
function problemsOf(config: Record<string, string>): readonly string[] {
    try {
        parseSettings(reader(config), WITH_EXISTING);
    } catch (error) {
        assert.ok(error instanceof ConfigProblemsError, `expected a ConfigProblemsError, got ${error}`);
        return error.problems;
    }
    assert.fail(`expected ${JSON.stringify(config)} to be rejected`);
}

/**
 * The modules a fresh Node.js process holds after requiring `modules` (compiled, under bin/):
 * those of the given packages, and those of the project among `watch`.
 */
function loadedBy(modules: string[], watch: string[] = []): string[] {
    const script = `
        for (const m of ${JSON.stringify(modules)}) require(m);
        const loaded = Object.keys(require.cache);
        const packages = loaded.map((f) => /node_modules\\/(@pulumi\\/[^/]+)\\//.exec(f)?.[1]).filter(Boolean);
        const watched = ${JSON.stringify(watch)}.filter((w) => loaded.includes(w));
        process.stdout.write(JSON.stringify([...new Set([...packages, ...watched])].sort()));`;
    const child = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" });
    assert.strictEqual(child.status, 0, child.stderr);
    return JSON.parse(child.stdout);
}

const BIN = path.join(ROOT, "bin");

describe("the environment registry", () => {
    it("names local and eks, and loads none of Pulumi's SDKs with them, nor does settings.ts or the policy pack", () => {
        assert.deepStrictEqual(
            ENVIRONMENTS.map((e) => e.kind),
            ["local", "eks"],
        );
        const resources = [path.join(BIN, "environments", "local", "resources.js"), path.join(BIN, "environments", "eks", "resources.js")];
        const pure = [path.join(BIN, "environments", "registry.js"), path.join(BIN, "stack", "settings.js"), path.join(BIN, "policy", "policies.js")];
        assert.deepStrictEqual(loadedBy(pure, resources), []);
    });

    it("a dev stack's program never loads @pulumi/aws, @pulumi/eks or the EKS environment's code", function () {
        this.timeout(60_000);
        const script = path.join(BIN, "tests", "registry-dev-run.js");
        const child = spawnSync(process.execPath, [script], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(child.status, 0, child.stderr);
        const { loaded, registered } = JSON.parse(child.stdout);
        assert.ok(registered > 10, `the dev program ran to the end (${registered} resources)`);
        assert.ok(loaded.includes("@pulumi/kubernetes") && loaded.includes("local environment"), `loaded: ${loaded}`);
        assert.deepStrictEqual(loaded.filter((m: string) => ["@pulumi/aws", "@pulumi/eks", "eks environment"].includes(m)), []);
    });
});

describe("an environment added through the registry alone (tests/example-environment)", () => {
    const config = {
        ...projectDefaults(),
        "sticky:environment": "existing",
        "sticky:clusterContext": "ops-eu-1",
        "sticky:storageClassName": "longhorn-retained",
    };

    it("its definition loads without its resources' code, or any of Pulumi's SDKs", () => {
        const resources = path.join(BIN, "tests", "example-environment", "resources.js");
        assert.deepStrictEqual(loadedBy([path.join(BIN, "tests", "example-environment", "definition.js")], [resources]), []);
    });

    describe("settings", () => {
        it("accepts its kind, reads its keys with their defaults, and nothing of local's or eks's", () => {
            const settings = parseSettings(reader({ "sticky:environment": "existing", "sticky:clusterContext": "ops-eu-1" }), WITH_EXISTING);
            assert.deepStrictEqual(settings.environment, { kind: "existing", clusterContext: "ops-eu-1", longhornReplicas: 3, storageClassName: "longhorn-retained" });
        });

        it("validates its keys, naming key, value and what is allowed", () => {
            assert.deepStrictEqual(problemsOf({ "sticky:environment": "existing", "sticky:longhornReplicas": "1" }), [
                'sticky:clusterContext is not set: an "existing" stack needs its cluster\'s kubeconfig context, e.g. `pulumi config set sticky:clusterContext ops-eu-1`',
                'sticky:longhornReplicas = "1": must be an integer from 2 to 5 (one copy is lost with its node)',
            ]);
        });

        it("lists it among the kinds sticky:environment accepts", () => {
            assert.deepStrictEqual(problemsOf({ "sticky:environment": "longhorn" }), [
                'sticky:environment = "longhorn": must be one of "local", "eks", "existing" ' +
                    '("local": an existing local cluster; "eks": a new EKS cluster; "existing": an existing cluster with Longhorn storage)',
            ]);
        });

        it("reports its keys on another environment's stack, and theirs on its own", () => {
            assert.deepStrictEqual(problemsOf({ "sticky:environment": "local", "sticky:longhornReplicas": "2" }), [
                'sticky:longhornReplicas = "2": only "existing" stacks read it, and this stack\'s sticky:environment is "local"; ' +
                    'remove it (`pulumi config rm sticky:longhornReplicas`), or set sticky:environment to "existing"',
            ]);
            assert.deepStrictEqual(problemsOf({ "sticky:environment": "existing", "sticky:clusterContext": "ops-eu-1", "sticky:kubeContext": "ops-eu-1" }), [
                'sticky:kubeContext = "ops-eu-1": only "local" stacks read it, and this stack\'s sticky:environment is "existing"; ' +
                    'remove it (`pulumi config rm sticky:kubeContext`), or set sticky:environment to "local"',
            ]);
        });

        it("leaves the committed registry as it was: there, the kind is unknown", () => {
            assert.throws(
                () => parseSettings(reader({ "sticky:environment": "existing", "sticky:clusterContext": "ops-eu-1" })),
                (error: ConfigProblemsError) => error.problems.length === 1 && error.problems[0].startsWith('sticky:environment = "existing": must be one of "local", "eks" '),
            );
        });
    });

    describe("the program (index.ts under mocks) deploys the app through it", () => {
        let run: StackRun;
        before(async () => {
            run = await runProgram("staging", config, {}, WITH_EXISTING);
        });

        it("through a provider pinned to the cluster's context, for every Kubernetes object", () => {
            const provider = find(run, "pulumi:providers:kubernetes");
            assert.strictEqual(provider.name, "existing");
            assert.strictEqual(provider.inputs.context, "ops-eu-1");
            for (const resource of run.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
                assert.strictEqual(providerUrn(resource.provider), provider.urn, `${resource.type}::${resource.name} uses another provider`);
            }
        });

        it("creates the retained Longhorn class, and the app's claims name it and wait for it", () => {
            const storageClass = find(run, STORAGE_CLASS);
            assert.strictEqual(storageClass.read, false);
            assert.deepStrictEqual(
                [storageClass.inputs.metadata.name, storageClass.inputs.provisioner, storageClass.inputs.parameters.numberOfReplicas, storageClass.inputs.reclaimPolicy],
                ["longhorn-retained", "driver.longhorn.io", "3", "Retain"],
            );
            assert.strictEqual(find(run, STATEFULSET).inputs.spec.volumeClaimTemplates[0].spec.storageClassName, "longhorn-retained");
            assert.ok(find(run, STICKY_APP_TYPE).dependencies.includes(storageClass.urn));
        });

        it("exports the app's outputs with the environment's kind and context, and creates nothing in AWS", () => {
            assert.strictEqual(run.outputs.environment, "existing");
            assert.strictEqual(run.outputs.kubeContext, "ops-eu-1");
            assert.strictEqual(run.outputs.storageClassName, "longhorn-retained");
            assert.deepStrictEqual(run.outputs.podNames, ["sticky-0", "sticky-1", "sticky-2"]);
            assert.deepStrictEqual(run.resources.filter((r) => /^(aws|eks):/.test(r.type)), []);
            assert.deepStrictEqual(run.calls, []);
        });
    });

    describe("the policy pack's storage rule (production-storage-is-encrypted-gp3)", () => {
        let run: StackRun;
        before(async () => {
            run = await runProgram("staging", config, {}, WITH_EXISTING);
        });

        it("accepts the stack's Longhorn class outside dev once the environment is registered", async () => {
            assert.deepStrictEqual(await checkStack(productionStoragePolicy(WITH_EXISTING), run.resources.map(asFake)), []);
            assert.match(productionStoragePolicy(WITH_EXISTING).description ?? "", /: encrypted gp3 on the EBS CSI driver, Retain; or Longhorn with two copies or more, Retain\.$/);
        });

        it("refuses it under the committed registry, whose only rule is gp3's", async () => {
            assert.deepStrictEqual(messagesOf(await checkStack(productionStorageIsEncryptedGp3, run.resources.map(asFake))), [
                'StatefulSet "sticky": claim template "sticky-data" uses class "longhorn-retained", which is not an encrypted, retained gp3 EBS class; ' +
                    'claims in stack "staging" must use the stack\'s encrypted gp3 class (ebs.csi.eks.amazonaws.com, Retain).',
            ]);
        });

        it("refuses a Longhorn class that deletes its volumes with the claim, naming both rules", async () => {
            const deleting = run.resources.map(asFake).map((r) =>
                r.type === STORAGE_CLASS ? { ...r, props: { ...r.props, reclaimPolicy: "Delete" } } : r,
            );
            assert.deepStrictEqual(messagesOf(await checkStack(productionStoragePolicy(WITH_EXISTING), deleting)), [
                'StatefulSet "sticky": claim template "sticky-data" uses class "longhorn-retained", which is not an encrypted, retained gp3 EBS class ' +
                    'or a retained Longhorn class with two copies or more; claims in stack "staging" must use the stack\'s encrypted gp3 class ' +
                    "(ebs.csi.eks.amazonaws.com, Retain) or the stack's retained Longhorn class (driver.longhorn.io, numberOfReplicas 2 or more, Retain).",
            ]);
        });

        it("with no environment that has a rule, blocks every claim outside dev", async () => {
            const [localDefinition] = ENVIRONMENTS;
            assert.deepStrictEqual(messagesOf(await checkStack(productionStoragePolicy([localDefinition]), run.resources.map(asFake))), [
                'StatefulSet "sticky": claim template "sticky-data" uses class "longhorn-retained" in stack "staging"; ' +
                    "only dev stacks (dev) may have claims: no registered environment has a storage rule.",
            ]);
        });
    });

    it("Pulumi.yaml's check asks for its keys and its line in the two descriptions that list environments", () => {
        const problems = configDocProblems(documentedKeys(WITH_EXISTING), declaredConfig());
        assert.deepStrictEqual(
            problems.map((p) => p.split(";")[0].split("\n")[0]),
            [
                "Pulumi.yaml declares environment otherwise than the code",
                "Pulumi.yaml declares storageClassName otherwise than the code",
                "Pulumi.yaml does not declare clusterContext",
                "Pulumi.yaml does not declare longhornReplicas",
            ],
        );
        assert.match(problems[2], /\nclusterContext:\n {2}type: string\n {2}description: 'existing only: the kubeconfig context of the cluster to deploy to\.'$/);
    });
});
