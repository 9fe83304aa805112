import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DeployEnvironment, DeployedEnvironment, DeployOptions } from "../deployed";
import { addonVersionsFor } from "./addon-versions";
import { eksAddons } from "./addons";
import { eksControlPlane } from "./cluster";
import { ClusterViewerAccess } from "./cluster-viewer";
import type { EksSettings } from "./definition";
import { eksNetwork } from "./network";
import { eksNodes } from "./nodes";
import { GP3_ALLOWS_EXPANSION, gp3StorageClass } from "./storage";

/** The tags on everything the EKS environment makes in AWS, the app's load balancer included. */
const TAGS: Readonly<Record<string, string>> = { project: "sticky", "managed-by": "pulumi" };

/** The EKS environment's Pulumi type token, the parent in its resources' URNs. */
export const EKS_ENVIRONMENT_TYPE = "sticky:eks:EksEnvironment";

/** Arguments of {@link EksEnvironment}: the EKS settings, and whether to protect what holds data. */
export interface EksEnvironmentArgs {
    /** What `sticky:*` and `aws:region` say (environments/eks/definition.ts, already validated). */
    readonly settings: EksSettings;
    /**
     * Protect the cluster, the storage driver and the gp3 class from deletion and replacement.
     * @default false
     */
    readonly protect?: boolean;
}

/**
 * A new EKS cluster for the app, in a VPC of its own: every AWS and cluster resource the prod
 * environment makes, under one component. Each concern lives in one file of
 * `environments/eks/`, and the constructor only wires them in order:
 *
 *   network.ts  VPC, a private and a public subnet per zone, one NAT gateway
 *   cluster.ts  control plane, its log group, access entries (admins, viewers), endpoint CIDRs
 *   nodes.ts    one managed node group per zone (AL2023)
 *   addons.ts   coredns, eks-pod-identity-agent, aws-ebs-csi-driver, after the nodes, pinned
 *               (addon-versions.ts) to the cluster's Kubernetes version
 *   storage.ts  the encrypted gp3 StorageClass
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
    readonly clusterName: pulumi.Output<string>;
    /** The kubeconfig of the cluster, a secret. */
    readonly kubeconfig: pulumi.Output<unknown>;
    readonly vpcId: pulumi.Output<string>;

    constructor(name: string, args: EksEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super(EKS_ENVIRONMENT_TYPE, name, {}, opts);
        const { settings } = args;
        const protect = args.protect ?? false;
        if (settings.kind !== "eks") throw new Error(`EksEnvironment "${name}": settings.kind is ${JSON.stringify(settings.kind)}, must be "eks"`);
        const tags = { ...TAGS };
        const child: pulumi.CustomResourceOptions = { parent: this, aliases: [{ parent: pulumi.rootStackResource }] };
        const addonVersions = addonVersionsFor(settings.kubernetesVersion);

        const network = eksNetwork(settings, tags, child);
        const { cluster, clusterName } = eksControlPlane(settings, network, addonVersions, { protect, tags, child });
        const nodeGroups = eksNodes(settings, network, cluster, tags, child);
        const { ebsCsiDriver } = eksAddons(clusterName, nodeGroups, addonVersions, { protect, tags, child });

        // At the stack's root, like every stack before this component (see the class comment).
        this.provider = new k8s.Provider("eks", {
            // The kubeconfig carries the cluster's endpoint and CA; keep it out of plain-text state.
            kubeconfig: pulumi.secret(cluster.kubeconfigJson),
        });
        if (settings.clusterViewerArns.length > 0) {
            new ClusterViewerAccess("sticky-cluster-viewer", {}, { ...child, provider: this.provider });
        }
        this.storageClass = gp3StorageClass(settings.storageClassName, this.provider, ebsCsiDriver, { protect, child });
        this.ebsCsiDriver = ebsCsiDriver;
        this.clusterName = clusterName;
        this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
        this.vpcId = network.vpc.id;

        this.registerOutputs({ clusterName: this.clusterName, vpcId: this.vpcId });
    }
}

/** What the EKS environment hands the app. */
export function eksEnvironment(settings: EksSettings, options: DeployOptions): DeployedEnvironment {
    const environment = new EksEnvironment("sticky", { settings, protect: options.protect });
    return {
        provider: environment.provider,
        storageClassName: environment.storageClass.metadata.name,
        storageClassAllowsExpansion: Promise.resolve(GP3_ALLOWS_EXPANSION),
        prerequisites: [environment.ebsCsiDriver, environment.storageClass],
        // An NLB (the legacy service controller's other choice is a Classic LB, which AWS no
        // longer develops), tagged like everything else the stack makes.
        serviceAnnotations: {
            "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
            "service.beta.kubernetes.io/aws-load-balancer-additional-resource-tags": Object.entries(TAGS)
                .map(([key, value]) => `${key}=${value}`)
                .join(","),
        },
        outputs: {
            clusterName: environment.clusterName,
            kubeconfig: environment.kubeconfig,
            vpcId: environment.vpcId,
        },
    };
}

/** The registry's entry point (environments/deployed.ts). */
export const deploy: DeployEnvironment<EksSettings> = eksEnvironment;
