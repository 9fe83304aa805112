/**
 * The language stack configuration is declared in: a key's type, default, description and rule,
 * the values a set of keys yields, and the reader that turns raw config strings into those values
 * while collecting every problem. Pure: nothing here knows which keys exist (the app's are in
 * stack/settings.ts, each environment's in its definition) or imports Pulumi.
 */

/** The project's config namespace: keys are `sticky:<name>`. */
export const PROJECT = "sticky";

/** `sticky:<name>`. */
export const projectKey = (name: string): string => `${PROJECT}:${name}`;

// How a key is declared (by the app in stack/settings.ts, by an environment in its definition).

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
    /**
     * Why a value `check` refused is wrong, when there are several ways to be wrong: the message
     * is then `sticky:<name> = "<value>": <reason>; <allowed>`.
     */
    readonly reason?: (value: string) => string | undefined;
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

export interface ValueTypes {
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
    /**
     * Today's date (`YYYY-MM-DD`, UTC) for checks that depend on the calendar (an EKS version's end
     * of standard support); `undefined` when the caller has no date, and then such checks are skipped.
     */
    readonly today?: string;
    /** Reports something the stack may deploy with but should act on soon (printed as a warning). */
    warn(message: string): void;
}

/** What parseSettings is given besides the config: never read from a clock or a logger there. */
export interface SettingsInputs {
    /** Today (`YYYY-MM-DD`, UTC): index.ts passes the day of the run, tests a fixed date. */
    readonly today?: string;
    /** Receives each warning (index.ts prints them through Pulumi's log). */
    readonly warn?: (message: string) => void;
}

/** Reads one fully qualified key (`sticky:replicas`, `aws:region`); `undefined` when unset. */
export type ConfigReader = (key: string) => string | undefined;

/** A key's full name: its own `fullKey` (`aws:region`), else `sticky:<name>`. */
export const fullKeyOf = (name: string, key: ConfigKey | undefined) => key?.fullKey ?? projectKey(name);
const BOOLEAN_ALLOWED = "must be true or false";

/**
 * Collects problems while reading keys, so one run reports every bad value at once.
 * Each read returns a usable placeholder after recording a problem; whoever reads
 * throws before any placeholder can escape (stack/settings.ts does).
 */
export class ConfigParser {
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
            case "string": {
                if (key.check(raw)) return raw;
                const reason = key.reason?.(raw);
                this.invalid(fullKey, raw, reason === undefined ? key.allowed : `${reason}; ${key.allowed}`);
                return raw;
            }
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

/** Whether a raw config value is the key's default (Pulumi.yaml's defaults reach every stack). */
export function isDefault(key: ConfigKey, raw: string): boolean {
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
 * The message every stop on bad configuration gives (settings refused, a smaller claim size, a
 * restore source found unusable): how many problems, that nothing changed, then one line each.
 */
export function configProblemsMessage(problems: readonly string[]): string {
    return (
        `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); ` +
        `nothing was deployed or changed:\n${problems.map((p) => `  - ${p}`).join("\n")}`
    );
}

/**
 * Stack configuration the program cannot deploy: every problem found, each naming the key, the
 * value and what is allowed. The program stops with its message alone (stack/stop.ts).
 */
export class ConfigProblemsError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(configProblemsMessage(problems));
        this.name = "ConfigProblemsError";
    }
}

/** `a`, `a or b`, `a, b or c`. */
export function orList(items: string[]): string {
    return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}
