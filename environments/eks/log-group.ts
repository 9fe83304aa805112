import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The log group EKS writes the control plane's logs to: its name is fixed by the cluster's. */
export const clusterLogGroupName = (clusterName: string): string => `/aws/eks/${clusterName}/cluster`;

/**
 * Whether the control plane's log group exists in the region already, asked before anything is
 * created. It does after a `pulumi destroy` (the stack keeps it, below) and after any destroy of
 * a cluster with logging on: EKS delivers the last log events after the cluster is gone and
 * creates the group again if it was deleted (terraform-aws-modules/terraform-aws-eks #2486, #2763),
 * and a plain create of it then fails with ResourceAlreadyExistsException.
 */
export async function logGroupExists(name: string): Promise<boolean> {
    const found = await aws.cloudwatch.getLogGroups({ logGroupNamePrefix: name });
    return (found.logGroupNames ?? []).includes(name);
}

/**
 * The control plane's log group, owned by the stack so it has a retention (EKS would make one
 * that keeps logs for ever) and exists before the cluster writes to it. Destroy and re-create
 * both work:
 * - `retainOnDelete`: `pulumi destroy` leaves it (with its audit trail, for its retention), so
 *   late log events from the deleted cluster land in a group that still exists;
 * - when it exists already, the stack adopts it (`import`). The engine imports only what the
 *   stack does not hold yet: a group already in the stack's state under this id is planned like
 *   any other resource (pulumi/pulumi developer-docs/architecture/import.md). A group EKS
 *   re-created has no retention and no tags; the same `up` sets them.
 * `@pulumi/eks` 4.3 only passes `enabledClusterLogTypes` on to the cluster and makes no group.
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
