/**
 * The policy pack (policy/): each policy's validate function called directly on passing and
 * failing resources, then the whole pack run over everything the committed stacks register
 * under mocks, the way the engine would feed it (each resource to every resource policy, all of
 * them at once to every stack policy).
 */
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { TYPES, type ClaimTemplate, type Container, type PodSpec, type Service, type ServicePort, type StatefulSet, type StorageClass, type Volume } from "../core/kubernetes";
import {
    containerCpuLimit,
    containerHardening,
    containerProbes,
    containerResources,
    containerSecurityContext,
    ebsStorageClassEncryptedGp3,
    ebsStorageClassExpandable,
    levelOf,
    loadBalancerExposesOnlyAppPort,
    noHostPathVolumes,
    noHostpathClassOutsideDev,
    policies,
    productionStorageIsEncryptedGp3,
    stackOf,
    statefulSetKeepsItsClaims,
    statefulSetStorageFromClaimTemplates,
    workloadsHaveNetworkPolicy,
} from "../policy/policies";
import { runStack, typeToken } from "./harness";
import { asFake, check, checkStack, evaluatePack, messagesOf, type FakeResource, type Finding } from "./policy-engine";

const STATEFULSET = TYPES.statefulSet;
const SERVICE = TYPES.service;
const STORAGE_CLASS = TYPES.storageClass;
const PVC = TYPES.persistentVolumeClaim;
const CRON_JOB = TYPES.cronJob;

// ---------------------------------------------------------------------------------------------
// Fixtures: the article's app done right; each test changes one thing.

function nginx(overrides: Partial<Container> = {}): Container {
    return {
        name: "nginx",
        ports: [{ name: "web", containerPort: 80 }],
        readinessProbe: { tcpSocket: { port: "web" } },
        livenessProbe: { httpGet: { path: "/healthz", port: "web" } },
        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "250m", memory: "64Mi" } },
        securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
        },
        ...overrides,
    };
}

interface StatefulSetOptions {
    autoNamed?: boolean;
    containers?: Container[];
    initContainers?: Container[];
    volumes?: Volume[];
    claimTemplates?: ClaimTemplate[];
    retention?: { whenDeleted?: string; whenScaled?: string };
    podSecurityContext?: PodSpec["securityContext"];
}

function claimTemplate(storageClassName: string | undefined, name = "sticky-data"): ClaimTemplate {
    return { metadata: { name }, spec: storageClassName === undefined ? {} : { storageClassName } };
}

function statefulSet(options: StatefulSetOptions = {}): StatefulSet {
    return {
        metadata: options.autoNamed ? { labels: { app: "sticky" } } : { name: "sticky", labels: { app: "sticky" } },
        spec: {
            persistentVolumeClaimRetentionPolicy: options.retention ?? { whenDeleted: "Retain", whenScaled: "Retain" },
            template: {
                metadata: { labels: { app: "sticky" } },
                spec: {
                    securityContext: options.podSecurityContext ?? { seccompProfile: { type: "RuntimeDefault" } },
                    containers: options.containers ?? [nginx()],
                    ...(options.initContainers ? { initContainers: options.initContainers } : {}),
                    volumes: options.volumes ?? [{ name: "cache" }],
                },
            },
            volumeClaimTemplates: options.claimTemplates ?? [claimTemplate("gp3")],
        },
    };
}

const stickySet = (options: StatefulSetOptions = {}, stack = "prod"): FakeResource => ({
    type: STATEFULSET,
    props: statefulSet(options),
    stack,
});

function gp3Class(overrides: Partial<StorageClass> = {}): StorageClass {
    return {
        metadata: { name: "gp3" },
        provisioner: "ebs.csi.eks.amazonaws.com",
        parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
        reclaimPolicy: "Retain",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
        ...overrides,
    };
}

const storageClass = (props: StorageClass, stack = "prod"): FakeResource => ({ type: STORAGE_CLASS, props, name: "gp3", stack });

function loadBalancer(ports: ServicePort[], selector = { app: "sticky" }): FakeResource {
    const props: Service = { metadata: { name: "sticky" }, spec: { type: "LoadBalancer", selector, ports } };
    return { type: SERVICE, props, name: "sticky-public" };
}

// ---------------------------------------------------------------------------------------------

