import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DeployEnvironment, DeployedEnvironment, DeployOptions, RestoredClaim } from "../deployed";
import { snapshotControllerVersion } from "./addon-versions";
import { eksBackups, incarnationOf } from "./backup";
import { eksClusterName, eksControlPlane } from "./cluster";
import type { EksSettings } from "./definition";
import { checkLiveVersion, stackZones, ZONES_OUTPUT } from "./history";
import { EKS_TAGS, eksInCluster, inClusterHandOver } from "./in-cluster";
import { eksNetwork } from "./network";
import { clusterLogGroupName, logGroupExists } from "./log-group";
import { checkEbsSources, restoredVolumeTags, type EbsSource } from "./restore";
import { snapshotController } from "./snapshots";

/** The EKS environment's Pulumi type token, the parent in its resources' URNs. */
export const EKS_ENVIRONMENT_TYPE = "sticky:eks:EksEnvironment";

/** Arguments of {@link EksEnvironment}. */
export interface EksEnvironmentArgs {
    /** What `sticky:*` and `aws:region` say (definition.ts, already validated). */
    readonly settings: EksSettings;
    /** The zones, decided before any resource (zones.ts). */
    readonly zones: readonly string[];
    /** Protect the cluster and the gp3 class from deletion and replacement. @default false */
    readonly protect?: boolean;
    /** Whether the control plane's log group exists already (then it is adopted). @default false */
    readonly logGroupExists?: boolean;
    /** `sticky:restoreFrom`'s sources, as AWS described them (restore.ts). @default [] */
    readonly restores?: readonly EbsSource[];
}

/**
 * A new EKS Auto Mode cluster for the app, in a VPC of its own, in two halves: the AWS side here
 * (network.ts, cluster.ts, backup.ts, the snapshot-controller add-on, a restored volume's tags)
 * and the in-cluster side (in-cluster.ts), which needs only the cluster's Kubernetes provider and
 * a few facts about it. The provider stays at the stack's root: it is what the app deploys with.
 */
export class EksEnvironment extends pulumi.ComponentResource {
    readonly provider: k8s.Provider;
    readonly storageClass: k8s.storage.v1.StorageClass;
    /** The NodePool the app's pods run on: they wait for it. */
    readonly nodePool: pulumi.Resource;
    readonly clusterName: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<unknown>; // a secret
    readonly vpcId: pulumi.Output<string>;
    /** The `sticky-incarnation` tag's value (backup.ts). */
    readonly incarnation: pulumi.Output<string>;
    /** What backs each restored claim, in `restores`' order. */
    readonly restoredClaims: RestoredClaim[];

    constructor(name: string, args: EksEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super(EKS_ENVIRONMENT_TYPE, name, {}, opts);
        const { settings } = args;
        const protect = args.protect ?? false;
        if (settings.kind !== "eks") throw new Error(`EksEnvironment "${name}": settings.kind is ${JSON.stringify(settings.kind)}, must be "eks"`);
        const tags = { ...EKS_TAGS };

        const network = eksNetwork(settings, args.zones, tags, { parent: this });
        const { cluster, clusterName, clusterRolePolicy } = eksControlPlane(settings, network, { protect, tags, parent: this, logGroupExists: args.logGroupExists ?? false });
        this.incarnation = incarnationOf(clusterName, cluster.eksCluster.createdAt);
        eksBackups(settings, this.incarnation, { tags, parent: this });
        const controller = snapshotController(clusterName, snapshotControllerVersion(settings.kubernetesVersion), { tags, parent: this, dependsOn: [cluster] });
        const volumeTags = restoredVolumeTags(args.restores ?? [], { clusterName, incarnation: this.incarnation }, this);

        // At the stack's root: the provider the app deploys with.
        this.provider = new k8s.Provider("eks", {
            // The kubeconfig carries the cluster's endpoint and CA; keep it out of plain-text state.
            kubeconfig: pulumi.secret(cluster.kubeconfigJson),
        });
        const facts = {
            incarnation: this.incarnation,
            nodeRoleName: cluster.autoModeNodeRoleName,
            subnetIds: network.zones.map((zone) => zone.privateSubnet.id),
            securityGroupIds: [cluster.eksCluster.vpcConfig.clusterSecurityGroupId],
            zones: args.zones,
        };
        const inCluster = eksInCluster({ settings, facts, restores: args.restores }, { provider: this.provider, parent: this, protect, dependsOn: [controller, clusterRolePolicy, ...volumeTags] });
        this.storageClass = inCluster.storageClass;
        this.nodePool = inCluster.nodePool;
        this.restoredClaims = inCluster.restoredClaims;
        this.clusterName = clusterName;
        this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
        this.vpcId = network.vpc.id;

        this.registerOutputs({ clusterName: this.clusterName, vpcId: this.vpcId, incarnation: this.incarnation });
    }
}

/**
 * What the EKS environment hands the app. First, before any resource, it reads the zones and the
 * live version (history.ts), the restore sources (restore.ts) and the log group (log-group.ts).
 */
export async function eksEnvironment(settings: EksSettings, options: DeployOptions): Promise<DeployedEnvironment> {
    // Each refuses a run before any resource exists.
    const zones = await stackZones(settings, options.history);
    await checkLiveVersion(settings, eksClusterName(), options.history);
    const restores = await checkEbsSources(options.restores ?? [], settings, zones.zones, eksClusterName(), options.history);
    const existingLogGroup = await logGroupExists(clusterLogGroupName(eksClusterName()));
    const environment = new EksEnvironment("sticky", { settings, zones: zones.zones, protect: options.protect, restores, logGroupExists: existingLogGroup });
    return inClusterHandOver(environment, environment.provider, {
        clusterName: environment.clusterName,
        kubeconfig: environment.kubeconfig,
        vpcId: environment.vpcId,
        // Read back by the next run (history.ts): the zones never change under the stack.
        [ZONES_OUTPUT]: pulumi.output([...zones.zones]),
        incarnation: environment.incarnation,
    });
}

/** The registry's entry point (environments/deployed.ts). */
export const deploy: DeployEnvironment<EksSettings> = eksEnvironment;
