import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EBS_CSI_PROVISIONER } from "./storage-rule";

/** The gp3 class lets claims grow (EBS volumes resize online), so a bigger claim size grows them. */
export const GP3_ALLOWS_EXPANSION = true;

/**
 * The encrypted gp3 class the claims name, on Auto Mode's block storage (which makes no class),
 * as storage-rule.ts asks: WaitForFirstConsumer (volumes are zonal), expandable, Retain. Its
 * volumes carry `tags` through `tagSpecification_N` (AWS Backup selects by them). Parameters
 * cannot change: a new key or incarnation replaces the class; claims keep their volumes.
 */
export function gp3StorageClass(
    storageClassName: string,
    tags: pulumi.Input<Record<string, pulumi.Input<string>>>,
    options: { kmsKeyArn: string; provider: k8s.Provider; protect: boolean; parent?: pulumi.Resource; dependsOn?: pulumi.Input<pulumi.Resource>[] },
): k8s.storage.v1.StorageClass {
    const parameters = pulumi.output(tags).apply((values) => ({
        type: "gp3",
        encrypted: "true",
        "csi.storage.k8s.io/fstype": "ext4",
        // `sticky:ebsKmsKeyArn`: a customer managed key (the cluster role's grants: cluster.ts); else the account's EBS key.
        ...(options.kmsKeyArn ? { kmsKeyId: options.kmsKeyArn } : {}),
        ...Object.fromEntries(Object.entries(values).map(([key, value], i) => [`tagSpecification_${i + 1}`, `${key}=${value}`])),
    }));
    return new k8s.storage.v1.StorageClass("gp3", {
        // EKS has no default class; this one is, for anything that names none.
        metadata: { name: storageClassName, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: EBS_CSI_PROVISIONER,
        parameters,
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: GP3_ALLOWS_EXPANSION,
        reclaimPolicy: "Retain",
    }, { parent: options.parent, provider: options.provider, protect: options.protect, dependsOn: options.dependsOn });
}
