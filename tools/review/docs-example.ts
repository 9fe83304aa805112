/**
 * Regenerates the example review in docs/pull-request-review.md from a real preview: the storage
 * size change that e2e/preview-review.e2e.ts previewed on the test cluster
 * (tests/fixtures/previews/dev-storage-size.*). Nothing in the example is written by hand;
 * tests/preview-review.test.ts fails when it differs.
 *
 *   npm run docs:review-example
 */
import * as fs from "fs";
import * as path from "path";
import { parsePreview } from "./preview";
import { renderReview } from "./markdown";
import { reviewPreview } from "./review";

const ROOT = path.resolve(__dirname, "..", "..", "..");
/** The document that shows the example review. */
export const EXAMPLE_DOC = path.join(ROOT, "docs", "pull-request-review.md");
const EXAMPLE_FIXTURE = path.join(ROOT, "tests", "fixtures", "previews", "dev-storage-size");
export const BEGIN = "<!-- BEGIN review example (npm run docs:review-example) -->";
export const END = "<!-- END review example -->";

/** The example block: the fixture's review, in a fence long enough for the review's own. */
export function exampleBlock(): string {
    const read = (ext: string) => fs.readFileSync(`${EXAMPLE_FIXTURE}.${ext}`, "utf8");
    const review = reviewPreview({ preview: parsePreview(read("json")), stderr: read("stderr"), exitStatus: Number(read("status")) });
    const markdown = renderReview(review).trimEnd();
    const fence = "`".repeat(Math.max(3, ...(markdown.match(/`{3,}/g) ?? []).map((m) => m.length + 1)));
    return `${BEGIN}\n${fence}md\n${markdown}\n${fence}\n${END}`;
}

/** The example block as the document has it now. */
export function currentBlock(doc: string): string {
    const begin = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    if (begin < 0 || end < begin) throw new Error(`${path.relative(ROOT, EXAMPLE_DOC)} has no ${BEGIN} ... ${END} block`);
    return doc.slice(begin, end + END.length);
}

if (require.main === module) {
    const doc = fs.readFileSync(EXAMPLE_DOC, "utf8");
    fs.writeFileSync(EXAMPLE_DOC, doc.replace(currentBlock(doc), exampleBlock()));
    process.stdout.write(`${path.relative(ROOT, EXAMPLE_DOC)}: example review regenerated from ${path.relative(ROOT, EXAMPLE_FIXTURE)}.json\n`);
}
