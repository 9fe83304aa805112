/**
 * A stand-in for `pulumi preview --json` of the prod stack, which no engine here can produce (its
 * AWS and EKS providers are out of reach offline). The program runs under the harness's mocks as
 * a deployed stack is previewed: first as deployed (its previous outputs mocked from a first run,
 * so the program sees claims that exist and their size), then with a change and the outputs of
 * that deployment. A size change on prod's gp3 class (which allows expansion) therefore takes the
 * grow path: the claim patches appear as creates, as the engine plans them. Resources whose inputs
 * differ become update steps, or replacements where the table below says the provider replaces
 * them (in the engine's step order: `deleteBeforeReplace` deletes first). The output has the
 * digest's shape (pkg/display/json.go in Pulumi 3.276), with the states' options the review reads
 * (`protect`, `retainOnDelete`, the provider reference) and the stack's previous outputs;
 * everything in it but the resource inputs and options, which the real program registers, is
 * invented here. tests/fixtures/previews/README.md says which fixtures come from here.
 */
import * as eks from "@pulumi/eks";
import { TYPES } from "../core/kubernetes";
import { WATCHED_TYPES } from "../tools/review/model";
import { runStack, stackConfig, typeToken, type Registered } from "./harness";

/**
 * Fields each provider cannot change in place, for the resources these fixtures change: the
 * StatefulSet fields Kubernetes refuses to update, a StorageClass (immutable but for metadata),
 * and aws:eks/nodeGroup's ForceNew arguments.
 */
const REPLACE_ON: Record<string, string[]> = {
    [TYPES.statefulSet]: ["spec.volumeClaimTemplates", "spec.selector", "spec.serviceName", "spec.podManagementPolicy"],
    [TYPES.storageClass]: ["provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"],
    [typeToken(eks.ManagedNodeGroup)]: ["instanceTypes", "subnetIds", "amiType", "capacityType"],
    // @pulumi/aws 7's NodeGroup: ForceNew arguments (an instance type or disk change reaches it as `launchTemplate.version`, updated in place).
    [WATCHED_TYPES.awsNodeGroup]: ["instanceTypes", "diskSize", "subnetIds", "amiType", "capacityType", "launchTemplate.id", "nodeGroupName", "remoteAccess"],
};

