/**
 * The EKS environment's definition: its keys and their checks, its storage rule, what the review
 * knows of it. Pure: its resources (resources.ts) load only when a stack deploys here.
 */
import type { ConfigKeys, SettingsContext, ValuesOf } from "../../core/config-keys";
import { isObjectName } from "../../core/kubernetes";
import { defineEnvironment } from "../definition";
import { KUBERNETES_VERSIONS } from "./addon-versions";
import { BACKUP_RETENTION_DAYS, DEFAULT_BACKUP_SCHEDULE, isBackupSchedule, isEbsSource } from "./backup-rules";
import { IAM_PRINCIPAL_ARN, parsePrincipalArn, principalIdentity } from "./principals";
import { GP3_MAX_GIB, gp3StorageRule } from "./storage-rule";
import { INSTANCE_FAMILY, isDriftWindow, isNodeLifetime, MAX_NODE_LIFETIME_HOURS, NODE_DRAIN_LIMIT_HOURS } from "./nodes";
import { isRegionZone } from "./zones";
import { quantityBytes } from "../../core/quantity";
import { allowedVersionsShown, EKS_VERSION_SUPPORT, endShown, nextMinor, supportStatus, WARNING_DAYS } from "./versions";


/** The versions a stack may ask for: those with a pin (addon-versions.ts), until their end of standard support. */
const EKS_VERSIONS: readonly string[] = KUBERNETES_VERSIONS;
/** Versions the key accepts before the date check, so a retired one is named with its date. */
const KNOWN_VERSIONS: readonly string[] = [...new Set([...Object.keys(EKS_VERSION_SUPPORT), ...EKS_VERSIONS])];
const VERSION_RUNBOOK = "docs/prod-on-eks.md#the-version-window";

/**
 * The version window on the day the stack runs: past its end of standard support a version is
 * refused (EKS would upgrade the cluster itself), within WARNING_DAYS warned about. Without a
 * date only the pins are checked.
 */
function checkVersionWindow(context: SettingsContext, version: string): void {
    if (context.hasProblem("kubernetesVersion")) return;
    const key = context.key("kubernetesVersion");
    const today = context.today;
    const status = today === undefined ? undefined : supportStatus(version, today);
    if (today !== undefined && status?.state === "ended") {
        context.problem(
            `${key} = "${version}": left EKS standard support on ${endShown(status.support)} (today is ${today}); under support type STANDARD ` +
                `EKS upgrades a running cluster's control plane to ${nextMinor(version)} by itself, and a new cluster would start in extended support. ` +
                `Allowed today: ${allowedVersionsShown(EKS_VERSIONS, today)}. A running cluster moves one minor version at a time: ` +
                `set ${nextMinor(version)} (${VERSION_RUNBOOK})`,
        );
        return;
    }
    if (!EKS_VERSIONS.includes(version)) {
        context.problem(
            `${key} = "${version}": has no snapshot-controller pin in environments/eks/addon-versions.ts; must be one of ${EKS_VERSIONS.join(", ")}`,
        );
        return;
    }
    if (status?.state === "ending") {
        context.warn(
            `${key} = "${version}" leaves EKS standard support on ${endShown(status.support)}, in ${status.daysLeft} days: ` +
                `set ${nextMinor(version)} and deploy before then (${VERSION_RUNBOOK}). From that day EKS upgrades ` +
                `this cluster's control plane by itself, and Auto Mode its nodes, leaving the snapshot-controller add-on behind.`,
        );
    }
}

/** CloudWatch Logs accepts only these retention periods, in days. */
const LOG_RETENTION_DAYS: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** EKS's limit on `publicAccessCidrs` per cluster. */
const MAX_PUBLIC_ACCESS_CIDRS = 40;

const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** An availability zone of a region: the region and one letter (`eu-west-1a`). */
const AVAILABILITY_ZONE = /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/;
/** A KMS key's ARN (a UUID, or `mrk-` and 32 hex digits), not an alias: the cluster role's grants name the key. */
export const KMS_KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):key\/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function isValidVpcCidr(value: string): boolean {
    const match = IPV4_CIDR.exec(value);
    if (!match) return false;
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    // The network is carved into /20 subnets (one private and one public per zone, up to six
    // zones: see network.ts), which takes exactly a /16 on a /16 boundary.
    return octets.every((o) => o <= 255) && prefix === 16 && octets[2] === 0 && octets[3] === 0;
}