describe("policy pack: the article's contract", () => {
    describe("statefulset-storage-from-claim-templates", () => {
        it("passes per-pod claims from a template with an explicit class", async () => {
            assert.deepStrictEqual(await check(statefulSetStorageFromClaimTemplates, stickySet()), []);
        });

        it("ignores other kinds", async () => {
            assert.deepStrictEqual(await check(statefulSetStorageFromClaimTemplates, { type: SERVICE, props: {} }), []);
        });

        it("rejects a StatefulSet without claim templates", async () => {
            assert.deepStrictEqual(await check(statefulSetStorageFromClaimTemplates, stickySet({ claimTemplates: [] })), [
                'StatefulSet "sticky" has no volumeClaimTemplates: each pod must get its own claim from a template, or its data goes with the pod.',
            ]);
        });

        it("rejects a claim template that leaves the class to the cluster default", async () => {
            assert.deepStrictEqual(await check(statefulSetStorageFromClaimTemplates, stickySet({ claimTemplates: [claimTemplate(undefined)] })), [
                'StatefulSet "sticky": claim template "sticky-data" has no storageClassName, so its volumes come from whichever class the cluster marks default (EKS 1.30+ has none); name the class.',
            ]);
        });

        it("rejects one claim shared by every replica", async () => {
            const shared = stickySet({ volumes: [{ name: "shared", persistentVolumeClaim: { claimName: "shared-data" } }] });
            assert.deepStrictEqual(await check(statefulSetStorageFromClaimTemplates, shared), [
                'StatefulSet "sticky": pod volume "shared" mounts claim "shared-data", which every replica would share; use a volumeClaimTemplate so each pod gets its own.',
            ]);
        });
    });

    describe("statefulset-keeps-its-claims", () => {
        it("passes a fixed name and claims retained on delete and scale-down", async () => {
            assert.deepStrictEqual(await check(statefulSetKeepsItsClaims, stickySet()), []);
        });

        it("rejects an auto-named StatefulSet, naming it by its Pulumi name", async () => {
            assert.deepStrictEqual(await check(statefulSetKeepsItsClaims, stickySet({ autoNamed: true })), [
                'StatefulSet "sticky" has no metadata.name: Pulumi auto-names it with a random suffix, so a replacement would come back with new, empty claims instead of adopting the old ones; set metadata.name.',
            ]);
        });

        it("rejects deleting claims with the StatefulSet or on scale-down", async () => {
            const deleting = stickySet({ retention: { whenDeleted: "Delete", whenScaled: "Delete" } });
            assert.deepStrictEqual(await check(statefulSetKeepsItsClaims, deleting), [
                'StatefulSet "sticky": persistentVolumeClaimRetentionPolicy.whenDeleted is "Delete", must be "Retain": the claims (and their data) must outlive the pods that use them.',
                'StatefulSet "sticky": persistentVolumeClaimRetentionPolicy.whenScaled is "Delete", must be "Retain": the claims (and their data) must outlive the pods that use them.',
            ]);
        });
    });
});

