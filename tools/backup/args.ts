/**
 * The command lines of `npm run backup` and `npm run restore`, parsed. Pure; a bad line throws
 * a {@link UsageError} that names the flag, the value given and what is allowed.
 */

export type Command = "backup" | "restore";

export interface BackupArgs {
    readonly command: "backup";
    /** The Pulumi stack whose claims are copied. */
    readonly stack: string;
    /** A new or empty directory for the archives and the manifest. */
    readonly to: string;
}

export interface RestoreArgs {
    readonly command: "restore";
    /** The Pulumi stack whose claims receive the files. */
    readonly stack: string;
    /** A directory `npm run backup` wrote. */
    readonly from: string;
    /** Replace what non-empty claims hold; without it a non-empty claim refuses the restore. */
    readonly force: boolean;
}

export const USAGE: Readonly<Record<Command, string>> = {
    backup: "usage: npm run backup -- --stack NAME --to DIR",
    restore: "usage: npm run restore -- --stack NAME --from DIR [--force]",
};

export class UsageError extends Error {}

interface Flag {
    readonly value: boolean;
    readonly meaning: string;
}

const FLAGS: Readonly<Record<Command, Readonly<Record<string, Flag>>>> = {
    backup: {
        "--stack": { value: true, meaning: "the Pulumi stack whose claims to copy, e.g. dev" },
        "--to": { value: true, meaning: "a new or empty directory for the archives and manifest.json" },
    },
    restore: {
        "--stack": { value: true, meaning: "the Pulumi stack whose claims receive the files, e.g. dev or prod" },
        "--from": { value: true, meaning: "a directory npm run backup wrote (it holds manifest.json)" },
        "--force": { value: false, meaning: "replace what non-empty claims hold" },
    },
};

/** Flags of the other command, named so a mix-up gets a pointed answer. */
const OTHER: Readonly<Record<Command, Readonly<Record<string, string>>>> = {
    backup: { "--from": "--from is restore's; a backup writes to --to DIR", "--force": "--force is restore's; a backup never overwrites (--to must be new or empty)" },
    restore: { "--to": "--to is backup's; a restore reads from --from DIR" },
};

/** A stack name as Pulumi takes it: `name` or `org/project/name`, of letters, digits, `-`, `_`, `.`. */
const STACK = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/;

function allowed(command: Command): string {
    return Object.entries(FLAGS[command])
        .map(([flag, spec]) => `${flag}${spec.value ? ` ${flag === "--stack" ? "NAME" : "DIR"}` : ""} (${spec.meaning})`)
        .join("; ");
}

/** Parses the arguments after the command word; `--flag value` and `--flag=value` both work. */
export function parseArgs(command: Command, argv: readonly string[]): BackupArgs | RestoreArgs {
    const flags = FLAGS[command];
    const values = new Map<string, string | true>();
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
        const spec = flags[flag];
        if (spec === undefined) {
            if (OTHER[command][flag]) throw new UsageError(OTHER[command][flag]);
            if (!flag.startsWith("-")) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}: ${command} takes only flags: ${allowed(command)}`);
            throw new UsageError(`unknown option ${flag}: allowed are ${allowed(command)}`);
        }
        if (values.has(flag)) throw new UsageError(`${flag} is given twice; give it once`);
        if (!spec.value) {
            if (inline !== undefined) throw new UsageError(`${flag} takes no value (got ${JSON.stringify(inline)})`);
            values.set(flag, true);
            continue;
        }
        const value = inline ?? argv[++i];
        if (value === undefined || (inline === undefined && value.startsWith("--"))) {
            throw new UsageError(`${flag} needs a value: ${spec.meaning}${value === undefined ? "" : ` (got the flag ${value})`}`);
        }
        if (value === "") throw new UsageError(`${flag} = "": must not be empty: ${spec.meaning}`);
        values.set(flag, value);
    }
    const missing = Object.entries(flags).filter(([flag, spec]) => spec.value && !values.has(flag));
    if (missing.length > 0) throw new UsageError(`missing ${missing.map(([flag, spec]) => `${flag} (${spec.meaning})`).join(" and ")}`);
    const stack = values.get("--stack") as string;
    if (!STACK.test(stack)) throw new UsageError(`--stack = ${JSON.stringify(stack)}: must be a Pulumi stack name, e.g. dev or my-org/sticky/prod (letters, digits, "-", "_", ".")`);
    if (command === "backup") return { command, stack, to: values.get("--to") as string };
    return { command, stack, from: values.get("--from") as string, force: values.get("--force") === true };
}
