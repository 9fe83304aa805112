/**
 * Stack configuration, typed and validated.
 *
 * Pure: it imports nothing from Pulumi and reads config only through the `read` function it is
 * given, so the tests can feed it tables of values without an engine. `parseSettings` either
 * returns complete settings, the chosen environment's definition bound to its own, or throws one
 * `ConfigProblemsError` listing every bad key, its value and what is allowed; `readSettings`
 * returns the same with the problems, for a caller that checks more before it stops.
 *
 * Which keys there are: the app's (below, with the defaults StickyApp owns),
 * `sticky:environment`, and the keys of each environment in environments/registry.ts, which its
 * definition declares with their defaults, descriptions and validation (the StorageClass name
 * among them: what it names is the environment's business). A stack reads the app's keys and its
 * own environment's, never another's. `Pulumi.yaml` declares every key again for `pulumi config`
 * and reviewers; tests/settings.test.ts keeps the two in step (`documentedKeys` is what it must say).
 */
import { ConfigParser, ConfigProblemsError, fullKeyOf, isDefault, orList, projectKey, type ConfigKey, type ConfigReader, type SettingsContext, type SettingsInputs, type StringKey } from "../core/config-keys";
import { APP_NAME, APP_NAMESPACE, claimName, REPLICAS, STICKY_APP_DEFAULTS } from "../components/sticky-app-contract";
import { imageReferenceProblem } from "../core/image-reference";
import { canonicalBytes, isStorageQuantity, quantityBytes } from "../core/quantity";
import type { EnvironmentDefinition, EnvironmentRegistry, KindSettings, RestoreRequest, SettingsOf } from "../environments/definition";
import { ENVIRONMENTS } from "../environments/registry";

// ---------------------------------------------------------------------------------------------
// The app's keys.

/** What the app needs, whatever the environment. */
export interface AppSettings {
    readonly replicas: number;
    readonly image: string;
    readonly storageSize: string;
    readonly servicePort: number;
    /** Protect the resources whose loss would strand data (`protect` resource option). */
    readonly protect: boolean;
    /**
     * Pods whose claim starts from existing data (`sticky:restoreFrom`), by ordinal, each once and
     * below `replicas`, as the environment is asked for them.
     */
    readonly restoreFrom: readonly RestoreRequest[];
}

/** `<ordinal>=<source>`: the ordinal without leading zeros, the source without spaces. */
const RESTORE_ENTRY = /^(0|[1-9]\d{0,2})=(\S+)$/;

/** The app's keys, with StickyApp's own defaults. */
export const APP_KEYS = {
    replicas: {
        type: "integer",
        default: STICKY_APP_DEFAULTS.replicas,
        min: REPLICAS.min,
        max: REPLICAS.max,
        description: `Pods in the StatefulSet, each with its own claim (${REPLICAS.min} to ${REPLICAS.max}).`,
        allowed: `must be a positive integer (${REPLICAS.min} to ${REPLICAS.max} pods)`,
    },
    image: {
        type: "string",
        default: STICKY_APP_DEFAULTS.image,
        description: "The nginx image, pinned: a tag other than latest, or a sha256 digest.",
        check: (value: string) => imageReferenceProblem(value) === undefined,
        reason: imageReferenceProblem,
        allowed:
            'must be an image reference pinned by a tag other than "latest" or by a digest, e.g. "docker.io/library/nginx:1.30.1-alpine" ' +
            'or "docker.io/library/nginx@sha256:<64 hexadecimal digits>"',
    },
    storageSize: {
        type: "string",
        default: STICKY_APP_DEFAULTS.storageSize,
        description:
            "Size of each pod's claim, a Kubernetes quantity. Bigger grows the existing claims where the StorageClass allows volume expansion " +
            "(else they keep their size and only new claims get it); smaller is refused. See docs/storage-size.md.",
        check: isStorageQuantity,
        allowed: 'must be a positive Kubernetes quantity such as "1Gi", "500Mi" or "10G"',
    },
    servicePort: {
        type: "integer",
        default: STICKY_APP_DEFAULTS.servicePort,
        min: 1,
        max: 65535,
        description: "Port of the LoadBalancer Service (1 to 65535).",
        allowed: "must be a TCP port, 1 to 65535",
    },
    protect: {
        type: "boolean",
        default: STICKY_APP_DEFAULTS.protect,
        description: "Protect the cluster, storage driver, StorageClass and app from deletion and replacement by Pulumi.",
    },
    restoreFrom: {
        type: "array",
        default: [],
        description:
            'Claims that start from existing data, as "<ordinal>=<source>": claim sticky-data-sticky-<ordinal> is made bound to the source ' +
            "before the StatefulSet, which adopts it (eks: an EBS volume id vol-... or snapshot id snap-...; local: a PersistentVolume's name). " +
            "See docs/prod-on-eks.md#restore-into-a-new-cluster.",
        check: (value: string) => RESTORE_ENTRY.test(value),
        allowed: 'each must be "<ordinal>=<source>", e.g. "2=vol-0123456789abcdef0" (eks) or "2=my-old-volume" (local)',
    },
} as const satisfies Readonly<Record<string, ConfigKey>>;

