import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import type * as pulumi from "@pulumi/pulumi";
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

/**
 * Managed nodes: one node group per zone, each in that zone's private subnet.
 *
 * Why not one group over all zones: EBS volumes are zonal, and a pod can only run in its
 * volume's zone. A group spanning zones rebalances by count, not by zone, so after a scale-in or
 * a zone rebalance a zone can be left without a node and its pod Pending. A group per zone keeps
 * `nodeCount / zones` nodes in every zone, always.
 */
export function eksNodes(
    settings: EksSettings,
    network: Network,
    cluster: eks.Cluster,
    tags: Record<string, string>,
    child: pulumi.CustomResourceOptions,
): eks.ManagedNodeGroup[] {
    const nodeRole = new aws.iam.Role("sticky-nodes", {
        assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "ec2.amazonaws.com" }),
        tags,
    }, child);
    const nodePolicies = NODE_POLICY_ARNS.map(
        (policyArn, i) => new aws.iam.RolePolicyAttachment(`sticky-nodes-${i}`, { role: nodeRole.name, policyArn }, child),
    );

    const counts = nodesPerZone(settings.nodeCount, network.zones.length);
    return network.zones.map(
        (zone) =>
            new eks.ManagedNodeGroup(
                `sticky-${zone.index}`,
                {
                    cluster,
                    nodeRole,
                    subnetIds: [zone.privateSubnet.id],
                    instanceTypes: [settings.nodeInstanceType],
                    amiType: amiTypeFor(settings.nodeInstanceType),
                    diskSize: NODE_DISK_GIB,
                    scalingConfig: {
                        minSize: counts[zone.index],
                        desiredSize: counts[zone.index],
                        // Room for one extra node while a node group update replaces nodes.
                        maxSize: counts[zone.index] + 1,
                    },
                    tags,
                },
                { ...child, dependsOn: nodePolicies },
            ),
    );
}
