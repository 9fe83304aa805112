/**
 * Prints the pull-request review of a `pulumi preview --json` as Markdown.
 *
 *   npm run --silent preview:review -- PREVIEW_JSON [STDERR_FILE] [--exit-status N] [--stack NAME] [--verdict-file PATH] [--labels PATH]
 *
 * PREVIEW_JSON is what the preview printed on stdout: the digest of `pulumi preview --json`, or the
 * event stream of `PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true pulumi preview --json` (which also
 * carries the policy results). A missing, empty or cut-off file is reviewed as a failed preview,
 * not an error of this command. --exit-status is the preview's; --stack is the stack the caller
 * previewed (it names the review when the preview failed before naming one, and a preview of
 * another stack fails the review); --verdict-file receives one word (failed, data-at-risk,
 * downtime, needs-review, safe, none) for a workflow to act on; --labels receives the pull-request
 * labels, one a line (every severity found: see LABELS in review.ts); --limit lowers the length
 * limit (GitHub's 65,536 by default) and --hint says, in a note, where the full output is kept when
 * the diff had to be cut. Exits 0 whenever it printed a review; 2 on bad arguments.
 */
import * as fs from "fs";
import { parsePreview } from "./preview";
import { renderReview } from "./markdown";
import { reviewPreview } from "./review";

const USAGE =
    "usage: npm run --silent preview:review -- PREVIEW_JSON [STDERR_FILE] [--exit-status N] [--stack NAME] [--verdict-file PATH] [--labels PATH] [--limit CHARS] [--hint TEXT]";
const OPTIONS = ["--exit-status", "--stack", "--verdict-file", "--labels", "--hint", "--limit"];

function fail(message: string): never {
    process.stderr.write(`preview:review: ${message}\n${USAGE}\n`);
    process.exit(2);
}

function main(argv: string[]): void {
    const files: string[] = [];
    const options: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (OPTIONS.includes(arg)) {
            if (argv[i + 1] === undefined) fail(`${arg} needs a value`);
            options[arg] = argv[++i];
        } else if (arg.startsWith("--")) {
            fail(`unknown option ${arg}`);
        } else {
            files.push(arg);
        }
    }
    if (files.length < 1 || files.length > 2) fail(`expected PREVIEW_JSON and optionally STDERR_FILE, got ${files.length} file arguments`);
    let exitStatus: number | undefined;
    if (options["--exit-status"] !== undefined) {
        exitStatus = Number(options["--exit-status"]);
        if (!/^\d+$/.test(options["--exit-status"])) fail(`--exit-status = ${JSON.stringify(options["--exit-status"])}: must be the preview's exit status, a whole number`);
    }
    let limit: number | undefined;
    if (options["--limit"] !== undefined) {
        limit = Number(options["--limit"]);
        if (!/^\d+$/.test(options["--limit"]) || limit < 1000) fail(`--limit = ${JSON.stringify(options["--limit"])}: must be a whole number of characters, 1000 or more`);
    }
    const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);
    const review = reviewPreview({
        preview: parsePreview(read(files[0])),
        stderr: files[1] === undefined ? undefined : read(files[1]),
        exitStatus,
        stack: options["--stack"],
    });
    process.stdout.write(renderReview(review, { fullOutputHint: options["--hint"], limit }));
    if (options["--verdict-file"]) fs.writeFileSync(options["--verdict-file"], `${review.verdict}\n`);
    if (options["--labels"]) fs.writeFileSync(options["--labels"], review.labels.map((label) => `${label}\n`).join(""));
}

main(process.argv.slice(2));
