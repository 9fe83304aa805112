/**
 * The EKS environment, point by point (issue 10): what the prod stack registers under mocks with
 * Pulumi.prod.yaml, and the pure helpers as tables. @pulumi/eks's Cluster and ManagedNodeGroup
 * are remote components: under mocks their inputs are what we can see, and what they do with
 * them was read in pulumi-eks 4.3.0's source (nodejs/eks/cluster/cluster.ts, nodes/nodegroup.ts).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import { AWAIT_ANNOTATION, LOAD_BALANCER_ADDRESS_KNOWN } from "../components/sticky-app";
import { ADDON_NAMES, addonVersionsFor, KUBERNETES_VERSIONS, RELEASE_PINS, releasePinsFor } from "../environments/eks/addon-versions";
import { EKS_VERSION_SUPPORT } from "../environments/eks/versions";
import { ebsKmsPolicy, VOLUME_CLUSTER_TAG } from "../environments/eks/addons";
import { accessEntries, breakGlassWarning, listedCaller } from "../environments/eks/cluster";
import { INCARNATION_TAG } from "../environments/eks/backup";
import { CLUSTER_VIEWER_GROUP } from "../environments/eks/cluster-viewer";
import { subnetCidrs } from "../environments/eks/network";
import { amiTypeFor } from "../environments/eks/ami-types";
import { formerNodeGroupUrns, NODE_GROUP_UPDATE, nodesPerZone } from "../environments/eks/nodes";
import { LOAD_BALANCER_CONTROLLER_POLICY } from "../environments/eks/load-balancer-policy";
import { LOAD_BALANCER_CONTROLLER_CHART, NLB_DEREGISTRATION_DELAY_SECONDS, NLB_HEALTH_CHECK, READINESS_GATE_LABEL } from "../environments/eks/load-balancer";
import { isRegionZone, planZones, ZoneChangeError } from "../environments/eks/zones";
import { accessEntryKey, callerIdentity, parsePrincipalArn } from "../environments/eks/principals";
import { POD_DRAIN } from "../core/drain";
import { TYPES } from "../core/kubernetes";
import { engineUrn, find, mockedCalls, ProgramFailed, ROOT, runStack, typeToken, unwrapSecret, type Registered, type StackRun } from "./harness";

const ADDON = typeToken(aws.eks.Addon);
const CLUSTER = typeToken(eks.Cluster);
const NODE_GROUP = typeToken(aws.eks.NodeGroup);
const LAUNCH_TEMPLATE = typeToken(aws.ec2.LaunchTemplate);
const CHART = typeToken(k8s.helm.v4.Chart);
const GET_CLUSTER = "aws:eks/getCluster:getCluster";
const GET_ZONES = "aws:index/getAvailabilityZones:getAvailabilityZones";
const LOG_GROUP = typeToken(aws.cloudwatch.LogGroup);
const SERVICE = TYPES.service;
const NAMESPACE_PATCH = typeToken(k8s.core.v1.NamespacePatch);
const STATEFUL_SET = TYPES.statefulSet;
/** A provider function's token (functions have no class to read it from). */
const GET_ADDON_VERSION = "aws:eks/getAddonVersion:getAddonVersion";

const ADMIN = "arn:aws:iam::123456789012:role/platform-admin";
const OPS = "arn:aws:iam::123456789012:user/ops";
const PREVIEW = "arn:aws:iam::123456789012:role/github-preview";
const DRIFT = "arn:aws:iam::123456789012:role/ci/github-drift";

const nodeGroupsOf = (run: StackRun) => run.resources.filter((r) => r.type === NODE_GROUP);
/** What a resource looks like to the engine: everything but its (per-run) URN-free identity. */
const registration = (r: Registered) => ({
    type: r.type,
    name: r.name,
    inputs: r.inputs,
    parent: r.parent,
    provider: r.provider,
    protect: r.protect,
    dependencies: [...r.dependencies].sort(),
});

