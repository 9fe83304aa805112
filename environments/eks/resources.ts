import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DeployEnvironment, DeployedEnvironment, DeployOptions, RestoredClaim } from "../deployed";
import { addonVersionsFor } from "./addon-versions";
import { eksAddons } from "./addons";
import { eksBackups, incarnationOf } from "./backup";
import { eksClusterName, eksControlPlane } from "./cluster";
import { ClusterViewerAccess } from "./cluster-viewer";
import type { EksSettings } from "./definition";
import { checkLiveVersion, stackZones, ZONES_OUTPUT } from "./history";
import { loadBalancerController, NLB_LOAD_BALANCER_CLASS, nlbServiceAnnotations, READINESS_GATE_LABEL } from "./load-balancer";
import { eksNetwork } from "./network";
import { clusterLogGroupName, logGroupExists } from "./log-group";
import { eksNodes } from "./nodes";
import { checkEbsSources, ebsRestoredClaims, type EbsSource } from "./restore";
import { eksSnapshots } from "./snapshots";
import { GP3_ALLOWS_EXPANSION, gp3StorageClass } from "./storage";

/** The tags on everything the EKS environment makes in AWS, the app's load balancer included. */
const TAGS: Readonly<Record<string, string>> = { project: "sticky", "managed-by": "pulumi" };

/** The EKS environment's Pulumi type token, the parent in its resources' URNs. */
export const EKS_ENVIRONMENT_TYPE = "sticky:eks:EksEnvironment";

/** Arguments of {@link EksEnvironment}: the EKS settings, and whether to protect what holds data. */
export interface EksEnvironmentArgs {
    /** What `sticky:*` and `aws:region` say (environments/eks/definition.ts, already validated). */
    readonly settings: EksSettings;
    /** The zones, decided before any resource (zones.ts): the recorded ones on a stack that has them. */
    readonly zones: readonly string[];
    /**
     * Protect the cluster, the storage driver and the gp3 class from deletion and replacement.
     * @default false
     */
    readonly protect?: boolean;
    /** Whether the control plane's log group exists already (log-group.ts): then it is adopted. */
    readonly logGroupExists?: boolean;
    /** `sticky:restoreFrom`'s sources, as AWS described them (restore.ts). */
    readonly restores?: readonly EbsSource[];
}

/**
 * A new EKS cluster for the app, in a VPC of its own: every AWS and cluster resource the prod
 * environment makes, under one component. Each concern lives in one file of
 * `environments/eks/`, and the constructor only wires them in order:
 *
 *   network.ts  VPC, a private and a public subnet per zone, one NAT gateway
 *   cluster.ts  control plane, its log group, access entries (admins, viewers), endpoint CIDRs
 *   zones.ts, history.ts  the zones (kept through the stack's output) and the live version, read first
 *   nodes.ts    one managed node group per zone (AL2023), rolled one zone at a time
 *   addons.ts   coredns, eks-pod-identity-agent, aws-ebs-csi-driver, after the nodes, pinned
 *               (addon-versions.ts) to the cluster's Kubernetes version
 *   storage.ts  the encrypted gp3 StorageClass
 *   load-balancer.ts  the AWS Load Balancer Controller (chart, Pod Identity role), the NLB's annotations
 *   backup.ts   AWS Backup: a vault kept after destroy, a plan, the volumes of this incarnation
 *   snapshots.ts  the snapshot-controller add-on and a Retain VolumeSnapshotClass
 *   restore.ts  the PersistentVolumes and snapshots behind restored claims
 *   cluster-viewer.ts  RBAC and an admission policy: viewers read and dry-run, never write
 *
 * The Kubernetes provider the app deploys with stays at the stack's root: it is what the
 * environment hands the app, and a provider that moved would have to be aliased too.
 *
 * Stacks deployed before this component existed have these resources at the stack's root. Each
 * child is aliased to that place (`{ parent: rootStackResource }`), so the engine finds them and
 * plans no replacement; the children that @pulumi/eks's components make inherit the alias
 * through their parent. tests/eks-environment-urns.test.ts holds every URN prod registered
 * before against the new URNs and their aliases.
 */
export class EksEnvironment extends pulumi.ComponentResource {
    /** The Kubernetes provider for the new cluster (a secret kubeconfig). */
    readonly provider: k8s.Provider;
    /** The gp3 class the app's claims name. */
    readonly storageClass: k8s.storage.v1.StorageClass;
    /** The EBS CSI driver add-on: pods with claims wait for it. */
    readonly ebsCsiDriver: pulumi.Resource;
    /** The AWS Load Balancer Controller (load-balancer.ts): the app's Service waits for it. */
    readonly loadBalancerController: pulumi.Resource;
    readonly clusterName: pulumi.Output<string>;
    /** The kubeconfig of the cluster, a secret. */
    readonly kubeconfig: pulumi.Output<unknown>;
    readonly vpcId: pulumi.Output<string>;
    /** This lifetime of the cluster, the value of the `sticky-incarnation` tag (backup.ts). */
    readonly incarnation: pulumi.Output<string>;
    /** What backs each restored claim, in `restores`' order. */
    readonly restoredClaims: RestoredClaim[];

