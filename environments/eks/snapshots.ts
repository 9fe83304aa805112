import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { EBS_CSI_PROVISIONER } from "./storage-rule";

/** The VolumeSnapshotClass on-demand snapshots and snapshot restores name. */
export const VOLUME_SNAPSHOT_CLASS = "ebs-retain";

/**
 * The EKS `snapshot-controller` add-on, which also installs the VolumeSnapshot CRDs: Auto Mode
 * does not run it. Pinned (addon-versions.ts); on the built-in `system` pool, as AWS suggests
 * ("Create a storage class"; it tolerates that pool's CriticalAddonsOnly taint), so it never
 * waits for the stack's own pool, which waits for it.
 */
export function snapshotController(clusterName: pulumi.Input<string>, version: string, options: { tags: Record<string, string>; parent: pulumi.Resource; dependsOn: pulumi.Resource[] }): aws.eks.Addon {
    const configurationValues = JSON.stringify({ nodeSelector: { "karpenter.sh/nodepool": "system" } });
    const addon = { clusterName, addonName: "snapshot-controller", addonVersion: version, configurationValues, resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "PRESERVE", tags: options.tags };
    return new aws.eks.Addon("snapshot-controller", addon, { parent: options.parent, dependsOn: options.dependsOn });
}

/** The default VolumeSnapshotClass on Auto Mode's driver, Retain: a deleted VolumeSnapshot leaves its EBS snapshot (docs/prod-on-eks.md#snapshots-on-demand). */
export function volumeSnapshotClass(options: { provider: k8s.Provider; parent?: pulumi.Resource; dependsOn?: pulumi.Input<pulumi.Resource>[] }): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(VOLUME_SNAPSHOT_CLASS, {
        apiVersion: "snapshot.storage.k8s.io/v1",
        kind: "VolumeSnapshotClass",
        metadata: { name: VOLUME_SNAPSHOT_CLASS, annotations: { "snapshot.storage.kubernetes.io/is-default-class": "true" } },
        driver: EBS_CSI_PROVISIONER,
        deletionPolicy: "Retain",
    }, options);
}
