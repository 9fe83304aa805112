import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { disruptionBudgets, NODE_DRAIN_LIMIT_HOURS } from "./nodes";

/** What the stack's NodePool is made from (`sticky:node*`, checked by definition.ts). */
export interface NodePoolSettings {
    readonly nodeInstanceFamilies: readonly string[];
    readonly nodeExpireAfter: string;
    readonly nodeDriftWindow: string;
    readonly nodeCpuLimit: number;
    readonly nodeMemoryLimit: string;
}

/** Where the nodes go and who they are (AWS facts, strings on a test cluster). */
export interface NodeFacts {
    /** The IAM role the nodes run as (its name): the one EKS gave an access entry at creation. */
    readonly nodeRoleName: pulumi.Input<string>;
    /** The private subnets, one per zone. */
    readonly subnetIds: readonly pulumi.Input<string>[];
    /** The cluster security group EKS made. */
    readonly securityGroupIds: readonly pulumi.Input<string>[];
    /** The cluster's zones. */
    readonly zones: readonly string[];
}

/** The NodeClass and NodePool's name. */
export const NODE_POOL = "sticky";

/**
 * The stack's own compute on Auto Mode: an Auto Mode NodeClass (`eks.amazonaws.com/v1`, fields
 * as AWS's "Create a Node Class" documents them) and a Karpenter NodePool (`karpenter.sh/v1`,
 * fields as Karpenter v1.1.0's CRD has them). The built-in `general-purpose` pool is off
 * (cluster.ts): its families and budget cannot be changed.
 * - NodeClass: the private subnets and the cluster security group, the node role EKS made an
 *   access entry for, and network policies enforced (`DefaultAllow`: pods no policy selects
 *   keep all traffic; with the ConfigMap below, the app's NetworkPolicy is enforced).
 * - NodePool: on-demand only (a stateful pod should not be interrupted by a spot reclaim), the
 *   chosen instance families, the cluster's zones; at most one node disrupted at a time, drift
 *   only in the drift window when there is one; a node lives `expireAfter`, and a drain held up
 *   by the app's PodDisruptionBudget ends after a day (`terminationGracePeriod`); nodes are
 *   removed when empty, never to repack pods (each move restarts a pod and moves its volume);
 *   CPU and memory limits stop a bug from buying a fleet.
 */
export function nodePool(
    settings: NodePoolSettings,
    facts: NodeFacts,
    options: { provider: k8s.Provider; parent?: pulumi.Resource; dependsOn?: pulumi.Input<pulumi.Resource>[] },
): { nodeClass: k8s.apiextensions.CustomResource; nodePool: k8s.apiextensions.CustomResource; networkPolicyController: k8s.core.v1.ConfigMap } {
    const opts = { provider: options.provider, parent: options.parent, dependsOn: options.dependsOn };
    // Auto Mode's network policy controller reads this ConfigMap (AWS, "Use Network Policies with EKS Auto Mode").
    const networkPolicyController = new k8s.core.v1.ConfigMap(
        "amazon-vpc-cni",
        { metadata: { name: "amazon-vpc-cni", namespace: "kube-system" }, data: { "enable-network-policy-controller": "true" } },
        opts,
    );
    const nodeClass = new k8s.apiextensions.CustomResource(
        `${NODE_POOL}-nodes`,
        {
            apiVersion: "eks.amazonaws.com/v1",
            kind: "NodeClass",
            metadata: { name: NODE_POOL },
            spec: {
                role: facts.nodeRoleName,
                subnetSelectorTerms: facts.subnetIds.map((id) => ({ id })),
                securityGroupSelectorTerms: facts.securityGroupIds.map((id) => ({ id })),
                networkPolicy: "DefaultAllow",
                networkPolicyEventLogs: "Disabled",
            },
        },
        opts,
    );
    const pool = new k8s.apiextensions.CustomResource(
        NODE_POOL,
        {
            apiVersion: "karpenter.sh/v1",
            kind: "NodePool",
            metadata: { name: NODE_POOL },
            spec: {
                template: {
                    spec: {
                        nodeClassRef: { group: "eks.amazonaws.com", kind: "NodeClass", name: nodeClass.metadata.name },
                        requirements: [
                            { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
                            { key: "eks.amazonaws.com/instance-family", operator: "In", values: [...settings.nodeInstanceFamilies] },
                            { key: "topology.kubernetes.io/zone", operator: "In", values: [...facts.zones] },
                        ],
                        expireAfter: settings.nodeExpireAfter,
                        terminationGracePeriod: `${NODE_DRAIN_LIMIT_HOURS}h`,
                    },
                },
                disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: "5m", budgets: disruptionBudgets(settings.nodeDriftWindow) },
                limits: { cpu: String(settings.nodeCpuLimit), memory: settings.nodeMemoryLimit },
            },
        },
        { ...opts, dependsOn: [nodeClass, networkPolicyController] },
    );
    return { nodeClass, nodePool: pool, networkPolicyController };
}
