import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AddonVersions } from "./addon-versions";
import { INCARNATION_TAG } from "./backup";

/** The EBS CSI driver's controller service account (fixed by the addon). */
const EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa";
/** AWS's managed policy for the EBS CSI driver. */
const EBS_CSI_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy";
/** The tag the EBS CSI driver puts on every volume it creates, valued with the cluster's name. */
export const VOLUME_CLUSTER_TAG = "sticky-cluster";

/**
 * What the EBS CSI driver needs on a customer managed key, as the EKS user guide's EBS CSI page
 * describes it: grants for EBS (only for an AWS resource), and the data-key calls. The key's own
 * policy must let the account's IAM policies grant it (the default key policy does).
 */
export function ebsKmsPolicy(keyArn: string): Record<string, unknown> {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                Resource: [keyArn],
                Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
            },
            {
                Effect: "Allow",
                Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                Resource: [keyArn],
            },
        ],
    };
}

export interface Addons {
    readonly coredns: aws.eks.Addon;
    /** The role the EBS CSI driver's controller works as (Pod Identity). */
    readonly ebsCsiRole: aws.iam.Role;
    readonly podIdentityAgent: aws.eks.Addon;
    readonly ebsCsiDriver: aws.eks.Addon;
}

/**
 * The EKS managed add-ons that need nodes, all created after the node groups (an add-on with
 * nowhere to run sits DEGRADED until it times out), all at the versions pinned for the cluster's
 * Kubernetes version (addon-versions.ts):
 * - `coredns`: pulumi-eks 4.3 makes no managed CoreDNS when there is no default node group, so
 *   the copy EKS bootstraps would never be upgraded. Taking it over (OVERWRITE on create) makes
 *   it upgrade with the table.
 * - `eks-pod-identity-agent`: hands pods credentials for IAM roles, with no OIDC provider.
 * - `aws-ebs-csi-driver`: provisions the gp3 volumes, with its IAM role granted through Pod
 *   Identity, and tags every volume and snapshot it creates with the cluster's name and its
 *   incarnation (`extraVolumeTags`, the driver's extra tags), so
 *   `aws ec2 describe-volumes --filters Name=tag:sticky-incarnation,Values=<incarnation>` finds one
 *   lifetime's volumes even after the cluster is gone, and AWS Backup selects them (backup.ts).
 *   The driver's tags and not the gp3 class's `tagSpecification_N`: a class's parameters cannot
 *   change, and a protected class cannot be replaced; the add-on's configuration updates in place.
 */
export function eksAddons(
    clusterName: pulumi.Output<string>,
    nodeGroups: aws.eks.NodeGroup[],
    versions: AddonVersions,
    options: { protect: boolean; tags: Record<string, string>; child: pulumi.CustomResourceOptions; ebsKmsKeyArn?: string; incarnation: pulumi.Output<string> },
): Addons {
    const { protect, tags, child } = options;
    // Conflicts: on create, take over what EKS bootstrapped (OVERWRITE). On update, PRESERVE:
    // a field someone changed on the cluster by hand keeps its value and the update goes on
    // (it does not fail; NONE is the choice that fails on such a conflict), so a hand edit can
    // outlive an add-on upgrade unnoticed: `kubectl get deploy -n kube-system -o yaml` after an
    // upgrade shows what stayed. Preferred over OVERWRITE, which would undo an emergency fix.
    const managed = { resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "PRESERVE", tags };

    const coredns = new aws.eks.Addon(
        "coredns",
        { clusterName, addonName: "coredns", addonVersion: versions.coredns, ...managed },
        { ...child, dependsOn: nodeGroups },
    );

    const podIdentityAgent = new aws.eks.Addon(
        "eks-pod-identity-agent",
        { clusterName, addonName: "eks-pod-identity-agent", addonVersion: versions["eks-pod-identity-agent"], ...managed },
        { ...child, dependsOn: nodeGroups },
    );

    const ebsCsiRole = new aws.iam.Role("ebs-csi-driver", {
        assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Service: "pods.eks.amazonaws.com" },
                    Action: ["sts:AssumeRole", "sts:TagSession"],
                },
            ],
        }),
        tags,
    }, child);
    const ebsCsiPolicy = new aws.iam.RolePolicyAttachment("ebs-csi-driver", {
        role: ebsCsiRole.name,
        policyArn: EBS_CSI_POLICY_ARN,
    }, child);

    // A customer managed key for the volumes: the managed policy grants nothing on it, and a
    // claim would never bind (CreateVolume fails with a KMS access error).
    const ebsKmsGrants = options.ebsKmsKeyArn
        ? [new aws.iam.RolePolicy("ebs-csi-driver-kms", { role: ebsCsiRole.name, policy: JSON.stringify(ebsKmsPolicy(options.ebsKmsKeyArn)) }, { parent: child.parent })]
        : [];

    const ebsCsiDriver = new aws.eks.Addon(
        "aws-ebs-csi-driver",
        {
            clusterName,
            addonName: "aws-ebs-csi-driver",
            addonVersion: versions["aws-ebs-csi-driver"],
            podIdentityAssociations: [{ roleArn: ebsCsiRole.arn, serviceAccount: EBS_CSI_SERVICE_ACCOUNT }],
            configurationValues: pulumi
                .all([clusterName, options.incarnation])
                .apply(([name, incarnation]) => JSON.stringify({ controller: { extraVolumeTags: { [VOLUME_CLUSTER_TAG]: name, [INCARNATION_TAG]: incarnation } } })),
            ...managed,
        },
        // Volumes cannot attach without the driver: keep it through every change in prod.
        { ...child, dependsOn: [...nodeGroups, podIdentityAgent, ebsCsiPolicy, ...ebsKmsGrants], protect },
    );

    return { coredns, podIdentityAgent, ebsCsiDriver, ebsCsiRole };
}
