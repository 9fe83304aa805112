import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { quantityBytes } from "../../core/quantity";
import { type PreviousDeployment, restoredEarlier } from "../../core/previous-deployment";
import { RestoreSourceError, type RestoredClaim, type RestoreRequest } from "../deployed";
import { INCARNATION_TAG } from "./backup";
import { EBS_VOLUME_ID } from "./backup-rules";
import type { EksSettings } from "./definition";
import { EBS_CSI_PROVISIONER } from "./storage-rule";

const GiB = 1024 ** 3;
/** The label nodes carry their zone in, which a static volume's node affinity names. */
const ZONE_LABEL = "topology.kubernetes.io/zone";
/** The tag Auto Mode's block storage needs on a volume it did not make before it attaches it. */
export const AUTO_MODE_CLUSTER_TAG = "eks:eks-cluster-name";

/** A source AWS was asked about, and found usable. */
export type EbsSource =
    | { readonly kind: "volume"; readonly request: RestoreRequest; readonly zone: string; readonly sizeGiB: number }
    | { readonly kind: "snapshot"; readonly request: RestoreRequest; readonly sizeGiB: number };

/** What AWS says of a volume, as far as a restore needs it. */
export interface VolumeFacts {
    readonly zone: string;
    readonly sizeGiB: number;
    /** `available` (attachable), or why not. */
    readonly state: string;
    /** The volume's `eks:eks-cluster-name` tag, which Auto Mode's driver attaches by; undefined when untagged. */
    readonly clusterTag?: string;
}

/** What AWS says of a snapshot, as far as a restore needs it. */
export interface SnapshotFacts {
    readonly sizeGiB: number;
    /** `pending`, `completed`, `error`, ... */
    readonly state: string;
}

const at = (request: RestoreRequest) => `sticky:restoreFrom = ${JSON.stringify(request.entry)}`;
const claimGiB = (request: RestoreRequest) => (quantityBytes(request.size) ?? 0) / GiB;

/**
 * Why a volume cannot back the claim: missing, in another zone, attached, tagged for another Auto
 * Mode cluster, or too small. A volume an earlier run restored (`kept`) is this cluster's now:
 * attached to its node and tagged with its name, which is as it should be.
 */
export function volumeProblems(
    request: RestoreRequest,
    facts: VolumeFacts | undefined,
    region: string,
    zones: readonly string[] | undefined,
    clusterName: string,
    kept = false,
): string[] {
    if (facts === undefined) return [`${at(request)}: no EBS volume ${request.source} in ${region} (aws ec2 describe-volumes --volume-ids ${request.source})`];
    const problems: string[] = [];
    if (zones !== undefined && !zones.includes(facts.zone)) {
        problems.push(
            `${at(request)}: volume ${request.source} is in ${facts.zone}, and this cluster's zones are ${zones.join(", ")}; an EBS volume attaches only in its zone: ` +
                `a new stack can list ${facts.zone} in sticky:availabilityZones, a running cluster's zones are fixed (docs/prod-on-eks.md#zones); or restore a snapshot of the volume, which any zone can use`,
        );
    }
    if (facts.state !== "available" && !kept) {
        problems.push(
            `${at(request)}: volume ${request.source} is ${facts.state}: attached to an instance, another cluster's pod may still use it; ` +
                "restore only a detached volume: stop what uses it, or restore a snapshot of it",
        );
    }
    if (facts.clusterTag !== undefined && facts.clusterTag !== clusterName && !kept) {
        problems.push(
            `${at(request)}: volume ${request.source} is tagged ${AUTO_MODE_CLUSTER_TAG}=${facts.clusterTag}, and Auto Mode's driver attaches it only to that cluster; ` +
                `if ${facts.clusterTag} no longer uses it, give it to this one: aws ec2 create-tags --resources ${request.source} --tags Key=${AUTO_MODE_CLUSTER_TAG},Value=${clusterName}`,
        );
    }
    if (facts.sizeGiB < claimGiB(request)) {
        problems.push(`${at(request)}: volume ${request.source} has ${facts.sizeGiB} GiB, less than the claims' ${request.size} (sticky:storageSize); a claim binds only a volume at least its size`);
    }
    return problems;
}

