/**
 * Stack configuration, typed and validated.
 *
 * This module is pure: it imports nothing from Pulumi and reads config only through the
 * `read` function it is given, so the tests can feed it tables of values without an engine.
 * `parseSettings` either returns complete settings or throws one `SettingsError` listing
 * every bad key, its value and what is allowed, before the program registers any resource.
 *
 * Which keys there are: the app's (below, with the defaults StickyApp owns),
 * `sticky:environment`, and the keys of each environment in environments/registry.ts, which its
 * module declares with their defaults, descriptions and validation. A stack reads the app's keys
 * and its own environment's, never another's. `Pulumi.yaml` declares every key again, with the
 * same default, for `pulumi config` and reviewers; tests/settings.test.ts keeps the two in step
 * (`documentedKeys` is what it must say).
 */
import { STICKY_APP_DEFAULTS } from "./components/sticky-app-defaults";
import type { EnvironmentDefinition, EnvironmentRegistry, KindSettings, SettingsOf } from "./environments/environment";
import { ENVIRONMENTS } from "./environments/registry";

/** The project's config namespace: keys are `sticky:<name>`. */
export const PROJECT = "sticky";

// ---------------------------------------------------------------------------------------------
// How a key is declared (by the app here, by an environment in its module).

interface KeyBase<T> {
    /** What the key does, as Pulumi.yaml describes it (an environment's key after "<kind> only: "). */
    readonly description: string;
    /** The value when the key is unset, as Pulumi.yaml's `default`. None: the key must be set. */
    readonly default?: T;
    /**
     * The full name of a key outside the project's namespace (`aws:region`, which the AWS provider
     * reads too). Pulumi.yaml does not declare it: it is the other package's key.
     */
    readonly fullKey?: string;
}

export interface StringKey extends KeyBase<string> {
    readonly type: "string";
    readonly check: (value: string) => boolean;
    /** What is allowed, ending the message `sticky:<name> = "<value>": <allowed>`. */
    readonly allowed: string;
}

/** A whole number from `min` to `max` (and passing `check`, when given). */
export interface IntegerKey extends KeyBase<number> {
    readonly type: "integer";
    readonly min: number;
    readonly max: number;
    readonly check?: (value: number) => boolean;
    readonly allowed: string;
}

/** `true` or `false`. */
export interface BooleanKey extends KeyBase<boolean> {
    readonly type: "boolean";
}

/** A list of strings (set with `pulumi config set --path 'sticky:<name>[0]' ...` or as JSON). */
export interface StringListKey extends KeyBase<readonly string[]> {
    readonly type: "array";
    /** The rule for each element. */
    readonly check: (value: string) => boolean;
    readonly allowed: string;
}

export type ConfigKey = StringKey | IntegerKey | BooleanKey | StringListKey;

/** Keys by their name in the project's namespace: `replicas` is `sticky:replicas`. */
export type ConfigKeys = Readonly<Record<string, ConfigKey>>;

interface ValueTypes {
    string: string;
    integer: number;
    boolean: boolean;
    array: readonly string[];
}

/** The values a set of keys yields, by the same names. */
export type ValuesOf<Keys extends ConfigKeys> = { readonly [Name in keyof Keys]: ValueTypes[Keys[Name]["type"]] };

/** What an environment's `settings` may do besides reading its values: report checks across keys. */
export interface SettingsContext {
    /** Records a problem found by looking at several keys together. */
    problem(message: string): void;
    /** Whether one of the environment's keys (by name) was already reported, so a check does not report it twice. */
    hasProblem(name: string): boolean;
    /** A key's full name, for messages: `key("nodeCount")` is `sticky:nodeCount`. */
    key(name: string): string;
}

// ---------------------------------------------------------------------------------------------
// The app's keys.