    constructor(name: string, args: EksEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super(EKS_ENVIRONMENT_TYPE, name, {}, opts);
        const { settings } = args;
        const protect = args.protect ?? false;
        if (settings.kind !== "eks") throw new Error(`EksEnvironment "${name}": settings.kind is ${JSON.stringify(settings.kind)}, must be "eks"`);
        const tags = { ...TAGS };
        const child: pulumi.CustomResourceOptions = { parent: this, aliases: [{ parent: pulumi.rootStackResource }] };
        const addonVersions = addonVersionsFor(settings.kubernetesVersion);

        const network = eksNetwork(settings, args.zones, tags, child);
        const { cluster, clusterName } = eksControlPlane(settings, network, addonVersions, { protect, tags, child, logGroupExists: args.logGroupExists ?? false });
        this.incarnation = incarnationOf(clusterName, cluster.eksCluster.createdAt);
        const nodeGroups = eksNodes(settings, network, clusterName, tags, child);
        const { ebsCsiDriver, podIdentityAgent } = eksAddons(clusterName, nodeGroups, addonVersions, {
            protect, tags, child, ebsKmsKeyArn: settings.ebsKmsKeyArn, incarnation: this.incarnation,
        });
        eksBackups(settings, this.incarnation, { tags, parent: this });

        // At the stack's root, like every stack before this component (see the class comment).
        this.provider = new k8s.Provider("eks", {
            // The kubeconfig carries the cluster's endpoint and CA; keep it out of plain-text state.
            kubeconfig: pulumi.secret(cluster.kubeconfigJson),
        });
        if (settings.clusterViewerArns.length > 0) {
            new ClusterViewerAccess("sticky-cluster-viewer", {}, { ...child, provider: this.provider });
        }
        this.storageClass = gp3StorageClass(settings.storageClassName, this.provider, ebsCsiDriver, { protect, child, kmsKeyArn: settings.ebsKmsKeyArn });
        this.loadBalancerController = loadBalancerController({
            clusterName, region: settings.region, vpcId: network.vpc.id, provider: this.provider, after: [podIdentityAgent, ...nodeGroups], tags, parent: this,
        });
        const snapshots = eksSnapshots(clusterName, addonVersions, this.provider, { ebsCsiDriver, tags, parent: this });
        this.restoredClaims = ebsRestoredClaims(args.restores ?? [], {
            provider: this.provider,
            storageClassName: this.storageClass.metadata.name,
            snapshotClassName: snapshots.volumeSnapshotClass.metadata.name,
            incarnation: this.incarnation,
            dependsOn: [ebsCsiDriver, this.storageClass, snapshots.volumeSnapshotClass],
            parent: this,
        });
        this.ebsCsiDriver = ebsCsiDriver;
        this.clusterName = clusterName;
        this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
        this.vpcId = network.vpc.id;

        this.registerOutputs({ clusterName: this.clusterName, vpcId: this.vpcId, incarnation: this.incarnation });
    }
}

/**
 * What the EKS environment hands the app. Before anything is created it reads the zones and the
 * live version (history.ts), asks AWS about every `sticky:restoreFrom` source (refused with every
 * problem at once, restore.ts) and whether the control plane's log group is there from an
 * earlier cluster (log-group.ts).
 */
export async function eksEnvironment(settings: EksSettings, options: DeployOptions): Promise<DeployedEnvironment> {
    // Each refuses a run before any resource exists.
    const zones = await stackZones(settings, options.history);
    await checkLiveVersion(settings, eksClusterName(), options.history);
    const restores = await checkEbsSources(options.restores ?? [], settings, zones.zones);
    const existingLogGroup = await logGroupExists(clusterLogGroupName(eksClusterName()));
    const environment = new EksEnvironment("sticky", { settings, zones: zones.zones, protect: options.protect, restores, logGroupExists: existingLogGroup });
    return {
        restoredClaims: environment.restoredClaims,
        provider: environment.provider,
        storageClassName: environment.storageClass.metadata.name,
        storageClassAllowsExpansion: Promise.resolve(GP3_ALLOWS_EXPANSION),
        prerequisites: [environment.ebsCsiDriver, environment.storageClass, environment.loadBalancerController],
        // An NLB with IP targets from the AWS Load Balancer Controller (load-balancer.ts), tagged
        // like everything else; readiness gates in the app's namespace; one pod per zone.
        serviceAnnotations: nlbServiceAnnotations(TAGS),
        serviceLoadBalancerClass: NLB_LOAD_BALANCER_CLASS,
        namespaceLabels: { ...READINESS_GATE_LABEL },
        zoneSpread: "DoNotSchedule",
        outputs: {
            clusterName: environment.clusterName,
            kubeconfig: environment.kubeconfig,
            vpcId: environment.vpcId,
            // Read back by the next run (history.ts): the zones never change under the stack.
            [ZONES_OUTPUT]: pulumi.output([...zones.zones]),
            incarnation: environment.incarnation,
        },
    };
}

/** The registry's entry point (environments/deployed.ts). */
export const deploy: DeployEnvironment<EksSettings> = eksEnvironment;
