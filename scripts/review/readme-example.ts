/**
 * Regenerates README.md's example review from a real preview: the storage size change that
 * e2e/preview-review.e2e.ts previewed on the test cluster (tests/fixtures/previews/dev-storage-size.*).
 * Nothing in the example is written by hand; tests/preview-review.test.ts fails when it differs.
 *
 *   npm run readme:review-example
 */
import * as fs from "fs";
import * as path from "path";
import { parsePreview } from "./preview";
import { renderReview, reviewPreview } from "./review";

const ROOT = path.resolve(__dirname, "..", "..", "..");
export const README = path.join(ROOT, "README.md");
export const EXAMPLE_FIXTURE = path.join(ROOT, "tests", "fixtures", "previews", "dev-storage-size");
export const BEGIN = "<!-- BEGIN review example (npm run readme:review-example) -->";
export const END = "<!-- END review example -->";

/** The example block: the fixture's review, in a fence long enough for the review's own. */
export function exampleBlock(): string {
    const read = (ext: string) => fs.readFileSync(`${EXAMPLE_FIXTURE}.${ext}`, "utf8");
    const review = reviewPreview({ preview: parsePreview(read("json")), stderr: read("stderr"), exitStatus: Number(read("status")) });
    const markdown = renderReview(review).trimEnd();
    const fence = "`".repeat(Math.max(3, ...(markdown.match(/`{3,}/g) ?? []).map((m) => m.length + 1)));
    return `${BEGIN}\n${fence}md\n${markdown}\n${fence}\n${END}`;
}

/** The README's current example block. */
export function currentBlock(readme: string): string {
    const begin = readme.indexOf(BEGIN);
    const end = readme.indexOf(END);
    if (begin < 0 || end < begin) throw new Error(`README.md has no ${BEGIN} ... ${END} block`);
    return readme.slice(begin, end + END.length);
}

if (require.main === module) {
    const readme = fs.readFileSync(README, "utf8");
    fs.writeFileSync(README, readme.replace(currentBlock(readme), exampleBlock()));
    process.stdout.write(`README.md: example review regenerated from ${path.relative(ROOT, EXAMPLE_FIXTURE)}.json\n`);
}
