import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import type { AddonVersions } from "./addon-versions";

/** The EBS CSI driver's controller service account (fixed by the addon). */
const EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa";
/** AWS's managed policy for the EBS CSI driver. */
const EBS_CSI_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy";
/** The tag the EBS CSI driver puts on every volume it creates, valued with the cluster's name. */
export const VOLUME_CLUSTER_TAG = "sticky-cluster";

export interface Addons {
    readonly coredns: aws.eks.Addon;
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
 *   Identity, and tags every volume it creates with the cluster's name (`extraVolumeTags`), so
 *   `aws ec2 describe-volumes --filters Name=tag:sticky-cluster,Values=<cluster>` finds them even
 *   after the cluster is gone.
 */
export function eksAddons(
    clusterName: pulumi.Output<string>,
    nodeGroups: eks.ManagedNodeGroup[],
    versions: AddonVersions,
    options: { protect: boolean; tags: Record<string, string>; child: pulumi.CustomResourceOptions },
): Addons {
    const { protect, tags, child } = options;
    // Conflicts: take over what EKS installed on create; keep someone's hand edits on update
    // rather than overwrite them silently (the update then fails and says which field).
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

    const ebsCsiDriver = new aws.eks.Addon(
        "aws-ebs-csi-driver",
        {
            clusterName,
            addonName: "aws-ebs-csi-driver",
            addonVersion: versions["aws-ebs-csi-driver"],
            podIdentityAssociations: [{ roleArn: ebsCsiRole.arn, serviceAccount: EBS_CSI_SERVICE_ACCOUNT }],
            configurationValues: clusterName.apply((name) => JSON.stringify({ controller: { extraVolumeTags: { [VOLUME_CLUSTER_TAG]: name } } })),
            ...managed,
        },
        // Volumes cannot attach without the driver: keep it through every change in prod.
        { ...child, dependsOn: [...nodeGroups, podIdentityAgent, ebsCsiPolicy], protect },
    );

    return { coredns, podIdentityAgent, ebsCsiDriver };
}
