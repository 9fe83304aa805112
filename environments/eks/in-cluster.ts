/**
 * Prod's in-cluster half: what the EKS environment makes inside its cluster, from a Kubernetes
 * provider and a few facts, never AWS (as @pulumi/eks keeps a cluster apart from what it installs
 * in it). Any cluster with the same CRDs (NodePool, NodeClass, VolumeSnapshot kinds) takes it.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { DeployedEnvironment, RestoredClaim } from "../deployed";
import { ClusterViewerAccess } from "./cluster-viewer";
import type { EksSettings } from "./definition";
import { nodePool, type NodeFacts, type NodePoolSettings } from "./node-pool";
import type { EbsSource } from "./restore";
import { restoredClaimObjects } from "./restore";
import { volumeSnapshotClass } from "./snapshots";
import { gp3StorageClass } from "./storage";
import { INCARNATION_TAG } from "./backup";
import { NLB_LOAD_BALANCER_CLASS, nlbServiceAnnotations } from "./load-balancer";
import { GP3_ALLOWS_EXPANSION } from "./storage";

/** The tags on everything the EKS environment makes in AWS, the app's load balancer included. */
export const EKS_TAGS: Readonly<Record<string, string>> = { project: "sticky", "managed-by": "pulumi" };

/** The settings the in-cluster half reads; any viewer ARN makes the viewers' RBAC and admission policy. */
export type InClusterSettings = NodePoolSettings & Pick<EksSettings, "storageClassName" | "ebsKmsKeyArn" | "clusterViewerArns">;

/** What the in-cluster half must know about its cluster: plain strings will do. */
export interface ClusterFacts extends NodeFacts {
    /** This lifetime of the cluster (backup.ts), tagged on every volume. */
    readonly incarnation: pulumi.Input<string>;
}

export interface InClusterArgs {
    readonly settings: InClusterSettings;
    readonly facts: ClusterFacts;
    /** `sticky:restoreFrom`'s sources as AWS described them (restore.ts); none by default. */
    readonly restores?: readonly EbsSource[];
}

export interface InClusterOptions {
    readonly provider: k8s.Provider;
    readonly parent?: pulumi.Resource;
    /** Protect the storage class (claims name it). @default false */
    readonly protect?: boolean;
    /** What must exist first (on EKS: the snapshot controller, the cluster role's tag rights, a restored volume's tags). */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export interface InCluster {
    readonly storageClass: k8s.storage.v1.StorageClass;
    readonly volumeSnapshotClass: k8s.apiextensions.CustomResource;
    readonly nodeClass: k8s.apiextensions.CustomResource;
    readonly nodePool: k8s.apiextensions.CustomResource;
    readonly viewers?: ClusterViewerAccess;
    /** What backs each restored claim, in `restores`' order. */
    readonly restoredClaims: RestoredClaim[];
}

/**
 * The gp3 class (its volumes tagged with the cluster's incarnation), the VolumeSnapshotClass, the
 * NodeClass and NodePool with network policy enforcement, the viewers' RBAC and admission policy
 * when there are viewers, and the volumes and snapshot objects behind restored claims.
 */
export function eksInCluster(args: InClusterArgs, options: InClusterOptions): InCluster {
    const { settings, facts } = args;
    const { provider, parent, dependsOn = [] } = options;
    // Auto Mode tags its volumes with `eks:eks-cluster-name` itself; the incarnation is the stack's.
    const volumeTags = { [INCARNATION_TAG]: facts.incarnation };
    const storageClass = gp3StorageClass(settings.storageClassName, volumeTags, { kmsKeyArn: settings.ebsKmsKeyArn, provider, parent, protect: options.protect ?? false, dependsOn });
    const snapshotClass = volumeSnapshotClass({ provider, parent, dependsOn });
    const nodes = nodePool(settings, facts, { provider, parent, dependsOn });
    const viewers = settings.clusterViewerArns.length > 0 ? new ClusterViewerAccess("sticky-cluster-viewer", {}, { parent, provider }) : undefined;
    const restoredClaims = restoredClaimObjects(args.restores ?? [], {
        provider,
        parent,
        storageClassName: storageClass.metadata.name,
        snapshotClassName: snapshotClass.metadata.name,
        dependsOn: [...dependsOn, storageClass, snapshotClass],
    });
    return { storageClass, volumeSnapshotClass: snapshotClass, nodeClass: nodes.nodeClass, nodePool: nodes.nodePool, viewers, restoredClaims };
}

/**
 * What the EKS environment hands the app from its in-cluster half (environments/deployed.ts):
 * the gp3 class (expandable), the class and the NodePool to wait for, Auto Mode's NLB with
 * instance targets (load-balancer.ts) tagged like everything else, one pod per zone, and the
 * restored claims. One place for prod and for the e2e that runs this half on the test cluster.
 */
export function inClusterHandOver(
    inCluster: { readonly storageClass: k8s.storage.v1.StorageClass; readonly nodePool: pulumi.Resource; readonly restoredClaims: RestoredClaim[] },
    provider: k8s.Provider,
    outputs: DeployedEnvironment["outputs"],
): DeployedEnvironment {
    return {
        restoredClaims: inCluster.restoredClaims,
        provider,
        storageClassName: inCluster.storageClass.metadata.name,
        storageClassAllowsExpansion: Promise.resolve(GP3_ALLOWS_EXPANSION),
        prerequisites: [inCluster.storageClass, inCluster.nodePool],
        serviceAnnotations: nlbServiceAnnotations(EKS_TAGS),
        serviceLoadBalancerClass: NLB_LOAD_BALANCER_CLASS,
        zoneSpread: "DoNotSchedule",
        outputs,
    };
}