describe("policy pack: production storage", () => {
    describe("ebs-storage-class-encrypted-gp3", () => {
        it("passes the encrypted, retained, zonal gp3 class", async () => {
            assert.deepStrictEqual(await check(ebsStorageClassEncryptedGp3, storageClass(gp3Class())), []);
        });

        it("leaves classes of other provisioners alone", async () => {
            assert.deepStrictEqual(await check(ebsStorageClassEncryptedGp3, storageClass({ metadata: { name: "standard" }, provisioner: "rancher.io/local-path" })), []);
        });

        it("rejects every wrong field of an EBS class, one message each", async () => {
            const weak = gp3Class({ parameters: { type: "gp2" }, reclaimPolicy: undefined, volumeBindingMode: "Immediate" });
            assert.deepStrictEqual(await check(ebsStorageClassEncryptedGp3, storageClass(weak)), [
                'StorageClass "gp3" (ebs.csi.eks.amazonaws.com): parameters.type is "gp2", must be "gp3".',
                'StorageClass "gp3" (ebs.csi.eks.amazonaws.com): parameters.encrypted is unset, must be "true" (otherwise volumes are encrypted only if the account enforces it).',
                'StorageClass "gp3" (ebs.csi.eks.amazonaws.com): reclaimPolicy is unset (Kubernetes defaults to "Delete"), must be "Retain" so deleting a claim does not delete its volume.',
                'StorageClass "gp3" (ebs.csi.eks.amazonaws.com): volumeBindingMode is "Immediate", must be "WaitForFirstConsumer" (EBS volumes are zonal: create each in the zone its pod was scheduled to).',
            ]);
        });

        it("checks a class of the EBS CSI add-on's driver (a cluster without Auto Mode) the same way", async () => {
            const addonClass = gp3Class({ provisioner: "ebs.csi.aws.com", parameters: { type: "gp3" } });
            assert.deepStrictEqual(await check(ebsStorageClassEncryptedGp3, storageClass(addonClass)), [
                'StorageClass "gp3" (ebs.csi.aws.com): parameters.encrypted is unset, must be "true" (otherwise volumes are encrypted only if the account enforces it).',
            ]);
        });

        it("rejects the removed in-tree EBS provisioner", async () => {
            const inTree = { metadata: { name: "gp2" }, provisioner: "kubernetes.io/aws-ebs", parameters: { type: "gp2" } };
            assert.deepStrictEqual(await check(ebsStorageClassEncryptedGp3, storageClass(inTree)), [
                'StorageClass "gp2" uses the in-tree provisioner kubernetes.io/aws-ebs, which EKS no longer ships; use ebs.csi.eks.amazonaws.com.',
            ]);
        });
    });

    describe("ebs-storage-class-expandable (advisory)", () => {
        it("passes an expandable EBS class", async () => {
            assert.deepStrictEqual(await check(ebsStorageClassExpandable, storageClass(gp3Class())), []);
        });

        it("warns about an EBS class whose volumes cannot grow", async () => {
            assert.deepStrictEqual(await check(ebsStorageClassExpandable, storageClass(gp3Class({ allowVolumeExpansion: false }))), [
                'StorageClass "gp3" (ebs.csi.eks.amazonaws.com): allowVolumeExpansion is false, should be true so a full volume can be grown by editing its claim.',
            ]);
        });
    });

    describe("no-host-path-volumes", () => {
        it("passes pods without hostPath volumes", async () => {
            assert.deepStrictEqual(await check(noHostPathVolumes, stickySet()), []);
        });

        it("rejects a hostPath volume in a StatefulSet", async () => {
            const onNode = stickySet({ volumes: [{ name: "data", hostPath: { path: "/var/lib/sticky" } }] });
            assert.deepStrictEqual(await check(noHostPathVolumes, onNode), [
                'StatefulSet "sticky": pod volume "data" is a hostPath (/var/lib/sticky), which exposes the node\'s filesystem and ties the data to one node; use a claim.',
            ]);
        });

        it("finds the pod spec of a CronJob too", async () => {
            const cronJob = {
                metadata: { name: "backup" },
                spec: { jobTemplate: { spec: { template: { spec: { containers: [nginx()], volumes: [{ name: "root", hostPath: { path: "/" } }] } } } } },
            };
            assert.deepStrictEqual(await check(noHostPathVolumes, { type: CRON_JOB, props: cronJob, name: "backup" }), [
                'CronJob "backup": pod volume "root" is a hostPath (/), which exposes the node\'s filesystem and ties the data to one node; use a claim.',
            ]);
        });
    });

    describe("no-hostpath-class-outside-dev", () => {
        it("reads the stack from the URN", () => {
            assert.strictEqual(stackOf("urn:pulumi:prod::sticky::kubernetes:apps/v1:StatefulSet::sticky"), "prod");
            assert.strictEqual(stackOf("not-a-urn"), "");
        });

        it("lets the dev stack use Docker Desktop's hostpath class", async () => {
            assert.deepStrictEqual(await check(noHostpathClassOutsideDev, stickySet({ claimTemplates: [claimTemplate("hostpath")] }, "dev")), []);
            assert.deepStrictEqual(await check(noHostpathClassOutsideDev, storageClass({ metadata: { name: "hostpath" }, provisioner: "docker.io/hostpath" }, "dev")), []);
        });

        it("passes prod claims on the gp3 class", async () => {
            assert.deepStrictEqual(await check(noHostpathClassOutsideDev, stickySet()), []);
        });

        it("rejects prod claims asking for hostpath or local-path", async () => {
            const laptop = stickySet({ claimTemplates: [claimTemplate("hostpath"), claimTemplate("local-path", "scratch")] });
            assert.deepStrictEqual(await check(noHostpathClassOutsideDev, laptop), [
                'StatefulSet "sticky": claim template "sticky-data" asks for class "hostpath", a directory on one node of a laptop cluster, in stack "prod"; only dev stacks (dev) may keep data on one node.',
                'StatefulSet "sticky": claim template "scratch" asks for class "local-path", a directory on one node of a laptop cluster, in stack "prod"; only dev stacks (dev) may keep data on one node.',
            ]);
            const claim = { type: PVC, props: { metadata: { name: "scratch" }, spec: { storageClassName: "hostpath" } }, stack: "staging" };
            assert.deepStrictEqual(await check(noHostpathClassOutsideDev, claim), [
                'PersistentVolumeClaim "scratch" asks for class "hostpath", a directory on one node of a laptop cluster, in stack "staging"; only dev stacks (dev) may keep data on one node.',
            ]);
        });

        it("rejects a node-local class, or a class that takes its name, outside dev", async () => {
            const hostpath = storageClass({ metadata: { name: "laptop" }, provisioner: "docker.io/hostpath" });
            assert.deepStrictEqual(await check(noHostpathClassOutsideDev, hostpath), [
                'StorageClass "laptop" (docker.io/hostpath) keeps volumes in a directory on one node, in stack "prod"; only dev stacks (dev) may keep data on one node.',
            ]);
            const impostor = storageClass(gp3Class({ metadata: { name: "hostpath" } }));
            assert.deepStrictEqual(await check(noHostpathClassOutsideDev, impostor), [
                'StorageClass "hostpath" takes the name of a laptop cluster\'s node-local class, in stack "prod": claims written for dev would bind to it unnoticed; give it another name.',
            ]);
        });
    });

    describe("production-storage-is-encrypted-gp3 (stack)", () => {
        it("passes prod claims on the stack's own gp3 class", async () => {
            assert.deepStrictEqual(await checkStack(productionStorageIsEncryptedGp3, [storageClass(gp3Class()), stickySet()]), []);
        });

        it("ignores dev stacks", async () => {
            assert.deepStrictEqual(await checkStack(productionStorageIsEncryptedGp3, [stickySet({ claimTemplates: [claimTemplate("hostpath")] }, "dev")]), []);
        });

        it("rejects a prod claim on a class the stack does not create, naming the StatefulSet", async () => {
            const reported = await checkStack(productionStorageIsEncryptedGp3, [storageClass(gp3Class()), stickySet({ claimTemplates: [claimTemplate("gp2")] })]);
            assert.deepStrictEqual(reported, [
                {
                    message:
                        'StatefulSet "sticky": claim template "sticky-data" uses class "gp2", which this stack does not create; claims in stack "prod" must use the stack\'s encrypted gp3 class (ebs.csi.eks.amazonaws.com, Retain).',
                    urn: "urn:pulumi:prod::sticky::kubernetes:apps/v1:StatefulSet::sticky",
                },
            ]);
        });

        it("rejects a prod claim on an unencrypted class of the stack", async () => {
            const plain = storageClass(gp3Class({ parameters: { type: "gp3" } }));
            const claim = { type: PVC, props: { metadata: { name: "scratch" }, spec: { storageClassName: "gp3" } }, name: "scratch" };
            assert.deepStrictEqual(messagesOf(await checkStack(productionStorageIsEncryptedGp3, [plain, claim])), [
                'PersistentVolumeClaim "scratch" uses class "gp3", which is not an encrypted, retained gp3 EBS class; claims in stack "prod" must use the stack\'s encrypted gp3 class (ebs.csi.eks.amazonaws.com, Retain).',
            ]);
        });
    });
});

