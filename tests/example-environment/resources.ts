/**
 * The example environment's resources (see definition.ts): a provider pinned to the cluster's
 * kube context and the app's Longhorn class, retained, which the app waits for.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DeployEnvironment, DeployedEnvironment, DeployOptions } from "../../environments/deployed";
import { LONGHORN_PROVISIONER, type ExistingSettings } from "./definition";

export function existingClusterEnvironment(settings: ExistingSettings, options: DeployOptions): DeployedEnvironment {
    const provider = new k8s.Provider("existing", { context: settings.clusterContext });
    const storageClass = new k8s.storage.v1.StorageClass(
        "longhorn-retained",
        {
            metadata: { name: settings.storageClassName },
            provisioner: LONGHORN_PROVISIONER,
            parameters: { numberOfReplicas: String(settings.longhornReplicas), staleReplicaTimeout: "2880", fsType: "ext4" },
            reclaimPolicy: "Retain",
            allowVolumeExpansion: true,
            volumeBindingMode: "Immediate",
        },
        { provider, protect: options.protect },
    );
    return {
        provider,
        storageClassName: storageClass.metadata.name,
        storageClassAllowsExpansion: Promise.resolve(true),
        prerequisites: [storageClass],
        outputs: { kubeContext: pulumi.output(settings.clusterContext) },
    };
}

/** The registry's entry point (environments/deployed.ts). */
export const deploy: DeployEnvironment<ExistingSettings> = existingClusterEnvironment;