/** Why a snapshot cannot back the claim: missing, not complete yet, or bigger than the claim (a volume is made at least the snapshot's size). */
export function snapshotProblems(request: RestoreRequest, facts: SnapshotFacts | undefined, region: string): string[] {
    if (facts === undefined) return [`${at(request)}: no EBS snapshot ${request.source} this account can use in ${region} (aws ec2 describe-snapshots --snapshot-ids ${request.source})`];
    const problems: string[] = [];
    if (facts.state !== "completed") problems.push(`${at(request)}: snapshot ${request.source} is ${facts.state}, not completed; wait for it, or pick another`);
    if (facts.sizeGiB > claimGiB(request)) {
        problems.push(
            `${at(request)}: snapshot ${request.source} is of a ${facts.sizeGiB} GiB volume, more than the claims' ${request.size} (sticky:storageSize); ` +
                `a volume is made at least its snapshot's size: set sticky:storageSize to ${facts.sizeGiB}Gi or more`,
        );
    }
    return problems;
}

async function volumeFacts(id: string): Promise<VolumeFacts | undefined> {
    const filters = [{ name: "volume-id", values: [id] }];
    const found = await aws.ebs.getEbsVolumes({ filters });
    if (!(found.ids ?? []).includes(id)) return undefined;
    const volume = await aws.ebs.getVolume({ filters });
    // The volume's data source has no state; the list filtered by status says whether it is free.
    const free = await aws.ebs.getEbsVolumes({ filters: [...filters, { name: "status", values: ["available"] }] });
    const state = (free.ids ?? []).includes(id) ? "available" : "not available (in use, being made or deleted)";
    return { zone: volume.availabilityZone, sizeGiB: volume.size, state, clusterTag: volume.tags?.[AUTO_MODE_CLUSTER_TAG] };
}

async function snapshotFacts(id: string): Promise<SnapshotFacts | undefined> {
    const found = await aws.ebs.getSnapshotIds({ filters: [{ name: "snapshot-id", values: [id] }] });
    if (!(found.ids ?? []).includes(id)) return undefined;
    const snapshot = await aws.ebs.getSnapshot({ snapshotIds: [id] });
    return { sizeGiB: snapshot.volumeSize, state: snapshot.state };
}

/** Where the facts about a source come from: AWS's API, or (the e2e's) a stand-in that answers the same. */
export interface EbsLookups {
    readonly volume: (id: string) => Promise<VolumeFacts | undefined>;
    readonly snapshot: (id: string) => Promise<SnapshotFacts | undefined>;
}

const AWS_LOOKUPS: EbsLookups = { volume: volumeFacts, snapshot: snapshotFacts };

/**
 * Asks about every `sticky:restoreFrom` source before anything is created; a `RestoreSourceError`
 * lists every problem. An entry an earlier run already restored (`restoredEarlier`) is only kept:
 * its volume is asked for its zone and size (the PersistentVolume over it stays the same) and
 * not held to being free, and its snapshot is not asked about at all (the claim made from it
 * exists, and AWS Backup may since have expired it).
 */
export async function checkEbsSources(
    requests: readonly RestoreRequest[],
    settings: EksSettings,
    zones: readonly string[],
    clusterName: string,
    history: PreviousDeployment | undefined,
    lookups: EbsLookups = AWS_LOOKUPS,
): Promise<EbsSource[]> {
    if (requests.length === 0) return [];
    const problems: string[] = [];
    const sources: EbsSource[] = [];
    for (const request of requests) {
        const kept = restoredEarlier(history, request.claim.name, request.source);
        if (EBS_VOLUME_ID.test(request.source)) {
            const facts = await lookups.volume(request.source);
            const found = volumeProblems(request, facts, settings.region, zones, clusterName, kept);
            problems.push(...found);
            if (facts && found.length === 0) sources.push({ kind: "volume", request, zone: facts.zone, sizeGiB: facts.sizeGiB });
        } else if (kept) {
            sources.push({ kind: "snapshot", request, sizeGiB: claimGiB(request) });
        } else {
            const facts = await lookups.snapshot(request.source);
            const found = snapshotProblems(request, facts, settings.region);
            problems.push(...found);
            if (facts && found.length === 0) sources.push({ kind: "snapshot", request, sizeGiB: facts.sizeGiB });
        }
    }
    if (problems.length > 0) throw new RestoreSourceError(problems);
    return sources;
}

