import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * The tag every app volume and snapshot of one cluster carries, valued with that cluster's
 * incarnation (see {@link incarnationOf}): `sticky-cluster` names the cluster, which a cluster
 * made again under the same name shares; this one tells its lifetimes apart.
 */
export const INCARNATION_TAG = "sticky-incarnation";

/** AWS's managed policy that lets AWS Backup snapshot EBS volumes (and tag what it makes). */
const BACKUP_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup";

/**
 * One lifetime of the cluster: its name and the moment EKS created it (`createdAt`), kept in the
 * stack's state and the same on every run until the cluster is replaced or destroyed and made
 * again. `sticky-prod-20261202T163105Z`: letters, digits and "-", usable as a tag value and in
 * a vault's name.
 */
export function incarnationOf(clusterName: pulumi.Input<string>, createdAt: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.all([clusterName, createdAt]).apply(([name, created]) => `${name}-${String(created).replace(/\.\d+/, "").replace(/[-:]/g, "")}`);
}

export interface Backups {
    readonly vault: aws.backup.Vault;
    readonly plan: aws.backup.Plan;
    readonly selection: aws.backup.Selection;
}

/**
 * Scheduled snapshots of every app volume, with AWS Backup:
 * - a vault per incarnation (its name is the incarnation's), kept by `pulumi destroy`
 *   (`retainOnDelete`): its recovery points outlive the cluster, and the next incarnation makes
 *   a vault of its own instead of failing on the old one's name;
 * - a plan with one rule: `sticky:backupSchedule` (UTC), each recovery point deleted by AWS
 *   Backup after `sticky:backupRetentionDays`. The date is set on the recovery point when it is
 *   made, so points keep expiring after a destroy has deleted the plan;
 * - a selection of EBS volumes by tag: `sticky-incarnation` = this incarnation, which the gp3
 *   class puts on every volume it provisions (storage.ts) and a restore puts on the volume it
 *   brings in (restore.ts). Volumes of an earlier incarnation are not this plan's.
 * Why AWS Backup and not Data Lifecycle Manager: docs/prod-on-eks.md#backups.
 */
export function eksBackups(
    settings: { readonly backupSchedule: string; readonly backupRetentionDays: number },
    incarnation: pulumi.Output<string>,
    options: { tags: Record<string, string>; parent: pulumi.Resource },
): Backups {
    const { tags, parent } = options;
    const vault = new aws.backup.Vault("sticky-volumes", { name: incarnation, tags }, { parent, retainOnDelete: true });
    const plan = new aws.backup.Plan(
        "sticky-volumes",
        {
            name: incarnation,
            rules: [
                {
                    ruleName: "app-volumes",
                    targetVaultName: vault.name,
                    schedule: settings.backupSchedule,
                    scheduleExpressionTimezone: "Etc/UTC",
                    // Start within an hour of the schedule, finish within three (AWS Backup's defaults are 8 h and 7 days).
                    startWindow: 60,
                    completionWindow: 180,
                    lifecycle: { deleteAfter: settings.backupRetentionDays },
                    recoveryPointTags: pulumi.output(incarnation).apply((value) => ({ ...tags, [INCARNATION_TAG]: value })),
                },
            ],
            tags,
        },
        { parent },
    );
    const role = new aws.iam.Role(
        "sticky-backup",
        {
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
            tags,
        },
        { parent },
    );
    const policy = new aws.iam.RolePolicyAttachment("sticky-backup", { role: role.name, policyArn: BACKUP_POLICY_ARN }, { parent });
    const selection = new aws.backup.Selection(
        "sticky-volumes",
        {
            name: "app-volumes",
            planId: plan.id,
            iamRoleArn: role.arn,
            // EBS volumes AND the tag: `conditions` are ANDed with `resources`, where `selectionTags`
            // (the API's ListOfTags) would be ORed with them and take in every volume of the account
            // (AWS Backup API reference, BackupSelection; re:Post "backup-assign-resources").
            resources: ["arn:aws:ec2:*:*:volume/*"],
            conditions: [{ stringEquals: [{ key: `aws:ResourceTag/${INCARNATION_TAG}`, value: incarnation }] }],
        },
        { parent, dependsOn: [policy] },
    );
    return { vault, plan, selection };
}
