import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { LocalSettings } from "../settings";
import type { Environment } from "./environment";

/**
 * An existing local cluster: Docker Desktop by default, or kind, k3d, Rancher Desktop or
 * minikube through `sticky:kubeContext` and `sticky:storageClassName`.
 *
 * The provider is pinned to a kube context, so `pulumi up --stack dev` deploys to the laptop's
 * cluster even when `kubectl` currently points at production. The StorageClass is the cluster's
 * own built-in class: it is read, never created, so a stack on a cluster without that class
 * fails at preview with the class's name instead of leaving pods Pending.
 */
export function localCluster(settings: LocalSettings, storageClassName: string): Environment {
    const provider = new k8s.Provider("local", { context: settings.kubeContext });
    const storageClass = k8s.storage.v1.StorageClass.get("local-storage-class", storageClassName, { provider });
    return {
        provider,
        storageClassName: storageClass.metadata.name,
        prerequisites: [],
        outputs: { kubeContext: pulumi.output(settings.kubeContext) },
    };
}
