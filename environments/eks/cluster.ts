import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import type { EksSettings } from "./definition";
import { CLUSTER_VIEWER_GROUP } from "./cluster-viewer";
import { clusterLogGroup } from "./log-group";
import type { Network } from "./network";
import { accessEntryKey, callerIdentity, parsePrincipalArn, principalIdentity } from "./principals";

const CLUSTER_ADMIN_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

/** The control plane's log types: API calls, the audit trail, and who authenticated. */
const CLUSTER_LOG_TYPES = ["api", "audit", "authenticator"];

/** Access entries: admins get EKS's cluster-admin policy, viewers the viewers' group (ClusterViewerAccess); keyed by principal. */
export function accessEntries(settings: Pick<EksSettings, "clusterAdminArns" | "clusterViewerArns">): Record<string, eks.types.input.AccessEntryArgs> {
    const entries: Record<string, eks.types.input.AccessEntryArgs> = {};
    for (const principalArn of settings.clusterAdminArns) {
        entries[accessEntryKey("admin", parsePrincipalArn(principalArn)!)] = {
            principalArn,
            accessPolicies: { admin: { policyArn: CLUSTER_ADMIN_POLICY_ARN, accessScope: { type: "cluster" } } },
        };
    }
    for (const principalArn of settings.clusterViewerArns) {
        entries[accessEntryKey("viewer", parsePrincipalArn(principalArn)!)] = {
            principalArn,
            kubernetesGroups: [CLUSTER_VIEWER_GROUP],
        };
    }
    return entries;
}

/**
 * The listed principal that is the identity running this deployment, if any: EKS makes the
 * creator admin (pulumi-eks always bootstraps it), so its access entry would fail with 409 on a
 * create; a warning, since listing it is fine when someone else created the cluster.
 */
export function listedCaller(callerArn: string, settings: Pick<EksSettings, "clusterAdminArns" | "clusterViewerArns">): string | undefined {
    const caller = callerIdentity(callerArn);
    if (caller === undefined) return undefined;
    return [...settings.clusterAdminArns, ...settings.clusterViewerArns].find((arn) => principalIdentity(parsePrincipalArn(arn)!) === caller);
}

/**
 * Break-glass access: with no admin listed, only the bootstrapped creator is admin, outside
 * Pulumi, and a re-created role loses it. Warned at every run, not refused (a first try-out with
 * one role is fine; docs/prod-on-eks.md#break-glass-access). Not a settings warning: those mean
 * "act before a date" to the drift workflow.
 */
export function breakGlassWarning(settings: Pick<EksSettings, "clusterAdminArns">): string | undefined {
    if (settings.clusterAdminArns.length > 0) return undefined;
    return (
        "sticky:clusterAdminArns is empty: only the identity that created the cluster is its admin (EKS bootstraps it, outside Pulumi). " +
        "If that role is deleted or re-created, nobody can reach the cluster through Kubernetes. List a break-glass admin role that is not the deploy role " +
        "(`pulumi config set --path 'sticky:clusterAdminArns[0]' arn:aws:iam::<account>:role/<break-glass>`); docs/prod-on-eks.md#break-glass-access"
    );
}
/** The cluster's fixed name, `<project>-<stack>`. */
export const eksClusterName = (): string => `${pulumi.getProject()}-${pulumi.getStack()}`;

/** AWS's managed policies for an Auto Mode cluster role, as @pulumi/eks 4.3 attaches them (cluster/cluster.ts) and AWS's "Cluster IAM role" page lists them. */
export const CLUSTER_POLICY_ARNS = ["AmazonEKSClusterPolicy", "AmazonEKSComputePolicy", "AmazonEKSBlockStoragePolicy", "AmazonEKSLoadBalancingPolicy", "AmazonEKSNetworkingPolicy"].map(
    (name) => `arn:aws:iam::aws:policy/${name}`,
);

const LOAD_BALANCER_CREATES = ["CreateLoadBalancer", "CreateTargetGroup", "CreateListener", "CreateRule"].map((action) => `elasticloadbalancing:${action}`);

/**
 * What the cluster role needs beyond AWS's managed policies: the stack's own tags on what Auto
 * Mode makes (the volumes' incarnation tag, the NLB's), which the managed policies do not allow
 * (AWS's Auto Mode IAM page, "Custom AWS tags"), scoped to this cluster's requests; and, with
 * `sticky:ebsKmsKeyArn`, the key's grants and data-key calls ("Create a storage class").
 */
export function clusterRolePolicy(kmsKeyArn: string): Record<string, unknown> {
    const sameCluster = { StringEquals: { "aws:RequestTag/eks:eks-cluster-name": "${aws:PrincipalTag/eks:eks-cluster-name}" } };
    const kms = kmsKeyArn === "" ? [] : [
        { Effect: "Allow", Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], Resource: [kmsKeyArn], Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } },
        { Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: [kmsKeyArn] },
    ];
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "StorageTags", Effect: "Allow", Action: ["ec2:CreateVolume", "ec2:CreateSnapshot"], Resource: ["arn:aws:ec2:*:*:volume/*", "arn:aws:ec2:*:*:snapshot/*"], Condition: sameCluster },
            { Sid: "LoadBalancerTags", Effect: "Allow", Action: [...LOAD_BALANCER_CREATES, "ec2:CreateSecurityGroup"], Resource: "*", Condition: sameCluster },
            ...kms,
        ],
    };
}

