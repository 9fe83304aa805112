import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { EksSettings } from "./definition";
import { disruptionBudgets, NODE_DRAIN_LIMIT_HOURS } from "./nodes";

/** What the stack's NodePool is made from (`sticky:node*`, checked by definition.ts). */
export type NodePoolSettings = Pick<EksSettings, "nodeInstanceFamilies" | "nodeExpireAfter" | "nodeDriftWindow" | "nodeCpuLimit" | "nodeMemoryLimit">;

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
 * The stack's own compute (the built-in `general-purpose` pool's families and budget are fixed):
 * - an Auto Mode NodeClass (`eks.amazonaws.com/v1`, fields per AWS's "Create a Node Class"): the
 *   private subnets, the cluster security group, the node role EKS gave an access entry, network
 *   policies enforced (`DefaultAllow` for pods no policy selects; with the ConfigMap below);
 * - a NodePool (`karpenter.sh/v1`, fields per Karpenter v1.1.0's CRD): on demand (no spot
 *   reclaim under a stateful pod), the chosen families, the cluster's zones; one node disrupted
 *   at a time, drift only in the window; `expireAfter`, and a drain the app's budget holds up
 *   ends after a day; nodes removed only when empty (repacking would move pods and volumes);
 *   CPU and memory limits so a bug cannot buy a fleet.
 */
export function nodePool(
    settings: NodePoolSettings,
    facts: NodeFacts,
    options: { provider: k8s.Provider; parent?: pulumi.Resource; dependsOn?: pulumi.Input<pulumi.Resource>[] },
): { nodeClass: k8s.apiextensions.CustomResource; nodePool: k8s.apiextensions.CustomResource; networkPolicyController: k8s.core.v1.ConfigMap } {
    const opts = { provider: options.provider, parent: options.parent, dependsOn: options.dependsOn };
    // Auto Mode's network policy controller reads this ConfigMap (AWS, "Use Network Policies with EKS Auto Mode").
    const networkPolicyController = new k8s.core.v1.ConfigMap("amazon-vpc-cni", {
        metadata: { name: "amazon-vpc-cni", namespace: "kube-system" },
        data: { "enable-network-policy-controller": "true" },
    }, opts);
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
