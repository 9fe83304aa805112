/**
 * Checks a repository's settings against what the delivery needs (check.ts), with `gh api`.
 * Run it as a repository administrator: reading environments' secrets, the rulesets and the OIDC
 * template needs admin rights.
 *
 *   npm run --silent repo-settings -- --repo OWNER/NAME
 *
 * Prints each problem; exits 0 when there are none, 1 when there are, 2 when `gh` is missing,
 * not logged in or answers anything but JSON or a 404.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Expected, repoSettingsProblems } from "./check";

const ROOT = path.resolve(__dirname, "..", "..", "..");

function fail(message: string): never {
    process.stderr.write(`repo-settings: ${message}\nusage: npm run --silent repo-settings -- --repo OWNER/NAME\n`);
    process.exit(2);
}

function ghApi(apiPath: string): unknown {
    try {
        return JSON.parse(execFileSync("gh", ["api", apiPath], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
    } catch (error) {
        const err = error as { code?: string; stderr?: string; stdout?: string };
        if (err.code === "ENOENT") fail("gh (the GitHub CLI) is not installed");
        // gh prints the error body on stdout and "(HTTP 404)" on stderr.
        if (/HTTP 404/.test(err.stderr ?? "")) return undefined;
        fail(`gh api ${apiPath} failed: ${(err.stderr ?? String(error)).trim()}`);
    }
}

function main(argv: string[]): void {
    if (argv.length !== 2 || argv[0] !== "--repo" || !/^[\w.-]+\/[\w.-]+$/.test(argv[1])) fail("expected --repo OWNER/NAME");
    const repo = argv[1];
    const read = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));
    const expected: Expected = { oidcSubject: read(".github/iam/oidc-subject.json"), ruleset: read(".github/rulesets/main.json") };
    const problems = repoSettingsProblems(repo, expected, ghApi);
    if (problems.length === 0) {
        process.stdout.write(`repo-settings: ${repo} has every setting docs/delivery.md lists\n`);
        return;
    }
    process.stdout.write(`repo-settings: ${repo} differs from docs/delivery.md, "Repository settings", in ${problems.length} place(s):\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
    process.exit(1);
}

main(process.argv.slice(2));