// ---------------------------------------------------------------------------------------------
// Settings.

/** The settings of the registered environments, one type per kind. */
export type EnvironmentSettings = SettingsOf<(typeof ENVIRONMENTS)[number]>;

/** A stack's settings: the app's, and the chosen environment's with the definition that read them. */
export interface Settings<Environment extends KindSettings = EnvironmentSettings> {
    readonly app: AppSettings;
    readonly environment: Environment;
    /** The registry's entry for `environment.kind`: what deploys it. */
    readonly definition: EnvironmentDefinition<Environment["kind"], any, Environment>;
}

/** `sticky:environment`: one of the registered kinds, each explained in the error. */
function environmentKey(environments: EnvironmentRegistry): StringKey {
    const kinds = environments.map((e) => e.kind);
    return {
        type: "string",
        description: `Where the app runs: ${orList(environments.map((e) => `"${e.kind}" (${e.description})`))}. Required, no default.`,
        check: (value) => kinds.includes(value),
        allowed:
            `must be one of ${kinds.map((kind) => JSON.stringify(kind)).join(", ")} ` +
            `(${environments.map((e) => `${JSON.stringify(e.kind)}: ${e.description}`).join("; ")})`,
    };
}

/**
 * Mistakes in a registry itself (not in a stack's config): kinds must be unique and usable as a
 * config value; a key belongs to the app or to environments, never both; and a name several
 * environments declare (each reading it for its own stacks only, as `storageClassName`) must have
 * one type, since Pulumi.yaml declares it once.
 */
export function registryProblems(environments: EnvironmentRegistry): string[] {
    const problems: string[] = [];
    const appKeys = new Set<string>([projectKey("environment"), ...Object.entries<ConfigKey>(APP_KEYS).map(([name, key]) => fullKeyOf(name, key))]);
    const declared = new Map<string, { kind: string; type: ConfigKey["type"] }>();
    const kinds = new Set<string>();
    for (const environment of environments) {
        if (!/^[a-z][a-z0-9-]*$/.test(environment.kind)) {
            problems.push(`kind ${JSON.stringify(environment.kind)}: must be lowercase letters, digits and "-", starting with a letter`);
        }
        if (kinds.has(environment.kind)) problems.push(`kind ${JSON.stringify(environment.kind)} is registered twice`);
        kinds.add(environment.kind);
        for (const [name, key] of Object.entries<ConfigKey>(environment.keys)) {
            const fullKey = fullKeyOf(name, key);
            if (appKeys.has(fullKey)) {
                problems.push(`${fullKey} is declared by the app and by "${environment.kind}": give "${environment.kind}"'s key a name of its own`);
                continue;
            }
            const first = declared.get(fullKey);
            if (first !== undefined && first.type !== key.type) {
                problems.push(
                    `${fullKey} is of type ${first.type} for "${first.kind}" and ${key.type} for "${environment.kind}": ` +
                        `Pulumi.yaml declares it once, so give it one type or "${environment.kind}"'s key a name of its own`,
                );
            }
            if (first === undefined) declared.set(fullKey, { kind: environment.kind, type: key.type });
        }
    }
    return problems;
}

