/**
 * What an environment is, as the registry lists it: its kind, its config keys, how they become
 * settings, the storage rule the policy pack applies outside dev stacks, and where its resources'
 * code is. Pure: no Pulumi import, not even of types, so settings.ts and the policy pack load
 * definitions without parsing any SDK (the pack compiles on every policy run). What a deployed
 * environment hands the app, and how it is deployed, is environments/deployed.ts.
 */
import type { ConfigKeys, SettingsContext, ValuesOf } from "../core/config-keys";
import type { StorageClass } from "../core/kubernetes";

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

/**
 * What `sticky:restoreFrom` may name in an environment: the form of one source (an EBS volume or
 * snapshot id, a PersistentVolume's name), checked before any resource. An environment without
 * one cannot restore, and a stack that asks it to is refused.
 */
export interface RestoreSourceRule {
    /** Whether a source has the right form (what it names is checked live when the stack deploys). */
    check(source: string): boolean;
    /** What is allowed, ending the message `sticky:restoreFrom = "<entry>": <allowed>`. */
    readonly allowed: string;
}

/** One kind an environment makes, as the pull-request review explains a change to it. */
export interface ReviewedKind {
    /** What to call it ("NodePool"). */
    readonly what: string;
    /** What an in-place update does. */
    readonly update: string;
    /** Fields whose update does nothing to what runs (`spec.limits`), and what to say then. */
    readonly harmless?: { readonly paths: RegExp; readonly update: string };
    /** What a delete or replace does (the review marks it as downtime). */
    readonly removal: string;
}

/** A resource the environment makes whose delete or replace loses something: what it is, what goes, and how bad. */
export interface ReviewedRemoval {
    /** What to call it ("EKS cluster"). */
    readonly what: string;
    /** What its delete or replace takes with it. */
    readonly loss: string;
    /** `data`: data can be lost; `downtime`: the service stops for a while. */
    readonly severity: "data" | "downtime";
}

/**
 * What the review (tools/review) must know of an environment, as plain data: the review knows no
 * environment by name.
 */
export interface ReviewNotes {
    readonly kinds?: Readonly<Record<string, ReviewedKind>>;
    /** Resources whose delete or replace the review explains, by type token. */
    readonly removals?: Readonly<Record<string, ReviewedRemoval>>;
    /**
     * Types that are the cluster: a preview that creates one has no API server to ask about what
     * goes inside it, and one that replaces or deletes one moves the app to another cluster.
     */
    readonly clusterTypes?: readonly string[];
    /**
     * The key that names an existing cluster the stack deploys to (`kubeContext`: the config key
     * `sticky:kubeContext` and the stack output of that name): a new value moves the app to
     * another cluster.
     */
    readonly clusterKey?: string;
}

/**
 * One claim to fill from existing data (a `sticky:restoreFrom` entry), as settings read it and the
 * program asks the environment: the source in the environment's own form (its definition's
 * `restoreSource` has checked it), and the claim that will use it.
 */
export interface RestoreRequest {
    /** The `sticky:restoreFrom` entry, for messages: `2=vol-0abc...`. */
    readonly entry: string;
    /** The pod whose claim it is. */
    readonly ordinal: number;
    readonly source: string;
    /** The claim, by name only: the environment never learns whose. */
    readonly claim: { readonly namespace: string; readonly name: string };
    /** The size the claim will request (every claim's, `sticky:storageSize`): the source must fit in it, or it in the source. */
    readonly size: string;
}

/** Every environment's settings carry the kind that chose them (`sticky:environment`). */
export interface KindSettings<Kind extends string = string> {
    readonly kind: Kind;
}

/**
 * One environment, as the registry lists it. All of it is data and pure functions: settings.ts
 * reads the keys and calls `settings`, the policy pack applies `storageRule`, tests/settings.test.ts
 * checks Pulumi.yaml against `keys`, and the program deploys it from `resources`.
 */
export interface EnvironmentDefinition<Kind extends string = string, Keys extends ConfigKeys = ConfigKeys, S extends KindSettings<Kind> = KindSettings<Kind>> {
    /** The value of `sticky:environment` that picks this environment: lowercase letters, digits, "-". */
    readonly kind: Kind;
    /** What it deploys to, in a few words ("a new EKS cluster"): the `sticky:environment` error and Pulumi.yaml list it. */
    readonly description: string;
    /**
     * The config keys this environment reads, by their name in the project's namespace
     * (`nodeCount` is `sticky:nodeCount`), each with its default, description and validation.
     * A name may be declared by several environments, each reading it for its own stacks with
     * its own meaning and default (`storageClassName`), never by the app too.
     */
    readonly keys: Keys;
    /**
     * The settings, from the keys' values (each already read and checked on its own). Checks that
     * look at several keys together report through `context.problem`; `parseSettings` throws before
     * the result is used when anything was reported.
     */
    settings(values: ValuesOf<Keys>, context: SettingsContext): S;
    /** What `sticky:restoreFrom` may name here; none: the environment cannot restore. */
    readonly restoreSource?: RestoreSourceRule;
    /** What claims outside dev stacks may use here; none: a dev-only environment. */
    readonly storageRule?: StorageRule;
    /**
     * Keys this environment read in earlier commits, by name, each with what replaced it: a stack
     * that still sets one is refused with that sentence, not left to believe it does something.
     */
    readonly retiredKeys?: Readonly<Record<string, string>>;
    /** What the pull-request review (tools/review) must know of the kinds this environment makes. */
    readonly review?: ReviewNotes;
    /** The largest claim its storage can make (`sticky:storageSize` above it is refused), and why. */
    readonly maxClaimSize?: { readonly size: string; readonly why: string };
    /**
     * The unit its storage makes volumes in (`sticky:storageSize` not a whole number of it is
     * refused), and why: a volume bigger than its claim says is capacity the claim reports but
     * never asked for, and a grow would wait for a capacity the driver never writes back.
     */
    readonly claimSizeStep?: { readonly size: string; readonly why: string };
    /**
     * The absolute path of the module that creates (or reads) the environment's resources,
     * `path.join(__dirname, "resources")`: it exports `deploy`, a `DeployEnvironment<S>`
     * (environments/deployed.ts). A path and not an `import()`: the module is loaded only when a
     * stack deploys here, and no compiler that reads this definition (the policy pack's, at every
     * policy run) follows it into @pulumi/aws or @pulumi/eks.
     */
    readonly resources: string;
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