describe("policy pack: containers", () => {
    describe("container-probes", () => {
        it("passes a container with both probes, and never asks an init container for probes", async () => {
            const withInit = stickySet({ initContainers: [nginx({ name: "init", readinessProbe: undefined, livenessProbe: undefined })] });
            assert.deepStrictEqual(await check(containerProbes, withInit), []);
        });

        it("rejects a container without probes", async () => {
            const blind = stickySet({ containers: [nginx({ readinessProbe: undefined, livenessProbe: undefined })] });
            assert.deepStrictEqual(await check(containerProbes, blind), [
                'StatefulSet "sticky": container "nginx" has no readinessProbe, so its Services send it traffic before it can answer.',
                'StatefulSet "sticky": container "nginx" has no livenessProbe, so a hung process keeps its place and is never restarted.',
            ]);
        });

        it("rejects readiness and liveness that ask the same question, whatever their timings", async () => {
            const same = stickySet({
                containers: [nginx({ livenessProbe: { tcpSocket: { port: "web" } } })],
            });
            assert.deepStrictEqual(await check(containerProbes, same), [
                'StatefulSet "sticky": container "nginx" checks the same thing for readiness and liveness, so a busy container taken out of its Services is soon restarted too; make liveness ask whether the process is stuck (another handler or endpoint).',
            ]);
            const otherPort = stickySet({ containers: [nginx({ livenessProbe: { tcpSocket: { port: 8080 } } })] });
            assert.deepStrictEqual(await check(containerProbes, otherPort), []);
        });
    });

    describe("container-resources", () => {
        it("passes requests for CPU and memory and a memory limit", async () => {
            assert.deepStrictEqual(await check(containerResources, stickySet()), []);
        });

        it("rejects a container without them, init containers included", async () => {
            const greedy = stickySet({ initContainers: [nginx({ name: "init", resources: { limits: { cpu: "1" } } })] });
            assert.deepStrictEqual(await check(containerResources, greedy), [
                'StatefulSet "sticky": container "init" sets no resources.requests.cpu, resources.requests.memory, resources.limits.memory: requests let the scheduler place the pod, and the memory limit keeps it from starving its node.',
            ]);
        });
    });

    describe("container-cpu-limit (advisory)", () => {
        it("passes a CPU limit", async () => {
            assert.deepStrictEqual(await check(containerCpuLimit, stickySet()), []);
        });

        it("warns about a container without one", async () => {
            const unlimited = stickySet({ containers: [nginx({ resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } } })] });
            assert.deepStrictEqual(await check(containerCpuLimit, unlimited), [
                'StatefulSet "sticky": container "nginx" sets no resources.limits.cpu, so one busy pod can take every core of its node.',
            ]);
        });
    });

    describe("container-security-context", () => {
        it("passes a container that drops everything and adds back only NET_BIND_SERVICE (restricted's one exception)", async () => {
            assert.deepStrictEqual(await check(containerSecurityContext, stickySet()), []);
        });

        it("rejects a container with no security context at all", async () => {
            const open = stickySet({ containers: [nginx({ securityContext: undefined })] });
            assert.deepStrictEqual(await check(containerSecurityContext, open), [
                'StatefulSet "sticky": container "nginx": securityContext.allowPrivilegeEscalation is unset, must be false so no setuid binary can gain rights.',
                'StatefulSet "sticky": container "nginx" does not drop ALL capabilities (securityContext.capabilities.drop), so it keeps the runtime\'s default set.',
            ]);
        });

        it("rejects a privileged container and capabilities beyond the allowed ones", async () => {
            const root = stickySet({
                containers: [
                    nginx({
                        securityContext: {
                            privileged: true,
                            allowPrivilegeEscalation: false,
                            capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE", "SYS_ADMIN", "NET_ADMIN", "CHOWN"] },
                        },
                    }),
                ],
            });
            assert.deepStrictEqual(await check(containerSecurityContext, root), [
                'StatefulSet "sticky": container "nginx" is privileged: it gets every capability and the node\'s devices.',
                'StatefulSet "sticky": container "nginx" adds capabilities SYS_ADMIN, NET_ADMIN, CHOWN; only NET_BIND_SERVICE may be added back.',
            ]);
        });
    });

    describe("container-hardening", () => {
        it("passes a non-root container with a read-only root and the pod's RuntimeDefault seccomp profile", async () => {
            assert.deepStrictEqual(await check(containerHardening, stickySet()), []);
        });

        it("accepts runAsNonRoot from the pod", async () => {
            const podLevel = stickySet({
                containers: [nginx({ securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, seccompProfile: { type: "RuntimeDefault" } } })],
                podSecurityContext: { runAsNonRoot: true },
            });
            assert.deepStrictEqual(await check(containerHardening, podLevel), []);
        });

        it("rejects root, a writable root filesystem and no seccomp profile", async () => {
            const soft = stickySet({ containers: [nginx({ securityContext: {} })], podSecurityContext: { seccompProfile: { type: "Unconfined" } } });
            assert.deepStrictEqual(await check(containerHardening, soft), [
                'StatefulSet "sticky": container "nginx" has a writable root filesystem (securityContext.readOnlyRootFilesystem is not true).',
                'StatefulSet "sticky": container "nginx" may run as root (runAsNonRoot is not true on it or its pod); an image that runs as an unprivileged user removes the need for root.',
                'StatefulSet "sticky": container "nginx" has no seccomp profile (RuntimeDefault or Localhost) on it or its pod.',
            ]);
        });
    });
});

