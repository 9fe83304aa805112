/**
 * The documentation's relative links: every `[text](path)` and `[text](path#heading)` in
 * README.md, docs/*.md and toolchain/README.md must name a file that exists and, when it names a
 * heading of a Markdown file, a heading that file has (GitHub's anchors). Moving a section or a
 * file then cannot leave a dead link behind. Links inside code (fenced blocks, inline spans) are
 * text, not links; links with a scheme (https:, mailto:) are not checked.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./harness";

/** The documents whose links are checked, relative to the project root. */
function documents(root: string): string[] {
    const docs = fs.existsSync(path.join(root, "docs")) ? fs.readdirSync(path.join(root, "docs")) : [];
    const inDocs = docs.filter((f) => f.endsWith(".md")).map((f) => path.posix.join("docs", f));
    return ["README.md", ...inDocs.sort(), "toolchain/README.md"].filter((f) => fs.existsSync(path.join(root, f)));
}

/** The lines of a Markdown document that are prose: fenced code blocks (``` or ~~~, any length) blanked. */
function proseLines(markdown: string): string[] {
    let fence: string | undefined;
    return markdown.split("\n").map((line) => {
        const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
        if (fence === undefined) {
            if (marker !== undefined) {
                fence = marker;
                return "";
            }
            return line;
        }
        if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
        return "";
    });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
    return heading
        .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

/** Every anchor a document's headings give, a repeated one numbered as GitHub does (`x`, `x-1`). */
function anchors(markdown: string): Set<string> {
    const seen = new Map<string, number>();
    const result = new Set<string>();
    for (const line of proseLines(markdown)) {
        const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
        if (heading === undefined) continue;
        const base = slug(heading);
        const count = seen.get(base) ?? 0;
        seen.set(base, count + 1);
        result.add(count === 0 ? base : `${base}-${count}`);
    }
    return result;
}

interface Link {
    line: number;
    target: string;
}

/** The relative links of a document (no scheme), with their line numbers, code left out. */
function relativeLinks(markdown: string): Link[] {
    return proseLines(markdown).flatMap((text, index) =>
        [...text.replace(/`[^`]*`/g, "").matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
            .map((match) => ({ line: index + 1, target: match[1] }))
            .filter((link) => !/^[a-z][a-z0-9+.-]*:/i.test(link.target) && !link.target.startsWith("//")),
    );
}

/** What is wrong with a document's relative links: `file:line: target: why`, none when all resolve. */
function brokenLinks(root: string, file: string): string[] {
    const markdown = fs.readFileSync(path.join(root, file), "utf8");
    return relativeLinks(markdown).flatMap(({ line, target }) => {
        const [pathPart, anchor] = target.split("#", 2);
        const resolved = pathPart === "" ? path.join(root, file) : path.resolve(path.dirname(path.join(root, file)), decodeURIComponent(pathPart));
        const where = `${file}:${line}: ${target}`;
        if (!resolved.startsWith(root + path.sep) && resolved !== root) return [`${where}: points outside the project`];
        if (!fs.existsSync(resolved)) return [`${where}: no such file`];
        if (anchor === undefined || anchor === "") return [];
        if (!resolved.endsWith(".md")) return [`${where}: an anchor into a file that is not Markdown`];
        const targetAnchors = anchors(fs.readFileSync(resolved, "utf8"));
        return targetAnchors.has(decodeURIComponent(anchor)) ? [] : [`${where}: ${path.relative(root, resolved)} has no heading #${anchor}`];
    });
}

describe("documentation links", () => {
    const files = documents(ROOT);

    it("checks README.md, every document in docs/ and toolchain/README.md", () => {
        assert.ok(files.includes("README.md") && files.includes("toolchain/README.md"));
        assert.ok(files.filter((f) => f.startsWith("docs/")).length >= 5, `documents found: ${files.join(", ")}`);
    });

    for (const file of files) {
        it(`${file}: every relative link names an existing file and heading`, () => {
            assert.deepStrictEqual(brokenLinks(ROOT, file), []);
        });
    }

    it("README.md links every document in docs/", () => {
        const linked = new Set(relativeLinks(fs.readFileSync(path.join(ROOT, "README.md"), "utf8")).map((l) => path.posix.normalize(l.target.split("#")[0])));
        assert.deepStrictEqual(files.filter((f) => f.startsWith("docs/") && !linked.has(f)), []);
    });
});

describe("documentation links: the checker", () => {
    let root: string;

    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "sticky-links-"));
        fs.mkdirSync(path.join(root, "docs"));
        fs.writeFileSync(
            path.join(root, "docs", "a.md"),
            ["# A", "", "## What `pulumi destroy` leaves behind", "", "## Notes", "", "## Notes", ""].join("\n"),
        );
        fs.writeFileSync(
            path.join(root, "README.md"),
            [
                "# Top",
                "[ok](docs/a.md) [ok](docs/a.md#what-pulumi-destroy-leaves-behind) [ok](docs/a.md#notes-1) [ok](#top) [dir](docs/)",
                "[web](https://example.com/x.md) [mail](mailto:someone@example.com)",
                "[gone](docs/gone.md)",
                "[bad anchor](docs/a.md#nowhere) [self](#nowhere-here)",
                "`[code](docs/in-code.md)`",
                "````md",
                "[fenced](docs/fenced.md)",
                "```",
                "[still fenced](docs/still.md)",
                "```",
                "````",
                "[out](../outside.md)",
            ].join("\n"),
        );
    });

    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it("reports a missing file, a missing heading and a link out of the project, and nothing else", () => {
        assert.deepStrictEqual(brokenLinks(root, "README.md"), [
            "README.md:4: docs/gone.md: no such file",
            "README.md:5: docs/a.md#nowhere: docs/a.md has no heading #nowhere",
            "README.md:5: #nowhere-here: README.md has no heading #nowhere-here",
            "README.md:13: ../outside.md: points outside the project",
        ]);
    });

    it("gives headings GitHub's anchors, numbering repeats", () => {
        assert.deepStrictEqual([...anchors(fs.readFileSync(path.join(root, "docs", "a.md"), "utf8"))], ["a", "what-pulumi-destroy-leaves-behind", "notes", "notes-1"]);
        assert.strictEqual(slug("CI's preview and drift roles: `sticky:clusterViewerArns`"), "cis-preview-and-drift-roles-stickyclusterviewerarns");
    });

    it("ignores headings inside code", () => {
        assert.deepStrictEqual([...anchors(["# Real", "````md", "### ⛔ Preview failed", "```", "# also code", "```", "````"].join("\n"))], ["real"]);
    });
});
