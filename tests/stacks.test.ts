/**
 * Whole stacks: index.ts run with the committed Pulumi.dev.yaml and Pulumi.prod.yaml (over the
 * Pulumi.yaml defaults), as `pulumi up --stack dev|prod` would feed it, under mocks.
 */
import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { TYPES } from "../core/kubernetes";
import { find, ProgramFailed, providerUrn, runStack, typeToken, unwrapSecret, type Registered, type StackRun } from "./harness";

const STATEFULSET = TYPES.statefulSet;
const STORAGE_CLASS = TYPES.storageClass;
// A provider's class carries its package name ("kubernetes"), not the resource type the engine sees.
const K8S_PROVIDER = "pulumi:providers:kubernetes";
const CLUSTER = typeToken(eks.Cluster);
const SUBNET = typeToken(aws.ec2.Subnet);
const ROUTE_TABLE = typeToken(aws.ec2.RouteTable);

const isKubernetesObject = (r: Registered) => r.type.startsWith("kubernetes:");
const isCloudResource = (r: Registered) => /^(aws|eks):/.test(r.type) || r.type.startsWith("pulumi:providers:aws");

describe("stack dev (Pulumi.dev.yaml)", () => {
    let run: StackRun;
    before(async () => {
        run = await runStack("dev");
    });

    it("creates no AWS or EKS resource and calls no AWS function", () => {
        assert.deepStrictEqual(run.resources.filter(isCloudResource), []);
        assert.deepStrictEqual(run.calls, []);
    });

    it("deploys through an explicit provider pinned to the docker-desktop context", () => {
        const provider = find(run, K8S_PROVIDER);
        assert.strictEqual(provider.inputs.context, "docker-desktop");
        assert.strictEqual(provider.inputs.kubeconfig, undefined, "the user's kubeconfig file, with the context pinned");
        for (const resource of run.resources.filter(isKubernetesObject)) {
            assert.strictEqual(providerUrn(resource.provider), provider.urn, `${resource.type}::${resource.name} uses another provider`);
        }
    });

    it("reads Docker Desktop's built-in hostpath class and never creates one", () => {
        const storageClass = find(run, STORAGE_CLASS);
        assert.strictEqual(storageClass.read, true);
        assert.strictEqual(storageClass.name, "local-storage-class");
        assert.strictEqual(find(run, STATEFULSET).inputs.spec.volumeClaimTemplates[0].spec.storageClassName, "hostpath");
    });

    it("protects nothing, so a laptop stack can be replaced and destroyed freely", () => {
        assert.deepStrictEqual(run.resources.filter((r) => r.protect).map((r) => r.name), []);
    });

    it("exports the app's outputs and the context it deployed to", () => {
        assert.deepStrictEqual(run.outputs, {
            environment: "local",
            url: "http://localhost:3333",
            podNames: ["sticky-0", "sticky-1", "sticky-2"],
            claimNames: ["sticky-data-sticky-0", "sticky-data-sticky-1", "sticky-data-sticky-2"],
            storageClassName: "hostpath",
            storageSize: "1Gi",
            restoredFrom: {},
            kubeContext: "docker-desktop",
        });
    });

    it("works on kind through config alone", async () => {
        const kind = await runStack("dev", { "sticky:kubeContext": "kind-kind", "sticky:storageClassName": "standard" });
        assert.strictEqual(find(kind, K8S_PROVIDER).inputs.context, "kind-kind");
        assert.strictEqual(find(kind, STATEFULSET).inputs.spec.volumeClaimTemplates[0].spec.storageClassName, "standard");
    });
});

