import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * What an environment hands the app: a cluster to deploy to and the name of the storage it
 * offers. Every environment returns this same shape, which is why the app never needs to know
 * which one it runs in (the article's claim/volume separation, in code).
 */
export interface Environment {
    /** An explicit provider for the environment's cluster; nothing uses the ambient context. */
    readonly provider: k8s.Provider;
    /** The StorageClass the app's claims should name. */
    readonly storageClassName: pulumi.Output<string>;
    /**
     * Whether that class lets a bound claim grow (`allowVolumeExpansion`), known before any
     * resource is created: a class the environment reads answers from the cluster, one it creates
     * from its own definition. A plain value, because it decides which resources exist.
     */
    readonly storageClassAllowsExpansion: Promise<boolean>;
    /** Resources the app must wait for (a storage driver, say) before its pods can start. */
    readonly prerequisites: pulumi.Resource[];
    /**
     * Annotations the app's LoadBalancer Service needs in this environment (which kind of load
     * balancer a cloud makes, say); none on a laptop. The app applies them without reading them.
     */
    readonly serviceAnnotations?: Record<string, string>;
    /** Environment-specific stack outputs (cluster name, kube context, a secret kubeconfig). */
    readonly outputs: Record<string, pulumi.Output<unknown>>;
}