/** Pulumi.prod.yaml with every EKS key changed from its default, run once for the tests below. */
const CONFIGURED = {
    "sticky:kubernetesVersion": "1.36",
    "sticky:clusterAdminArns": JSON.stringify([ADMIN, OPS]),
    "sticky:clusterViewerArns": JSON.stringify([PREVIEW, DRIFT]),
    "sticky:publicAccessCidrs": '["203.0.113.0/24"]',
    "sticky:nodeCount": "4",
    "sticky:protect": "false",
    "sticky:clusterLogRetentionDays": "365",
};

describe("EKS environment (stack prod)", () => {
    let run: StackRun;
    let configured: StackRun;
    before(async () => {
        run = await runStack("prod");
        configured = await runStack("prod", CONFIGURED);
    });

    describe("1. add-on builds and the node AMI release are pinned to sticky:kubernetesVersion", () => {
        it("has a complete row, with its source, for every version settings.ts accepts, each on the EKS calendar", () => {
            assert.deepStrictEqual(KUBERNETES_VERSIONS, ["1.35", "1.36"]);
            for (const version of KUBERNETES_VERSIONS) {
                const row = releasePinsFor(version);
                assert.deepStrictEqual(Object.keys(addonVersionsFor(version)).sort(), [...ADDON_NAMES].sort());
                for (const addon of ADDON_NAMES) assert.match(row[addon], /^v\d+\.\d+\.\d+-eksbuild\.\d+$/, `${version} ${addon}`);
                // kube-proxy and the node AMI follow the control plane's minor version.
                assert.ok(row["kube-proxy"].startsWith(`v${version}.`), `kube-proxy ${row["kube-proxy"]} for ${version}`);
                assert.match(row.nodeAmiRelease, new RegExp(`^${version.replace(".", "\\.")}\\.\\d+-20\\d{6}$`), `node AMI for ${version}`);
                assert.match(row.source, /^read 2026-12-02: /, `${version} says where and when`);
                assert.ok(version in EKS_VERSION_SUPPORT, `${version} has its support dates in versions.ts`);
            }
            assert.throws(() => releasePinsFor("1.29"), /no release pins for Kubernetes 1\.29; pinned: 1\.35, 1\.36/);
        });

        it("gives pulumi-eks the kube-proxy and vpc-cni versions, so it never asks AWS for the most recent", () => {
            // pulumi-eks 4.3 calls getAddonVersion({mostRecent: true}) only when these are unset.
            const cluster = find(run, CLUSTER);
            assert.strictEqual(cluster.inputs.kubeProxyAddonOptions.version, RELEASE_PINS["1.35"]["kube-proxy"]);
            assert.strictEqual(cluster.inputs.vpcCniOptions.addonVersion, RELEASE_PINS["1.35"]["vpc-cni"]);
        });

        it("pins every add-on the stack creates itself", () => {
            const addons = run.resources.filter((r) => r.type === ADDON);
            assert.deepStrictEqual(
                Object.fromEntries(addons.map((a) => [a.inputs.addonName, a.inputs.addonVersion])),
                {
                    coredns: RELEASE_PINS["1.35"].coredns,
                    "eks-pod-identity-agent": RELEASE_PINS["1.35"]["eks-pod-identity-agent"],
                    "aws-ebs-csi-driver": RELEASE_PINS["1.35"]["aws-ebs-csi-driver"],
                    "snapshot-controller": RELEASE_PINS["1.35"]["snapshot-controller"],
                },
            );
        });

        it("moves every add-on, and the cluster, when the Kubernetes version changes", () => {
            const upgraded = configured;
            const cluster = find(upgraded, CLUSTER);
            assert.strictEqual(cluster.inputs.version, "1.36");
            assert.strictEqual(cluster.inputs.kubeProxyAddonOptions.version, RELEASE_PINS["1.36"]["kube-proxy"]);
            assert.strictEqual(cluster.inputs.vpcCniOptions.addonVersion, RELEASE_PINS["1.36"]["vpc-cni"]);
            for (const addon of upgraded.resources.filter((r) => r.type === ADDON)) {
                const name = addon.inputs.addonName as (typeof ADDON_NAMES)[number];
                assert.strictEqual(addon.inputs.addonVersion, RELEASE_PINS["1.36"][name], name);
            }
        });

        it("drift: a newer AWS build between two runs changes nothing the stack registers", async () => {
            const newest = (build: number) => (inputs: Record<string, any>) => ({ ...inputs, version: `v9.9.${build}-eksbuild.1` });
            try {
                mockedCalls[GET_ADDON_VERSION] = newest(1);
                const monday = await runStack("prod");
                mockedCalls[GET_ADDON_VERSION] = newest(2);
                const tuesday = await runStack("prod");
                const byName = (a: { type: string; name: string }, b: { type: string; name: string }) =>
                    `${a.type}::${a.name}`.localeCompare(`${b.type}::${b.name}`);
                // Compared as JSON: the recorded inputs are plain data, but objects Pulumi deserialized
                // carry prototypes that differ between runs.
                const lines = (r: StackRun) => r.resources.map(registration).sort(byName).map((x) => JSON.stringify(x));
                assert.deepStrictEqual(lines(tuesday), lines(monday));
                // Nothing asks: the versions come from the table, not from AWS.
                assert.ok(!monday.calls.includes(GET_ADDON_VERSION) && !tuesday.calls.includes(GET_ADDON_VERSION));
                const versions = JSON.stringify(tuesday.resources.map((r) => r.inputs));
                assert.ok(!versions.includes("v9.9."), "no AWS-chosen version reached any input");
            } finally {
                delete mockedCalls[GET_ADDON_VERSION];
            }
        });
    });

    describe("2. CoreDNS is a managed add-on, created after the nodes", () => {
        it("replaces pulumi-eks's (absent without a default node group) with one of our own", () => {
            assert.strictEqual(find(run, CLUSTER).inputs.corednsAddonOptions.enabled, false);
            const coredns = find(run, ADDON, "coredns");
            assert.strictEqual(coredns.inputs.resolveConflictsOnCreate, "OVERWRITE", "takes over the copy EKS bootstrapped");
            for (const nodeGroup of nodeGroupsOf(run)) {
                assert.ok(coredns.dependencies.includes(nodeGroup.urn), `after ${nodeGroup.name}`);
            }
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
            // The Helm chart is a component, no API kind: its objects are rendered by the provider
            // at deploy time (what viewers may preview of them: docs/prod-on-eks.md).
            const managed = [...configured.resources, ...growing.resources]
                .filter((r) => r.type.startsWith("kubernetes:") && !r.read && !/rbac|admissionregistration/.test(r.type) && r.type !== CHART)
                .map((r) => resourceOf(r.type));
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
            assert.strictEqual(cluster.inputs.skipDefaultSecurityGroups, true);
            assert.strictEqual(cluster.inputs.nodeAssociatePublicIpAddress, undefined);
        });

        it("turns on EKS deletion protection with sticky:protect, and off without", () => {
            assert.strictEqual(find(run, CLUSTER).inputs.deletionProtection, true);
            const unprotected = configured;
            assert.strictEqual(find(unprotected, CLUSTER).inputs.deletionProtection, false);
            assert.strictEqual(find(unprotected, LOG_GROUP).inputs.retentionInDays, 365);
        });
    });

    describe("6. one managed node group per zone, AMI type pinned", () => {
        it("spreads nodeCount evenly, the first zones taking the remainder", () => {
            const table: [number, number, number[]][] = [
                [3, 3, [1, 1, 1]],
                [4, 3, [2, 1, 1]],
                [5, 3, [2, 2, 1]],
                [6, 2, [3, 3]],
                [2, 2, [1, 1]],
            ];
            for (const [nodes, zones, expected] of table) assert.deepStrictEqual(nodesPerZone(nodes, zones), expected, `${nodes} over ${zones}`);
        });

        it("picks the AL2023 AMI for the instance's architecture and accelerator", () => {
            const table: [string, string][] = [
                ["t3.medium", "AL2023_x86_64_STANDARD"],
                ["m7i.large", "AL2023_x86_64_STANDARD"],
                ["c6in.large", "AL2023_x86_64_STANDARD"],
                ["g4ad.xlarge", "AL2023_x86_64_STANDARD"], // AMD GPU: no NVIDIA driver to bring
                ["t4g.medium", "AL2023_ARM_64_STANDARD"],
                ["m7gd.large", "AL2023_ARM_64_STANDARD"],
                ["c7gn.large", "AL2023_ARM_64_STANDARD"],
                ["a1.large", "AL2023_ARM_64_STANDARD"], // the first Graviton: no `g` in its name
                ["g5.xlarge", "AL2023_x86_64_NVIDIA"], // NVIDIA A10G: `g` is the family, not Graviton
                ["g6e.2xlarge", "AL2023_x86_64_NVIDIA"],
                ["p5.48xlarge", "AL2023_x86_64_NVIDIA"],
                ["g5g.xlarge", "AL2023_ARM_64_NVIDIA"], // Graviton with NVIDIA T4G
                ["inf2.xlarge", "AL2023_x86_64_NEURON"],
                ["trn1.2xlarge", "AL2023_x86_64_NEURON"],
            ];
            for (const [instanceType, amiType] of table) assert.strictEqual(amiTypeFor(instanceType), amiType, instanceType);
        });

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

        it("registers a group per zone, each in its zone's private subnet, with its share of the nodes", () => {
            const four = configured;
            const groups = nodeGroupsOf(four);
            assert.deepStrictEqual(groups.map((g) => g.name), ["sticky-0", "sticky-1", "sticky-2"]);
            assert.deepStrictEqual(groups.map((g) => g.inputs.subnetIds), [["sticky-private-0-id"], ["sticky-private-1-id"], ["sticky-private-2-id"]]);
            assert.deepStrictEqual(groups.map((g) => g.inputs.scalingConfig.desiredSize), [2, 1, 1]);
            const template = find(four, LAUNCH_TEMPLATE, "sticky-nodes");
            for (const group of groups) {
                assert.strictEqual(group.inputs.amiType, "AL2023_x86_64_STANDARD");
                assert.strictEqual(group.inputs.version, "1.36");
                assert.strictEqual(group.inputs.releaseVersion, RELEASE_PINS["1.36"].nodeAmiRelease, "patched nodes: the AMI release is pinned");
                assert.strictEqual(group.inputs.launchTemplate.id, "sticky-nodes-id");
                assert.strictEqual(group.inputs.instanceTypes, undefined, "the instance type is the launch template's");
                assert.strictEqual(group.inputs.diskSize, undefined, "the disk is the launch template's");
            }
            assert.strictEqual(template.inputs.instanceType, "t3.medium");
            assert.deepStrictEqual(template.inputs.blockDeviceMappings[0].ebs, { volumeSize: 20, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" });
            assert.deepStrictEqual(template.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
        });
    });

    describe("7. an NLB, asked for by the environment, not the app", () => {
        it("asks the AWS Load Balancer Controller for an NLB with IP targets, health checks and a drain delay, tagged", () => {
            const service = find(run, SERVICE, "sticky-public");
            assert.strictEqual(service.inputs.spec.loadBalancerClass, "service.k8s.aws/nlb", "the in-tree controller ignores a Service with a class");
            assert.deepStrictEqual(service.inputs.metadata.annotations, {
                "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
                "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
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
            // The NLB stops sending to a stopping pod (2 checks of 5 s) and lets its flows go
            // (20 s) within the pod's preStop sleep (core/drain.ts).
            assert.ok(NLB_HEALTH_CHECK.intervalSeconds * NLB_HEALTH_CHECK.unhealthyThreshold <= NLB_DEREGISTRATION_DELAY_SECONDS);
            assert.ok(NLB_DEREGISTRATION_DELAY_SECONDS <= POD_DRAIN.preStopSeconds);
        });

        it("gives the dev Service only the component's own annotation, no class, and no readiness-gate label", async () => {
            const dev = await runStack("dev");
            assert.deepStrictEqual(find(dev, SERVICE, "sticky-public").inputs.metadata.annotations, { [AWAIT_ANNOTATION]: LOAD_BALANCER_ADDRESS_KNOWN });
            assert.strictEqual(find(dev, SERVICE, "sticky-public").inputs.spec.loadBalancerClass, undefined);
            assert.deepStrictEqual(Object.keys(find(dev, NAMESPACE_PATCH).inputs.metadata.labels).filter((l) => l.startsWith("elbv2")), []);
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

    describe("9. volumes you can find", () => {
        it("tags every EBS volume and snapshot the driver makes with the cluster's name and its incarnation", () => {
            const driver = find(run, ADDON, "aws-ebs-csi-driver");
            assert.deepStrictEqual(JSON.parse(driver.inputs.configurationValues), {
                // The mocked cluster was created at 2026-12-02T16:31:05.123Z (tests/harness.ts).
                controller: { extraVolumeTags: { [VOLUME_CLUSTER_TAG]: "sticky-prod", [INCARNATION_TAG]: "sticky-prod-20261202T163105Z" } },
            });
        });

        it("is the tag the volume lookup in docs/prod-on-eks.md filters on", () => {
            const doc = fs.readFileSync(path.join(ROOT, "docs", "prod-on-eks.md"), "utf8");
            assert.ok(doc.includes(`Name=tag:${VOLUME_CLUSTER_TAG},Values=sticky-prod`));
        });
    });

    describe("10. zones fixed at creation, kept through the stack's own output", () => {
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

        it("looks the zones up once more for a stack deployed before the output existed, and records them", async () => {
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

    describe("11. node groups roll one zone at a time", () => {
        it("gives each group updateConfig maxUnavailable 1 and makes each wait for the previous zone's", () => {
            const groups = nodeGroupsOf(run);
            assert.deepStrictEqual(NODE_GROUP_UPDATE, { maxUnavailable: 1 });
            for (const [i, group] of groups.entries()) {
                assert.deepStrictEqual(group.inputs.updateConfig, { maxUnavailable: 1 }, group.name);
                assert.deepStrictEqual(group.inputs.scalingConfig, { minSize: 1, desiredSize: 1, maxSize: 2 }, "room for the surge node");
                const earlier = groups.slice(0, i).map((g) => g.urn);
                assert.deepStrictEqual(group.dependencies.filter((d) => groups.some((g) => g.urn === d)), i === 0 ? [] : [groups[i - 1].urn], group.name);
                assert.ok(earlier.every((urn) => urn !== group.urn));
            }
        });

        it("turns an instance type change into a new launch template version for every group, nothing replaced", async () => {
            const bigger = await runStack("prod", { "sticky:nodeInstanceType": "m7i.large" });
            const before = nodeGroupsOf(run);
            const after = nodeGroupsOf(bigger);
            assert.strictEqual(find(bigger, LAUNCH_TEMPLATE).inputs.instanceType, "m7i.large");
            for (const [i, group] of after.entries()) {
                const changed = Object.keys(group.inputs).filter((key) => JSON.stringify(group.inputs[key]) !== JSON.stringify(before[i].inputs[key]));
                assert.deepStrictEqual(changed, ["launchTemplate"], group.name);
                assert.notStrictEqual(group.inputs.launchTemplate.version, before[i].inputs.launchTemplate.version);
                assert.strictEqual(group.inputs.launchTemplate.id, before[i].inputs.launchTemplate.id, "same template: no replacement");
            }
        });

        it("answers to the URNs pulumi-eks's ManagedNodeGroup children had", () => {
            for (const group of nodeGroupsOf(run)) {
                const index = Number(group.name.split("-")[1]);
                for (const old of formerNodeGroupUrns(index, "prod", "sticky")) assert.ok(group.aliases.includes(old), `${group.name}: ${old}`);
            }
            assert.deepStrictEqual(formerNodeGroupUrns(2, "prod", "sticky"), [
                "urn:pulumi:prod::sticky::sticky:eks:EksEnvironment$eks:index:ManagedNodeGroup$aws:eks/nodeGroup:NodeGroup::sticky-2",
                "urn:pulumi:prod::sticky::eks:index:ManagedNodeGroup$aws:eks/nodeGroup:NodeGroup::sticky-2",
            ]);
        });
    });

    describe("12. the AWS Load Balancer Controller, installed by the stack", () => {
        it("installs the pinned chart client-side into kube-system, after its Pod Identity association", () => {
            const chart = find(run, CHART, "aws-load-balancer-controller");
            const association = find(run, typeToken(aws.eks.PodIdentityAssociation), "aws-load-balancer-controller");
            assert.strictEqual(chart.inputs.chart, "aws-load-balancer-controller");
            assert.match(chart.inputs.version, /^\d+\.\d+\.\d+$/, "an exact version");
            assert.strictEqual(chart.inputs.version, LOAD_BALANCER_CONTROLLER_CHART.version);
            assert.deepStrictEqual(chart.inputs.repositoryOpts, { repo: "https://aws.github.io/eks-charts" });
            assert.strictEqual(chart.inputs.namespace, "kube-system");
            assert.ok(chart.dependencies.includes(association.urn));
            assert.ok(chart.provider.startsWith(find(run, "pulumi:providers:kubernetes", "eks").urn));
            assert.strictEqual(association.inputs.namespace, "kube-system");
            assert.strictEqual(association.inputs.serviceAccount, "aws-load-balancer-controller");
            assert.strictEqual(association.inputs.roleArn, "arn:aws:iam::123456789012:role/aws-load-balancer-controller");
            assert.ok(association.dependencies.includes(find(run, ADDON, "eks-pod-identity-agent").urn), "the agent hands out the credentials");
        });

        it("hands the chart a webhook certificate kept in state, its region and VPC, and no Service mutator", () => {
            // A secret as a whole: the webhook's private key is in it.
            const { secret, value: values } = unwrapSecret(find(run, CHART).inputs.values);
            assert.ok(secret);
            assert.strictEqual(values.clusterName, "sticky-prod");
            assert.strictEqual(values.region, "eu-west-1");
            assert.strictEqual(values.vpcId, "sticky-id");
            assert.strictEqual(values.enableServiceMutatorWebhook, false);
            assert.strictEqual(values.replicaCount, 2);
            assert.deepStrictEqual(values.podDisruptionBudget, { maxUnavailable: 1 });
            assert.deepStrictEqual(values.webhookTLS, {
                caCert: "certificate aws-load-balancer-webhook-ca",
                cert: "certificate aws-load-balancer-webhook",
                key: "private key aws-load-balancer-webhook",
            });
            const cert = find(run, typeToken(aws.iam.Role), "aws-load-balancer-controller");
            assert.ok(cert.inputs.assumeRolePolicy.includes("pods.eks.amazonaws.com"));
            assert.deepStrictEqual(
                run.resources.filter((r) => r.type.startsWith("tls:")).map((r) => `${r.type.split(":").pop()}::${r.name}`).sort(),
                ["CertRequest::aws-load-balancer-webhook", "LocallySignedCert::aws-load-balancer-webhook", "PrivateKey::aws-load-balancer-webhook", "PrivateKey::aws-load-balancer-webhook-ca", "SelfSignedCert::aws-load-balancer-webhook-ca"],
            );
        });

        it("gives the controller a policy of its own, limited to what it tagged where it can be", () => {
            const policy = find(run, typeToken(aws.iam.RolePolicy), "aws-load-balancer-controller");
            assert.deepStrictEqual(JSON.parse(policy.inputs.policy), LOAD_BALANCER_CONTROLLER_POLICY);
            const statements = LOAD_BALANCER_CONTROLLER_POLICY.Statement as readonly { Sid: string; Action: readonly string[]; Condition?: unknown }[];
            const actions = statements.flatMap((st) => st.Action);
            for (const needed of ["iam:CreateServiceLinkedRole", "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DescribeListenerAttributes", "ec2:GetSecurityGroupsForVpc"]) {
                assert.ok(actions.includes(needed), needed);
            }
            assert.ok(!actions.some((a) => a.endsWith(":*") || a === "*"), "no wildcard actions");
            for (const destructive of ["elasticloadbalancing:DeleteLoadBalancer", "ec2:DeleteSecurityGroup"]) {
                const statement = statements.find((st) => st.Action.includes(destructive))!;
                assert.match(JSON.stringify(statement.Condition), /elbv2\.k8s\.aws\/cluster/, `${destructive} only on what the controller tagged`);
            }
        });

        it("labels the app's namespace for readiness gates and makes the app wait for the controller", () => {
            assert.deepStrictEqual(READINESS_GATE_LABEL, { "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" });
            const labels = find(run, NAMESPACE_PATCH).inputs.metadata.labels;
            assert.strictEqual(labels["elbv2.k8s.aws/pod-readiness-gate-inject"], "enabled");
            assert.strictEqual(labels["pod-security.kubernetes.io/enforce"], "restricted", "the app's own labels stay");
            const app = find(run, "sticky:app:StickyApp");
            assert.ok(app.dependencies.includes(find(run, CHART).urn));
        });
    });

    describe("13. an optional KMS key for the volumes (sticky:ebsKmsKeyArn)", () => {
        const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        it("grants the driver's role the key and names it in the class", async () => {
            const keyed = await runStack("prod", { "sticky:ebsKmsKeyArn": KEY });
            const grants = find(keyed, typeToken(aws.iam.RolePolicy), "ebs-csi-driver-kms");
            assert.deepStrictEqual(JSON.parse(grants.inputs.policy), ebsKmsPolicy(KEY));
            assert.strictEqual(grants.inputs.role, "ebs-csi-driver", "on the driver's role");
            assert.ok(find(keyed, ADDON, "aws-ebs-csi-driver").dependencies.includes(grants.urn), "the driver starts with its grants");
            assert.strictEqual(find(keyed, TYPES.storageClass).inputs.parameters.kmsKeyId, KEY);
            const statements = ebsKmsPolicy(KEY).Statement as { Action: string[]; Resource: string[]; Condition?: unknown }[];
            assert.deepStrictEqual(statements.map((st) => st.Resource), [[KEY], [KEY]]);
            assert.deepStrictEqual(statements[0].Condition, { Bool: { "kms:GrantIsForAWSResource": "true" } });
        });

        it("adds neither without a key", () => {
            assert.deepStrictEqual(run.resources.filter((r) => r.name === "ebs-csi-driver-kms"), []);
            assert.strictEqual(find(run, TYPES.storageClass).inputs.parameters.kmsKeyId, undefined);
        });
    });

    describe("14. break-glass admin access", () => {
        it("warns when no admin besides the cluster's creator is listed", () => {
            assert.match(breakGlassWarning({ clusterAdminArns: [] })!, /^sticky:clusterAdminArns is empty: only the identity that created the cluster is its admin/);
            assert.match(breakGlassWarning({ clusterAdminArns: [] })!, /docs\/prod-on-eks\.md#break-glass-access/);
            assert.strictEqual(breakGlassWarning({ clusterAdminArns: [ADMIN] }), undefined);
        });
    });

    describe("15. a cluster AWS upgraded ahead of the config", () => {
        const deployed = { storageSize: "1Gi", claimNames: ["sticky-data-sticky-0"], availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] };
        afterEach(() => delete mockedCalls[GET_CLUSTER]);

        it("stops before any resource, saying what to set", async () => {
            mockedCalls[GET_CLUSTER] = (inputs) => ({ ...inputs, version: "1.36" });
            await assert.rejects(runStack("prod", {}, { previousOutputs: deployed }), (error: ProgramFailed) => {
                assert.ok(error instanceof ProgramFailed);
                assert.match(error.message, /^sticky:kubernetesVersion = "1\.35": cluster sticky-prod runs Kubernetes 1\.36 \(EKS upgrades the control plane by itself/);
                assert.match(error.message, /`pulumi config set sticky:kubernetesVersion 1\.36`, then `pulumi refresh` and `pulumi up`/);
                assert.doesNotMatch(error.message, /no release pins/);
                assert.deepStrictEqual(error.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("eks:")), []);
                return true;
            });
        });

        it("says to add the pins first when the live version has none", async () => {
            mockedCalls[GET_CLUSTER] = (inputs) => ({ ...inputs, version: "1.37" });
            await assert.rejects(runStack("prod", { "sticky:kubernetesVersion": "1.36" }, { previousOutputs: deployed }), /1\.37 has no release pins yet: add its row/);
        });

        it("deploys when the live version is the config's or older (an upgrade in progress), and never reads it on a new stack", async () => {
            mockedCalls[GET_CLUSTER] = (inputs) => ({ ...inputs, version: "1.35" });
            const same = await runStack("prod", { "sticky:kubernetesVersion": "1.36" }, { previousOutputs: deployed });
            assert.ok(same.calls.includes(GET_CLUSTER));
            assert.ok(!run.calls.includes(GET_CLUSTER), "a new stack has no cluster to read");
        });
    });

    describe("16. zone spread: DoNotSchedule on EKS, ScheduleAnyway on a laptop", () => {
        const zoneRule = (r: StackRun) =>
            find(r, STATEFUL_SET).inputs.spec.template.spec.topologySpreadConstraints.map((c: { topologyKey: string; whenUnsatisfiable: string }) => `${c.topologyKey}=${c.whenUnsatisfiable}`);
        it("keeps two prod pods out of one zone, and lets a one-node cluster run them all", async () => {
            assert.deepStrictEqual(zoneRule(run), ["topology.kubernetes.io/zone=DoNotSchedule", "kubernetes.io/hostname=ScheduleAnyway"]);
            assert.deepStrictEqual(zoneRule(await runStack("dev")), ["topology.kubernetes.io/zone=ScheduleAnyway", "kubernetes.io/hostname=ScheduleAnyway"]);
        });
    });

    describe("17. the deploy role's permissions, as a file the user attaches", () => {
        it("is an IAM policy with the service-linked roles and the role passing a first up needs, linked from the docs", () => {
            const policy = JSON.parse(fs.readFileSync(path.join(ROOT, "docs", "deploy-role-policy.json"), "utf8"));
            assert.strictEqual(policy.Version, "2012-10-17");
            const statement = (action: string) => policy.Statement.find((st: { Action: string | string[] }) => [st.Action].flat().includes(action));
            const linked = statement("iam:CreateServiceLinkedRole");
            assert.deepStrictEqual(linked.Condition.StringEquals["iam:AWSServiceName"].sort(), [
                "autoscaling.amazonaws.com", "eks-nodegroup.amazonaws.com", "eks.amazonaws.com", "elasticloadbalancing.amazonaws.com",
            ]);
            assert.ok(statement("iam:PassRole").Condition.StringEquals["iam:PassedToService"].includes("pods.eks.amazonaws.com"), "the Pod Identity associations pass their roles");
            // Every AWS call the program makes itself before registering anything.
            assert.ok(statement("iam:PassRole").Condition.StringEquals["iam:PassedToService"].includes("backup.amazonaws.com"), "the backup selection passes its role");
            // The restore checks (volumes, snapshots, the log group) and the backups (issue 21) among them.
            for (const action of [
                "eks:CreatePodIdentityAssociation", "eks:CreateNodegroup", "ec2:CreateLaunchTemplate", "eks:DescribeCluster", "ec2:DescribeAvailabilityZones",
                "ec2:DescribeVolumes", "ec2:DescribeSnapshots", "ec2:CreateTags", "logs:DescribeLogGroups", "backup:CreateBackupVault", "backup:CreateBackupPlan", "backup:CreateBackupSelection",
            ]) {
                const granted = policy.Statement.some((st: { Action: string | string[] }) =>
                    [st.Action].flat().some((a) => a === action || (a.endsWith("*") && action.startsWith(a.slice(0, -1)))));
                assert.ok(granted, action);
            }
            const doc = fs.readFileSync(path.join(ROOT, "docs", "prod-on-eks.md"), "utf8");
            assert.ok(doc.includes("](deploy-role-policy.json)"));
        });
    });

    describe("the split into environments/eks/ keeps the deployed stack's URNs", () => {
        // Before the split, one node group spanned the zones; it is now one per zone (point 6),
        // which replaces it on purpose. Every other URN must be answered to, as the resource's
        // own or (since the EKS resources moved under one component) through its alias, both
        // read as the engine writes them (`engineUrn`).
        const INTENDED: Record<string, string> = {
            "urn:pulumi:prod::sticky::eks:index:ManagedNodeGroup::sticky": "replaced by one node group per zone (sticky-0..2)",
        };

        it("registers every earlier URN again, except the ones replaced on purpose", () => {
            const fixture = JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "fixtures", "prod-urns-before-split.json"), "utf8"));
            const now = new Set(run.resources.flatMap((r) => [engineUrn(r.urn), ...r.aliases]));
            const missing = (fixture.urns as string[]).map(engineUrn).filter((urn) => !now.has(urn));
            assert.deepStrictEqual(missing, Object.keys(INTENDED));
        });
    });
});
