import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { releasePinsFor } from "./addon-versions";
import { amiTypeFor } from "./ami-types";
import type { EksSettings } from "./definition";
import type { Network } from "./network";

const NODE_POLICY_ARNS = [
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
];

/** Each node's root volume, GiB (EKS's default for managed nodes, written down so the cost in docs/prod-on-eks.md is this). */
const NODE_DISK_GIB = 20;

/**
 * Spreads `sticky:nodeCount` nodes over the zones as evenly as possible, the first zones taking
 * the remainder: 3 nodes over 3 zones is 1, 1, 1; 4 is 2, 1, 1. settings.ts guarantees at least
 * one node per zone.
 */
export function nodesPerZone(nodeCount: number, zoneCount: number): number[] {
    return Array.from({ length: zoneCount }, (_, zone) => Math.floor(nodeCount / zoneCount) + (zone < nodeCount % zoneCount ? 1 : 0));
}

/** The old place of each zone's node group: the child pulumi-eks 4.3's ManagedNodeGroup made (nodes/nodegroup.ts: `new aws.eks.NodeGroup(name, ..., {parent})`). */
export function formerNodeGroupUrns(zoneIndex: number, stack: string, project: string): string[] {
    const child = `eks:index:ManagedNodeGroup$aws:eks/nodeGroup:NodeGroup::sticky-${zoneIndex}`;
    return [
        `urn:pulumi:${stack}::${project}::sticky:eks:EksEnvironment$${child}`,
        // Before the EKS resources moved under EksEnvironment, at the stack's root.
        `urn:pulumi:${stack}::${project}::${child}`,
    ];
}

/**
 * How EKS rolls one zone's node group (a new launch template version, AMI release or Kubernetes
 * version): `maxUnavailable: 1` node at a time. EKS first adds new nodes in the group's zone
 * (`maxSize` leaves room for one), then cordons and drains the old ones honouring the app's
 * PodDisruptionBudget (maxUnavailable 1), and fails the update rather than evict past it
 * (`force` is left off): a pod whose claim is in this zone moves to a new node in the same zone.
 * With one node per zone a percentage would round to the same single node.
 */
export const NODE_GROUP_UPDATE = { maxUnavailable: 1 } as const;

/**
 * The nodes' launch template: instance type, root disk and metadata rules. In a launch template
 * rather than on the node groups because there a change is a new template version, which EKS
 * rolls in place (drain honouring budgets, above), while `instanceTypes` or `diskSize` on a node
 * group replace the whole group (delete drains for minutes, then terminates, budgets or not).
 * No image: EKS still picks the AMI from `amiType` and `releaseVersion`.
 */
function nodeLaunchTemplate(settings: EksSettings, tags: Record<string, string>, child: pulumi.CustomResourceOptions): aws.ec2.LaunchTemplate {
    return new aws.ec2.LaunchTemplate("sticky-nodes", {
        instanceType: settings.nodeInstanceType,
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: NODE_DISK_GIB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }],
        // IMDSv2 only, one hop: pods (not on the host network) cannot reach the node's
        // credentials; they get their own through Pod Identity.
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        tagSpecifications: [{ resourceType: "instance", tags }, { resourceType: "volume", tags }],
        tags,
    }, { parent: child.parent });
}

/**
 * Managed nodes: one node group per zone, each in that zone's private subnet.
 *
 * Why not one group over all zones: EBS volumes are zonal, and a pod can only run in its
 * volume's zone. A group spanning zones rebalances by count, not by zone, so after a scale-in or
 * a zone rebalance a zone can be left without a node and its pod Pending. A group per zone keeps
 * `nodeCount / zones` nodes in every zone, always.
 *
 * Why one zone at a time: each group depends on the previous zone's, so Pulumi updates (and
 * replaces) them in order, and EKS drains one zone's pods before the next zone starts. An
 * instance type or disk change is a launch template version rolled in place (see above), never
 * all zones at once. `aws.eks.NodeGroup` rather than pulumi-eks's ManagedNodeGroup: the latter's
 * 4.3.0 inputs have no `updateConfig` (checked in its v4.3.0 source, nodes/nodegroup.ts and the
 * schema). Each group answers to its old URN (the ManagedNodeGroup's child) through aliases.
 */
export function eksNodes(
    settings: EksSettings,
    network: Network,
    clusterName: pulumi.Output<string>,
    tags: Record<string, string>,
    child: pulumi.CustomResourceOptions,
): aws.eks.NodeGroup[] {
    const nodeRole = new aws.iam.Role("sticky-nodes", {
        assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "ec2.amazonaws.com" }),
        tags,
    }, child);
    const nodePolicies = NODE_POLICY_ARNS.map(
        (policyArn, i) => new aws.iam.RolePolicyAttachment(`sticky-nodes-${i}`, { role: nodeRole.name, policyArn }, child),
    );
    const launchTemplate = nodeLaunchTemplate(settings, tags, child);
    const releaseVersion = releasePinsFor(settings.kubernetesVersion).nodeAmiRelease;

    const counts = nodesPerZone(settings.nodeCount, network.zones.length);
    const groups: aws.eks.NodeGroup[] = [];
    for (const zone of network.zones) {
        const previous = groups[groups.length - 1];
        const size = counts[zone.index];
        groups.push(
            new aws.eks.NodeGroup(
                `sticky-${zone.index}`,
                {
                    clusterName,
                    nodeRoleArn: nodeRole.arn,
                    subnetIds: [zone.privateSubnet.id],
                    amiType: amiTypeFor(settings.nodeInstanceType),
                    version: settings.kubernetesVersion,
                    releaseVersion,
                    launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
                    // Room for one extra node while an update adds the new node before draining the old.
                    scalingConfig: { minSize: size, desiredSize: size, maxSize: size + 1 },
                    updateConfig: NODE_GROUP_UPDATE,
                    labels: { "sticky/zone-index": String(zone.index) },
                    tags,
                },
                {
                    parent: child.parent,
                    dependsOn: previous === undefined ? nodePolicies : [...nodePolicies, previous],
                    aliases: formerNodeGroupUrns(zone.index, pulumi.getStack(), pulumi.getProject()),
                },
            ),
        );
    }
    return groups;
}
