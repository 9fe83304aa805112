/**
 * The EKS environment on Auto Mode, point by point: what the prod stack registers under mocks
 * with Pulumi.prod.yaml, and the pure helpers as tables. @pulumi/eks's Cluster is a remote
 * component: under mocks its inputs are what we can see, and what it does with them was read in
 * pulumi-eks 4.3.0's source (nodejs/eks/cluster/cluster.ts).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import { LOAD_BALANCER_ADDRESS_KNOWN } from "../components/sticky-app";
import { KUBERNETES_VERSIONS, SNAPSHOT_CONTROLLER_PINS, snapshotControllerVersion } from "../environments/eks/addon-versions";
import { EKS_VERSION_SUPPORT } from "../environments/eks/versions";
import { accessEntries, breakGlassWarning, CLUSTER_POLICY_ARNS, clusterRolePolicy, listedCaller } from "../environments/eks/cluster";
import { INCARNATION_TAG } from "../environments/eks/backup";
import { CLUSTER_VIEWER_GROUP } from "../environments/eks/cluster-viewer";
import { subnetCidrs } from "../environments/eks/network";
import { disruptionBudgets, isDriftWindow, isNodeLifetime, lifetimeHours } from "../environments/eks/nodes";
import { isRegionZone, planZones, ZoneChangeError } from "../environments/eks/zones";
import { accessEntryKey, callerIdentity, parsePrincipalArn } from "../environments/eks/principals";
import { LOAD_BALANCER_DEREGISTRATION_DELAY_SECONDS, LOAD_BALANCER_HEALTH_CHECK, POD_DRAIN } from "../core/drain";
import { AWAIT_ANNOTATION, TYPES } from "../core/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { eksInCluster } from "../environments/eks/in-cluster";
import { eksDefinition } from "../environments/eks/definition";
import { find, installMocks, mockedCalls, ProgramFailed, ROOT, runStack, typeToken, waitForRPCs, type StackRun } from "./harness";

const ADDON = typeToken(aws.eks.Addon);
const CLUSTER = typeToken(eks.Cluster);
const CUSTOM = "kubernetes:karpenter.sh/v1:NodePool";
const NODE_CLASS = "kubernetes:eks.amazonaws.com/v1:NodeClass";
const GET_CLUSTER = "aws:eks/getCluster:getCluster";
const GET_ZONES = "aws:index/getAvailabilityZones:getAvailabilityZones";
const LOG_GROUP = typeToken(aws.cloudwatch.LogGroup);
const SERVICE = TYPES.service;
const STATEFUL_SET = TYPES.statefulSet;
const ROLE_POLICY = typeToken(aws.iam.RolePolicy);

const ADMIN = "arn:aws:iam::123456789012:role/platform-admin";
const OPS = "arn:aws:iam::123456789012:user/ops";
const PREVIEW = "arn:aws:iam::123456789012:role/github-preview";
const DRIFT = "arn:aws:iam::123456789012:role/ci/github-drift";

/** Pulumi.prod.yaml with every EKS key changed from its default, run once for the tests below. */
const CONFIGURED = {
    "sticky:kubernetesVersion": "1.36",
    "sticky:clusterAdminArns": JSON.stringify([ADMIN, OPS]),
    "sticky:clusterViewerArns": JSON.stringify([PREVIEW, DRIFT]),
    "sticky:publicAccessCidrs": '["203.0.113.0/24"]',
    "sticky:nodeInstanceFamilies": '["c7g","m7g"]',
    "sticky:nodeExpireAfter": "168h",
    "sticky:nodeDriftWindow": "22:30-02:00",
    "sticky:nodeCpuLimit": "8",
    "sticky:nodeMemoryLimit": "32Gi",
    "sticky:protect": "false",
    "sticky:clusterLogRetentionDays": "365",
};

/** Runs `run` in a mocked AWS that has one free 1 GiB volume in eu-west-1a and one completed 1 GiB snapshot, whatever the ids. */
async function withSources<T>(run: () => Promise<T>): Promise<T> {
    const ids = (inputs: Record<string, any>, name: string) => (inputs.filters as { name: string; values: string[] }[]).find((f) => f.name === name)?.values ?? [];
    const answers: Record<string, (inputs: Record<string, any>) => Record<string, any>> = {
        "aws:ebs/getEbsVolumes:getEbsVolumes": (inputs) => ({ ids: ids(inputs, "volume-id") }),
        "aws:ebs/getVolume:getVolume": () => ({ availabilityZone: "eu-west-1a", size: 1, tags: {} }),
        "aws:ebs/getSnapshotIds:getSnapshotIds": (inputs) => ({ ids: ids(inputs, "snapshot-id") }),
        "aws:ebs/getSnapshot:getSnapshot": () => ({ volumeSize: 1, state: "completed" }),
    };
    Object.assign(mockedCalls, answers);
    try {
        return await run();
    } finally {
        for (const token of Object.keys(answers)) delete mockedCalls[token];
    }
}

/** A registered custom resource of `kind` (the CRD kinds register as `kubernetes:<apiVersion>:<Kind>`). */
const custom = (run: StackRun, kind: string) => find(run, kind);

