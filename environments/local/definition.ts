/**
 * The local environment's pure half: its kind, its one key and its settings. The resources
 * (a provider pinned to a kube context, a read of the cluster's class) are in environment.ts,
 * loaded only when a stack deploys here.
 *
 * No storage rule: a laptop's classes keep data in a directory on one node, so the policy pack
 * lets only dev stacks use this environment's storage.
 */
import { defineEnvironment } from "../environment";

/** An existing local cluster (Docker Desktop, kind, k3d, Rancher Desktop, minikube). */
export interface LocalSettings {
    readonly kind: "local";
    /** The kubeconfig context to deploy to; never the ambient current context. */
    readonly kubeContext: string;
}

export const localDefinition = defineEnvironment({
    kind: "local",
    description: "an existing local cluster",
    storageClassName: "the cluster's built-in class, referenced, never created (hostpath, standard, local-path)",
    keys: {
        kubeContext: {
            type: "string",
            default: "docker-desktop",
            description: "the kubeconfig context to deploy to (never the ambient current context).",
            check: (value: string) => value.trim() !== "",
            allowed: 'must name a context in your kubeconfig, e.g. "docker-desktop", "kind-kind", "k3d-dev", "rancher-desktop", "minikube"',
        },
    },
    settings: (values): LocalSettings => ({ kind: "local", kubeContext: values.kubeContext }),
    deploy: async (settings, app) => {
        const { localEnvironment } = await import("./environment");
        return localEnvironment(settings, app.storageClassName);
    },
});
