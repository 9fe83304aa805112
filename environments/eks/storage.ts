import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EBS_CSI_PROVISIONER } from "./storage-rule";

/** The gp3 class lets claims grow (EBS volumes resize online), so a bigger claim size grows them. */
export const GP3_ALLOWS_EXPANSION = true;

/**
 * The encrypted gp3 StorageClass the app's claims name, on Auto Mode's block storage
 * (`ebs.csi.eks.amazonaws.com`), as storage-rule.ts (which the policy pack applies) asks:
 * `WaitForFirstConsumer` (EBS volumes are zonal: each is made in its pod's zone), expandable,
 * reclaim policy Retain (a deleted claim leaves its volume and data). Auto Mode makes no class.
 *
 * Every volume it makes is tagged through `tagSpecification_N` (Auto Mode has no add-on
 * `extraVolumeTags`): `tags` (the cluster's name and its incarnation, which AWS Backup selects
 * by: backup.ts). A class's parameters cannot change: a new incarnation or key replaces the
 * class, and claims keep their volumes with the tags and key they were made with.
 */
export function gp3StorageClass(
    storageClassName: string,
    tags: pulumi.Input<Record<string, pulumi.Input<string>>>,
    options: { kmsKeyArn: string; provider: k8s.Provider; protect: boolean; parent?: pulumi.Resource; dependsOn?: pulumi.Input<pulumi.Resource>[] },
): k8s.storage.v1.StorageClass {
    const tagParameters = pulumi.output(tags).apply((values) =>
        Object.fromEntries(Object.entries(values).map(([key, value], i) => [`tagSpecification_${i + 1}`, `${key}=${value}`])),
    );
    return new k8s.storage.v1.StorageClass(
        "gp3",
        {
            // EKS has no default class; this one is, for anything that names none.
            metadata: { name: storageClassName, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
            provisioner: EBS_CSI_PROVISIONER,
            parameters: tagParameters.apply((tagged) => ({
                type: "gp3",
                encrypted: "true",
                "csi.storage.k8s.io/fstype": "ext4",
                // `sticky:ebsKmsKeyArn`: a customer managed key (the cluster role's grants: cluster.ts); else the account's EBS key.
                ...(options.kmsKeyArn ? { kmsKeyId: options.kmsKeyArn } : {}),
                ...tagged,
            })),
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: GP3_ALLOWS_EXPANSION,
            reclaimPolicy: "Retain",
        },
        { parent: options.parent, provider: options.provider, protect: options.protect, dependsOn: options.dependsOn },
    );
}