describe("policy pack: network exposure", () => {
    describe("workloads-have-network-policy (stack)", () => {
        const webOnly = (matchLabels: Record<string, string>, policyTypes = ["Ingress", "Egress"]): FakeResource => ({
            type: TYPES.networkPolicy,
            props: { metadata: { name: "sticky" }, spec: { podSelector: { matchLabels }, policyTypes } },
        });

        it("passes pods selected by a policy that governs both directions", async () => {
            assert.deepStrictEqual(await checkStack(workloadsHaveNetworkPolicy, [stickySet(), webOnly({ app: "sticky" })]), []);
        });

        it("rejects pods no policy selects, or only an ingress policy", async () => {
            const expected = [
                'StatefulSet "sticky": no NetworkPolicy of this stack with Ingress and Egress selects its pods (labels "app=sticky"), so every pod of the cluster reaches every port of them and they may connect anywhere; add one that admits only what the app serves.',
            ];
            assert.deepStrictEqual(messagesOf(await checkStack(workloadsHaveNetworkPolicy, [stickySet()])), expected);
            assert.deepStrictEqual(messagesOf(await checkStack(workloadsHaveNetworkPolicy, [stickySet(), webOnly({ app: "other" })])), expected);
            assert.deepStrictEqual(
                messagesOf(await checkStack(workloadsHaveNetworkPolicy, [stickySet(), webOnly({ app: "sticky" }, ["Ingress"])])),
                expected,
            );
        });
    });

    describe("load-balancer-exposes-only-app-port (stack)", () => {
        const app = stickySet();

        it("passes one published port forwarding to the container's declared port, by name or number", async () => {
            assert.deepStrictEqual(await checkStack(loadBalancerExposesOnlyAppPort, [app, loadBalancer([{ name: "web", port: 3333, targetPort: "web" }])]), []);
            assert.deepStrictEqual(await checkStack(loadBalancerExposesOnlyAppPort, [app, loadBalancer([{ port: 3333, targetPort: 80 }])]), []);
        });

        it("ignores Services that are not load balancers", async () => {
            const headless: FakeResource = { type: SERVICE, props: { spec: { clusterIP: "None", selector: { app: "sticky" }, ports: [{ port: 80 }, { port: 22 }] } } };
            assert.deepStrictEqual(await checkStack(loadBalancerExposesOnlyAppPort, [app, headless]), []);
        });

        it("rejects a second published port, naming the Service", async () => {
            const reported = await checkStack(loadBalancerExposesOnlyAppPort, [
                app,
                loadBalancer([
                    { name: "web", port: 3333, targetPort: "web" },
                    { name: "ssh", port: 22, targetPort: 22 },
                ]),
            ]);
            assert.deepStrictEqual(reported, [
                {
                    message:
                        'Service "sticky" (LoadBalancer) publishes 2 ports (3333 (web), 22 (ssh)); a load balancer publishes every one of them, so it must carry only the app\'s port: serve the others from a ClusterIP Service.',
                    urn: "urn:pulumi:prod::sticky::kubernetes:core/v1:Service::sticky-public",
                },
                {
                    message: 'Service "sticky" (LoadBalancer) forwards port 22 to 22, which no container of StatefulSet "sticky" declares; it may publish only the app\'s declared port.',
                    urn: "urn:pulumi:prod::sticky::kubernetes:core/v1:Service::sticky-public",
                },
            ]);
        });

        it("rejects a target port the app does not declare", async () => {
            const metrics = await checkStack(loadBalancerExposesOnlyAppPort, [app, loadBalancer([{ port: 3333, targetPort: "metrics" }])]);
            assert.deepStrictEqual(messagesOf(metrics), [
                'Service "sticky" (LoadBalancer) forwards port 3333 to "metrics", which no container of StatefulSet "sticky" declares; it may publish only the app\'s declared port.',
            ]);
        });

        it("rejects a load balancer that selects nothing in the stack", async () => {
            const stray = await checkStack(loadBalancerExposesOnlyAppPort, [app, loadBalancer([{ port: 3333, targetPort: "web" }], { app: "other" })]);
            assert.deepStrictEqual(messagesOf(stray), [
                'Service "sticky" (LoadBalancer) selects no workload of this stack (selector "app=other"), so nothing shows which port is the app\'s; select the app\'s pods.',
            ]);
        });
    });
});

