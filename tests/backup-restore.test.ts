/**
 * Backups and a way back (issue 21), under mocks: prod's scheduled snapshots (AWS Backup, by the
 * incarnation's tag), its snapshot controller and VolumeSnapshotClass, the control plane's log
 * group that survives a destroy, and `sticky:restoreFrom` on both environments: what each form
 * makes, and every source refused before anything is created. AWS's answers about volumes and
 * snapshots are the mocked provider functions'; the local cluster's PersistentVolumes the mocked reads'.
 */
import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { SNAPSHOT_TYPES, TYPES } from "../core/kubernetes";
import { SNAPSHOT_CONTROLLER_PINS } from "../environments/eks/addon-versions";
import { INCARNATION_TAG } from "../environments/eks/backup";
import { isBackupSchedule } from "../environments/eks/backup-rules";
import { volumeProblems as localVolumeProblems } from "../environments/local/resources";
import { find, mockedCalls, ProgramFailed, runStack, typeToken, type Registered, type StackRun } from "./harness";

const VAULT = typeToken(aws.backup.Vault);
const PLAN = typeToken(aws.backup.Plan);
const SELECTION = typeToken(aws.backup.Selection);
const ADDON = typeToken(aws.eks.Addon);
const LOG_GROUP = typeToken(aws.cloudwatch.LogGroup);
const EC2_TAG = typeToken(aws.ec2.Tag);
const PV = typeToken(k8s.core.v1.PersistentVolume);
const PVC = TYPES.persistentVolumeClaim;
const VOLUME_SNAPSHOT_CLASS = SNAPSHOT_TYPES.volumeSnapshotClass;
const VOLUME_SNAPSHOT_CONTENT = SNAPSHOT_TYPES.volumeSnapshotContent;
const VOLUME_SNAPSHOT = SNAPSHOT_TYPES.volumeSnapshot;

/** The mocked cluster's creation time (tests/harness.ts) makes this incarnation. */
const INCARNATION = "sticky-prod-20261202T163105Z";
const VOLUME = "vol-0123456789abcdef0";
const SNAPSHOT = "snap-0fedcba9876543210";

/** What the mocked AWS holds: volumes (zone, GiB, attached or not) and snapshots (GiB, state). */
interface Cloud {
    volumes?: Record<string, { zone: string; size: number; attached?: boolean; tags?: Record<string, string> }>;
    snapshots?: Record<string, { size: number; state: string }>;
    logGroups?: string[];
}

const TOKENS = {
    volumes: "aws:ebs/getEbsVolumes:getEbsVolumes",
    volume: "aws:ebs/getVolume:getVolume",
    snapshotIds: "aws:ebs/getSnapshotIds:getSnapshotIds",
    snapshot: "aws:ebs/getSnapshot:getSnapshot",
    logGroups: "aws:cloudwatch/getLogGroups:getLogGroups",
};

const filterValue = (inputs: Record<string, any>, name: string): string[] | undefined =>
    (inputs.filters as { name: string; values: string[] }[] | undefined)?.find((f) => f.name === name)?.values;

/** Runs prod with `config` in a world that holds `cloud`. */
async function withCloud<T>(cloud: Cloud, run: () => Promise<T>): Promise<T> {
    mockedCalls[TOKENS.volumes] = (inputs) => {
        const ids = (filterValue(inputs, "volume-id") ?? []).filter((id) => id in (cloud.volumes ?? {}));
        const status = filterValue(inputs, "status");
        return { ids: status?.includes("available") ? ids.filter((id) => !cloud.volumes![id].attached) : ids };
    };
    mockedCalls[TOKENS.volume] = (inputs) => {
        const id = filterValue(inputs, "volume-id")![0];
        return { volumeId: id, availabilityZone: cloud.volumes![id].zone, size: cloud.volumes![id].size, tags: cloud.volumes![id].tags ?? {} };
    };
    mockedCalls[TOKENS.snapshotIds] = (inputs) => ({ ids: (filterValue(inputs, "snapshot-id") ?? []).filter((id) => id in (cloud.snapshots ?? {})) });
    mockedCalls[TOKENS.snapshot] = (inputs) => {
        const id = inputs.snapshotIds[0];
        return { snapshotId: id, volumeSize: cloud.snapshots![id].size, state: cloud.snapshots![id].state };
    };
    mockedCalls[TOKENS.logGroups] = (inputs) => ({ logGroupNames: (cloud.logGroups ?? []).filter((name) => name.startsWith(inputs.logGroupNamePrefix)) });
    try {
        return await run();
    } finally {
        for (const token of Object.values(TOKENS)) delete mockedCalls[token];
    }
}

