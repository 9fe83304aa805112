/** The review as Markdown for a pull-request comment, cut to GitHub's limit without losing the verdict. Pure. */
import { capitalized, code, list, plural } from "./wording";
import { Finding, GITHUB_COMMENT_LIMIT, Review, Severity, SEVERITY_MEANING, SEVERITY_ORDER, SEVERITY_VERDICT, VERDICT_ICONS, VERDICT_TITLES } from "./model";
import { subjectOfUrn } from "./wording";

// ---------------------------------------------------------------------------------------------
// Markdown.

/** One line of Markdown that cannot open HTML or break a list: `<` escaped, newlines folded. */
const inline = (text: string) => text.replace(/</g, "&lt;").replace(/\r?\n\s*/g, " ");

interface RenderOptions {
    /** The comment's length limit; GitHub's by default. */
    readonly limit?: number;
    /** Where the whole preview can be found, for the note when something is cut. */
    readonly fullOutputHint?: string;
}

const SEVERITY_ICON: Record<Severity, string> = { data: "🔴", downtime: "🟠", check: "🟡", safe: "🟢" };

/** The line for an engine's count of resources per operation. */
function countsLine(counts: Record<string, number>): string {
    return Object.entries(counts)
        // Reads (a class the stack only looks up) change nothing.
        .filter(([op, n]) => n > 0 && op !== "same" && op !== "read")
        .map(([op, n]) => `${n} to ${op}`)
        .concat(counts.same ? [`${counts.same} unchanged`] : [])
        .join(", ");
}

/**
 * The comment. Above the fold, never cut: the verdict, the failure reasons, every finding that
 * is not safe (by severity), every delete and replace, and the policy results. Cut when the limit
 * needs it, last first: the diff, the messages, the errors' full text, the safe findings; the note
 * then says exactly what was left out.
 */