// ---------------------------------------------------------------------------------------------
// The pack as a whole, over the committed stacks.

const mandatory = (findings: Finding[]) => findings.filter((f) => f.level === "mandatory");


describe("policy pack: the pack itself", () => {
    it("has unique policy names and states a level for each, both levels in use", () => {
        const names = policies.map((p) => p.name);
        assert.deepStrictEqual([...new Set(names)], names);
        assert.deepStrictEqual(policies.filter((p) => p.enforcementLevel === undefined).map((p) => p.name), []);
        assert.deepStrictEqual([...new Set(policies.map(levelOf))].sort(), ["advisory", "mandatory"]);
    });

    it("matches resources by the SDK's own type tokens (the pack declares them to stay light)", () => {
        assert.deepStrictEqual(TYPES, {
            pod: typeToken(k8s.core.v1.Pod),
            service: typeToken(k8s.core.v1.Service),
            persistentVolumeClaim: typeToken(k8s.core.v1.PersistentVolumeClaim),
            replicationController: typeToken(k8s.core.v1.ReplicationController),
            deployment: typeToken(k8s.apps.v1.Deployment),
            statefulSet: typeToken(k8s.apps.v1.StatefulSet),
            daemonSet: typeToken(k8s.apps.v1.DaemonSet),
            replicaSet: typeToken(k8s.apps.v1.ReplicaSet),
            job: typeToken(k8s.batch.v1.Job),
            cronJob: typeToken(k8s.batch.v1.CronJob),
            storageClass: typeToken(k8s.storage.v1.StorageClass),
            networkPolicy: typeToken(k8s.networking.v1.NetworkPolicy),
        });
        assert.strictEqual(TYPES.statefulSet, "kubernetes:apps/v1:StatefulSet");
    });
});

