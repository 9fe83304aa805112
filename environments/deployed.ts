/**
 * What a deployed environment hands the app, and how the program deploys the environment a
 * stack's settings chose. Every environment returns the same `DeployedEnvironment`, which is why
 * the app never needs to know which one it runs in (the article's claim/volume split, in code).
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { configProblemsMessage } from "../core/config-keys";
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
    /**
     * What backs each claim `DeployOptions.restores` asked for, in the same order: a volume the
     * claim is bound to in advance (`volumeName`), or a snapshot it is made from (`dataSource`).
     * The app creates the claims from these, before its StatefulSet, which adopts them by name.
     * None from an environment that cannot restore (no `restoreSource` in its definition).
     */
    readonly restoredClaims?: readonly RestoredClaim[];
    /** Environment-specific stack outputs (cluster name, kube context, a secret kubeconfig). */
    readonly outputs: Record<string, pulumi.Output<unknown>>;
}

/**
 * One claim to fill from existing data (`sticky:restoreFrom`), as the program asks an
 * environment: the source in the environment's own form (its definition's `restoreSource` has
 * checked it), and the claim that will use it, by name only: the environment never learns whose.
 */
export interface RestoreRequest {
    /** The `sticky:restoreFrom` entry, for messages: `2=vol-0abc...`. */
    readonly entry: string;
    readonly source: string;
    readonly claim: { readonly namespace: string; readonly name: string };
    /** The size the claim will request (the claim-size plan's): the source must fit in it, or it in the source. */
    readonly size: string;
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
export class RestoreSourceError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(configProblemsMessage(problems));
        this.name = "RestoreSourceError";
    }
}

/** What every environment is deployed with besides its own settings. */
export interface DeployOptions {
    /** `sticky:protect`: protect what would strand data if deleted (cluster, storage driver, class). */
    readonly protect: boolean;
    /** What the stack deployed last time, from its own previous outputs; none for a fresh stack. */
    readonly history?: PreviousDeployment;
    /** Claims to back with existing data (`sticky:restoreFrom`); none unless asked. */
    readonly restores?: readonly RestoreRequest[];
}

/** The stack's previous deployment, as an environment may read it. */
export interface PreviousDeployment {
    /** The claims the app had (its `claimNames` output). */
    readonly claimNames: readonly string[];
    /** One of the stack's previous outputs (an environment reads back its own), undefined when absent. */
    output(name: string): Promise<unknown>;
}

/**
 * What an environment's resources module may export as `connect`, besides `deploy`: what
 * starts as soon as the program has read the stack's own history, before the checks that may
 * refuse the run (a smaller claim size, a restore into a claim the stack already made). Only its
 * provider and reads of what already exists (`Resource.get`): nothing that creates or changes
 * anything, since a refused run must leave the world as it was (tests/claim-growth.test.ts holds
 * the local environment to that). Not during the history's read: on a file backend that read
 * fails if the engine writes the state meanwhile (docs/speed.md, "Taken back"). `deploy` gets
 * back what `connect` returned; an environment whose provider needs resources first (EKS: its
 * cluster) has no `connect`.
 */
export type ConnectEnvironment<S extends KindSettings, C> = (settings: S) => C;

/**
 * What an environment's resources module exports as `deploy`. It may look at the world first
 * (a source's zone, a PersistentVolume's binding) and throw a `RestoreSourceError` before
 * creating anything, hence the promise. `connection` is what its `connect` returned
 * (`undefined` for a module without one).
 */
export type DeployEnvironment<S extends KindSettings, C = undefined> = (
    settings: S,
    options: DeployOptions,
    connection: C,
) => DeployedEnvironment | Promise<DeployedEnvironment>;

/** An environment connected (its module loaded, its `connect` run when it has one), not yet deployed. */
export interface ConnectedEnvironment<S extends KindSettings> {
    readonly kind: S["kind"];
    readonly settings: S;
    readonly deploy: DeployEnvironment<S, unknown>;
    readonly connection: unknown;
}

/**
 * Loads the chosen environment's resources module (its definition's `resources`) and runs its
 * `connect`, if it has one, with the settings that definition read.
 */
export async function connectEnvironment<S extends KindSettings>(definition: EnvironmentDefinition<S["kind"], any, S>, settings: S): Promise<ConnectedEnvironment<S>> {
    const { connect, deploy } = (await import(definition.resources)) as { connect?: ConnectEnvironment<S, unknown>; deploy?: DeployEnvironment<S, unknown> };
    if (typeof deploy !== "function") {
        throw new Error(`environment "${definition.kind}": ${definition.resources} must export deploy(settings, options) (environments/deployed.ts)`);
    }
    return { kind: definition.kind, settings, deploy, connection: connect?.(settings) };
}

/** Deploys a connected environment with the settings it was connected with. */
export async function deployEnvironment<S extends KindSettings>(connected: ConnectedEnvironment<S>, options: DeployOptions): Promise<DeployedEnvironment> {
    const deployed = await connected.deploy(connected.settings, options, connected.connection);
    // A request left unanswered would be a claim made empty where the stack asked for data.
    const asked = (options.restores ?? []).map((r) => r.claim.name).join(", ");
    const answered = (deployed.restoredClaims ?? []).map((c) => c.claimName).join(", ");
    if (asked !== answered) throw new Error(`environment "${connected.kind}": asked to restore [${asked}], answered [${answered}]`);
    return deployed;
}