/** A public IPv4 block for the endpoint's allow list: no host bits set (EKS rejects them), no private or loopback range. */
function isPublicCidr(value: string): boolean {
    const match = IPV4_CIDR.exec(value);
    if (!match) return false;
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return false;
    const address = octets.reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - prefix);
    if (address % size !== 0) return false;
    const inBlock = (base: number[], bits: number) => {
        const start = base.reduce((acc, o) => acc * 256 + o, 0);
        return address >= start && address < start + 2 ** (32 - bits) && prefix >= bits;
    };
    return !(inBlock([10, 0, 0, 0], 8) || inBlock([172, 16, 0, 0], 12) || inBlock([192, 168, 0, 0], 16) || inBlock([127, 0, 0, 0], 8));
}

/** A principal gets one access entry: a second for it (another path, case or role) fails in EKS with 409. */
function checkPrincipals(context: SettingsContext, lists: { key: string; arns: readonly string[] }[]): void {
    const seen = new Map<string, string>();
    for (const list of lists) {
        for (const arn of list.arns) {
            const principal = parsePrincipalArn(arn);
            if (!principal) continue; // already reported as malformed
            const identity = principalIdentity(principal);
            const first = seen.get(identity);
            if (first !== undefined) {
                context.problem(
                    `${list.key} = ${JSON.stringify(arn)}: the same IAM principal as ${first}; ` +
                        "a principal gets one access entry (EKS refuses a second with 409): list it once, as admin or as viewer",
                );
            } else {
                seen.set(identity, `${JSON.stringify(arn)} in ${list.key}`);
            }
        }
    }
}

/** `sticky:availabilityZones`, when set: zones of `aws:region`, each once, as many as `sticky:availabilityZoneCount`. */
function checkZones(context: SettingsContext, settings: EksSettings): void {
    const zones = settings.availabilityZones;
    if (zones.length === 0 || context.hasProblem("availabilityZones")) return;
    const key = context.key("availabilityZones");
    const shown = JSON.stringify(zones);
    const foreign = zones.filter((zone) => !isRegionZone(zone, settings.region));
    if (foreign.length > 0 && !context.hasProblem("region")) {
        context.problem(`${key} = ${shown}: ${foreign.map((z) => JSON.stringify(z)).join(", ")} not in ${context.key("region")} ${settings.region}; each must be one of its zones, such as "${settings.region}a"`);
    }
    const twice = zones.filter((zone, i) => zones.indexOf(zone) !== i);
    if (twice.length > 0) context.problem(`${key} = ${shown}: ${[...new Set(twice)].map((z) => JSON.stringify(z)).join(", ")} listed twice; list each zone once`);
    if (zones.length !== settings.availabilityZoneCount && !context.hasProblem("availabilityZoneCount")) {
        context.problem(
            `${key} = ${shown}: ${zones.length} zones, but ${context.key("availabilityZoneCount")} is ${settings.availabilityZoneCount}; ` +
                `set ${context.key("availabilityZoneCount")} to ${zones.length}, or list ${settings.availabilityZoneCount} zones (2 to 6)`,
        );
    }
}

/** The volumes' KMS key must be in the stack's region: EBS encrypts with a key of its own region only. */
function checkKmsKey(context: SettingsContext, settings: EksSettings): void {
    if (settings.ebsKmsKeyArn === "" || context.hasProblem("ebsKmsKeyArn") || context.hasProblem("region")) return;
    const keyRegion = KMS_KEY_ARN.exec(settings.ebsKmsKeyArn)?.[2];
    if (keyRegion !== settings.region) {
        context.problem(
            `${context.key("ebsKmsKeyArn")} = ${JSON.stringify(settings.ebsKmsKeyArn)}: a key in ${keyRegion}, but ${context.key("region")} is ${settings.region}; ` +
                `EBS encrypts a volume only with a key of the volume's region: give a key (or a multi-Region replica) in ${settings.region}`,
        );
    }
}

/** A new EKS cluster in its own VPC: what an "eks" stack's keys say. */
export type EksSettings = { readonly kind: "eks" } & ValuesOf<typeof EKS_KEYS>;