export interface ControlPlane {
    readonly cluster: eks.Cluster;
    readonly clusterName: pulumi.Output<string>;
    readonly logGroup: aws.cloudwatch.LogGroup;
    /** The role EKS works as; the stack's tags and the volumes' key need its inline policy first. */
    readonly clusterRolePolicy: aws.iam.RolePolicy;
}

/**
 * The EKS control plane on Auto Mode, and who may reach it:
 * - a fixed name (`<project>-<stack>`), so the stack owns its log group (log-group.ts);
 * - Auto Mode (@pulumi/eks 4.3 `autoMode`): EKS runs nodes, block storage, load balancing,
 *   CoreDNS, kube-proxy, the VPC CNI and Pod Identity. @pulumi/eks then makes no default node
 *   group, security groups, kube-proxy or vpc-cni add-on, and makes the node role (which EKS gives
 *   an access entry); its CoreDNS add-on is turned off here. Of the built-in pools only `system`
 *   stays (add-ons); the app runs on the stack's own pool (node-pool.ts);
 * - the cluster role made here: AWS's Auto Mode policies and {@link clusterRolePolicy};
 * - API authentication with access entries; STANDARD support (EXTENDED would silently cost six
 *   times as much); deletion protection with `sticky:protect`; the public endpoint limited to
 *   `sticky:publicAccessCidrs`.
 */
export function eksControlPlane(
    settings: EksSettings,
    network: Network,
    options: { protect: boolean; tags: Record<string, string>; parent: pulumi.Resource; logGroupExists: boolean },
): ControlPlane {
    const { protect, tags, parent } = options;
    const clusterName = eksClusterName();

    // Kept by destroy and adopted when it exists: log-group.ts.
    const logGroup = clusterLogGroup(clusterName, settings.clusterLogRetentionDays, { exists: options.logGroupExists, tags, child: { parent } });

    const breakGlass = breakGlassWarning(settings);
    if (breakGlass !== undefined) void pulumi.log.warn(breakGlass);

    // Warn (in preview too) when the deploying identity is also listed: see listedCaller.
    const entries = accessEntries(settings);
    if (Object.keys(entries).length > 0) {
        aws.getCallerIdentityOutput().arn.apply((callerArn) => {
            const listed = callerArn ? listedCaller(callerArn, settings) : undefined;
            if (listed !== undefined) {
                void pulumi.log.warn(
                    `${listed} (sticky:clusterAdminArns or sticky:clusterViewerArns) is the identity running this deployment (${callerArn}). ` +
                        "If this deployment creates the cluster, EKS already makes it admin and its access entry fails with 409: " +
                        "remove it from the list, and deploy with the identity that should own the cluster (see the README's Prod on EKS).",
                );
            }
        });
    }

    const clusterRole = new aws.iam.Role("sticky-cluster", {
        // EKS tags its sessions with the cluster's name (sts:TagSession), which the policies' conditions read.
        assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }] }),
        tags,
    }, { parent });
    const attachments = CLUSTER_POLICY_ARNS.map((policyArn, i) => new aws.iam.RolePolicyAttachment(`sticky-cluster-${i}`, { role: clusterRole.name, policyArn }, { parent }));
    const rolePolicy = new aws.iam.RolePolicy("sticky-cluster", { role: clusterRole.name, policy: JSON.stringify(clusterRolePolicy(settings.ebsKmsKeyArn)) }, { parent });

    const cluster = new eks.Cluster(
        "sticky",
        {
            name: clusterName,
            version: settings.kubernetesVersion,
            vpcId: network.vpc.id,
            publicSubnetIds: network.zones.map((zone) => zone.publicSubnet.id),
            privateSubnetIds: network.zones.map((zone) => zone.privateSubnet.id),
            endpointPrivateAccess: true,
            endpointPublicAccess: true,
            publicAccessCidrs: [...settings.publicAccessCidrs],
            authenticationMode: eks.AuthenticationMode.Api,
            accessEntries: entries,
            upgradePolicy: { supportType: "STANDARD" },
            deletionProtection: protect,
            serviceRole: clusterRole,
            autoMode: { enabled: true, computeConfig: { nodePools: ["system"] } },
            corednsAddonOptions: { enabled: false },
            createOidcProvider: false,
            enabledClusterLogTypes: CLUSTER_LOG_TYPES,
            tags,
        },
        { parent, protect, dependsOn: [logGroup, rolePolicy, ...attachments] },
    );

    return { cluster, clusterName: cluster.eksCluster.name, logGroup, clusterRolePolicy: rolePolicy };
}