// A Kubernetes resource quantity (k8s.io/apimachinery/pkg/api/resource), restricted to plain
// positive numbers with an optional binary or decimal suffix, which is what a volume size is.
const QUANTITY = /^(?:\d+(?:\.\d+)?|\.\d+)(?:Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
// RFC 1123 subdomain, the rule for StorageClass names.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** What the app needs, whatever the environment. */
export interface AppSettings {
    readonly replicas: number;
    readonly image: string;
    readonly storageSize: string;
    readonly servicePort: number;
    readonly storageClassName: string;
    /** Protect the resources whose loss would strand data (`protect` resource option). */
    readonly protect: boolean;
}

/** The app's keys, with StickyApp's own defaults (but the class, which depends on the cluster). */
export const APP_KEYS = {
    replicas: {
        type: "integer",
        default: STICKY_APP_DEFAULTS.replicas,
        min: 1,
        max: 100,
        description: "Pods in the StatefulSet, each with its own claim (1 to 100).",
        allowed: "must be a positive integer (1 to 100 pods)",
    },
    image: {
        type: "string",
        default: STICKY_APP_DEFAULTS.image,
        description: "The nginx image, pinned to a version.",
        check: (value: string) => value.trim() !== "" && !/\s/.test(value),
        allowed: 'must be a container image reference without spaces, e.g. "docker.io/library/nginx:1.30.1-alpine"',
    },
    storageSize: {
        type: "string",
        default: STICKY_APP_DEFAULTS.storageSize,
        description: "Size of each pod's claim, a Kubernetes quantity. Changing it replaces the StatefulSet; existing claims keep their size.",
        check: (value: string) => QUANTITY.test(value) && parseFloat(value) > 0,
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
    storageClassName: {
        type: "string",
        // Docker Desktop's built-in class: the laptop is where a stack starts.
        default: "hostpath",
        // Pulumi.yaml adds what the name means in each environment (`documentedKeys`).
        description: "StorageClass of the claims.",
        check: (value: string) => value.length <= 253 && DNS_SUBDOMAIN.test(value),
        allowed: 'must be a StorageClass name (lowercase letters, digits, "-" and "."), e.g. "hostpath", "standard", "gp3"',
    },
    protect: {
        type: "boolean",
        default: STICKY_APP_DEFAULTS.protect,
        description: "Protect the cluster, storage driver, StorageClass and app from deletion and replacement by Pulumi.",
    },
} as const satisfies ConfigKeys;

// ---------------------------------------------------------------------------------------------
// Settings.

/** The settings of the registered environments, one type per kind. */
export type EnvironmentSettings = SettingsOf<(typeof ENVIRONMENTS)[number]>;

export interface Settings<Environment extends KindSettings = EnvironmentSettings> {
    readonly app: AppSettings;
    readonly environment: Environment;
}

/** Reads one fully qualified key (`sticky:replicas`, `aws:region`); `undefined` when unset. */
export type ConfigReader = (key: string) => string | undefined;

/** Bad stack configuration: every problem found, each naming key, value and what is allowed. */
export class SettingsError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); ` +
                `nothing was deployed or changed:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
        this.name = "SettingsError";
    }
}

const projectKey = (name: string) => `${PROJECT}:${name}`;
const fullKeyOf = (name: string, key: ConfigKey | undefined) => key?.fullKey ?? projectKey(name);
const BOOLEAN_ALLOWED = "must be true or false";

/**
 * Collects problems while reading keys, so one run reports every bad value at once.
 * Each read returns a usable placeholder after recording a problem; `parseSettings`
 * throws before any placeholder can escape.
 */
class SettingsParser {
    readonly problems: string[] = [];
    private readonly reported = new Set<string>();

    constructor(private readonly read: ConfigReader) {}

    private fail(fullKey: string, problem: string): void {
        this.reported.add(fullKey);
        this.problems.push(`${fullKey}${problem}`);
    }

    private invalid(fullKey: string, value: string, allowed: string): void {
        this.fail(fullKey, ` = ${JSON.stringify(value)}: ${allowed}`);
    }

