/**
 * What an environment is, in two halves:
 *
 * - `Environment`: what it hands the app once deployed (a provider, a class name, ...). Every
 *   environment returns this same shape, which is why the app never needs to know which one it
 *   runs in (the article's claim/volume separation, in code).
 * - `EnvironmentDefinition`: what a module registers in environments/registry.ts: its kind, its
 *   config keys, how they become settings, the storage rule the policy pack applies outside dev
 *   stacks, and a `deploy` that loads the module's Pulumi code only when a stack deploys there.
 *
 * Only types are imported here. A definition module is loaded by settings.ts and by the policy
 * pack, which must stay free of Pulumi's SDKs: @pulumi/aws and @pulumi/eks take seconds to load,
 * and a dev stack or a policy check has no use for them.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { StorageClass } from "../policy/kubernetes";
import type { AppSettings, ConfigKeys, SettingsContext, ValuesOf } from "../settings";

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

/**
 * What the claims of a stack outside the dev stacks (policy/policies.ts, `DEV_STACKS`) may use:
 * a StorageClass the stack itself creates that this rule accepts. The policy pack's
 * `production-storage-is-encrypted-gp3` accepts a class when any registered environment's rule
 * does. An environment without a rule is for dev stacks only.
 */
export interface StorageRule {
    /** The policy's description, after "every claim uses a StorageClass the stack creates: ". */
    readonly summary: string;
    /** The class claims must use, ending the violation "claims in stack "prod" must use <requirement>". */
    readonly requirement: string;
    /** What a refused class is not, as in `uses class "x", which is not <classKind>`. */
    readonly classKind: string;
    /** Why claims outside dev stacks may not use this class, one phrase each; [] when they may. */
    problems(storageClass: StorageClass): string[];
}

/** Every environment's settings carry the kind that chose them (`sticky:environment`). */
export interface KindSettings<Kind extends string = string> {
    readonly kind: Kind;
}

/**
 * One environment, as a module registers it. Everything but `deploy` is pure data and functions:
 * settings.ts reads the keys and calls `settings`, the policy pack applies `storageRule`, and
 * tests/settings.test.ts checks Pulumi.yaml against `keys`.
 */
export interface EnvironmentDefinition<Kind extends string = string, Keys extends ConfigKeys = ConfigKeys, S extends KindSettings<Kind> = KindSettings<Kind>> {
    /** The value of `sticky:environment` that picks this environment: lowercase letters, digits, "-". */
    readonly kind: Kind;
    /** What it deploys to, in a few words ("a new EKS cluster"): the `sticky:environment` error and Pulumi.yaml list it. */
    readonly description: string;
    /** What `sticky:storageClassName` names here (a class the cluster has, one the stack creates): Pulumi.yaml lists it. */
    readonly storageClassName: string;
    /**
     * The config keys only this environment reads, by their name in the project's namespace
     * (`nodeCount` is `sticky:nodeCount`), each with its default, description and validation.
     * A name belongs to one environment (settings.ts refuses a registry where two declare it).
     */
    readonly keys: Keys;
    /**
     * The settings, from the keys' values (each already read and checked on its own). Checks that
     * look at several keys together report through `context.problem`; `parseSettings` throws before
     * the result is used when anything was reported.
     */
    settings(values: ValuesOf<Keys>, context: SettingsContext): S;
    /** What claims outside dev stacks may use here; none: a dev-only environment. */
    readonly storageRule?: StorageRule;
    /**
     * Creates (or reads) the environment's resources and returns what the app needs. Import the
     * module's Pulumi code here, with `await import(...)`, never at the top of the definition:
     * that keeps it out of stacks that deploy elsewhere, of settings.ts and of the policy pack.
     */
    deploy(settings: S, app: AppSettings): Promise<Environment>;
}

/** Declares an environment; only here so TypeScript infers the kind, keys and settings types. */
export function defineEnvironment<Kind extends string, Keys extends ConfigKeys, S extends KindSettings<Kind>>(
    definition: EnvironmentDefinition<Kind, Keys, S>,
): EnvironmentDefinition<Kind, Keys, S> {
    return definition;
}

/** The environments a program knows: environments/registry.ts's, or a test's own list. */
// `any`: a list holds definitions of different settings types; each is checked where it is declared.
export type EnvironmentRegistry = readonly EnvironmentDefinition<string, any, any>[];

/** The settings type of one definition, or of a registry's (a union), by `kind`. */
export type SettingsOf<D> = D extends EnvironmentDefinition<string, any, infer S> ? S : never;
