/**
 * The worked paths in the docs (docs/adding-an-environment.md, "Another cloud's cluster";
 * docs/changing-the-app.md) stay true to the code: in each step and each table row, every code
 * name it gives (`WATCHED_TYPES`, `claimMount`) is in one of the files that step links. A name
 * the path has the reader add (the example's own) is listed here, so a renamed function or a
 * moved constant fails this test rather than misleading the next reader.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./harness";

/** Names the worked paths introduce (the reader writes them), not names the code has. */
const THE_EXAMPLES_OWN = new Set(["gke", "gkeDefinition", "workerProcesses", "worker_processes", "http", "server", "NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE", "existing"]);

/** A step's text: a table row, or a numbered or bulleted item with its continuation lines. */
function steps(markdown: string): string[] {
    const units: string[] = [];
    for (const line of markdown.split("\n")) {
        if (/^\|/.test(line) || /^(\d+\.|-) /.test(line)) units.push(line);
        else if (/^ {2,}\S/.test(line) && units.length > 0 && !/^\|/.test(units[units.length - 1])) units[units.length - 1] += ` ${line.trim()}`;
    }
    return units;
}

/** Problems with one document's section: names not found in the files their step links. */
function pathProblems(doc: string, section?: string): string[] {
    const text = fs.readFileSync(path.join(ROOT, doc), "utf8");
    const part = section === undefined ? text : text.slice(text.indexOf(section), text.indexOf("\n## ", text.indexOf(section) + section.length));
    const problems: string[] = [];
    for (const step of steps(part)) {
        const linked = [...step.matchAll(/\]\(([^)#]+)(?:#[^)]*)?\)/g)]
            .map((m) => path.normalize(path.join(path.dirname(doc), m[1])))
            .filter((file) => !file.endsWith(".md") && !file.endsWith("/"));
        if (linked.length === 0) continue;
        const missing = linked.filter((file) => !fs.existsSync(path.join(ROOT, file)));
        for (const file of missing) problems.push(`${doc}: links ${file}, which does not exist`);
        const code = linked.filter((file) => !missing.includes(file)).map((file) => fs.readFileSync(path.join(ROOT, file), "utf8")).join("\n");
        const names = [...step.matchAll(/`([A-Za-z_][\w-]*)(?:\([^`]*\))?`/g)].map((m) => m[1]).filter((name) => !THE_EXAMPLES_OWN.has(name));
        for (const name of names) {
            if (!new RegExp(`\\b${name.replace(/-/g, "\\-")}\\b`).test(code)) problems.push(`${doc}: \`${name}\` is in none of ${linked.join(", ")}: "${step.slice(0, 100)}..."`);
        }
    }
    return problems;
}

describe("the docs' worked paths name what the code has", () => {
    it("adding an environment for another cloud's cluster: every file, the review and the harness included", () => {
        assert.deepStrictEqual(pathProblems("docs/adding-an-environment.md", "## Another cloud's cluster"), []);
    });

    it("adding a sidecar, adding an app setting", () => {
        assert.deepStrictEqual(pathProblems("docs/changing-the-app.md"), []);
    });

    it("the check fails on a name the linked file does not have", () => {
        const dir = fs.mkdtempSync(path.join(ROOT, "bin", "docs-paths-"));
        try {
            const doc = path.relative(ROOT, path.join(dir, "doc.md"));
            fs.writeFileSync(path.join(ROOT, doc), "1. Edit `podTemplate` and `noSuchBuilder` in [pod-template.ts](../../components/pod-template.ts).\n");
            assert.deepStrictEqual(pathProblems(doc).map((p) => p.split(":")[1].trim().split(" ")[0]), ["`noSuchBuilder`"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