    /** One key's value, its default when unset; a problem when it is unset without one, or invalid. */
    value(fullKey: string, key: ConfigKey): ValueTypes[ConfigKey["type"]] {
        const raw = this.read(fullKey);
        if (raw === undefined) {
            if (key.default !== undefined) return key.default;
            this.fail(fullKey, ` is not set: ${key.type === "boolean" ? BOOLEAN_ALLOWED : key.allowed}`);
            return key.type === "string" ? "" : key.type === "integer" ? key.min : key.type === "boolean" ? false : [];
        }
        switch (key.type) {
            case "string":
                if (!key.check(raw)) this.invalid(fullKey, raw, key.allowed);
                return raw;
            case "integer": {
                const n = /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
                if (!Number.isSafeInteger(n) || n < key.min || n > key.max || !(key.check?.(n) ?? true)) {
                    this.invalid(fullKey, raw, key.allowed);
                    return key.default ?? key.min;
                }
                return n;
            }
            case "boolean":
                if (raw === "true" || raw === "false") return raw === "true";
                this.invalid(fullKey, raw, BOOLEAN_ALLOWED);
                return key.default ?? false;
            case "array": {
                let parsed: unknown;
                try {
                    parsed = JSON.parse(raw);
                } catch {
                    parsed = undefined;
                }
                if (!Array.isArray(parsed) || !parsed.every((v): v is string => typeof v === "string")) {
                    this.invalid(fullKey, raw, `must be a list of strings; ${key.allowed}`);
                    return [];
                }
                const bad = parsed.filter((v) => !key.check(v));
                if (bad.length > 0) this.invalid(fullKey, raw, `${bad.map((b) => JSON.stringify(b)).join(", ")}: ${key.allowed}`);
                return parsed;
            }
        }
    }

    /** Every key of a set, by name. */
    values<Keys extends ConfigKeys>(keys: Keys): ValuesOf<Keys> {
        const values = Object.fromEntries(Object.entries(keys).map(([name, key]) => [name, this.value(fullKeyOf(name, key), key)]));
        return values as ValuesOf<Keys>;
    }

    /** Whether a key already has a problem. */
    hasProblem(fullKey: string): boolean {
        return this.reported.has(fullKey);
    }

    /** Records a problem found by looking at several keys together. */
    problem(message: string): void {
        this.problems.push(message);
    }