/**
 * Keys of other environments set on this stack. They would do nothing here, and a stack file
 * that says `sticky:nodeCount: "5"` on a laptop stack, or `sticky:kubeContext` on an EKS one,
 * misleads whoever reads or edits it, so they are errors. A value equal to the key's default is
 * not reported: Pulumi hands every stack Pulumi.yaml's defaults, and a default does nothing
 * either. Keys of other packages (`aws:region`) are theirs to read and are left alone.
 */
function checkForeignKeys(parser: ConfigParser, chosen: EnvironmentDefinition, environments: EnvironmentRegistry): void {
    for (const other of environments) {
        if (other.kind === chosen.kind) continue;
        for (const [name, key] of Object.entries<ConfigKey>(other.keys)) {
            // Another package's key, or a name the chosen environment reads too (its own meaning).
            if (key.fullKey !== undefined || name in chosen.keys) continue;
            const fullKey = projectKey(name);
            const raw = parser.raw(fullKey);
            if (raw === undefined || isDefault(key, raw)) continue;
            parser.problem(
                `${fullKey} = ${JSON.stringify(raw)}: only "${other.kind}" stacks read it, and this stack's ${projectKey("environment")} ` +
                    `is "${chosen.kind}"; remove it (\`pulumi config rm ${fullKey}\`), or set ${projectKey("environment")} to "${other.kind}"`,
            );
        }
    }
}

/**
 * What the chosen environment says of keys it no longer reads (each refused with what replaced
 * it), of the largest claim its storage can make and of the unit it makes volumes in.
 */
function checkEnvironmentLimits(parser: ConfigParser, chosen: EnvironmentDefinition, storageSize: string): void {
    for (const [name, replacement] of Object.entries(chosen.retiredKeys ?? {})) {
        const fullKey = projectKey(name);
        const raw = parser.raw(fullKey);
        if (raw !== undefined) parser.problem(`${fullKey} = ${JSON.stringify(raw)}: no longer read (${replacement}); remove it (\`pulumi config rm ${fullKey}\`)`);
    }
    const max = chosen.maxClaimSize;
    const bytes = quantityBytes(storageSize);
    if (max !== undefined && bytes !== undefined && bytes > (quantityBytes(max.size) ?? Infinity) && !parser.hasProblem(projectKey("storageSize"))) {
        parser.problem(`${projectKey("storageSize")} = ${JSON.stringify(storageSize)}: more than ${max.size}, ${max.why}; choose ${max.size} or less`);
    }
    const step = chosen.claimSizeStep;
    const stepBytes = step === undefined ? undefined : quantityBytes(step.size);
    if (step !== undefined && stepBytes !== undefined && bytes !== undefined && bytes % stepBytes !== 0 && !parser.hasProblem(projectKey("storageSize"))) {
        parser.problem(
            `${projectKey("storageSize")} = ${JSON.stringify(storageSize)}: not a whole number of ${step.size} (${step.why}: the volume would be bigger than the claim says); ` +
                `choose a multiple of ${step.size} such as ${JSON.stringify(canonicalBytes(Math.ceil(bytes / stepBytes) * stepBytes))}`,
        );
    }
}

/**
 * Names several environments declare with defaults of their own are declared in Pulumi.yaml
 * with `default: ""` (the CLI requires a declared key without a default on every stack), and
 * an empty value of such a key reads as unset: the environment's own default.
 */
function sharedKeysEmptyAsUnset(read: ConfigReader, environments: EnvironmentRegistry): ConfigReader {
    const declaredBy = new Map<string, number>();
    for (const environment of environments) {
        for (const [name, key] of Object.entries<ConfigKey>(environment.keys)) {
            const fullKey = fullKeyOf(name, key);
            declaredBy.set(fullKey, (declaredBy.get(fullKey) ?? 0) + 1);
        }
    }
    return (fullKey) => {
        const raw = read(fullKey);
        return raw === "" && (declaredBy.get(fullKey) ?? 0) > 1 ? undefined : raw;
    };
}

