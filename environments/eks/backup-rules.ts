/** Backup and restore rules as pure checks: an AWS Backup schedule, the retention bounds, the EBS ids `sticky:restoreFrom` takes. */

/** An EBS volume id: `vol-` and 8 (older volumes) or 17 hexadecimal digits. */
export const EBS_VOLUME_ID = /^vol-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** An EBS snapshot id: `snap-` and 8 or 17 hexadecimal digits (AWS Backup's EBS recovery points are EBS snapshots too). */
export const EBS_SNAPSHOT_ID = /^snap-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** Whether `sticky:restoreFrom` may name this source on EKS. */
export const isEbsSource = (source: string): boolean => EBS_VOLUME_ID.test(source) || EBS_SNAPSHOT_ID.test(source);

/** The schedule when none is set: every day at 03:00 UTC. */
export const DEFAULT_BACKUP_SCHEDULE = "cron(0 3 * * ? *)";

/** AWS Backup keeps a recovery point at least a day; 100 years is its upper bound for warm storage here. */
export const BACKUP_RETENTION_DAYS = { default: 14, min: 1, max: 36500 } as const;

const CRON_FIELD = /^[0-9A-Z*?,/#-]+$/;

/**
 * An AWS Backup schedule: `cron(minutes hours day-of-month month day-of-week year)`, in UTC, with
 * `?` in exactly one of the two day fields (EventBridge's cron form), and a single minute, since
 * AWS Backup runs a rule at most once an hour.
 */
export function isBackupSchedule(value: string): boolean {
    const match = /^cron\((.*)\)$/.exec(value.trim());
    if (!match) return false;
    const fields = match[1].trim().split(/\s+/);
    if (fields.length !== 6 || !fields.every((f) => CRON_FIELD.test(f))) return false;
    const [minutes, , dayOfMonth, , dayOfWeek] = fields;
    if (!/^([0-9]|[1-5][0-9])$/.test(minutes)) return false;
    return (dayOfMonth === "?") !== (dayOfWeek === "?");
}
