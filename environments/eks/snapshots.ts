import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { AddonVersions } from "./addon-versions";
import { EBS_CSI_PROVISIONER } from "./storage-rule";

/** The VolumeSnapshotClass on-demand snapshots and snapshot restores name. */
export const VOLUME_SNAPSHOT_CLASS = "ebs-retain";

export interface Snapshots {
    /** The CSI snapshot controller add-on, which also installs the VolumeSnapshot CRDs. */
    readonly controller: aws.eks.Addon;
    readonly volumeSnapshotClass: k8s.apiextensions.CustomResource;
}

/**
 * Kubernetes-native snapshots on demand: the EKS `snapshot-controller` add-on, pinned like the
 * others (addon-versions.ts; it runs on the nodes, hence after the EBS CSI driver, itself after
 * the nodes), and a VolumeSnapshotClass for the EBS CSI driver, the cluster's default, with
 * `deletionPolicy: Retain`: deleting a VolumeSnapshot (or the cluster) leaves the EBS snapshot.
 * The driver tags the snapshots it makes like its volumes (`extraVolumeTags`, addons.ts: the
 * cluster and its incarnation), so the runbook finds them beside AWS Backup's.
 *
 *   kubectl apply -f - <<<'{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot",
 *     "metadata":{"name":"before-change-2"},"spec":{"source":{"persistentVolumeClaimName":"sticky-data-sticky-2"}}}'
 */
export function eksSnapshots(
    clusterName: pulumi.Input<string>,
    versions: AddonVersions,
    provider: k8s.Provider,
    options: { ebsCsiDriver: aws.eks.Addon; tags: Record<string, string>; parent: pulumi.Resource },
): Snapshots {
    const { ebsCsiDriver, tags, parent } = options;
    const controller = new aws.eks.Addon(
        "snapshot-controller",
        {
            clusterName,
            addonName: "snapshot-controller",
            addonVersion: versions["snapshot-controller"],
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "PRESERVE",
            tags,
        },
        { parent, dependsOn: [ebsCsiDriver] },
    );
    const volumeSnapshotClass = new k8s.apiextensions.CustomResource(
        "ebs-retain",
        {
            apiVersion: "snapshot.storage.k8s.io/v1",
            kind: "VolumeSnapshotClass",
            metadata: { name: VOLUME_SNAPSHOT_CLASS, annotations: { "snapshot.storage.kubernetes.io/is-default-class": "true" } },
            driver: EBS_CSI_PROVISIONER,
            deletionPolicy: "Retain",
        },
        // The class's kind is a CRD the add-on installs.
        { parent, provider, dependsOn: [controller, ebsCsiDriver] },
    );
    return { controller, volumeSnapshotClass };
}
