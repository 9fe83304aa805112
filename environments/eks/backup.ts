import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The tag every app volume of one cluster carries: its incarnation ({@link incarnationOf}), which tells a re-made cluster of the same name apart. */
export const INCARNATION_TAG = "sticky-incarnation";

/** AWS's managed policy that lets AWS Backup snapshot EBS volumes (and tag what it makes). */
const BACKUP_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup";

/** One lifetime of the cluster, from its name and `createdAt`: `sticky-prod-20261202T163105Z`, fit for a tag value and a vault's name. */
export function incarnationOf(clusterName: pulumi.Input<string>, createdAt: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.all([clusterName, createdAt]).apply(([name, created]) => `${name}-${String(created).replace(/\.\d+/, "").replace(/[-:]/g, "")}`);
}

export interface Backups {
    readonly vault: aws.backup.Vault;
    readonly plan: aws.backup.Plan;
    readonly selection: aws.backup.Selection;
}

/**
 * Scheduled snapshots of every app volume with AWS Backup (why not DLM: docs/prod-on-eks.md#backups):
 * a vault per incarnation, kept by `pulumi destroy` with its recovery points; a plan on
 * `sticky:backupSchedule`, each point deleted after `sticky:backupRetentionDays` (set on the point,
 * so it still expires after a destroy); a selection of the EBS volumes tagged with this
 * incarnation (the gp3 class tags its volumes, a restore the volume it brings in).
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
    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }] };
    const role = new aws.iam.Role("sticky-backup", { assumeRolePolicy: JSON.stringify(trust), tags }, { parent });
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