const RESTORE_KEY = projectKey("restoreFrom");

/**
 * `sticky:restoreFrom`'s entries, each already of the form `<ordinal>=<source>`: an ordinal must
 * be a pod of `sticky:replicas` and appear once (a claim has one source), and the source must
 * have the chosen environment's form. What the source names (its zone, its binding) is the
 * environment's to check when the stack deploys, still before any resource. Each accepted entry
 * is a request for the app's claim of that pod, at every claim's size.
 */
function restoreRequests(parser: ConfigParser, entries: readonly string[], replicas: number, size: string, definition: EnvironmentDefinition): RestoreRequest[] {
    const restores: RestoreRequest[] = [];
    const rule = definition.restoreSource;
    for (const entry of entries) {
        const [, ordinalText, source] = RESTORE_ENTRY.exec(entry)!;
        const ordinal = Number(ordinalText);
        const at = `${RESTORE_KEY} = ${JSON.stringify(entry)}`;
        if (rule === undefined) {
            parser.problem(`${at}: "${definition.kind}" stacks cannot restore claims; remove it (\`pulumi config rm ${RESTORE_KEY}\`)`);
        } else if (ordinal >= replicas && !parser.hasProblem(projectKey("replicas"))) {
            parser.problem(
                `${at}: pod ${ordinal} does not exist with ${projectKey("replicas")} = ${replicas} (ordinals 0 to ${replicas - 1}); ` +
                    `restore into an ordinal below ${replicas}, or raise ${projectKey("replicas")}`,
            );
        } else if (restores.some((r) => r.ordinal === ordinal)) {
            parser.problem(`${at}: ordinal ${ordinal} is listed twice (a claim is restored from one source); keep one entry`);
        } else if (!rule.check(source)) {
            parser.problem(`${at}: ${rule.allowed}`);
        } else {
            restores.push({ entry, ordinal, source, claim: { namespace: APP_NAMESPACE, name: claimName(APP_NAME, ordinal) }, size });
        }
    }
    return restores;
}

/**
 * What a stack's configuration says, with every problem found: `settings` is missing only when
 * `sticky:environment` names no registered environment (then no environment's keys are read).
 * Where a key has a problem its value is a placeholder: a caller that goes on checking (the run's
 * plan, stack/plan.ts) asks `hasProblem` first, and never deploys with problems.
 */
export interface SettingsRead<Environment extends KindSettings = EnvironmentSettings> {
    readonly settings?: Settings<Environment>;
    readonly problems: readonly string[];
    /** Whether a key (`sticky:storageSize`) already has a problem. */
    hasProblem(fullKey: string): boolean;
}

/**
 * Reads every key and collects every problem, without throwing for bad configuration (a
 * mistake in the registry itself still throws). `environments` is the registry's list unless a
 * test passes its own.
 */
export function readSettings<Registry extends EnvironmentRegistry = typeof ENVIRONMENTS>(
    read: ConfigReader,
    environments: Registry = ENVIRONMENTS as EnvironmentRegistry as Registry,
    inputs: SettingsInputs = {},
): SettingsRead<SettingsOf<Registry[number]>> {
    const mistakes = registryProblems(environments);
    if (mistakes.length > 0) throw new Error(`The environment registry is inconsistent:\n${mistakes.map((m) => `  - ${m}`).join("\n")}`);

    const parser = new ConfigParser(sharedKeysEmptyAsUnset(read, environments));
    const hasProblem = (fullKey: string) => parser.hasProblem(fullKey);
    const kind = parser.value(projectKey("environment"), environmentKey(environments));
    const { restoreFrom, ...appValues } = parser.values(APP_KEYS);

    // An unknown or missing kind is reported above, and then no environment's keys are read:
    // guessing one would report problems with keys the stack may not mean to have.
    const definition = environments.find((e) => e.kind === kind);
    if (definition === undefined) return { problems: parser.problems, hasProblem };

    const context: SettingsContext = {
        problem: (message) => parser.problem(message),
        hasProblem: (name) => parser.hasProblem(fullKeyOf(name, definition.keys[name])),
        key: (name) => fullKeyOf(name, definition.keys[name]),
        today: inputs.today,
        warn: (message) => inputs.warn?.(message),
    };
    const environment: SettingsOf<Registry[number]> = definition.settings(parser.values(definition.keys), context);
    checkForeignKeys(parser, definition, environments);
    checkEnvironmentLimits(parser, definition, appValues.storageSize);
    const restores = parser.hasProblem(RESTORE_KEY) ? [] : restoreRequests(parser, restoreFrom, appValues.replicas, appValues.storageSize, definition);
    const app: AppSettings = { ...appValues, restoreFrom: restores };
    return { settings: { app, environment, definition }, problems: parser.problems, hasProblem };
}

