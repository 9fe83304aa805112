import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The log group EKS writes the control plane's logs to: its name is fixed by the cluster's. */
export const clusterLogGroupName = (clusterName: string): string => `/aws/eks/${clusterName}/cluster`;

/**
 * Whether the control plane's log group exists already: after a destroy (the stack keeps it) or
 * because EKS made it again from late log events (terraform-aws-eks #2486, #2763), when a plain
 * create fails with ResourceAlreadyExistsException.
 */
export async function logGroupExists(name: string): Promise<boolean> {
    const found = await aws.cloudwatch.getLogGroups({ logGroupNamePrefix: name });
    return (found.logGroupNames ?? []).includes(name);
}

/**
 * The control plane's log group, the stack's so it has a retention (EKS's keeps logs for ever)
 * and exists first (@pulumi/eks 4.3 makes none). `pulumi destroy` leaves it with its audit trail;
 * an existing one is adopted (`import`; the engine imports only what its state lacks), and the
 * same `up` sets its retention and tags.
 */
export function clusterLogGroup(
    clusterName: string,
    retentionInDays: number,
    options: { exists: boolean; tags: Record<string, string>; child: pulumi.CustomResourceOptions },
): aws.cloudwatch.LogGroup {
    const name = clusterLogGroupName(clusterName);
    return new aws.cloudwatch.LogGroup(
        "sticky-cluster",
        { name, retentionInDays, tags: options.tags },
        { ...options.child, retainOnDelete: true, ...(options.exists ? { import: name } : {}) },
    );
}