/**
 * The AWS side of restoring a volume by id, kept after a destroy: `eks:eks-cluster-name`, without
 * which Auto Mode does not attach a volume it did not make (AWS, "Create a storage class",
 * static provisioning), and the incarnation's tag, so this cluster's backups take it in.
 */
export function restoredVolumeTags(sources: readonly EbsSource[], facts: { clusterName: pulumi.Input<string>; incarnation: pulumi.Input<string> }, parent: pulumi.Resource): aws.ec2.Tag[] {
    return sources
        .filter((source) => source.kind === "volume")
        .flatMap((source) => {
            const name = `restored-${source.request.claim.name}`;
            const tag = (suffix: string, key: string, value: pulumi.Input<string>) =>
                new aws.ec2.Tag(`${name}${suffix}`, { resourceId: source.request.source, key, value }, { parent, retainOnDelete: true });
            return [tag("", INCARNATION_TAG, facts.incarnation), tag("-cluster", AUTO_MODE_CLUSTER_TAG, facts.clusterName)];
        });
}

/**
 * The objects behind each restored claim (the claim is the app's), named `restored-<claim>`:
 * for a volume, a static PersistentVolume pinned to its zone and reserved for the claim, Retain,
 * kept by destroy; for a snapshot, a pre-provisioned VolumeSnapshotContent (Retain) and its
 * VolumeSnapshot, the claim's `dataSource`.
 */
export function restoredClaimObjects(
    sources: readonly EbsSource[],
    options: {
        provider: k8s.Provider;
        storageClassName: pulumi.Input<string>;
        snapshotClassName: pulumi.Input<string>;
        dependsOn: pulumi.Input<pulumi.Resource>[];
        parent?: pulumi.Resource;
    },
): RestoredClaim[] {
    const { provider, parent, dependsOn } = options;
    return sources.map((source): RestoredClaim => {
        const { claim } = source.request;
        const name = `restored-${claim.name}`;
        const labels = { "app.kubernetes.io/managed-by": "pulumi", "sticky/restored-from": source.request.source };
        if (source.kind === "volume") {
            const volume = new k8s.core.v1.PersistentVolume(name, {
                metadata: { name, labels },
                spec: {
                    capacity: { storage: `${source.sizeGiB}Gi` },
                    accessModes: ["ReadWriteOnce"],
                    persistentVolumeReclaimPolicy: "Retain",
                    storageClassName: options.storageClassName,
                    claimRef: { namespace: claim.namespace, name: claim.name },
                    csi: { driver: EBS_CSI_PROVISIONER, volumeHandle: source.request.source, fsType: "ext4" },
                    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE_LABEL, operator: "In", values: [source.zone] }] }] } },
                },
            }, { parent, provider, dependsOn, retainOnDelete: true });
            return { claimName: claim.name, volumeName: volume.metadata.name, dependsOn: [volume] };
        }
        const content = new k8s.apiextensions.CustomResource(name, {
            apiVersion: "snapshot.storage.k8s.io/v1",
            kind: "VolumeSnapshotContent",
            metadata: { name, labels },
            spec: {
                deletionPolicy: "Retain",
                driver: EBS_CSI_PROVISIONER,
                source: { snapshotHandle: source.request.source },
                volumeSnapshotClassName: options.snapshotClassName,
                volumeSnapshotRef: { namespace: claim.namespace, name },
            },
        }, { parent, provider, dependsOn });
        const snapshot = new k8s.apiextensions.CustomResource(name, {
            apiVersion: "snapshot.storage.k8s.io/v1",
            kind: "VolumeSnapshot",
            metadata: { name, namespace: claim.namespace, labels },
            spec: { volumeSnapshotClassName: options.snapshotClassName, source: { volumeSnapshotContentName: content.metadata.name } },
        }, { parent, provider, dependsOn: [content] });
        return {
            claimName: claim.name,
            dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: snapshot.metadata.name },
            dependsOn: [snapshot],
        };
    });
}