/** The keys an "eks" stack reads, by name in the project's namespace, and how each is checked. */
const EKS_KEYS = {
    region: {
        type: "string",
        fullKey: "aws:region",
        description: "the AWS region the cluster and its VPC are made in (the AWS provider reads it too).",
        check: (value: string) => AWS_REGION.test(value),
        allowed: 'an "eks" stack needs its AWS region, e.g. `pulumi config set aws:region eu-west-1`',
    },
    storageClassName: {
        type: "string",
        default: "gp3",
        description: "the name of the encrypted gp3 StorageClass the stack creates for the claims.",
        check: isObjectName,
        allowed: 'must be a StorageClass name (lowercase letters, digits, "-" and "."), e.g. "gp3"',
    },
    kubernetesVersion: {
        type: "string",
        default: "1.35",
        description:
            `the EKS Kubernetes version (${EKS_VERSIONS.join(", ")}: those with a snapshot-controller pin in environments/eks/addon-versions.ts; ` +
            `each is refused from its end of standard support and warned about ${WARNING_DAYS} days before). ` +
            "Changing it upgrades the control plane; Auto Mode then replaces the nodes, one at a time (the NodePool's budget).",
        check: (value: string) => KNOWN_VERSIONS.includes(value),
        allowed:
            `must be one of ${EKS_VERSIONS.join(", ")}: the EKS versions with a snapshot-controller pin in environments/eks/addon-versions.ts ` +
            "(add a row there, and its dates to environments/eks/versions.ts, to allow another)",
    },
    nodeInstanceFamilies: {
        type: "array",
        default: ["m7i", "m7a", "m6i", "m6a"],
        description: "the EC2 instance families the stack's NodePool may launch, on demand (Auto Mode picks the size and the cheapest family that fits the pods).",
        check: (value: string) => INSTANCE_FAMILY.test(value),
        allowed: 'each must be an EC2 instance family such as "m7i", "c7g" or "m7i-flex" (no size: Auto Mode picks it)',
    },
    nodeExpireAfter: {
        type: "string",
        default: "336h",
        description: `how long a node lives before Auto Mode replaces it, in hours (Auto Mode's cap is ${MAX_NODE_LIFETIME_HOURS}h; a drain may take ${NODE_DRAIN_LIMIT_HOURS}h more).`,
        check: isNodeLifetime,
        allowed: `must be whole hours from "24h" to "${MAX_NODE_LIFETIME_HOURS - NODE_DRAIN_LIMIT_HOURS}h" (21 days, Auto Mode's cap, less a day for the drain)`,
    },
    nodeDriftWindow: {
        type: "string",
        default: "",
        description: 'a daily window in UTC when drift may replace nodes ("02:00-05:00"); empty: at any time. One node at a time either way.',
        check: (value: string) => value === "" || isDriftWindow(value),
        allowed: 'must be empty or a daily UTC window "HH:MM-HH:MM" such as "02:00-05:00" (it may cross midnight)',
    },
    nodeCpuLimit: {
        type: "integer",
        default: 16,
        min: 2,
        max: 1000,
        description: "the vCPUs the NodePool may launch in all: a bug cannot buy more.",
        allowed: "must be an integer from 2 to 1000 (vCPUs)",
    },
    nodeMemoryLimit: {
        type: "string",
        default: "64Gi",
        description: "the memory the NodePool may launch in all, a Kubernetes quantity.",
        check: (value: string) => (quantityBytes(value) ?? 0) >= 2 ** 30,
        allowed: 'must be a Kubernetes quantity of at least 1Gi, such as "64Gi"',
    },
    availabilityZoneCount: {
        type: "integer",
        default: 3,
        min: 2,
        max: 6,
        description: "zones for nodes and subnets (2 to 6).",
        allowed: "must be an integer from 2 to 6 (EBS volumes are zonal; spread nodes over two zones or more)",
    },
    vpcCidr: {
        type: "string",
        default: "10.0.0.0/16",
        description: "the VPC's IPv4 /16 block.",
        check: isValidVpcCidr,
        allowed: 'must be an IPv4 /16 block such as "10.0.0.0/16"',
    },
    clusterAdminArns: {
        type: "array",
        default: [],
        description: "IAM role or user ARNs given cluster-admin through access entries (not the identity that creates the cluster: EKS makes it admin already).",
        check: (value: string) => IAM_PRINCIPAL_ARN.test(value),
        allowed: 'each must be an IAM role or user ARN such as "arn:aws:iam::123456789012:role/platform-admin"',
    },
    clusterViewerArns: {
        type: "array",
        default: [],
        description: "IAM role or user ARNs (CI's preview and drift roles) that may read the cluster and dry-run changes, never write.",
        check: (value: string) => IAM_PRINCIPAL_ARN.test(value),
        allowed: 'each must be an IAM role or user ARN such as "arn:aws:iam::123456789012:role/github-preview"',
    },
    publicAccessCidrs: {
        type: "array",
        default: ["0.0.0.0/0"],
        description: `public IPv4 blocks allowed to reach the API server's public endpoint (at most ${MAX_PUBLIC_ACCESS_CIDRS}).`,
        check: isPublicCidr,
        allowed:
            'each must be a public IPv4 block with no host bits set, such as "203.0.113.0/24" or "0.0.0.0/0" ' +
            "(private ranges never reach the public endpoint)",
    },
    availabilityZones: {
        type: "array",
        default: [],
        description:
            "the zones of the cluster's subnets and nodes (empty: the region's first availabilityZoneCount zones, looked up once). " +
            "Fixed at creation: the stack keeps them in its availabilityZones output, and a change that removes or adds a zone is refused.",
        check: (value: string) => AVAILABILITY_ZONE.test(value),
        allowed: 'each must be an availability zone of aws:region, such as "eu-west-1a"',
    },
    ebsKmsKeyArn: {
        type: "string",
        default: "",
        description: "the ARN of a customer managed KMS key that encrypts the volumes (empty: the account's default EBS key). The cluster role gets the grants Auto Mode's block storage needs on it.",
        check: (value: string) => value === "" || KMS_KEY_ARN.test(value),
        allowed: 'must be empty or a KMS key ARN such as "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" (a key, not an alias)',
    },
    clusterLogRetentionDays: {
        type: "integer",
        default: 30,
        min: 1,
        max: 3653,
        check: (value: number) => LOG_RETENTION_DAYS.includes(value),
        description: `days CloudWatch keeps the control plane's logs (a CloudWatch retention value: ${LOG_RETENTION_DAYS.slice(0, 8).join(", ")}, ...).`,
        allowed: `must be a CloudWatch Logs retention in days: ${LOG_RETENTION_DAYS.join(", ")}`,
    },
    backupSchedule: {
        type: "string",
        default: DEFAULT_BACKUP_SCHEDULE,
        description: "when AWS Backup snapshots every app volume of this cluster, an AWS Backup cron expression in UTC (default: daily at 03:00).",
        check: isBackupSchedule,
        allowed:
            'must be an AWS Backup schedule "cron(minutes hours day-of-month month day-of-week year)" in UTC, with "?" in one of the ' +
            'day fields and a single minute (at most hourly), e.g. "cron(0 3 * * ? *)" (daily 03:00) or "cron(30 */6 * * ? *)" (every 6 hours)',
    },
    backupRetentionDays: {
        type: "integer",
        default: BACKUP_RETENTION_DAYS.default,
        min: BACKUP_RETENTION_DAYS.min,
        max: BACKUP_RETENTION_DAYS.max,
        description: "days AWS Backup keeps each snapshot of an app volume before deleting it (kept after pulumi destroy, until then).",
        allowed: `must be a whole number of days from ${BACKUP_RETENTION_DAYS.min} to ${BACKUP_RETENTION_DAYS.max}`,
    },
} satisfies ConfigKeys;