describe("EKS environment on Auto Mode (stack prod)", () => {
    let run: StackRun;
    let configured: StackRun;
    before(async () => {
        run = await runStack("prod");
        configured = await runStack("prod", CONFIGURED);
    });

    describe("1. Auto Mode runs what the stack no longer builds", () => {
        it("turns Auto Mode on with the system pool only, no CoreDNS add-on, no OIDC provider, its own cluster role", () => {
            const cluster = find(run, CLUSTER);
            // createNodeRole: the SDK's default, made explicit in the request (pulumi-eks then makes the node role).
            assert.deepStrictEqual(cluster.inputs.autoMode, { enabled: true, createNodeRole: true, computeConfig: { nodePools: ["system"] } });
            assert.strictEqual(cluster.inputs.corednsAddonOptions.enabled, false, "Auto Mode runs CoreDNS");
            assert.strictEqual(cluster.inputs.createOidcProvider, false);
            for (const gone of ["kubeProxyAddonOptions", "vpcCniOptions", "skipDefaultNodeGroup", "instanceType"]) assert.strictEqual(cluster.inputs[gone], undefined, gone);
            assert.deepStrictEqual(cluster.inputs.authenticationMode, "API", "Auto Mode requires access entries");
            const role = find(run, typeToken(aws.iam.Role), "sticky-cluster");
            // A resource reference: the engine gets its URN; the mocks hand over the object.
            assert.strictEqual(cluster.inputs.serviceRole.__name, role.name, "the cluster works as the stack's role");
            assert.deepStrictEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Action, ["sts:AssumeRole", "sts:TagSession"]);
            const attached = run.resources.filter((r) => r.type === typeToken(aws.iam.RolePolicyAttachment) && r.name.startsWith("sticky-cluster-")).map((r) => r.inputs.policyArn);
            assert.deepStrictEqual(attached, CLUSTER_POLICY_ARNS);
            for (const dependency of [find(run, ROLE_POLICY, "sticky-cluster").urn, ...attached.map((_, i) => find(run, typeToken(aws.iam.RolePolicyAttachment), `sticky-cluster-${i}`).urn)]) {
                assert.ok(cluster.dependencies.includes(dependency), `the cluster waits for ${dependency}`);
            }
        });

        it("registers nothing Auto Mode replaces: no node group, launch template, EBS CSI or LB controller, no TLS", () => {
            const types = new Set(run.resources.map((r) => r.type));
            for (const gone of ["aws:eks/nodeGroup:NodeGroup", "aws:ec2/launchTemplate:LaunchTemplate", "aws:eks/podIdentityAssociation:PodIdentityAssociation", "kubernetes:helm.sh/v4:Chart"]) {
                assert.ok(!types.has(gone), gone);
            }
            assert.deepStrictEqual([...types].filter((t) => t.startsWith("tls:")), []);
            const addons = run.resources.filter((r) => r.type === ADDON).map((a) => [a.inputs.addonName, a.inputs.addonVersion]);
            assert.deepStrictEqual(addons, [["snapshot-controller", SNAPSHOT_CONTROLLER_PINS["1.35"].version]]);
            const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
            assert.strictEqual(pkg.dependencies["@pulumi/tls"], undefined);
        });

        it("pins the snapshot controller for every version the window allows, and moves it with the version", () => {
            assert.deepStrictEqual(KUBERNETES_VERSIONS, ["1.35", "1.36"]);
            for (const version of KUBERNETES_VERSIONS) {
                assert.match(snapshotControllerVersion(version), /^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
                assert.ok(version in EKS_VERSION_SUPPORT, `${version} has its support dates in versions.ts`);
            }
            assert.throws(() => snapshotControllerVersion("1.29"), /no snapshot-controller pin for Kubernetes 1\.29; pinned: 1\.35, 1\.36/);
            assert.strictEqual(find(configured, CLUSTER).inputs.version, "1.36");
            assert.strictEqual(find(configured, ADDON).inputs.addonVersion, SNAPSHOT_CONTROLLER_PINS["1.36"].version);
        });
    });

    describe("2. the stack's own NodePool and NodeClass", () => {
        it("launches on-demand nodes of the default families in the cluster's zones, on the node role and private subnets", () => {
            const pool = custom(run, CUSTOM);
            const nodeClass = custom(run, NODE_CLASS);
            assert.deepStrictEqual(pool.inputs.spec.template.spec.nodeClassRef, { group: "eks.amazonaws.com", kind: "NodeClass", name: "sticky" });
            assert.deepStrictEqual(pool.inputs.spec.template.spec.requirements, [
                { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
                { key: "eks.amazonaws.com/instance-family", operator: "In", values: ["m7i", "m7a", "m6i", "m6a"] },
                { key: "topology.kubernetes.io/zone", operator: "In", values: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] },
            ]);
            assert.strictEqual(pool.inputs.spec.template.spec.expireAfter, "336h");
            assert.strictEqual(pool.inputs.spec.template.spec.terminationGracePeriod, "24h");
            assert.deepStrictEqual(pool.inputs.spec.disruption, { consolidationPolicy: "WhenEmpty", consolidateAfter: "5m", budgets: [{ nodes: "1" }] });
            assert.deepStrictEqual(pool.inputs.spec.limits, { cpu: "16", memory: "64Gi" });
            assert.deepStrictEqual(nodeClass.inputs.spec, {
                role: "sticky-nodeRole-1234567",
                subnetSelectorTerms: [{ id: "sticky-private-0-id" }, { id: "sticky-private-1-id" }, { id: "sticky-private-2-id" }],
                securityGroupSelectorTerms: [{ id: "sg-cluster-1234567" }],
                networkPolicy: "DefaultAllow",
                networkPolicyEventLogs: "Disabled",
            });
            assert.ok(pool.provider.startsWith(find(run, "pulumi:providers:kubernetes", "eks").urn));
        });

        it("takes the configured families, lifetime, drift window and limits", () => {
            const pool = custom(configured, CUSTOM);
            assert.deepStrictEqual(pool.inputs.spec.template.spec.requirements[1].values, ["c7g", "m7g"]);
            assert.strictEqual(pool.inputs.spec.template.spec.expireAfter, "168h");
            assert.deepStrictEqual(pool.inputs.spec.disruption.budgets, [{ nodes: "1" }, { nodes: "0", reasons: ["Drifted"], schedule: "0 2 * * *", duration: "20h30m" }]);
            assert.deepStrictEqual(pool.inputs.spec.limits, { cpu: "8", memory: "32Gi" });
        });

        it("closes drift outside the window for the rest of the day, in the CRD's duration and cron forms", () => {
            const table: [string, string, string][] = [
                ["02:00-05:00", "0 5 * * *", "21h0m"],
                ["22:30-02:00", "0 2 * * *", "20h30m"],
                ["00:00-00:15", "15 0 * * *", "23h45m"],
            ];
            for (const [window, schedule, duration] of table) {
                const [, closed] = disruptionBudgets(window);
                assert.deepStrictEqual(closed, { nodes: "0", reasons: ["Drifted"], schedule, duration }, window);
                // Karpenter v1.1.0's CRD patterns (karpenter.sh_nodepools.yaml).
                assert.match(duration, /^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$/);
            }
            assert.deepStrictEqual(disruptionBudgets(""), [{ nodes: "1" }]);
            assert.deepStrictEqual(["02:00-05:00", "23:00-01:00", "02:00-02:00", "2:00-05:00", "24:00-01:00", ""].map(isDriftWindow), [true, true, false, false, false, false]);
        });

        it("keeps a node's life and its drain within Auto Mode's 21 days", () => {
            assert.deepStrictEqual(["24h", "336h", "480h", "481h", "23h", "336", "14d", "Never"].map(isNodeLifetime), [true, true, true, false, false, false, false, false]);
            assert.strictEqual(lifetimeHours("336h"), 336);
        });

        it("turns network policy enforcement on for Auto Mode (the NodeClass and the controller's ConfigMap)", () => {
            const config = find(run, typeToken(k8s.core.v1.ConfigMap), "amazon-vpc-cni");
            assert.deepStrictEqual(config.inputs.metadata, { name: "amazon-vpc-cni", namespace: "kube-system" });
            assert.deepStrictEqual(config.inputs.data, { "enable-network-policy-controller": "true" });
            assert.ok(custom(run, CUSTOM).dependencies.includes(config.urn));
        });

        it("makes the app wait for its storage class and its NodePool", () => {
            const app = find(run, "sticky:app:StickyApp");
            assert.ok(app.dependencies.includes(custom(run, CUSTOM).urn));
            assert.ok(app.dependencies.includes(find(run, TYPES.storageClass).urn));
        });
    });

    describe("2b. the in-cluster half stands alone (issue 36's seam)", () => {
        it("makes every in-cluster object from any Kubernetes provider and plain strings, and nothing in AWS", async () => {
            const recording = await installMocks("seam", {});
            const defaults = Object.fromEntries(Object.entries(eksDefinition.keys).map(([name, key]) => [name, (key as { default?: unknown }).default]));
            await pulumi.runtime.runInPulumiStack(async () => {
                const provider = new k8s.Provider("test-cluster", { kubeconfig: "{}", context: "sticky-test" });
                eksInCluster(
                    {
                        settings: { ...(defaults as any), clusterViewerArns: [PREVIEW] },
                        facts: { incarnation: "sticky-test-1", nodeRoleName: "node-role", subnetIds: ["subnet-a"], securityGroupIds: ["sg-a"], zones: ["eu-west-1a"] },
                    },
                    { provider },
                );
            });
            await waitForRPCs();
            const made = recording.resources.filter((r) => !r.type.startsWith("pulumi:"));
            assert.deepStrictEqual([...new Set(made.map((r) => r.type))].filter((t) => !t.startsWith("kubernetes:") && t !== "sticky:eks:ClusterViewerAccess"), [], "no AWS resource");
            assert.ok(made.filter((r) => r.type.startsWith("kubernetes:")).every((r) => r.provider.includes("::test-cluster::")), "every object on the given provider");
            assert.deepStrictEqual(made.map((r) => r.type.split(":").pop()).sort(), [
                "ClusterRole", "ClusterRoleBinding", "ClusterViewerAccess", "ConfigMap", "NodeClass", "NodePool", "StorageClass",
                "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "VolumeSnapshotClass",
            ]);
            assert.deepStrictEqual(find({ resources: made } as StackRun, NODE_CLASS).inputs.spec.subnetSelectorTerms, [{ id: "subnet-a" }]);
            assert.strictEqual(find({ resources: made } as StackRun, TYPES.storageClass).inputs.parameters.tagSpecification_1, `${INCARNATION_TAG}=sticky-test-1`);
        });
    });

    describe("3. access entries are keyed by principal", () => {
        it("derives each key from the ARN: account, type and name", () => {
            const table: [string, "admin" | "viewer", string][] = [
                [ADMIN, "admin", "admin-123456789012-role-platform-admin"],
                [OPS, "admin", "admin-123456789012-user-ops"],
                [DRIFT, "viewer", "viewer-123456789012-role-github-drift"],
                ["arn:aws:iam::123456789012:role/Team/Admin", "admin", "admin-123456789012-role-admin"],
            ];
            for (const [arn, role, key] of table) assert.strictEqual(accessEntryKey(role, parsePrincipalArn(arn)!), key, arn);
        });

        it("keeps the other entries when one admin is removed or the list reordered", () => {
            const before = Object.keys(accessEntries({ clusterAdminArns: [ADMIN, OPS], clusterViewerArns: [] }));
            const removed = Object.keys(accessEntries({ clusterAdminArns: [OPS], clusterViewerArns: [] }));
            const reordered = Object.keys(accessEntries({ clusterAdminArns: [OPS, ADMIN], clusterViewerArns: [] }));
            assert.deepStrictEqual(removed, ["admin-123456789012-user-ops"]);
            assert.ok(before.includes(removed[0]));
            assert.deepStrictEqual([...reordered].sort(), [...before].sort());
        });

        it("hands pulumi-eks admin entries with the cluster-admin policy", () => {
            const entries = find(configured, CLUSTER).inputs.accessEntries;
            assert.deepStrictEqual(Object.keys(entries).sort(), [
                "admin-123456789012-role-platform-admin",
                "admin-123456789012-user-ops",
                "viewer-123456789012-role-github-drift",
                "viewer-123456789012-role-github-preview",
            ]);
            assert.deepStrictEqual(entries["admin-123456789012-user-ops"], {
                principalArn: OPS,
                accessPolicies: {
                    admin: { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" } },
                },
            });
        });

        it("recognises the deploying identity among the listed principals", () => {
            const settings = { clusterAdminArns: [ADMIN], clusterViewerArns: [DRIFT] };
            const table: [string, string | undefined][] = [
                ["arn:aws:sts::123456789012:assumed-role/platform-admin/alice", ADMIN],
                ["arn:aws:sts::123456789012:assumed-role/GitHub-Drift/run-42", DRIFT],
                ["arn:aws:sts::999999999999:assumed-role/platform-admin/alice", undefined],
                ["arn:aws:iam::123456789012:user/ops", undefined],
                ["arn:aws:iam::123456789012:root", undefined],
            ];
            for (const [caller, listed] of table) assert.strictEqual(listedCaller(caller, settings), listed, caller);
            assert.strictEqual(callerIdentity("arn:aws:sts::123456789012:federated-user/bob"), undefined);
        });
    });

    describe("4. cluster viewers: access entries, RBAC and an admission policy", () => {
        it("creates none of it without viewers", () => {
            assert.deepStrictEqual(run.resources.filter((r) => r.type.startsWith("kubernetes:rbac") || r.type.startsWith("kubernetes:admission")), []);
        });

        it("puts viewers in the viewer group and binds the group's read-and-dry-run rights and the policy", () => {
            const withViewers = configured;
            const entries = find(withViewers, CLUSTER).inputs.accessEntries;
            assert.deepStrictEqual(entries["viewer-123456789012-role-github-preview"], { principalArn: PREVIEW, kubernetesGroups: [CLUSTER_VIEWER_GROUP] });
            assert.deepStrictEqual(entries["viewer-123456789012-role-github-drift"], { principalArn: DRIFT, kubernetesGroups: [CLUSTER_VIEWER_GROUP] });

            const eksProvider = find(withViewers, "pulumi:providers:kubernetes", "eks");
            const access = find(withViewers, "sticky:eks:ClusterViewerAccess");
            const role = find(withViewers, typeToken(k8s.rbac.v1.ClusterRole));
            const binding = find(withViewers, typeToken(k8s.rbac.v1.ClusterRoleBinding));
            const policy = find(withViewers, typeToken(k8s.admissionregistration.v1.ValidatingAdmissionPolicy));
            const policyBinding = find(withViewers, typeToken(k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding));
            for (const child of [role, binding, policy, policyBinding]) {
                assert.strictEqual(child.parent, access.urn);
                assert.ok(child.provider.startsWith(eksProvider.urn), `${child.name} goes to the EKS cluster`);
            }
            assert.deepStrictEqual(binding.inputs.subjects, [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: CLUSTER_VIEWER_GROUP }]);
            const verbs = new Set(role.inputs.rules.flatMap((rule: { verbs: string[] }) => rule.verbs));
            assert.ok(!verbs.has("delete") && !verbs.has("*"), "no delete, no wildcard");
            const secrets = role.inputs.rules.filter((rule: { resources: string[] }) => rule.resources.includes("secrets"));
            assert.deepStrictEqual(secrets, [], "no Secrets");
            assert.deepStrictEqual(policy.inputs.spec.matchConditions, [
                { name: "from-cluster-viewers", expression: `request.userInfo.groups.exists(g, g == "${CLUSTER_VIEWER_GROUP}")` },
            ]);
            assert.strictEqual(policy.inputs.spec.validations[0].expression, "has(request.dryRun) && request.dryRun == true");
            assert.deepStrictEqual(policyBinding.inputs.spec, { policyName: policy.inputs.metadata.name, validationActions: ["Deny"] });
        });

        it("lets viewers dry-run every kind the stack manages but its own RBAC and admission objects", async () => {
            const role = find(configured, typeToken(k8s.rbac.v1.ClusterRole));
            const dryRunnable = new Set<string>(
                role.inputs.rules
                    .filter((rule: { verbs: string[] }) => rule.verbs.includes("patch"))
                    .flatMap((rule: { apiGroups: string[]; resources: string[] }) => rule.apiGroups.flatMap((g) => rule.resources.map((r) => `${g}/${r}`))),
            );
            // kubernetes:<group>/<version>:<Kind>, as a group/resource pair (a *Patch kind patches its Kind).
            const resourceOf = (type: string) => {
                const [, group, kind] = /^kubernetes:([^/]+)\/[^:]+:(\w+)$/.exec(type)!;
                const base = kind.replace(/Patch$/, "").toLowerCase();
                const plural = base.endsWith("y") ? `${base.slice(0, -1)}ies` : base.endsWith("s") ? `${base}es` : `${base}s`;
                return `${group === "core" ? "" : group}/${plural}`;
            };
            // The claim patches exist only in an `up` that grows the claims: run that one too.
            const growing = await runStack("prod", { ...CONFIGURED, "sticky:storageSize": "2Gi" }, {
                previousOutputs: { storageSize: "1Gi", claimNames: ["sticky-data-sticky-0"] },
            });
            assert.ok(growing.resources.some((r) => r.type === typeToken(k8s.core.v1.PersistentVolumeClaimPatch)));
            // A restore makes the PersistentVolume and snapshot kinds: run one of each as well.
            const restoring = await withSources(() => runStack("prod", { ...CONFIGURED, "sticky:restoreFrom": '["0=vol-0123456789abcdef0","1=snap-0123456789abcdef0"]' }));
            // Every kind the stack makes in the cluster: nothing it installs (no chart, no operator
            // of its own) makes objects outside this list, so a new kind anywhere fails here.
            const made = [...configured.resources, ...growing.resources, ...restoring.resources].filter((r) => r.type.startsWith("kubernetes:") && !r.read && !r.type.startsWith("kubernetes:helm"));
            assert.deepStrictEqual(made.filter((r) => r.type.startsWith("kubernetes:helm") || r.type.includes("yaml")), []);
            const managed = made.filter((r) => !/rbac|admissionregistration/.test(r.type)).map((r) => resourceOf(r.type));
            for (const kind of ["karpenter.sh/nodepools", "eks.amazonaws.com/nodeclasses", "/persistentvolumes", "snapshot.storage.k8s.io/volumesnapshotcontents"]) assert.ok(managed.includes(kind), kind);
            assert.ok(managed.length >= 5, `${managed}`);
            assert.deepStrictEqual(managed.filter((r) => !dryRunnable.has(r)), [], "kinds the viewers cannot preview");
        });
    });

    describe("5. money and support", () => {
        it("STANDARD support, a fixed name, an owned log group with a retention, no default security groups", () => {
            const cluster = find(run, CLUSTER);
            const logGroup = find(run, LOG_GROUP, "sticky-cluster");
            assert.deepStrictEqual(cluster.inputs.upgradePolicy, { supportType: "STANDARD" });
            assert.strictEqual(cluster.inputs.name, "sticky-prod");
            assert.strictEqual(logGroup.inputs.name, "/aws/eks/sticky-prod/cluster");
            assert.strictEqual(logGroup.inputs.retentionInDays, 30);
            assert.ok(cluster.dependencies.includes(logGroup.urn), "the log group exists before EKS would create its own");
            assert.deepStrictEqual(cluster.inputs.enabledClusterLogTypes, ["api", "audit", "authenticator"]);
            // pulumi-eks 4.3 skips its default security groups under Auto Mode (`skipDefaultSecurityGroups ?? autoMode.enabled`).
            assert.strictEqual(cluster.inputs.skipDefaultSecurityGroups, undefined);
            assert.strictEqual(cluster.inputs.nodeAssociatePublicIpAddress, undefined);
        });

        it("turns on EKS deletion protection with sticky:protect, and off without", () => {
            assert.strictEqual(find(run, CLUSTER).inputs.deletionProtection, true);
            const unprotected = configured;
            assert.strictEqual(find(unprotected, CLUSTER).inputs.deletionProtection, false);
            assert.strictEqual(find(unprotected, LOG_GROUP).inputs.retentionInDays, 365);
        });
    });

    describe("6. the network", () => {
        it("splits the VPC's /16 into a private and a public /20 per zone", () => {
            const table: [string, number, string[], string[]][] = [
                ["10.0.0.0/16", 3, ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"], ["10.0.128.0/20", "10.0.144.0/20", "10.0.160.0/20"]],
                ["172.31.0.0/16", 1, ["172.31.0.0/20"], ["172.31.128.0/20"]],
                ["10.8.0.0/16", 6, ["10.8.0.0/20", "10.8.16.0/20", "10.8.32.0/20", "10.8.48.0/20", "10.8.64.0/20", "10.8.80.0/20"],
                    ["10.8.128.0/20", "10.8.144.0/20", "10.8.160.0/20", "10.8.176.0/20", "10.8.192.0/20", "10.8.208.0/20"]],
            ];
            for (const [vpcCidr, zones, privateCidrs, publicCidrs] of table) {
                assert.deepStrictEqual(subnetCidrs(vpcCidr, zones), { privateCidrs, publicCidrs }, `${vpcCidr}, ${zones} zones`);
            }
            const subnets = run.resources.filter((r) => r.type === typeToken(aws.ec2.Subnet));
            assert.deepStrictEqual(
                subnets.map((s) => [s.name, s.inputs.cidrBlock]).sort(),
                [
                    ["sticky-private-0", "10.0.0.0/20"], ["sticky-private-1", "10.0.16.0/20"], ["sticky-private-2", "10.0.32.0/20"],
                    ["sticky-public-0", "10.0.128.0/20"], ["sticky-public-1", "10.0.144.0/20"], ["sticky-public-2", "10.0.160.0/20"],
                ],
            );
        });

    });

    describe("7. an NLB from Auto Mode, asked for by the environment, not the app", () => {
        it("asks for an internet-facing NLB with instance targets, health checks and a drain delay from core/drain.ts, tagged", () => {
            const service = find(run, SERVICE, "sticky-public");
            assert.strictEqual(service.inputs.spec.loadBalancerClass, "eks.amazonaws.com/nlb");
            assert.strictEqual(service.inputs.spec.externalTrafficPolicy, "Cluster", "every node forwards to a ready pod");
            assert.deepStrictEqual(service.inputs.metadata.annotations, {
                "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
                "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "instance",
                "service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol": "tcp",
                "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": "traffic-port",
                "service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval": "5",
                "service.beta.kubernetes.io/aws-load-balancer-healthcheck-timeout": "2",
                "service.beta.kubernetes.io/aws-load-balancer-healthcheck-healthy-threshold": "2",
                "service.beta.kubernetes.io/aws-load-balancer-healthcheck-unhealthy-threshold": "2",
                "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "deregistration_delay.timeout_seconds=20",
                "service.beta.kubernetes.io/aws-load-balancer-additional-resource-tags": "project=sticky,managed-by=pulumi",
                [AWAIT_ANNOTATION]: LOAD_BALANCER_ADDRESS_KNOWN,
            });
            // A node that stops answering is out (2 checks of 5 s) and its flows let go (20 s) within the pods' preStop sleep.
            assert.ok(LOAD_BALANCER_HEALTH_CHECK.intervalSeconds * LOAD_BALANCER_HEALTH_CHECK.unhealthyThreshold <= LOAD_BALANCER_DEREGISTRATION_DELAY_SECONDS);
            assert.ok(LOAD_BALANCER_DEREGISTRATION_DELAY_SECONDS <= POD_DRAIN.preStopSeconds);
            assert.deepStrictEqual(Object.keys(find(run, typeToken(k8s.core.v1.NamespacePatch)).inputs.metadata.labels).filter((l) => l.startsWith("elbv2")), [], "no readiness gates");
        });

        it("gives the dev Service only the component's own annotation and no class", async () => {
            const dev = await runStack("dev");
            assert.deepStrictEqual(find(dev, SERVICE, "sticky-public").inputs.metadata.annotations, { [AWAIT_ANNOTATION]: LOAD_BALANCER_ADDRESS_KNOWN });
            assert.strictEqual(find(dev, SERVICE, "sticky-public").inputs.spec.loadBalancerClass, undefined);
        });

        it("keeps the component blind to environments", () => {
            const component = fs.readFileSync(path.join(ROOT, "components", "sticky-app.ts"), "utf8");
            assert.ok(!/aws|eks|nlb/i.test(component.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "")), "no cloud names in the component's code");
        });
    });

    describe("8. the public API endpoint", () => {
        it("is open to sticky:publicAccessCidrs only", () => {
            assert.deepStrictEqual(find(run, CLUSTER).inputs.publicAccessCidrs, ["0.0.0.0/0"]);
            const office = configured;
            assert.deepStrictEqual(find(office, CLUSTER).inputs.publicAccessCidrs, ["203.0.113.0/24"]);
            assert.strictEqual(find(office, CLUSTER).inputs.endpointPrivateAccess, true, "nodes use the private endpoint");
        });
    });

    describe("9. storage on Auto Mode's block storage, tagged for the backups", () => {
        it("makes the encrypted, retained, expandable gp3 class on ebs.csi.eks.amazonaws.com, its volumes tagged with the incarnation", () => {
            const storageClass = find(run, TYPES.storageClass);
            assert.strictEqual(storageClass.inputs.provisioner, "ebs.csi.eks.amazonaws.com");
            assert.deepStrictEqual(storageClass.inputs.parameters, {
                type: "gp3",
                encrypted: "true",
                "csi.storage.k8s.io/fstype": "ext4",
                // The mocked cluster was created at 2026-12-02T16:31:05.123Z (tests/harness.ts).
                tagSpecification_1: `${INCARNATION_TAG}=sticky-prod-20261202T163105Z`,
            });
            assert.strictEqual(storageClass.inputs.reclaimPolicy, "Retain");
            assert.strictEqual(storageClass.inputs.volumeBindingMode, "WaitForFirstConsumer");
            assert.strictEqual(storageClass.inputs.allowVolumeExpansion, true);
            assert.strictEqual(storageClass.protect, true, "sticky:protect in Pulumi.prod.yaml");
            assert.ok(storageClass.dependencies.includes(find(run, ROLE_POLICY, "sticky-cluster").urn), "tagging needs the cluster role's policy first");
        });

        it("finds Auto Mode's volumes by the tag AWS puts on them, as docs/prod-on-eks.md does", () => {
            const doc = fs.readFileSync(path.join(ROOT, "docs", "prod-on-eks.md"), "utf8");
            assert.ok(doc.includes("Name=tag:eks:eks-cluster-name,Values=sticky-prod"));
        });
    });

    describe("10. an optional KMS key for the volumes (sticky:ebsKmsKeyArn)", () => {
        const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        it("grants the cluster role the key and names it in the class", async () => {
            const keyed = await runStack("prod", { "sticky:ebsKmsKeyArn": KEY });
            assert.deepStrictEqual(JSON.parse(find(keyed, ROLE_POLICY, "sticky-cluster").inputs.policy), clusterRolePolicy(KEY));
            assert.strictEqual(find(keyed, TYPES.storageClass).inputs.parameters.kmsKeyId, KEY);
            const statements = clusterRolePolicy(KEY).Statement as { Sid?: string; Action: string[]; Resource: unknown; Condition?: unknown }[];
            const kms = statements.filter((st) => st.Action.some((a) => a.startsWith("kms:")));
            assert.deepStrictEqual(kms.map((st) => st.Resource), [[KEY], [KEY]]);
            assert.deepStrictEqual(kms[0].Condition, { Bool: { "kms:GrantIsForAWSResource": "true" } });
        });

        it("lets the cluster role tag only what it makes for this cluster, and grants no key without one", () => {
            const statements = clusterRolePolicy("").Statement as { Sid: string; Action: string[]; Condition: unknown }[];
            assert.deepStrictEqual(statements.map((st) => st.Sid), ["StorageTags", "LoadBalancerTags"]);
            for (const st of statements) assert.deepStrictEqual(st.Condition, { StringEquals: { "aws:RequestTag/eks:eks-cluster-name": "${aws:PrincipalTag/eks:eks-cluster-name}" } });
            assert.strictEqual(find(run, TYPES.storageClass).inputs.parameters.kmsKeyId, undefined);
        });
    });

    describe("11. zones fixed at creation, kept through the stack's own output", () => {
        const ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
        const CLAIMS = ["sticky-data-sticky-0", "sticky-data-sticky-1", "sticky-data-sticky-2"];
        const deployed = { storageSize: "1Gi", claimNames: CLAIMS, availabilityZones: ZONES };
        const noLookup = () => assert.fail("no lookup when the zones are recorded or configured");

        it("takes the recorded zones, else the configured ones, else one lookup (a new stack)", () => {
            assert.deepStrictEqual(planZones({ configured: [], count: 3, recorded: ZONES, claimNames: CLAIMS }, noLookup), { zones: ZONES, source: "recorded" });
            assert.deepStrictEqual(
                planZones({ configured: ["eu-west-1c", "eu-west-1a"], count: 2, claimNames: [] }, noLookup),
                { zones: ["eu-west-1c", "eu-west-1a"], source: "configured" },
            );
            assert.deepStrictEqual(planZones({ configured: [], count: 2, claimNames: [] }, () => ZONES), { zones: ["eu-west-1a", "eu-west-1b"], source: "lookup" });
            // The same zones listed in another order keep the recorded order (and each zone's resources).
            assert.deepStrictEqual(planZones({ configured: ["eu-west-1c", "eu-west-1b", "eu-west-1a"], count: 3, recorded: ZONES, claimNames: CLAIMS }, noLookup).zones, ZONES);
        });

        it("refuses removing a zone, naming the zone and the claims whose volumes may be there", () => {
            assert.throws(
                () => planZones({ configured: ["eu-west-1a", "eu-west-1b"], count: 2, recorded: ZONES, claimNames: CLAIMS }, noLookup),
                (error: Error) => {
                    assert.ok(error instanceof ZoneChangeError);
                    assert.match(error.message, /^sticky:availabilityZones = \["eu-west-1a", "eu-west-1b"\]: removes "eu-west-1c" from the zones this cluster was created in/);
                    assert.match(error.message, /the claims "sticky-data-sticky-0", "sticky-data-sticky-1", "sticky-data-sticky-2" have their EBS volumes spread over these zones/);
                    assert.match(error.message, /a volume never leaves its zone: its pod would stay Pending/);
                    return true;
                },
            );
        });

        it("refuses a smaller zone count the same way (it removes the last zones)", () => {
            assert.throws(
                () => planZones({ configured: [], count: 2, recorded: ZONES, claimNames: CLAIMS }, noLookup),
                /sticky:availabilityZoneCount = 2: removes "eu-west-1c" .*Keep sticky:availabilityZoneCount at 3/,
            );
            assert.throws(() => planZones({ configured: [], count: 2, recorded: ZONES, claimNames: [] }, noLookup), /the cluster's subnets must stay in the zones it was created in/);
        });

        it("refuses adding a zone: EKS refuses subnets outside the cluster's creation zones", () => {
            assert.throws(
                () => planZones({ configured: [...ZONES, "eu-west-1d"], count: 4, recorded: ZONES, claimNames: CLAIMS }, noLookup),
                /sticky:availabilityZones = \[.*\]: adds "eu-west-1d" to the zones this cluster was created in .*EKS refuses subnets outside a cluster's creation zones/,
            );
            assert.throws(() => planZones({ configured: [], count: 4, recorded: ZONES, claimNames: CLAIMS }, noLookup), /sticky:availabilityZoneCount = 4: adds zones \(1 more\)/);
        });

        it("knows a region's zones from Local Zones and other regions", () => {
            const table: [string, boolean][] = [["eu-west-1a", true], ["eu-west-1", false], ["eu-west-2a", false], ["us-east-1-bos-1a", false]];
            for (const [zone, ok] of table) assert.strictEqual(isRegionZone(zone, zone.startsWith("us") ? "us-east-1" : "eu-west-1"), ok, zone);
        });

        it("records the zones as an output, and keeps them when a lookup would now answer differently (an impaired zone)", async () => {
            assert.deepStrictEqual(run.outputs.availabilityZones, ZONES);
            try {
                mockedCalls[GET_ZONES] = () => ({ names: ["eu-west-1b", "eu-west-1c", "eu-west-1d"] });
                const later = await runStack("prod", {}, { previousOutputs: deployed });
                const subnets = later.resources.filter((r) => r.type === typeToken(aws.ec2.Subnet) && r.name.startsWith("sticky-private"));
                assert.deepStrictEqual(subnets.map((s) => s.inputs.availabilityZone), ZONES);
                assert.ok(!later.calls.includes(GET_ZONES), "no lookup once the zones are recorded");
                assert.deepStrictEqual(later.outputs.availabilityZones, ZONES);
            } finally {
                delete mockedCalls[GET_ZONES];
            }
        });

        it("looks the zones up when the previous run recorded none, and records them", async () => {
            const older = await runStack("prod", {}, { previousOutputs: { storageSize: "1Gi", claimNames: CLAIMS } });
            assert.ok(older.calls.includes(GET_ZONES));
            assert.deepStrictEqual(older.outputs.availabilityZones, ZONES);
        });

        it("takes sticky:availabilityZones on a new stack, without a lookup", async () => {
            const named = await runStack("prod", { "sticky:availabilityZones": '["eu-west-1c","eu-west-1b"]', "sticky:availabilityZoneCount": "2" });
            const subnets = named.resources.filter((r) => r.type === typeToken(aws.ec2.Subnet) && r.name.startsWith("sticky-private"));
            assert.deepStrictEqual(subnets.map((s) => s.inputs.availabilityZone), ["eu-west-1c", "eu-west-1b"]);
            assert.ok(!named.calls.includes(GET_ZONES));
        });

        it("stops the program before any AWS resource when a change would remove a zone", async () => {
            await assert.rejects(
                runStack("prod", { "sticky:availabilityZones": '["eu-west-1a","eu-west-1b"]', "sticky:availabilityZoneCount": "2" }, { previousOutputs: deployed }),
                (error: ProgramFailed) => {
                    assert.ok(error instanceof ProgramFailed);
                    assert.match(error.message, /removes "eu-west-1c"/);
                    assert.deepStrictEqual(error.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("eks:")), []);
                    return true;
                },
            );
        });

        it("refuses a region with fewer zones than asked for, and says how to name them", async () => {
            try {
                mockedCalls[GET_ZONES] = () => ({ names: ["eu-west-1a", "eu-west-1b"] });
                await assert.rejects(runStack("prod"), /sticky:availabilityZoneCount = 3: region eu-west-1 has only 2 zones available \(eu-west-1a, eu-west-1b\); lower it, or name the zones in sticky:availabilityZones\.$/);
            } finally {
                delete mockedCalls[GET_ZONES];
            }
        });
    });

    describe("12. break-glass admin access", () => {
        it("warns when no admin besides the cluster's creator is listed", () => {
            assert.match(breakGlassWarning({ clusterAdminArns: [] })!, /^sticky:clusterAdminArns is empty: only the identity that created the cluster is its admin/);
            assert.match(breakGlassWarning({ clusterAdminArns: [] })!, /docs\/prod-on-eks\.md#break-glass-access/);
            assert.strictEqual(breakGlassWarning({ clusterAdminArns: [ADMIN] }), undefined);
        });
    });

    describe("13. a cluster AWS upgraded ahead of the config", () => {
        const deployed = { storageSize: "1Gi", claimNames: ["sticky-data-sticky-0"], availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] };
        afterEach(() => delete mockedCalls[GET_CLUSTER]);

        it("stops before any resource, saying what to set", async () => {
            mockedCalls[GET_CLUSTER] = (inputs) => ({ ...inputs, version: "1.36" });
            await assert.rejects(runStack("prod", {}, { previousOutputs: deployed }), (error: ProgramFailed) => {
                assert.ok(error instanceof ProgramFailed);
                assert.match(error.message, /^sticky:kubernetesVersion = "1\.35": cluster sticky-prod runs Kubernetes 1\.36 \(EKS upgrades the control plane by itself/);
                assert.match(error.message, /`pulumi config set sticky:kubernetesVersion 1\.36`, then `pulumi refresh` and `pulumi up`/);
                assert.doesNotMatch(error.message, /no snapshot-controller pin/);
                assert.deepStrictEqual(error.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("eks:")), []);
                return true;
            });
        });

        it("says to add the pins first when the live version has none", async () => {
            mockedCalls[GET_CLUSTER] = (inputs) => ({ ...inputs, version: "1.37" });
            await assert.rejects(runStack("prod", { "sticky:kubernetesVersion": "1.36" }, { previousOutputs: deployed }), /1\.37 has no snapshot-controller pin yet: add its row/);
        });

        it("deploys when the live version is the config's or older (an upgrade in progress), and never reads it on a new stack", async () => {
            mockedCalls[GET_CLUSTER] = (inputs) => ({ ...inputs, version: "1.35" });
            const same = await runStack("prod", { "sticky:kubernetesVersion": "1.36" }, { previousOutputs: deployed });
            assert.ok(same.calls.includes(GET_CLUSTER));
            assert.ok(!run.calls.includes(GET_CLUSTER), "a new stack has no cluster to read");
        });
    });

    describe("14. zone spread: DoNotSchedule on EKS, ScheduleAnyway on a laptop", () => {
        const zoneRule = (r: StackRun) =>
            find(r, STATEFUL_SET).inputs.spec.template.spec.topologySpreadConstraints.map((c: { topologyKey: string; whenUnsatisfiable: string }) => `${c.topologyKey}=${c.whenUnsatisfiable}`);
        it("keeps two prod pods out of one zone, and lets a one-node cluster run them all", async () => {
            assert.deepStrictEqual(zoneRule(run), ["topology.kubernetes.io/zone=DoNotSchedule", "kubernetes.io/hostname=ScheduleAnyway"]);
            assert.deepStrictEqual(zoneRule(await runStack("dev")), ["topology.kubernetes.io/zone=ScheduleAnyway", "kubernetes.io/hostname=ScheduleAnyway"]);
        });
    });

    describe("15. the deploy role's permissions, as a file the user attaches", () => {
        it("is an IAM policy with the service-linked roles and the role passing a first up needs, linked from the docs", () => {
            const policy = JSON.parse(fs.readFileSync(path.join(ROOT, "docs", "deploy-role-policy.json"), "utf8"));
            assert.strictEqual(policy.Version, "2012-10-17");
            const statement = (action: string) => policy.Statement.find((st: { Action: string | string[] }) => [st.Action].flat().includes(action));
            const linked = statement("iam:CreateServiceLinkedRole");
            // EKS's own (Auto Mode launches the nodes and the NLB with the cluster role); no node groups, no Auto Scaling.
            assert.deepStrictEqual(linked.Condition.StringEquals["iam:AWSServiceName"].sort(), ["eks.amazonaws.com", "elasticloadbalancing.amazonaws.com"]);
            // The cluster role to EKS, Auto Mode's node role (made by pulumi-eks), the backup selection's role; no Pod Identity any more.
            assert.deepStrictEqual(statement("iam:PassRole").Condition.StringEquals["iam:PassedToService"], ["eks.amazonaws.com", "ec2.amazonaws.com", "backup.amazonaws.com"]);
            const granted = (action: string) =>
                policy.Statement.some((st: { Action: string | string[] }) => [st.Action].flat().some((a) => a === action || (a.endsWith("*") && action.startsWith(a.slice(0, -1)))));
            // The AWS calls the program makes: reads before any resource (zones, restore sources, the
            // log group, the live version), the cluster and its add-on, tags on a restored volume, and
            // the backup vault, whose creation AWS documents as needing the three KMS actions.
            for (const action of [
                "eks:CreateCluster", "eks:UpdateClusterConfig", "eks:CreateAddon", "eks:CreateAccessEntry", "eks:DescribeCluster", "ec2:DescribeAvailabilityZones",
                "ec2:DescribeVolumes", "ec2:DescribeSnapshots", "ec2:CreateTags", "logs:DescribeLogGroups", "backup:CreateBackupVault", "backup:CreateBackupPlan",
                "backup:CreateBackupSelection", "kms:GenerateDataKey", "kms:Decrypt", "kms:RetireGrant", "kms:CreateGrant",
            ]) {
                assert.ok(granted(action), action);
            }
            for (const gone of ["eks:CreateNodegroup", "ec2:CreateLaunchTemplate", "ec2:RunInstances", "eks:CreatePodIdentityAssociation"]) assert.ok(!granted(gone), `${gone}: Auto Mode's, not the deploy role's`);
            const doc = fs.readFileSync(path.join(ROOT, "docs", "prod-on-eks.md"), "utf8");
            assert.ok(doc.includes("](deploy-role-policy.json)"));
        });
    });

});
