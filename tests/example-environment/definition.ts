/**
 * An example environment, added through the registry alone (docs/adding-an-environment.md walks
 * through it; tests/registry.test.ts proves it): a cluster that already exists, reached by kube
 * context, whose storage is Longhorn, with a retained class the stack creates for the app. It is
 * not registered in environments/registry.ts; the test passes it in a list of its own. In a real
 * checkout it would be environments/existing/, importing "../definition".
 *
 * This is the pure half: kind, keys, settings and storage rule, no Pulumi import. The resources
 * are in resources.ts, which only a stack deploying here loads.
 */
import { isObjectName } from "../../core/kubernetes";
import { defineEnvironment, type StorageRule } from "../../environments/definition";

/** Longhorn's CSI driver (https://longhorn.io/docs/latest/references/storage-class-parameters/). */
export const LONGHORN_PROVISIONER = "driver.longhorn.io";

export interface ExistingSettings {
    readonly kind: "existing";
    /** The kubeconfig context of the cluster; never the ambient current context. */
    readonly clusterContext: string;
    /** Copies Longhorn keeps of each volume, each on another node. */
    readonly longhornReplicas: number;
    /** The retained Longhorn class the stack creates for the claims. */
    readonly storageClassName: string;
}

/** Outside dev stacks, claims use the stack's own Longhorn class: retained, two copies or more. */
export const longhornStorageRule: StorageRule = {
    summary: "Longhorn with two copies or more, Retain",
    requirement: `the stack's retained Longhorn class (${LONGHORN_PROVISIONER}, numberOfReplicas 2 or more, Retain)`,
    classKind: "a retained Longhorn class with two copies or more",
    problems: (storageClass) => {
        if (storageClass.provisioner !== LONGHORN_PROVISIONER) return [`provisioner is not "${LONGHORN_PROVISIONER}"`];
        const problems: string[] = [];
        if (!(Number(storageClass.parameters?.numberOfReplicas ?? "3") >= 2)) problems.push("numberOfReplicas must be 2 or more");
        if (storageClass.reclaimPolicy !== "Retain") problems.push('reclaimPolicy must be "Retain"');
        return problems;
    },
};

export const existingDefinition = defineEnvironment({
    kind: "existing",
    description: "an existing cluster with Longhorn storage",
    keys: {
        clusterContext: {
            type: "string",
            // No default: which cluster to deploy to is never a guess.
            description: "the kubeconfig context of the cluster to deploy to.",
            check: (value: string) => value.trim() !== "",
            allowed: 'an "existing" stack needs its cluster\'s kubeconfig context, e.g. `pulumi config set sticky:clusterContext ops-eu-1`',
        },
        longhornReplicas: {
            type: "integer",
            default: 3,
            min: 2,
            max: 5,
            description: "copies Longhorn keeps of each volume, each on another node (2 to 5).",
            allowed: "must be an integer from 2 to 5 (one copy is lost with its node)",
        },
        storageClassName: {
            type: "string",
            default: "longhorn-retained",
            description: "the name of the retained Longhorn class the stack creates (not Longhorn's own `longhorn`).",
            check: isObjectName,
            allowed: 'must be a StorageClass name (lowercase letters, digits, "-" and "."), e.g. "longhorn-retained"',
        },
    },
    settings: (values): ExistingSettings => ({ kind: "existing", ...values }),
    storageRule: longhornStorageRule,
    resources: `${__dirname}/resources`,
});