/** What the review says a cluster's delete or replace takes with it. */
const CLUSTER_LOSS =
    "every pod, claim and volume binding in it goes; EBS volumes with reclaim policy Retain stay in AWS, unattached, the others are deleted with their claims";
/** What the review says a node group's delete or replace does. */
const NODE_GROUP_LOSS = "its nodes are drained and replaced: every pod on them restarts elsewhere, and a zonal EBS volume can only follow to a node in its zone";

export const eksDefinition = defineEnvironment({
    kind: "eks",
    description: "a new EKS cluster",
    keys: EKS_KEYS,
    settings: (values, context): EksSettings => {
        const settings: EksSettings = { kind: "eks", ...values };
        const cidrs = context.key("publicAccessCidrs");
        if (settings.publicAccessCidrs.length === 0 && !context.hasProblem("publicAccessCidrs")) {
            context.problem(
                `${cidrs} = "[]": must list at least one block; the public endpoint cannot be open to nobody ` +
                    '(use "0.0.0.0/0" for everyone, or your offices\' and CI runners\' addresses)',
            );
        } else if (settings.publicAccessCidrs.length > MAX_PUBLIC_ACCESS_CIDRS) {
            context.problem(`${cidrs}: ${settings.publicAccessCidrs.length} blocks; EKS allows at most ${MAX_PUBLIC_ACCESS_CIDRS}`);
        }
        checkZones(context, settings);
        checkKmsKey(context, settings);
        checkVersionWindow(context, settings.kubernetesVersion);
        checkPrincipals(context, [
            { key: context.key("clusterAdminArns"), arns: settings.clusterAdminArns },
            { key: context.key("clusterViewerArns"), arns: settings.clusterViewerArns },
        ]);
        return settings;
    },
    // An EBS volume or snapshot; restore.ts looks each up in AWS before anything is created.
    restoreSource: {
        check: isEbsSource,
        allowed: 'the source must be an EBS volume id ("vol-" and 17 hexadecimal digits) or snapshot id ("snap-" and 17), e.g. "2=vol-0123456789abcdef0"',
    },
    storageRule: gp3StorageRule,
    // Keys earlier commits read, each with what replaced it: a stack that still sets one is refused.
    retiredKeys: {
        nodeCount: "Auto Mode launches as many nodes as the pods need; sticky:nodeCpuLimit and sticky:nodeMemoryLimit cap them",
        nodeInstanceType: "Auto Mode picks each node's type (and its AMI) from sticky:nodeInstanceFamilies",
    },
    review: {
        kinds: {
            "kubernetes:karpenter.sh/v1:NodePool": {
                what: "NodePool",
                update:
                    "Karpenter finds the pool's nodes drifted and replaces them, one node at a time (the pool's disruption budget; only inside sticky:nodeDriftWindow when it is set): " +
                    "a new node first, then the old one drained under the app's PodDisruptionBudget; each pod restarts on a node in its volume's zone",
                harmless: { paths: /^spec\.(limits|disruption)(\.|$)/, update: "Karpenter applies it to what the pool does next; no node is replaced" },
                removal: "Karpenter drains and removes every node of the pool: the app's pods stay Pending until a pool exists again",
            },
            "kubernetes:eks.amazonaws.com/v1:NodeClass": {
                what: "NodeClass",
                update: "every node launched from it drifts: Karpenter replaces them one node at a time, as the NodePool's budget allows, each drained under the app's PodDisruptionBudget",
                removal: "the NodePool has no NodeClass: no node can be launched, and pods that move stay Pending",
            },
        },
        removals: {
            "eks:index:Cluster": { what: "EKS cluster", loss: CLUSTER_LOSS, severity: "data" },
            "aws:eks/cluster:Cluster": { what: "EKS control plane", loss: CLUSTER_LOSS, severity: "data" },
            "eks:index:ManagedNodeGroup": { what: "node group", loss: NODE_GROUP_LOSS, severity: "downtime" },
            "aws:eks/nodeGroup:NodeGroup": { what: "node group", loss: NODE_GROUP_LOSS, severity: "downtime" },
            "aws:ebs/volume:Volume": { what: "EBS volume", loss: "the disk and the data on it are deleted", severity: "data" },
            "aws:ebs/snapshot:Snapshot": { what: "EBS snapshot", loss: "the snapshot is deleted: nothing can be restored from it any more", severity: "data" },
        },
        clusterTypes: ["eks:index:Cluster", "aws:eks/cluster:Cluster"],
    },
    maxClaimSize: { size: `${GP3_MAX_GIB}Gi`, why: "gp3's largest volume (64 TiB)" },
    claimSizeStep: { size: "1Gi", why: "EBS makes volumes in whole GiB" },
    resources: `${__dirname}/resources`,
});
