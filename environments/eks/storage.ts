import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { EBS_CSI_PROVISIONER } from "./storage-rule";

/** The gp3 class lets claims grow (EBS volumes resize online), so a bigger claim size grows them. */
export const GP3_ALLOWS_EXPANSION = true;

/**
 * The encrypted gp3 StorageClass the app's claims name, as storage-rule.ts (which the policy
 * pack applies) asks: EBS CSI (`ebs.csi.aws.com`), `WaitForFirstConsumer` (EBS volumes are zonal:
 * each is made in its pod's zone), expandable, reclaim policy Retain (a deleted claim leaves its
 * volume and data in EBS; see docs/prod-on-eks.md, "What `pulumi destroy` leaves behind").
 * `@pulumi/eks`'s `storageClasses` option is not used: it writes the removed
 * in-tree `kubernetes.io/aws-ebs` provisioner.
 */
export function gp3StorageClass(
    storageClassName: string,
    provider: k8s.Provider,
    ebsCsiDriver: aws.eks.Addon,
    options: { protect: boolean; child: pulumi.CustomResourceOptions; kmsKeyArn?: string },
): k8s.storage.v1.StorageClass {
    return new k8s.storage.v1.StorageClass(
        "gp3",
        {
            metadata: {
                name: storageClassName,
                // EKS 1.30+ has no default class; make this one the default for anything that does
                // not name a class, as the article's original YAML does not.
                annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
            },
            provisioner: EBS_CSI_PROVISIONER,
            parameters: {
                type: "gp3",
                encrypted: "true",
                "csi.storage.k8s.io/fstype": "ext4",
                // `sticky:ebsKmsKeyArn`: the customer managed key; without it, the account's EBS default key.
                // StorageClass parameters cannot change in place: a new key replaces the class
                // (claims keep their volumes, encrypted with the key they were made with).
                ...(options.kmsKeyArn ? { kmsKeyId: options.kmsKeyArn } : {}),
            },
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: GP3_ALLOWS_EXPANSION,
            reclaimPolicy: "Retain",
        },
        { ...options.child, provider, protect: options.protect, dependsOn: [ebsCsiDriver] },
    );
}
