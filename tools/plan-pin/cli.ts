/**
 * Pins a saved plan to the state it was made against (see fingerprint.ts).
 *
 *   npm run --silent plan-pin -- record --stack NAME --out PIN_FILE [--commit SHA] [--export FILE]
 *   npm run --silent plan-pin -- check  --stack NAME --pin PIN_FILE [--commit SHA] [--export FILE] [--after TEXT]
 *
 * Both read the state with `pulumi stack export --stack NAME` (logged in already, as the workflow
 * step is), or from --export FILE. `record` writes the pin; `check` recomputes it and exits 1,
 * saying what differs and what to do, when the state is not the pinned one (or the pin is for
 * another stack or commit). --after says what ran just before the check ("the deploy's refresh"),
 * so a refusal says whether someone wrote the state or the refresh found prod changed.
 * Exits 2 on bad arguments, an unreadable pin or a failed export.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import { ExportError, fingerprint, parsePin, pinProblems } from "./fingerprint";

const USAGE = [
    "usage: npm run --silent plan-pin -- record --stack NAME --out PIN_FILE [--commit SHA] [--export FILE]",
    "       npm run --silent plan-pin -- check --stack NAME --pin PIN_FILE [--commit SHA] [--export FILE] [--after TEXT]",
].join("\n");
const OPTIONS: Record<string, readonly string[]> = {
    record: ["--stack", "--out", "--commit", "--export"],
    check: ["--stack", "--pin", "--commit", "--export", "--after"],
};
const REQUIRED: Record<string, readonly string[]> = { record: ["--stack", "--out"], check: ["--stack", "--pin"] };

function fail(message: string): never {
    process.stderr.write(`plan-pin: ${message}\n${USAGE}\n`);
    process.exit(2);
}

function exported(stack: string, file: string | undefined): unknown {
    let text: string;
    try {
        text = file !== undefined ? fs.readFileSync(file, "utf8") : execFileSync("pulumi", ["stack", "export", "--stack", stack, "--non-interactive"], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    } catch (error) {
        fail(`could not read the state of stack ${stack}: ${(error as Error).message}`);
    }
    try {
        return JSON.parse(text);
    } catch (error) {
        fail(`the export of stack ${stack} is not JSON: ${(error as Error).message}`);
    }
}

function main(argv: string[]): void {
    const [command, ...rest] = argv;
    if (!(command in OPTIONS)) fail(`the first argument must be record or check, not ${JSON.stringify(command ?? "")}`);
    const options: Record<string, string> = {};
    for (let i = 0; i < rest.length; i += 2) {
        if (!OPTIONS[command].includes(rest[i])) fail(`${command} takes no ${JSON.stringify(rest[i])}`);
        if (rest[i + 1] === undefined) fail(`${rest[i]} needs a value`);
        options[rest[i]] = rest[i + 1];
    }
    const missing = REQUIRED[command].filter((option) => options[option] === undefined);
    if (missing.length > 0) fail(`${command} needs ${missing.join(" and ")}`);
    const stack = options["--stack"];
    const commit = options["--commit"];
    try {
        const current = fingerprint(exported(stack, options["--export"]), stack, commit);
        if (command === "record") {
            fs.writeFileSync(options["--out"], `${JSON.stringify(current, null, 2)}\n`);
            process.stdout.write(`plan-pin: recorded ${current.digest} for stack ${stack} (${Object.keys(current.resources).length} resources) in ${options["--out"]}\n`);
            return;
        }
        const pinned = parsePin(fs.readFileSync(options["--pin"], "utf8"));
        const problems = pinProblems(pinned, current, { stack, commit });
        if (problems.length === 0) {
            process.stdout.write(`plan-pin: stack ${stack} is in the state the plan was made against (${current.digest})${options["--after"] ? `, after ${options["--after"]}` : ""}\n`);
            return;
        }
        const when = options["--after"] ? ` after ${options["--after"]}` : "";
        process.stderr.write(
            [
                `plan-pin: refused${when}: the saved plan is not applied to stack ${stack}, because`,
                ...problems.map((p) => `  - ${p}`),
                "Nothing was changed. Re-run the workflow for a fresh preview and approve that one.",
                "",
            ].join("\n"),
        );
        process.exit(1);
    } catch (error) {
        if (error instanceof ExportError) fail(error.message);
        throw error;
    }
}

main(process.argv.slice(2));