    /** The raw value of a key, for checks that do not validate it. */
    raw(fullKey: string): string | undefined {
        return this.read(fullKey);
    }
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

/** `a`, `a or b`, `a, b or c`. */
function orList(items: string[]): string {
    return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/**
 * Mistakes in a registry itself (not in a stack's config): kinds must be unique and usable as a
 * config value, and each key must belong to one owner, the app or one environment, or one
 * environment would read another's value.
 */
export function registryProblems(environments: EnvironmentRegistry): string[] {
    const problems: string[] = [];
    const owners = new Map<string, string>([[projectKey("environment"), "the app"]]);
    for (const [name, key] of Object.entries(APP_KEYS)) owners.set(fullKeyOf(name, key), "the app");
    const kinds = new Set<string>();
    for (const environment of environments) {
        if (!/^[a-z][a-z0-9-]*$/.test(environment.kind)) {
            problems.push(`kind ${JSON.stringify(environment.kind)}: must be lowercase letters, digits and "-", starting with a letter`);
        }
        if (kinds.has(environment.kind)) problems.push(`kind ${JSON.stringify(environment.kind)} is registered twice`);
        kinds.add(environment.kind);
        for (const [name, key] of Object.entries<ConfigKey>(environment.keys)) {
            const fullKey = fullKeyOf(name, key);
            const owner = owners.get(fullKey);
            if (owner !== undefined) {
                problems.push(`${fullKey} is declared by ${owner} and by "${environment.kind}": give "${environment.kind}"'s key a name of its own`);
            }
            owners.set(fullKey, `"${environment.kind}"`);
        }
    }
    return problems;
}

/** Whether a raw config value is the key's default (Pulumi.yaml's defaults reach every stack). */
function isDefault(key: ConfigKey, raw: string): boolean {
    if (key.default === undefined) return false;
    if (key.type !== "array") return raw.trim() === String(key.default);
    try {
        const parsed: unknown = JSON.parse(raw);
        return JSON.stringify(parsed) === JSON.stringify(key.default);
    } catch {
        return false;
    }
}

/**
 * Keys of other environments set on this stack. They would do nothing here, and a stack file
 * that says `sticky:nodeCount: "5"` on a laptop stack, or `sticky:kubeContext` on an EKS one,
 * misleads whoever reads or edits it, so they are errors. A value equal to the key's default is
 * not reported: Pulumi hands every stack Pulumi.yaml's defaults, and a default does nothing
 * either. Keys of other packages (`aws:region`) are theirs to read and are left alone.
 */
function checkForeignKeys(parser: SettingsParser, chosen: EnvironmentDefinition, environments: EnvironmentRegistry): void {
    for (const other of environments) {
        if (other.kind === chosen.kind) continue;
        for (const [name, key] of Object.entries<ConfigKey>(other.keys)) {
            if (key.fullKey !== undefined) continue;
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
 * Turns stack configuration into typed settings, or throws a `SettingsError` that lists every
 * problem. Call it before creating any resource. `environments` is the registry's list unless a
 * test passes its own.
 */
export function parseSettings<Registry extends EnvironmentRegistry = typeof ENVIRONMENTS>(
    read: ConfigReader,
    environments: Registry = ENVIRONMENTS as EnvironmentRegistry as Registry,
): Settings<SettingsOf<Registry[number]>> {
    const mistakes = registryProblems(environments);
    if (mistakes.length > 0) throw new Error(`The environment registry is inconsistent:\n${mistakes.map((m) => `  - ${m}`).join("\n")}`);

    const parser = new SettingsParser(read);
    const kind = parser.value(projectKey("environment"), environmentKey(environments));
    const app: AppSettings = parser.values(APP_KEYS);

    // An unknown or missing kind is reported above, and then no environment's keys are read:
    // guessing one would report problems with keys the stack may not mean to have.
    const definition = environments.find((e) => e.kind === kind);
    if (definition === undefined) throw new SettingsError(parser.problems);

    const context: SettingsContext = {
        problem: (message) => parser.problem(message),
        hasProblem: (name) => parser.hasProblem(fullKeyOf(name, definition.keys[name])),
        key: (name) => fullKeyOf(name, definition.keys[name]),
    };
    const environment: SettingsOf<Registry[number]> = definition.settings(parser.values(definition.keys), context);
    checkForeignKeys(parser, definition, environments);

    if (parser.problems.length > 0) throw new SettingsError(parser.problems);
    return { app, environment };
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
 * default. tests/settings.test.ts compares it with the file.
 */
export function documentedKeys(environments: EnvironmentRegistry = ENVIRONMENTS): Record<string, DocumentedKey> {
    const documented = (key: ConfigKey, description = key.description): DocumentedKey => ({
        type: key.type,
        ...(key.type === "array" ? { items: { type: "string" } } : {}),
        description,
        ...(key.default === undefined ? {} : { default: key.default }),
    });
    const keys: Record<string, DocumentedKey> = { environment: documented(environmentKey(environments)) };
    for (const [name, key] of Object.entries<ConfigKey>(APP_KEYS)) {
        keys[name] =
            name === "storageClassName"
                ? documented(key, `${key.description} ${environments.map((e) => `${e.kind}: ${e.storageClassName}.`).join(" ")}`)
                : documented(key);
    }
    for (const environment of environments) {
        for (const [name, key] of Object.entries<ConfigKey>(environment.keys)) {
            if (key.fullKey === undefined) keys[name] = documented(key, `${environment.kind} only: ${key.description}`);
        }
    }
    return keys;
}
