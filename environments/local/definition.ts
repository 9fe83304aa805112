/**
 * The local environment's definition: its kind, its keys and its settings. The resources
 * (a provider pinned to a kube context, a read of the cluster's class) are in resources.ts,
 * loaded only when a stack deploys here.
 *
 * No storage rule: a laptop's classes keep data in a directory on one node, so the policy pack
 * lets only dev stacks use this environment's storage.
 */
import { isObjectName } from "../../core/kubernetes";
import { defineEnvironment } from "../definition";

/** An existing local cluster (Docker Desktop, kind, k3d, Rancher Desktop, minikube). */
export interface LocalSettings {
    readonly kind: "local";
    /** The kubeconfig context to deploy to; never the ambient current context. */
    readonly kubeContext: string;
    /** The cluster's built-in StorageClass the claims use: read, never created. */
    readonly storageClassName: string;
}

export const localDefinition = defineEnvironment({
    kind: "local",
    description: "an existing local cluster",
    keys: {
        kubeContext: {
            type: "string",
            default: "docker-desktop",
            description: "the kubeconfig context to deploy to (never the ambient current context).",
            check: (value: string) => value.trim() !== "",
            allowed: 'must name a context in your kubeconfig, e.g. "docker-desktop", "kind-kind", "k3d-dev", "rancher-desktop", "minikube"',
        },
        storageClassName: {
            type: "string",
            // Docker Desktop's built-in class: the laptop is where a stack starts.
            default: "hostpath",
            description: "the cluster's built-in StorageClass for the claims, referenced, never created (hostpath, standard, local-path).",
            check: isObjectName,
            allowed: 'must be a StorageClass name (lowercase letters, digits, "-" and "."), e.g. "hostpath", "standard", "local-path"',
        },
    },
    settings: (values): LocalSettings => ({ kind: "local", ...values }),
    // A PersistentVolume already in the cluster (a retained one, or one made by hand over a
    // directory): resources.ts reads it and checks that it is free for the claim.
    restoreSource: {
        check: isObjectName,
        allowed: 'the source must be the name of a PersistentVolume in the cluster (lowercase letters, digits, "-" and "."), e.g. "2=pvc-0b5e..."',
    },
    // A new context is another cluster: the review says the app moves.
    review: { clusterKey: "kubeContext" },
    resources: `${__dirname}/resources`,
});
