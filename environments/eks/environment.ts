import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../environment";
import { addonVersionsFor } from "./addon-versions";
import { eksAddons } from "./addons";
import { eksControlPlane } from "./cluster";
import { ClusterViewerAccess } from "./cluster-viewer";
import type { EksSettings } from "./definition";
import { eksNetwork } from "./network";
import { eksNodes } from "./nodes";
import { GP3_ALLOWS_EXPANSION, gp3StorageClass } from "./storage";

/** Settings the EKS environment needs beyond its own: the class to create, and protection. */
export interface EksStorage {
    readonly storageClassName: string;
    readonly protect: boolean;
}

/**
 * A new EKS cluster for the app, in a VPC of its own. Each AWS concern lives in one file of
 * `environments/eks/`, and this function only wires them in order (definition.ts holds the
 * environment's keys, their validation and its storage rule, without any Pulumi import):
 *
 *   network.ts  VPC, a private and a public subnet per zone, one NAT gateway
 *   cluster.ts  control plane, its log group, access entries (admins, viewers), endpoint CIDRs
 *   nodes.ts    one managed node group per zone (AL2023)
 *   addons.ts   coredns, eks-pod-identity-agent, aws-ebs-csi-driver, after the nodes, pinned
 *               (addon-versions.ts) to the cluster's Kubernetes version
 *   storage.ts  the encrypted gp3 StorageClass
 *   cluster-viewer.ts  RBAC and an admission policy: viewers read and dry-run, never write
 *
 * Resource names are those of the single-file version, so a deployed stack keeps its URNs
 * (tests/eks.test.ts checks them).
 */
export function eksEnvironment(settings: EksSettings, storage: EksStorage): Environment {
    const tags = { project: "sticky", "managed-by": "pulumi" };
    const { protect } = storage;
    const addonVersions = addonVersionsFor(settings.kubernetesVersion);

    const network = eksNetwork(settings, tags);
    const { cluster, clusterName } = eksControlPlane(settings, network, addonVersions, { protect, tags });
    const nodeGroups = eksNodes(settings, network, cluster, tags);
    const { ebsCsiDriver } = eksAddons(clusterName, nodeGroups, addonVersions, { protect, tags });

    const provider = new k8s.Provider("eks", {
        // The kubeconfig carries the cluster's endpoint and CA; keep it out of plain-text state.
        kubeconfig: pulumi.secret(cluster.kubeconfigJson),
    });
    if (settings.clusterViewerArns.length > 0) {
        new ClusterViewerAccess("sticky-cluster-viewer", {}, { provider });
    }
    const storageClass = gp3StorageClass(storage.storageClassName, provider, ebsCsiDriver, protect);

    return {
        provider,
        storageClassName: storageClass.metadata.name,
        storageClassAllowsExpansion: Promise.resolve(GP3_ALLOWS_EXPANSION),
        prerequisites: [ebsCsiDriver, storageClass],
        // An NLB (the legacy service controller's other choice is a Classic LB, which AWS no
        // longer develops), tagged like everything else the stack makes.
        serviceAnnotations: {
            "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
            "service.beta.kubernetes.io/aws-load-balancer-additional-resource-tags": Object.entries(tags)
                .map(([key, value]) => `${key}=${value}`)
                .join(","),
        },
        outputs: {
            clusterName,
            kubeconfig: pulumi.secret(cluster.kubeconfigJson),
            vpcId: network.vpc.id,
        },
    };
}
