import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DeployEnvironment, DeployedEnvironment } from "../deployed";
import type { LocalSettings } from "./definition";

/**
 * The class's `allowVolumeExpansion`, as a plain value. A class without the field (hostpath,
 * standard) is `false`; at preview the SDK reports a field missing from a read as unknown, and an
 * apply on it never runs, so the answer falls back to `false` once the rest of the read (its
 * metadata) has arrived: both resolve from the same response, and a known value's apply runs
 * first (promise jobs before the `setImmediate` task).
 */
function allowsExpansion(storageClass: k8s.storage.v1.StorageClass): Promise<boolean> {
    return new Promise((resolve) => {
        storageClass.allowVolumeExpansion.apply((allowed) => resolve(allowed === true));
        storageClass.metadata.apply(() => setImmediate(() => resolve(false)));
    });
}

/**
 * An existing local cluster: Docker Desktop by default, or kind, k3d, Rancher Desktop or
 * minikube through `sticky:kubeContext` and `sticky:storageClassName`.
 *
 * The provider is pinned to a kube context, so `pulumi up --stack dev` deploys to the laptop's
 * cluster even when `kubectl` currently points at production. The StorageClass is the cluster's
 * own built-in class: it is read, never created, so a stack on a cluster without that class
 * fails at preview with the class's name instead of leaving pods Pending.
 */
export function localEnvironment(settings: LocalSettings): DeployedEnvironment {
    const provider = new k8s.Provider("local", { context: settings.kubeContext });
    const storageClass = k8s.storage.v1.StorageClass.get("local-storage-class", settings.storageClassName, { provider });
    return {
        provider,
        storageClassName: storageClass.metadata.name,
        // A read is done at preview too, so this resolves before anything is created. Docker
        // Desktop's hostpath and kind's standard say no; a class that says yes has its claims grown.
        storageClassAllowsExpansion: allowsExpansion(storageClass),
        prerequisites: [],
        outputs: { kubeContext: pulumi.output(settings.kubeContext) },
    };
}

/** The registry's entry point (environments/deployed.ts): nothing to protect, the cluster is the laptop's. */
export const deploy: DeployEnvironment<LocalSettings> = (settings) => localEnvironment(settings);