/** Leaf paths where two values differ, in Pulumi's path syntax (`a.b[0].c`). */
function differences(before: unknown, after: unknown, path = ""): string[] {
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    const isContainer = (v: unknown) => typeof v === "object" && v !== null;
    if (isContainer(before) && isContainer(after) && Array.isArray(before) === Array.isArray(after)) {
        const keys = new Set([...Object.keys(before as object), ...Object.keys(after as object)]);
        return [...keys].flatMap((key) => {
            const child = Array.isArray(before) ? `${path}[${key}]` : /^[A-Za-z_][\w-]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}["${key}"]`;
            return differences((before as Record<string, unknown>)[key], (after as Record<string, unknown>)[key], child);
        });
    }
    return [path];
}

/**
 * Inputs of AWS/EKS resources with any value over 2,000 characters of JSON (an EKS cluster passed
 * whole to its node group) left out; Kubernetes objects stay whole, the review reads them.
 */
const trimmed = (type: string, inputs: Record<string, unknown>) =>
    type.startsWith("kubernetes:") ? inputs : Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, JSON.stringify(v ?? null).length > 2000 ? "[left out by tests/mock-preview.ts: over 2,000 characters]" : v]));

const state = (r: Registered) => ({
    urn: r.urn,
    custom: !r.type.startsWith("sticky:") && !r.type.startsWith("eks:index:") && r.type !== "pulumi:pulumi:Stack",
    id: r.type === "pulumi:pulumi:Stack" ? "" : `${r.name}-id`,
    type: r.type,
    inputs: trimmed(r.type, r.inputs),
    outputs: trimmed(r.type, r.inputs),
    protect: r.protect || undefined,
    retainOnDelete: r.retainOnDelete || undefined,
    parent: r.parent || undefined,
    provider: r.provider || undefined,
    deletedWith: r.deletedWith || undefined,
});

export async function mockPreview(stack: string, overrides: Record<string, string>, fresh = false): Promise<Record<string, unknown>> {
    // The stack as deployed: a first deployment's outputs are what the second one reads back.
    // `fresh`: a stack never deployed, whose preview creates everything.
    const first = await runStack(stack);
    const deployed = fresh ? { resources: [], outputs: {} } : await runStack(stack, {}, { previousOutputs: first.outputs });
    const changed = fresh ? first : await runStack(stack, overrides, { previousOutputs: deployed.outputs });
    const before = deployed.resources.filter((r) => !r.read);
    const after = changed.resources.filter((r) => !r.read);
    const old = new Map(before.map((r) => [r.urn, r]));
    const steps: Record<string, unknown>[] = [];
    const counts: Record<string, number> = {};
    const count = (op: string) => (counts[op] = (counts[op] ?? 0) + 1);
    for (const resource of after) {
        const previous = old.get(resource.urn);
        if (!previous) {
            steps.push({ op: "create", urn: resource.urn, newState: state(resource), detailedDiff: null });
            count("create");
            continue;
        }
        const paths = differences(previous.inputs, resource.inputs);
        if (paths.length === 0) {
            // The real digest carries both states here too; left out to keep the fixtures small,
            // but for the stack's, whose old outputs say what was deployed (its environment).
            const stackStates = resource.type === "pulumi:pulumi:Stack" ? { oldState: { ...state(previous), outputs: deployed.outputs }, newState: state(resource) } : {};
            steps.push({ op: "same", urn: resource.urn, ...stackStates, detailedDiff: null });
            count("same");
            continue;
        }
        const replaceOn = REPLACE_ON[resource.type] ?? [];
        const replacing = paths.filter((p) => replaceOn.some((field) => p === field || p.startsWith(`${field}.`) || p.startsWith(`${field}[`)));
        const topLevel = (p: string) => p.split(/[.[]/)[0];
        const detailedDiff = Object.fromEntries(paths.map((p) => [p, { kind: replacing.includes(p) ? "update-replace" : "update", inputDiff: true }]));
        const base = {
            urn: resource.urn,
            oldState: state(previous),
            newState: state(resource),
            diffReasons: [...new Set(paths.map(topLevel))],
            detailedDiff,
        };
        if (replacing.length > 0) {
            const replaceReasons = [...new Set(replacing.map((p) => replaceOn.find((field) => p.startsWith(field)) ?? topLevel(p)))];
            // deleteBeforeReplace (the app's StatefulSet): the old one goes first.
            for (const op of resource.deleteBeforeReplace ? ["delete-replaced", "replace", "create-replacement"] : ["create-replacement", "replace", "delete-replaced"]) {
                steps.push({ op, ...base, replaceReasons });
            }
            count("replace");
        } else {
            steps.push({ op: "update", ...base });
            count("update");
        }
    }
    for (const resource of before.filter((r) => !after.some((a) => a.urn === r.urn))) {
        steps.push({ op: "delete", urn: resource.urn, oldState: state(resource), detailedDiff: null });
        count("delete");
    }
    return {
        config: { ...stackConfig(stack), ...overrides },
        steps,
        duration: 0,
        changeSummary: counts,
    };
}

/** The prod fixtures: name -> config change. */
export const PROD_MOCK_FIXTURES: Record<string, Record<string, string>> = {
    "prod-storage-size": { "sticky:storageSize": "20Gi" },
    "prod-node-families": { "sticky:nodeInstanceFamilies": '["m7i","c7i"]' },
    "prod-node-limits": { "sticky:nodeCpuLimit": "32" },
    "prod-kubernetes-version": { "sticky:kubernetesVersion": "1.36" },
};

/** The prod fixture of a first preview, which creates the cluster and everything in it. */
export const PROD_NEW_CLUSTER_FIXTURE = "prod-new-cluster";
