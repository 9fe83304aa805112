/**
 * Takes the AWS account id and the EKS endpoint out of files a workflow is about to upload or
 * post: the review artifact, the pull-request comment, the drift issue. Anyone with read access
 * to the repository reads those, and `::add-mask::` covers only the log.
 *
 *   npm run --silent redact -- --account-id-file FILE DIR
 *
 * Rewrites every file in DIR (not below it) in place; FILE holds the 12-digit account id. Exits 2
 * on bad arguments or an account id that is not 12 digits (nothing is rewritten then).
 */
import * as fs from "fs";
import * as path from "path";

/** What stands in for what was taken out. */
export const ACCOUNT_ID_PLACEHOLDER = "<account-id>";
export const ENDPOINT_PLACEHOLDER = "<eks-endpoint>.eks.amazonaws.com";

/**
 * An EKS API endpoint's host: 32 hex digits (upper case), a short cell name, the region. Only
 * the host is replaced: the rest of a URL says nothing about the account.
 */
const EKS_ENDPOINT = /\b[0-9A-F]{32}\.[a-z0-9]{2,6}\.[a-z]{2}(?:-[a-z]+)+-\d\.eks\.amazonaws\.com\b/g;

/** `text` with every occurrence of `accountId` and every EKS endpoint host replaced. */
export function redact(text: string, accountId: string): string {
    if (!/^\d{12}$/.test(accountId)) throw new Error(`the account id must be 12 digits, not ${JSON.stringify(accountId)}`);
    // Not inside a longer run of digits (a timestamp, another number that happens to contain it).
    return text.replace(new RegExp(`(?<!\\d)${accountId}(?!\\d)`, "g"), ACCOUNT_ID_PLACEHOLDER).replace(EKS_ENDPOINT, ENDPOINT_PLACEHOLDER);
}

function main(argv: string[]): void {
    const usage = "usage: npm run --silent redact -- --account-id-file FILE DIR";
    if (argv.length !== 3 || argv[0] !== "--account-id-file") {
        process.stderr.write(`redact: ${usage}\n`);
        process.exit(2);
    }
    const accountId = fs.readFileSync(argv[1], "utf8").trim();
    if (!/^\d{12}$/.test(accountId)) {
        process.stderr.write(`redact: ${argv[1]} does not hold a 12-digit account id; nothing was rewritten\n`);
        process.exit(2);
    }
    const dir = argv[2];
    let changed = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile())) {
        const file = path.join(dir, entry.name);
        const text = fs.readFileSync(file, "utf8");
        const clean = redact(text, accountId);
        if (clean !== text) {
            fs.writeFileSync(file, clean);
            changed++;
        }
    }
    process.stdout.write(`redact: ${changed} file(s) in ${dir} had the account id or an EKS endpoint taken out\n`);
}

if (require.main === module) main(process.argv.slice(2));