describe("stack prod (Pulumi.prod.yaml)", () => {
    let run: StackRun;
    before(async () => {
        run = await runStack("prod");
    });

    it("creates an EKS Auto Mode cluster of the configured version, API authentication", () => {
        const cluster = find(run, CLUSTER);
        assert.strictEqual(cluster.inputs.version, "1.35");
        assert.strictEqual(cluster.inputs.authenticationMode, "API");
        assert.strictEqual(cluster.inputs.autoMode.enabled, true, "no default node group with Auto Mode (pulumi-eks 4.3)");
        assert.strictEqual(cluster.inputs.storageClasses, undefined, "eks's storageClasses writes the removed in-tree provisioner");
        // A no-op without a default node group (pulumi-eks passes it to the default group only).
        assert.strictEqual(cluster.inputs.nodeAssociatePublicIpAddress, undefined);
    });

    it("runs its nodes in private subnets of three different zones (the NodeClass's), which reach out through NAT only", () => {
        const privateSubnets = run.resources.filter((r) => r.type === SUBNET && r.name.startsWith("sticky-private-"));
        const nodeClass = find(run, "kubernetes:eks.amazonaws.com/v1:NodeClass");
        assert.deepStrictEqual(nodeClass.inputs.spec.subnetSelectorTerms, privateSubnets.map((s) => ({ id: `${s.name}-id` })));
        assert.deepStrictEqual(privateSubnets.map((s) => s.inputs.availabilityZone), ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
        const privateRoutes = find(run, ROUTE_TABLE, "sticky-private");
        assert.ok(privateRoutes.inputs.routes[0].natGatewayId, "private subnets reach the internet through NAT only");
    });

    it("creates an encrypted gp3 class: EBS CSI, WaitForFirstConsumer, expandable, Retain", () => {
        const storageClass = find(run, STORAGE_CLASS, "gp3");
        assert.strictEqual(storageClass.read, false);
        assert.deepStrictEqual(
            {
                name: storageClass.inputs.metadata.name,
                provisioner: storageClass.inputs.provisioner,
                parameters: storageClass.inputs.parameters,
                volumeBindingMode: storageClass.inputs.volumeBindingMode,
                allowVolumeExpansion: storageClass.inputs.allowVolumeExpansion,
                reclaimPolicy: storageClass.inputs.reclaimPolicy,
            },
            {
                name: "gp3",
                provisioner: "ebs.csi.eks.amazonaws.com",
                parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4", tagSpecification_1: "sticky-incarnation=sticky-prod-20261202T163105Z" },
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: true,
                reclaimPolicy: "Retain",
            },
        );
        assert.strictEqual(find(run, STATEFULSET).inputs.spec.volumeClaimTemplates[0].spec.storageClassName, "gp3");
    });

    it("deploys through a provider built from the new cluster's kubeconfig, kept secret", () => {
        const provider = find(run, K8S_PROVIDER);
        const cluster = find(run, CLUSTER);
        const kubeconfig = unwrapSecret(provider.inputs.kubeconfig);
        assert.strictEqual(kubeconfig.secret, true, "the kubeconfig input is a secret");
        assert.deepStrictEqual(JSON.parse(kubeconfig.value).clusters, [{ name: "sticky" }]);
        assert.ok(provider.dependencies.includes(cluster.urn));
        assert.strictEqual(provider.inputs.context, undefined);
        for (const resource of run.resources.filter(isKubernetesObject)) {
            assert.strictEqual(providerUrn(resource.provider), provider.urn, `${resource.type}::${resource.name} uses another provider`);
        }
    });

    it("protects the data-bearing resources: cluster, class and the app (not the StatefulSet, whose replacement keeps pods and claims, nor the liveness ConfigMap, replaced by design)", () => {
        const protectedNames = run.resources.filter((r) => r.protect).map((r) => `${r.type}::${r.name}`);
        assert.deepStrictEqual(protectedNames.sort(), [
            "eks:index:Cluster::sticky",
            "kubernetes:core/v1:ConfigMap::sticky-lifetime",
            "kubernetes:core/v1:NamespacePatch::sticky-namespace",
            "kubernetes:core/v1:Service::sticky-headless",
            "kubernetes:core/v1:Service::sticky-public",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy::sticky",
            "kubernetes:policy/v1:PodDisruptionBudget::sticky",
            "kubernetes:storage.k8s.io/v1:StorageClass::gp3",
        ]);
    });

    it("turns on Auto Mode's network policy enforcement, so the app's NetworkPolicy is enforced", () => {
        assert.strictEqual(find(run, "kubernetes:eks.amazonaws.com/v1:NodeClass").inputs.spec.networkPolicy, "DefaultAllow");
        assert.strictEqual(find(run, typeToken(k8s.core.v1.ConfigMap), "amazon-vpc-cni").inputs.data["enable-network-policy-controller"], "true");
    });

    it("starts the app only once its nodes and class exist", () => {
        const app = find(run, "sticky:app:StickyApp");
        assert.ok(app.dependencies.includes(find(run, "kubernetes:karpenter.sh/v1:NodePool").urn));
        assert.ok(app.dependencies.includes(find(run, STORAGE_CLASS, "gp3").urn));
    });

    it("exports the cluster's name and its kubeconfig, as a secret", () => {
        assert.strictEqual(run.outputs.environment, "eks");
        assert.strictEqual(run.outputs.storageClassName, "gp3");
        assert.strictEqual(run.outputs.clusterName, "sticky-prod", "a fixed name: <project>-<stack>");
        assert.strictEqual(unwrapSecret(run.rawOutputs.kubeconfig).secret, true, "kubeconfig is stored encrypted");
        assert.strictEqual(unwrapSecret(run.rawOutputs.clusterName).secret, false);
    });
});

describe("the same app in both stacks (the article's claim/volume separation)", () => {
    it("registers the same StatefulSet in dev and prod but for the storage class name and how strictly pods spread over zones", async () => {
        const dev = find(await runStack("dev"), STATEFULSET).inputs;
        const prod = find(await runStack("prod"), STATEFULSET).inputs;
        const devClass = dev.spec.volumeClaimTemplates[0].spec.storageClassName;
        const prodClass = prod.spec.volumeClaimTemplates[0].spec.storageClassName;
        assert.deepStrictEqual([devClass, prodClass], ["hostpath", "gp3"]);

        // The environment's choice: a laptop's one node must run every pod, EKS keeps them a zone apart.
        const zoneRule = (inputs: any) => inputs.spec.template.spec.topologySpreadConstraints[0];
        assert.deepStrictEqual([zoneRule(dev).whenUnsatisfiable, zoneRule(prod).whenUnsatisfiable], ["ScheduleAnyway", "DoNotSchedule"]);

        const withoutClass = (inputs: any) => {
            const copy = structuredClone(inputs);
            delete copy.spec.volumeClaimTemplates[0].spec.storageClassName;
            delete copy.spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable;
            return copy;
        };
        assert.deepStrictEqual(withoutClass(dev), withoutClass(prod));
    });
});

describe("bad config", () => {
    it("fails with the program's error before any resource is registered but the stack and the read of its own outputs", async () => {
        await assert.rejects(runStack("dev", { "sticky:replicas": "0" }), (error: ProgramFailed) => {
            assert.ok(error instanceof ProgramFailed);
            assert.ok(pulumi.RunError.isInstance(error.cause), "a RunError: Pulumi prints its message without a stack trace");
            assert.strictEqual(error.cause.stack, undefined, "no stack for Pulumi's runtime to format slowly");
            assert.strictEqual(
                error.message,
                'Invalid stack configuration (1 problem); nothing was deployed or changed:\n  - sticky:replicas = "0": must be a positive integer (1 to 100 pods)',
            );
            assert.deepStrictEqual(
                error.resources.map((r) => `${r.type}${r.read ? " (read)" : ""}`),
                ["pulumi:pulumi:Stack", "pulumi:pulumi:StackReference (read)"],
                "the plan needs the previous deployment to report every problem at once; nothing else",
            );
            return true;
        });
    });

    it("rejects a prod stack without its region", async () => {
        await assert.rejects(
            runStack("prod", { "aws:region": "" }),
            /aws:region = "": an "eks" stack needs its AWS region/,
        );
    });
});