/** Resources that create something (not the stack, its providers, the history read or cluster reads). */
const created = (resources: readonly Registered[]) => resources.filter((r) => !r.read && !r.type.startsWith("pulumi:"));

/** The problems of a run that must be refused, and what it had registered by then. */
async function refused(stack: string, config: Record<string, string>, cloud: Cloud = {}, world = {}): Promise<{ message: string; resources: Registered[] }> {
    try {
        await withCloud(cloud, () => runStack(stack, config, world));
    } catch (error) {
        assert.ok(error instanceof ProgramFailed, `expected the program to stop, got ${error}`);
        return { message: error.message, resources: error.resources };
    }
    assert.fail(`expected ${JSON.stringify(config)} to be refused`);
}

const restoring = (...entries: string[]) => ({ "sticky:restoreFrom": JSON.stringify(entries) });

describe("backups and a way back (issue 21)", () => {
    describe("prod: scheduled snapshots with AWS Backup, by the incarnation's tag", () => {
        let run: StackRun;
        before(async () => {
            run = await withCloud({}, () => runStack("prod"));
        });

        it("a vault per incarnation, kept by pulumi destroy with its recovery points", () => {
            const vault = find(run, VAULT);
            assert.strictEqual(vault.inputs.name, INCARNATION);
            assert.strictEqual(vault.retainOnDelete, true, "recovery points outlive the stack");
            assert.strictEqual(vault.protect, false, "a protected vault would stop pulumi destroy instead");
            assert.match(vault.parent, /sticky:eks:EksEnvironment::sticky$/);
        });

        it("a plan: the default schedule (daily 03:00 UTC) into that vault, each point deleted after 14 days, tagged with the incarnation", () => {
            const [rule] = find(run, PLAN).inputs.rules;
            assert.strictEqual(rule.schedule, "cron(0 3 * * ? *)");
            assert.strictEqual(rule.scheduleExpressionTimezone, "Etc/UTC");
            assert.strictEqual(rule.targetVaultName, INCARNATION);
            assert.deepStrictEqual(rule.lifecycle, { deleteAfter: 14 });
            assert.strictEqual(rule.recoveryPointTags[INCARNATION_TAG], INCARNATION);
        });

        it("selects the EBS volumes tagged with this incarnation, which the gp3 class puts on every volume it makes", () => {
            const selection = find(run, SELECTION);
            // Volumes AND the tag (conditions); selectionTags would be ORed with the volumes: every volume of the account.
            assert.deepStrictEqual(selection.inputs.conditions, [{ stringEquals: [{ key: `aws:ResourceTag/${INCARNATION_TAG}`, value: INCARNATION }] }]);
            assert.deepStrictEqual(selection.inputs.resources, ["arn:aws:ec2:*:*:volume/*"]);
            assert.strictEqual(selection.inputs.selectionTags, undefined);
            assert.strictEqual(selection.inputs.iamRoleArn, "arn:aws:iam::123456789012:role/sticky-backup");
            assert.strictEqual(find(run, TYPES.storageClass).inputs.parameters.tagSpecification_1, `${INCARNATION_TAG}=${INCARNATION}`);
        });

        it("takes sticky:backupSchedule and sticky:backupRetentionDays", async () => {
            const configured = await withCloud({}, () => runStack("prod", { "sticky:backupSchedule": "cron(0 4 ? * SUN *)", "sticky:backupRetentionDays": "90" }));
            const [rule] = find(configured, PLAN).inputs.rules;
            assert.strictEqual(rule.schedule, "cron(0 4 ? * SUN *)");
            assert.deepStrictEqual(rule.lifecycle, { deleteAfter: 90 });
        });

        it("accepts AWS Backup's cron form and refuses the others", () => {
            const cases: [string, boolean][] = [
                ["cron(0 3 * * ? *)", true],
                ["cron(0 4 ? * SUN *)", true],
                ["cron(30 */6 * * ? *)", true],
                ["cron(0 5 1 * ? *)", true],
                ["0 3 * * *", false],
                ["cron(0 3 * * *)", false],
                ["cron(0 3 * * MON *)", false],
                ["cron(0 3 ? * ? *)", false],
                ["cron(*/5 * * * ? *)", false],
                ["rate(1 day)", false],
            ];
            for (const [schedule, ok] of cases) assert.strictEqual(isBackupSchedule(schedule), ok, schedule);
        });
    });

    describe("prod: snapshots on demand", () => {
        let run: StackRun;
        before(async () => {
            run = await withCloud({}, () => runStack("prod"));
        });

        it("the snapshot-controller add-on (Auto Mode does not run one), pinned, after the cluster", () => {
            const controller = find(run, ADDON, "snapshot-controller");
            assert.strictEqual(controller.inputs.addonVersion, SNAPSHOT_CONTROLLER_PINS["1.35"].version);
            assert.ok(controller.dependencies.includes(find(run, "eks:index:Cluster").urn));
            // On Auto Mode's `system` pool, as AWS's "Create a storage class" suggests: the stack's own pool waits for the add-on.
            assert.deepStrictEqual(JSON.parse(controller.inputs.configurationValues), { nodeSelector: { "karpenter.sh/nodepool": "system" } });
        });

        it("a default VolumeSnapshotClass for Auto Mode's ebs.csi.eks.amazonaws.com with deletionPolicy Retain, made once the add-on has installed its CRDs", () => {
            const volumeSnapshotClass = find(run, VOLUME_SNAPSHOT_CLASS);
            assert.strictEqual(volumeSnapshotClass.inputs.driver, "ebs.csi.eks.amazonaws.com");
            assert.strictEqual(volumeSnapshotClass.inputs.deletionPolicy, "Retain");
            assert.strictEqual(volumeSnapshotClass.inputs.metadata.annotations["snapshot.storage.kubernetes.io/is-default-class"], "true");
            assert.ok(volumeSnapshotClass.dependencies.includes(find(run, ADDON, "snapshot-controller").urn));
            assert.match(volumeSnapshotClass.provider, /pulumi:providers:kubernetes::eks::/);
        });
    });

    describe("prod: the control plane's log group survives destroy and re-create", () => {
        it("is kept by pulumi destroy, and made new when there is none", async () => {
            const run = await withCloud({}, () => runStack("prod"));
            const logGroup = find(run, LOG_GROUP);
            assert.strictEqual(logGroup.retainOnDelete, true);
            assert.strictEqual(logGroup.importId, "");
        });

        it("is adopted when an earlier cluster left it (or EKS made it again from late log events)", async () => {
            const run = await withCloud({ logGroups: ["/aws/eks/sticky-prod/cluster", "/aws/eks/sticky-prod/cluster-other"] }, () => runStack("prod"));
            const logGroup = find(run, LOG_GROUP);
            assert.strictEqual(logGroup.importId, "/aws/eks/sticky-prod/cluster");
            assert.strictEqual(logGroup.inputs.retentionInDays, 30, "the same up sets the retention of a group EKS made");
        });
    });

    describe("prod: restore by config", () => {
        const cloud: Cloud = {
            volumes: { [VOLUME]: { zone: "eu-west-1b", size: 8 } },
            snapshots: { [SNAPSHOT]: { size: 1, state: "completed" } },
        };
        let run: StackRun;
        before(async () => {
            run = await withCloud(cloud, () => runStack("prod", restoring(`2=${VOLUME}`, `0=${SNAPSHOT}`)));
        });

        it("an EBS volume: a static PersistentVolume over it, in its zone, reserved for the claim, of the gp3 class, Retain, kept by destroy", () => {
            const pv = find(run, PV, "restored-sticky-data-sticky-2");
            assert.deepStrictEqual(pv.inputs.spec, {
                capacity: { storage: "8Gi" },
                accessModes: ["ReadWriteOnce"],
                persistentVolumeReclaimPolicy: "Retain",
                storageClassName: "gp3",
                claimRef: { namespace: "default", name: "sticky-data-sticky-2" },
                csi: { driver: "ebs.csi.eks.amazonaws.com", volumeHandle: VOLUME, fsType: "ext4" },
                nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["eu-west-1b"] }] }] } },
            });
            assert.strictEqual(pv.retainOnDelete, true);
            const tag = find(run, EC2_TAG, "restored-sticky-data-sticky-2");
            assert.deepStrictEqual(tag.inputs, { resourceId: VOLUME, key: INCARNATION_TAG, value: INCARNATION }, "the volume joins this cluster's backups");
            // Auto Mode's driver attaches a volume it did not make only when it names the cluster.
            const clusterTag = find(run, EC2_TAG, "restored-sticky-data-sticky-2-cluster");
            assert.deepStrictEqual(clusterTag.inputs, { resourceId: VOLUME, key: "eks:eks-cluster-name", value: "sticky-prod" });
            assert.ok(clusterTag.retainOnDelete && tag.retainOnDelete);
            assert.ok(pv.dependencies.includes(clusterTag.urn), "tagged before Kubernetes may attach it");
        });

        it("and the claim bound to it in advance, at the claim-size plan's size, made before the StatefulSet", () => {
            const claim = find(run, PVC, "sticky-data-sticky-2");
            assert.deepStrictEqual(claim.inputs.spec, {
                accessModes: ["ReadWriteOnce"],
                storageClassName: "gp3",
                resources: { requests: { storage: "1Gi" } },
                volumeName: "restored-sticky-data-sticky-2",
            });
            assert.strictEqual(claim.inputs.metadata.namespace, "default");
            assert.deepStrictEqual(claim.inputs.metadata.labels, { app: "sticky" });
            assert.strictEqual(claim.retainOnDelete, true, "pulumi destroy keeps it, like the StatefulSet's own claims");
            assert.ok(claim.dependencies.includes(find(run, PV, "restored-sticky-data-sticky-2").urn));
            const statefulSet = find(run, TYPES.statefulSet);
            assert.ok(statefulSet.dependencies.includes(claim.urn), "the StatefulSet comes after, and adopts the claim by name");
            assert.strictEqual(statefulSet.inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "1Gi", "template and claim agree");
        });

        it("an EBS snapshot: a pre-provisioned VolumeSnapshotContent (Retain), its VolumeSnapshot, and a claim made from it", () => {
            const content = find(run, VOLUME_SNAPSHOT_CONTENT, "restored-sticky-data-sticky-0");
            assert.deepStrictEqual(content.inputs.spec, {
                deletionPolicy: "Retain",
                driver: "ebs.csi.eks.amazonaws.com",
                source: { snapshotHandle: SNAPSHOT },
                volumeSnapshotClassName: "ebs-retain",
                volumeSnapshotRef: { namespace: "default", name: "restored-sticky-data-sticky-0" },
            });
            const snapshot = find(run, VOLUME_SNAPSHOT, "restored-sticky-data-sticky-0");
            assert.deepStrictEqual(snapshot.inputs.spec, { volumeSnapshotClassName: "ebs-retain", source: { volumeSnapshotContentName: "restored-sticky-data-sticky-0" } });
            assert.ok(content.dependencies.includes(find(run, VOLUME_SNAPSHOT_CLASS).urn), "the CRDs and the class exist first");
            const claim = find(run, PVC, "sticky-data-sticky-0");
            assert.deepStrictEqual(claim.inputs.spec.dataSource, { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "restored-sticky-data-sticky-0" });
            assert.strictEqual(claim.inputs.spec.volumeName, undefined);
            assert.strictEqual(claim.inputs.spec.resources.requests.storage, "1Gi");
            assert.ok(claim.dependencies.includes(snapshot.urn));
        });

        it("claims for the other ordinals are left to the StatefulSet; the outputs say what was restored from what", () => {
            assert.deepStrictEqual(run.resources.filter((r) => r.type === PVC).map((r) => r.name).sort(), ["sticky-data-sticky-0", "sticky-data-sticky-2"]);
            assert.deepStrictEqual(run.outputs.restoredFrom, { "sticky-data-sticky-2": VOLUME, "sticky-data-sticky-0": SNAPSHOT });
        });

        const bad: { name: string; config: Record<string, string>; cloud: Cloud; problems: string[] }[] = [
            {
                name: "a volume the region does not have",
                config: restoring(`2=${VOLUME}`),
                cloud: {},
                problems: [`sticky:restoreFrom = "2=${VOLUME}": no EBS volume ${VOLUME} in eu-west-1 (aws ec2 describe-volumes --volume-ids ${VOLUME})`],
            },
            {
                name: "a volume in a zone the cluster has no nodes in",
                config: { ...restoring(`2=${VOLUME}`), "sticky:availabilityZoneCount": "2" },
                cloud: { volumes: { [VOLUME]: { zone: "eu-west-1c", size: 8 } } },
                problems: [
                    `sticky:restoreFrom = "2=${VOLUME}": volume ${VOLUME} is in eu-west-1c, and this cluster's zones are eu-west-1a, eu-west-1b; ` +
                        "an EBS volume attaches only in its zone: a new stack can list eu-west-1c in sticky:availabilityZones, a running cluster's zones are fixed " +
                        "(docs/prod-on-eks.md#zones); or restore a snapshot of the volume, which any zone can use",
                ],
            },
            {
                name: "a volume still attached (bound elsewhere: another cluster's node holds it)",
                config: restoring(`2=${VOLUME}`),
                cloud: { volumes: { [VOLUME]: { zone: "eu-west-1a", size: 8, attached: true } } },
                problems: [
                    `sticky:restoreFrom = "2=${VOLUME}": volume ${VOLUME} is not available (in use, being made or deleted): attached to an instance, ` +
                        "another cluster's pod may still use it; restore only a detached volume: stop what uses it, or restore a snapshot of it",
                ],
            },
            {
                name: "a volume Auto Mode attaches only to another cluster (its eks:eks-cluster-name tag)",
                config: restoring(`2=${VOLUME}`),
                cloud: { volumes: { [VOLUME]: { zone: "eu-west-1a", size: 8, tags: { "eks:eks-cluster-name": "sticky-staging" } } } },
                problems: [
                    `sticky:restoreFrom = "2=${VOLUME}": volume ${VOLUME} is tagged eks:eks-cluster-name=sticky-staging, and Auto Mode's driver attaches it only to that cluster; ` +
                        `if sticky-staging no longer uses it, give it to this one: aws ec2 create-tags --resources ${VOLUME} --tags Key=eks:eks-cluster-name,Value=sticky-prod`,
                ],
            },
            {
                name: "a volume smaller than the claims",
                config: { ...restoring(`2=${VOLUME}`), "sticky:storageSize": "10Gi" },
                cloud: { volumes: { [VOLUME]: { zone: "eu-west-1a", size: 8 } } },
                problems: [`sticky:restoreFrom = "2=${VOLUME}": volume ${VOLUME} has 8 GiB, less than the claims' 10Gi (sticky:storageSize); a claim binds only a volume at least its size`],
            },
            {
                name: "a snapshot this account cannot use, and one still pending, both reported",
                config: restoring(`0=${SNAPSHOT}`, "1=snap-0aaaaaaaaaaaaaaaa"),
                cloud: { snapshots: { "snap-0aaaaaaaaaaaaaaaa": { size: 1, state: "pending" } } },
                problems: [
                    `sticky:restoreFrom = "0=${SNAPSHOT}": no EBS snapshot ${SNAPSHOT} this account can use in eu-west-1 (aws ec2 describe-snapshots --snapshot-ids ${SNAPSHOT})`,
                    'sticky:restoreFrom = "1=snap-0aaaaaaaaaaaaaaaa": snapshot snap-0aaaaaaaaaaaaaaaa is pending, not completed; wait for it, or pick another',
                ],
            },
            {
                name: "a snapshot of a bigger volume than the claims",
                config: restoring(`0=${SNAPSHOT}`),
                cloud: { snapshots: { [SNAPSHOT]: { size: 20, state: "completed" } } },
                problems: [
                    `sticky:restoreFrom = "0=${SNAPSHOT}": snapshot ${SNAPSHOT} is of a 20 GiB volume, more than the claims' 1Gi (sticky:storageSize); ` +
                        "a volume is made at least its snapshot's size: set sticky:storageSize to 20Gi or more",
                ],
            },
        ];
        for (const c of bad) {
            it(`refuses ${c.name}, before any resource is created`, async () => {
                const { message, resources } = await refused("prod", c.config, c.cloud);
                assert.strictEqual(message, `Invalid stack configuration (${c.problems.length} problem${c.problems.length === 1 ? "" : "s"}); nothing was deployed or changed:\n${c.problems.map((p) => `  - ${p}`).join("\n")}`);
                assert.deepStrictEqual(created(resources), []);
            });
        }

        it("refuses a claim this stack already made (bound to its own volume), and keeps one an earlier run restored from the same source", async () => {
            const previousOutputs = { claimNames: ["sticky-data-sticky-0", "sticky-data-sticky-1", "sticky-data-sticky-2"], storageSize: "1Gi", restoredFrom: { "sticky-data-sticky-2": VOLUME } };
            const { message, resources } = await refused("prod", restoring(`1=${VOLUME}`), cloud, { previousOutputs });
            assert.match(message, /sticky:restoreFrom = "1=vol-0123456789abcdef0": claim default\/sticky-data-sticky-1 already exists \(this stack made it\) and is bound to its volume, which a claim never changes/);
            assert.deepStrictEqual(created(resources), []);
            const again = await withCloud(cloud, () => runStack("prod", restoring(`2=${VOLUME}`), { previousOutputs }));
            assert.strictEqual(find(again, PVC, "sticky-data-sticky-2").inputs.spec.volumeName, "restored-sticky-data-sticky-2");
        });

        it("every later run of a restored stack: its volume, attached and tagged for this cluster now, and its expired snapshot are not held against it", async () => {
            // What e2e/prod-in-cluster.e2e.ts found: the run after a restore asked the volume to be free again.
            const claimNames = ["sticky-data-sticky-0", "sticky-data-sticky-1", "sticky-data-sticky-2"];
            const previousOutputs = { claimNames, storageSize: "1Gi", restoredFrom: { "sticky-data-sticky-2": VOLUME, "sticky-data-sticky-0": SNAPSHOT } };
            const now: Cloud = { volumes: { [VOLUME]: { zone: "eu-west-1b", size: 8, attached: true, tags: { "eks:eks-cluster-name": "sticky-prod" } } } };
            const again = await withCloud(now, () => runStack("prod", restoring(`2=${VOLUME}`, `0=${SNAPSHOT}`), { previousOutputs }));
            assert.deepStrictEqual(find(again, PV, "restored-sticky-data-sticky-2").inputs.spec, find(run, PV, "restored-sticky-data-sticky-2").inputs.spec, "the same PersistentVolume");
            assert.deepStrictEqual(
                find(again, VOLUME_SNAPSHOT_CONTENT, "restored-sticky-data-sticky-0").inputs.spec,
                find(run, VOLUME_SNAPSHOT_CONTENT, "restored-sticky-data-sticky-0").inputs.spec,
                "the same snapshot objects, though AWS no longer has the snapshot",
            );
            // A new entry is still held to it: the same attached volume for another claim is refused.
            const { message } = await refused("prod", restoring(`2=${VOLUME}`, `1=${VOLUME}`), now, { previousOutputs: { ...previousOutputs, claimNames: claimNames.slice(0, 1).concat("sticky-data-sticky-2") } });
            assert.match(message, new RegExp(`sticky:restoreFrom = "1=${VOLUME}": volume ${VOLUME} is not available \\(in use`));
            assert.doesNotMatch(message, /"2=/, "the kept entry is not refused");
        });
    });

    describe("dev: restore an existing PersistentVolume by name", () => {
        const free = { spec: { storageClassName: "hostpath", capacity: { storage: "1Gi" } }, status: { phase: "Available" } };

        it("reads it, and makes the claim bound to it in advance before the StatefulSet; no other claim", async () => {
            const run = await runStack("dev", restoring("2=old-data"), { persistentVolumes: { "old-data": free } });
            const read = run.resources.find((r) => r.type === PV && r.read);
            assert.ok(read, "the volume is read, never created");
            assert.deepStrictEqual(run.resources.filter((r) => r.type === PV && !r.read), []);
            const claim = find(run, PVC, "sticky-data-sticky-2");
            assert.strictEqual(claim.inputs.spec.volumeName, "old-data");
            assert.strictEqual(claim.inputs.spec.storageClassName, "hostpath");
            assert.ok(find(run, TYPES.statefulSet).dependencies.includes(claim.urn));
            assert.deepStrictEqual(run.resources.filter((r) => r.type === PVC).map((r) => r.name), ["sticky-data-sticky-2"]);
            assert.deepStrictEqual(run.outputs.restoredFrom, { "sticky-data-sticky-2": "old-data" });
        });

        it("refuses a volume bound to another claim, before any resource is created", async () => {
            const bound = { ...free, spec: { ...free.spec, claimRef: { namespace: "default", name: "other" } }, status: { phase: "Bound" } };
            const { message, resources } = await refused("dev", restoring("2=old-data"), {}, { persistentVolumes: { "old-data": bound } });
            assert.match(message, /sticky:restoreFrom = "2=old-data": PersistentVolume old-data belongs to claim default\/other \(Bound\), not default\/sticky-data-sticky-2; a volume backs one claim/);
            assert.deepStrictEqual(created(resources), []);
        });

        it("names the fix for a Released volume, another class and a volume too small", () => {
            const request = { entry: "2=old", ordinal: 2, source: "old", claim: { namespace: "default", name: "sticky-data-sticky-2" }, size: "2Gi" };
            const released = { storageClassName: "hostpath", capacity: "2Gi", phase: "Released", claimRef: { namespace: "default", name: "sticky-data-sticky-2", uid: "1234" } };
            assert.deepStrictEqual(localVolumeProblems(request, released, "hostpath"), [
                'sticky:restoreFrom = "2=old": PersistentVolume old is Released: its claim default/sticky-data-sticky-2 was deleted and the volume still names it (uid 1234); ' +
                    'clear that with `kubectl patch pv old --type json -p \'[{"op":"remove","path":"/spec/claimRef"}]\'` and deploy again',
            ]);
            assert.deepStrictEqual(localVolumeProblems(request, { storageClassName: "standard", capacity: "1Gi", phase: "Available" }, "hostpath"), [
                'sticky:restoreFrom = "2=old": PersistentVolume old has StorageClass "standard", the claims "hostpath"; a claim binds only a volume of its class ' +
                    '(`kubectl patch pv old -p \'{"spec":{"storageClassName":"hostpath"}}\'`)',
                'sticky:restoreFrom = "2=old": PersistentVolume old holds 1Gi, less than the claims\' 2Gi (sticky:storageSize); a claim binds only a volume at least its size: set sticky:storageSize to 1Gi or less',
            ]);
            const ours = { storageClassName: "hostpath", capacity: "2Gi", phase: "Bound", claimRef: { namespace: "default", name: "sticky-data-sticky-2", uid: "5678" } };
            assert.deepStrictEqual(localVolumeProblems(request, ours, "hostpath"), [], "already the claim's: an earlier run restored it");
        });
    });
});
