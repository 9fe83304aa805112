/**
 * What a deployed environment hands the app, and how the program deploys the environment a
 * stack's settings chose. Every environment returns the same `DeployedEnvironment`, which is why
 * the app never needs to know which one it runs in (the article's claim/volume split, in code).
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { EnvironmentDefinition, KindSettings } from "./definition";

export interface DeployedEnvironment {
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
    /**
     * The load balancer implementation the app's Service asks for (`spec.loadBalancerClass`), as
     * the environment names it; none: the cluster's default. The app passes it through unread.
     */
    readonly serviceLoadBalancerClass?: string;
    /**
     * Labels the app's namespace needs in this environment (a load balancer controller's opt-in
     * for pod readiness gates, say). The app owns the namespace's labels, so it adds these to its
     * own without reading them.
     */
    readonly namespaceLabels?: Record<string, string>;
    /**
     * How strictly the pods spread over zones: `DoNotSchedule` where there are zones and a pod
     * per zone matters (two pods must not share a zone's fate), `ScheduleAnyway` (the default)
     * where a one-node cluster must still run them all.
     */
    readonly zoneSpread?: "DoNotSchedule" | "ScheduleAnyway";
    /** Environment-specific stack outputs (cluster name, kube context, a secret kubeconfig). */
    readonly outputs: Record<string, pulumi.Output<unknown>>;
}

/** What every environment is deployed with besides its own settings. */
export interface DeployOptions {
    /** `sticky:protect`: protect what would strand data if deleted (cluster, storage driver, class). */
    readonly protect: boolean;
    /** What the stack deployed last time, from its own previous outputs; none for a fresh stack. */
    readonly history?: PreviousDeployment;
}

/** The stack's previous deployment, as an environment may read it. */
export interface PreviousDeployment {
    /** The claims the app had (its `claimNames` output). */
    readonly claimNames: readonly string[];
    /** One of the stack's previous outputs (an environment reads back its own), undefined when absent. */
    output(name: string): Promise<unknown>;
}

/** What an environment's resources module exports as `deploy`. */
export type DeployEnvironment<S extends KindSettings> = (settings: S, options: DeployOptions) => DeployedEnvironment | Promise<DeployedEnvironment>;

/**
 * Loads the chosen environment's resources module (its definition's `resources`) and deploys it
 * with the settings that definition read.
 */
export async function deployEnvironment<S extends KindSettings>(
    definition: EnvironmentDefinition<S["kind"], any, S>,
    settings: S,
    options: DeployOptions,
): Promise<DeployedEnvironment> {
    const module = (await import(definition.resources)) as { deploy?: DeployEnvironment<S> };
    if (typeof module.deploy !== "function") {
        throw new Error(`environment "${definition.kind}": ${definition.resources} must export deploy(settings, options) (environments/deployed.ts)`);
    }
    return module.deploy(settings, options);
}