describe("policy pack over the committed stacks (under mocks)", function () {
    // The prod program loads @pulumi/aws and @pulumi/eks the first time it runs.
    this.timeout(120_000);

    for (const stack of ["dev", "prod"]) {
        it(`stack ${stack}: no violation at all, advisory or mandatory`, async () => {
            const run = await runStack(stack);
            assert.deepStrictEqual(await evaluatePack(run.resources.map(asFake)), []);
        });
    }

    it("stack prod configured with the hostpath class is blocked", async () => {
        const run = await runStack("prod", { "sticky:storageClassName": "hostpath" });
        const blocked = mandatory(await evaluatePack(run.resources.map(asFake)));
        assert.deepStrictEqual(blocked, [
            {
                policy: "no-hostpath-class-outside-dev",
                level: "mandatory",
                message:
                    'StorageClass "hostpath" takes the name of a laptop cluster\'s node-local class, in stack "prod": claims written for dev would bind to it unnoticed; give it another name.',
            },
            {
                policy: "no-hostpath-class-outside-dev",
                level: "mandatory",
                message:
                    'StatefulSet "sticky": claim template "sticky-data" asks for class "hostpath", a directory on one node of a laptop cluster, in stack "prod"; only dev stacks (dev) may keep data on one node.',
            },
        ]);
    });

    it("the dev stack's resources, deployed as prod, are blocked for their hostpath claims", async () => {
        const run = await runStack("dev");
        const asProd = run.resources.map((r) => ({ ...asFake(r), stack: "prod" }));
        assert.deepStrictEqual(
            mandatory(await evaluatePack(asProd)).map((f) => `${f.policy}: ${f.message}`),
            [
                'no-hostpath-class-outside-dev: StatefulSet "sticky": claim template "sticky-data" asks for class "hostpath", a directory on one node of a laptop cluster, in stack "prod"; only dev stacks (dev) may keep data on one node.',
                'production-storage-is-encrypted-gp3: StatefulSet "sticky": claim template "sticky-data" uses class "hostpath", which this stack does not create; claims in stack "prod" must use the stack\'s encrypted gp3 class (ebs.csi.eks.amazonaws.com, Retain).',
            ],
        );
    });
});