export function renderReview(review: Review, options: RenderOptions = {}): string {
    const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
    const counts = countsLine(review.counts);
    const keep: string[] = [`### ${VERDICT_ICONS[review.verdict]} ${VERDICT_TITLES[review.verdict]}: ${code(review.target)}`, ""];
    keep.push(`${counts ? `Plan: ${counts}.` : "Plan: nothing counted."} Labels: ${review.labels.map(code).join(", ")}.`);
    if (review.reasons.length > 0) keep.push("", ...review.reasons.map((r) => `- ${inline(r)}`));
    if (!review.complete || review.verdict === "failed") {
        keep.push("", review.complete ? "The preview failed: what follows is what it had planned by then." : "**The output is incomplete: the review cannot tell what else would change.** What follows is only what it could read.");
    }
    const findingLine = (f: Finding) => `- **${f.subject}**: ${f.sentences.map(inline).join(" ")}`;
    for (const severity of SEVERITY_ORDER.filter((s) => s !== "safe")) {
        const group = review.findings.filter((f) => f.severity === severity);
        if (group.length === 0) continue;
        keep.push("", `#### ${SEVERITY_ICON[severity]} ${VERDICT_TITLES[SEVERITY_VERDICT[severity]]} (${group.length})`, "", `_${capitalized(SEVERITY_MEANING[severity])}._`, "", ...group.map(findingLine));
    }
    // The safe findings come here, between the two parts that stay (see `parts` below).
    const keepTail: string[] = [];
    if (review.removals.length > 0) {
        keepTail.push("", `#### Deleted or replaced (${review.removals.length})`, "");
        for (const r of review.removals) keepTail.push(`- ${SEVERITY_ICON[r.severity]} ${r.op} ${code(r.type)} ${code(r.name)}: ${inline(r.outcome)}`);
    }
    keepTail.push("", "#### Policies", "");
    if (review.policies === undefined) {
        keepTail.push("Not in this output: `pulumi preview --json` prints no policy results. Stream the events instead (`PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true`), as CI does.");
    } else if (review.policies.length === 0 && !review.registeredResources && review.verdict === "failed") {
        keepTail.push("Nothing to check: the preview stopped before the program registered any resource.");
    } else if (review.policies.length === 0) {
        const packs = Object.entries(review.policyPacks ?? {}).map(([name, version]) => code(`${name}@${version}`));
        keepTail.push(packs.length > 0 ? `No violations (${list(packs)}).` : "No policy pack ran.");
    } else {
        for (const p of review.policies) keepTail.push(`- **${p.level}** ${code(p.policy)} (${p.pack}) on ${subjectOfUrn(p.urn)}: ${inline(p.message.split("\n").pop() ?? p.message)}`);
    }

    // Droppable parts, each a heading and its items; cut from the last part backwards.
    const safe = review.findings.filter((f) => f.severity === "safe").map(findingLine);
    const nothing =
        review.findings.length === 0
            ? [!review.complete ? "The review could read no planned change; that does not mean there is none." : review.verdict === "failed" && !review.registeredResources ? "Nothing was planned before the preview stopped." : "No pod, claim, volume, class or cluster changes."]
            : [];
    const parts: { name: string; head: string[]; items: string[]; tail?: string[] }[] = [
        { name: "safe findings", head: ["", safe.length > 0 ? `#### ${SEVERITY_ICON.safe} ${VERDICT_TITLES.safe} (${safe.length})` : "#### Data and service", ""], items: [...nothing, ...safe] },
        { name: "error lines", head: review.errors.length > 0 ? ["", "#### Errors", "", "```text"] : [], items: review.errors.flatMap((e) => e.split("\n")).map((l) => l.replace(/```/g, "'''")), tail: review.errors.length > 0 ? ["```"] : [] },
        { name: "messages", head: review.messages.length > 0 ? ["", "#### Messages from the program and providers", ""] : [], items: review.messages.map((m) => `- ${m.severity} (${m.from}): ${inline(m.text)}`) },
        { name: "diff lines", head: ["", "<details>", `<summary>Full diff${counts ? ` (${counts})` : ""}</summary>`, "", "```diff"], items: review.diff.length > 0 ? review.diff.map((l) => l.replace(/```/g, "'''")) : ["(no changes)"], tail: ["```", "", "</details>"] },
    ];
    if (parts[0].items.length === 0) parts[0].head = [];

    const kept = parts.map((p) => p.items.length);
    const partLines = (i: number) => (kept[i] === 0 ? [] : [...parts[i].head, ...parts[i].items.slice(0, kept[i]), ...(parts[i].tail ?? [])]);
    const assemble = (note: string[]) => [...keep, ...partLines(0), ...keepTail, ...parts.slice(1).flatMap((_, i) => partLines(i + 1)), ...note].join("\n") + "\n";
    const noteOf = () => {
        const dropped = parts.map((p, i) => [p, p.items.length - kept[i]] as const).filter(([, n]) => n > 0);
        if (dropped.length === 0) return [];
        return ["", `_Cut to fit GitHub's ${limit.toLocaleString("en-US")}-character comment limit: left out ${list(dropped.map(([p, n]) => `${n} of ${p.items.length} ${p.name}`))}${options.fullOutputHint ? `; ${options.fullOutputHint}` : ""}._`];
    };
    let text = assemble([]);
    for (let part = parts.length - 1; part >= 0 && text.length > limit; part--) {
        // Drop this part's items from the end until it fits, or all of them.
        let low = 0;
        let high = kept[part];
        while (low < high) {
            const mid = Math.ceil((low + high) / 2);
            kept[part] = mid;
            if (assemble(noteOf()).length <= limit) low = mid;
            else high = mid - 1;
        }
        kept[part] = low;
        text = assemble(noteOf());
    }
    if (text.length <= limit) return text;
    // What must stay does not fit by itself: long lines shortened, then the end cut, said in both cases.
    const must = [...keep, ...keepTail];
    const short = must.map((l) => (l.length > 400 ? `${l.slice(0, 399)}…` : l));
    const shortened = short.filter((l, i) => l !== must[i]).length;
    const note = `\n_Cut to fit GitHub's ${limit.toLocaleString("en-US")}-character comment limit: ${plural(shortened, "line")} above shortened to 400 characters, and the safe findings, errors, messages and diff left out${options.fullOutputHint ? `; ${options.fullOutputHint}` : ""}._\n`;
    const body = short.join("\n");
    return body.length + note.length <= limit ? `${body}${note}` : `${body.slice(0, limit - note.length - 2)}…${note}`;
}
