/**
 * What a deployed environment hands the app, and how the program deploys the environment a
 * stack's settings chose. Every environment returns the same `DeployedEnvironment`, which is why
 * the app never needs to know which one it runs in (the article's claim/volume split, in code).
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { ConfigProblemsError } from "../core/config-keys";
import type { ZoneSpread } from "../core/kubernetes";
import type { PreviousDeployment } from "../core/previous-deployment";
import type { EnvironmentDefinition, KindSettings, RestoreRequest } from "./definition";

export type { PreviousDeployment } from "../core/previous-deployment";
export type { RestoreRequest } from "./definition";

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
     * How strictly the pods spread over zones (core/kubernetes.ts): `DoNotSchedule` where there
     * are zones and two pods must not share a zone's fate; none: `ScheduleAnyway`.
     */
    readonly zoneSpread?: ZoneSpread;
    /**
     * What backs each claim `DeployOptions.restores` asked for, one per request, matched by claim
     * name: a volume the claim is bound to in advance (`volumeName`), or a snapshot it is made from
     * (`dataSource`). The app creates the claims from these, before its StatefulSet, which adopts
     * them by name. None from an environment that cannot restore (no `restoreSource` in its definition).
     */
    readonly restoredClaims?: readonly RestoredClaim[];
    /** Environment-specific stack outputs (cluster name, kube context, a secret kubeconfig). */
    readonly outputs: Record<string, pulumi.Output<unknown>>;
}

/** What backs one restored claim (see `DeployedEnvironment.restoredClaims`). */
export interface RestoredClaim {
    /** The claim's name, as the request gave it. */
    readonly claimName: string;
    /** A PersistentVolume the claim is bound to in advance (`spec.volumeName`). */
    readonly volumeName?: pulumi.Input<string>;
    /** A snapshot the claim is made from (`spec.dataSource`). */
    readonly dataSource?: { readonly apiGroup: string; readonly kind: string; readonly name: pulumi.Input<string> };
    /** What must exist before the claim (the volume, the snapshot objects). */
    readonly dependsOn: pulumi.Resource[];
}

/**
 * A `sticky:restoreFrom` source the environment found unusable when it looked (a volume in
 * another zone, a PersistentVolume bound to another claim), before any resource was created.
 * Each problem names the key, the entry and what would work; the program stops with them.
 */
export class RestoreSourceError extends ConfigProblemsError {
    constructor(problems: readonly string[]) {
        super(problems);
        this.name = "RestoreSourceError";
    }
}

/** What every environment is deployed with besides its own settings. */
export interface DeployOptions {
    /** `sticky:protect`: protect what would strand data if deleted (cluster, storage driver, class). */
    readonly protect: boolean;
    /** The stack's previous deployment, from its own outputs; none for a fresh stack. */
    readonly history?: PreviousDeployment;
    /** Claims to back with existing data (`sticky:restoreFrom`); none unless asked. */
    readonly restores?: readonly RestoreRequest[];
}

/**
 * What an environment's resources module exports as `deploy`. It runs after the program's plan
 * has accepted the run, so it may create; it may also look at the world first (a source's zone,
 * a PersistentVolume's binding) and throw a `RestoreSourceError` before creating anything, hence
 * the promise.
 */
export type DeployEnvironment<S extends KindSettings> = (settings: S, options: DeployOptions) => DeployedEnvironment | Promise<DeployedEnvironment>;

/**
 * Loads the chosen environment's resources module (its definition's `resources`) and deploys it
 * with the settings that definition read. Every restore asked for must be answered.
 */
export async function deployEnvironment<S extends KindSettings>(definition: EnvironmentDefinition<S["kind"], any, S>, settings: S, options: DeployOptions): Promise<DeployedEnvironment> {
    const { deploy } = (await import(definition.resources)) as { deploy?: DeployEnvironment<S> };
    if (typeof deploy !== "function") {
        throw new Error(`environment "${definition.kind}": ${definition.resources} must export deploy(settings, options) (environments/deployed.ts)`);
    }
    const deployed = await deploy(settings, options);
    // A request left unanswered would be a claim made empty where the stack asked for data.
    const asked = (options.restores ?? []).map((r) => r.claim.name).sort().join(", ");
    const answered = (deployed.restoredClaims ?? []).map((c) => c.claimName).sort().join(", ");
    if (asked !== answered) throw new Error(`environment "${definition.kind}": asked to restore [${asked}], answered [${answered}]`);
    return deployed;
}