/**
 * Turns stack configuration into typed settings, or throws a `ConfigProblemsError` that lists
 * every problem.
 */
export function parseSettings<Registry extends EnvironmentRegistry = typeof ENVIRONMENTS>(
    read: ConfigReader,
    environments: Registry = ENVIRONMENTS as EnvironmentRegistry as Registry,
    inputs: SettingsInputs = {},
): Settings<SettingsOf<Registry[number]>> {
    const { settings, problems } = readSettings(read, environments, inputs);
    if (settings === undefined || problems.length > 0) throw new ConfigProblemsError(problems);
    return settings;
}

/** A Pulumi.yaml `config:` entry. */
export interface DocumentedKey {
    readonly type: ConfigKey["type"];
    readonly items?: { readonly type: "string" };
    readonly description: string;
    readonly default?: ConfigKey["default"];
}

/**
 * What Pulumi.yaml's `config:` block must declare, by key name: `environment`, the app's keys and
 * every registered environment's own (`<kind> only: ...`), each with its type, description and
 * default. A name several environments declare is one entry that says what each reads it as,
 * with their default when they share one, else `""`: Pulumi.yaml's default reaches every stack,
 * and an empty value reads as each environment's own default (the CLI refuses a declared key
 * without a default on a stack that leaves it unset). tests/settings.test.ts compares it with the file.
 */
export function documentedKeys(environments: EnvironmentRegistry = ENVIRONMENTS): Record<string, DocumentedKey> {
    const documented = (key: ConfigKey, description: string, withDefault: boolean | ""): DocumentedKey => ({
        type: key.type,
        ...(key.type === "array" ? { items: { type: "string" } } : {}),
        description,
        ...(withDefault === "" ? { default: "" } : !withDefault || key.default === undefined ? {} : { default: key.default }),
    });
    const environment = environmentKey(environments);
    const keys: Record<string, DocumentedKey> = { environment: documented(environment, environment.description, false) };
    for (const [name, key] of Object.entries<ConfigKey>(APP_KEYS)) keys[name] = documented(key, key.description, true);

    const owners = new Map<string, { kind: string; key: ConfigKey }[]>();
    for (const environment of environments) {
        for (const [name, key] of Object.entries<ConfigKey>(environment.keys)) {
            if (key.fullKey === undefined) owners.set(name, [...(owners.get(name) ?? []), { kind: environment.kind, key }]);
        }
    }
    for (const [name, declarations] of owners) {
        const [first] = declarations;
        if (declarations.length === 1) {
            keys[name] = documented(first.key, `${first.kind} only: ${first.key.description}`, true);
            continue;
        }
        const sameDefault = declarations.every((d) => JSON.stringify(d.key.default) === JSON.stringify(first.key.default));
        const meanings = declarations.map((d) =>
            `${d.kind}: ${d.key.description}${sameDefault || d.key.default === undefined ? "" : ` Default ${JSON.stringify(d.key.default)}.`}`,
        );
        keys[name] = documented(first.key, sameDefault ? meanings.join(" ") : `${meanings.join(" ")} Empty: the environment's own default.`, sameDefault || "");
    }
    return keys;
}
