/**
 * The pull-request review of a `pulumi preview`: what the change does to the data and the service,
 * in plain words with names, before the raw diff.
 *
 * Pure: it reads a parsed preview (./preview.ts) and returns a {@link Review} and its Markdown; no
 * engine, no files. Every sentence follows from what the plan records, never from how the program
 * happens to make a change:
 * - the step's op and its `replaceReasons`/`diffReasons`/detailed diff;
 * - the old and new state: a StatefulSet's `pulumi.com/deletionPropagationPolicy` annotation (the
 *   provider deletes with the *deployed* object's policy), `podManagementPolicy`, `updateStrategy`,
 *   retention policy, replicas and claim templates; a Service's ports;
 * - the resource options the state carries: `protect`, `retainOnDelete`, the provider reference,
 *   and `deleteBeforeReplace` (the order of a replacement's steps: the old one deleted first).
 *
 * It fails closed. What it cannot vouch for never reads green or "No changes": a delete or replace
 * of a type it does not know, a provider or cluster replacement, an environment switch, a protect
 * change (each needs a human), and output that is cut, inconsistent or of another stack (the
 * preview counts as failed). Claims count as adopted only when the cluster stays the same.
 *
 * Findings are sorted by severity (data at risk, then downtime, then "check by hand", then safe)
 * and each severity is shown whole, above the fold; so is every delete and replace (as tfcmt lists
 * them). `labels` names the severities present, for a workflow to set on the pull request.
 */
import { show, valueAt } from "./paths";
import { type ParsedPreview } from "./preview";
import { findingOf, newClusterFinding, protectFindings, removalOf } from "./findings";
import { capitalized, code, list, names, plural } from "./wording";
import { Finding, LABELS, Removal, Review, ReviewInput, SEVERITY_ORDER, SEVERITY_VERDICT, Verdict } from "./model";
import { Change, changedPaths, changesOf, isQuiet, planOf } from "./changes";
import { subjectOfUrn } from "./wording";

// ---------------------------------------------------------------------------------------------
// The review.

const LEVEL_ORDER = ["mandatory", "remediate", "advisory"];
const levelRank = (level: string) => {
    const index = LEVEL_ORDER.indexOf(level);
    return index < 0 ? LEVEL_ORDER.length : index;
};

/** `error:` lines of the CLI's stderr, without the prefix, each with its indented continuation. */
function stderrErrors(stderr: string | undefined): string[] {
    if (!stderr || stderr.trim() === "") return [];
    const lines = stderr.split("\n").map((l) => l.trimEnd());
    const errors: string[] = [];
    lines.forEach((line, i) => {
        if (!/^error: /.test(line)) return;
        const rest = lines.slice(i + 1);
        const end = rest.findIndex((l) => !/^\s+\S/.test(l));
        errors.push([line.replace(/^error: /, ""), ...rest.slice(0, end === -1 ? rest.length : end)].join("\n"));
    });
    return errors;
}

function diffLines(changes: Change[]): string[] {
    const marks: Record<string, string> = { create: "+", delete: "-", update: "~", replace: "+-", same: " " };
    const lines: string[] = [];
    for (const change of changes) {
        const reasons = change.op === "replace" && change.replaceReasons.length > 0 ? `  (replace: ${change.replaceReasons.join(", ")})` : "";
        const options = [
            change.oldState?.protect !== change.newState?.protect && change.oldState && change.newState ? `protect ${change.oldState.protect} -> ${change.newState.protect}` : change.oldState?.protect ? "protected" : "",
            change.op === "delete" && change.oldState?.retainOnDelete ? "retain" : "",
        ].filter((o) => o !== "");
        lines.push(`${marks[change.op] ?? "*"} ${change.type} ${change.name} (${change.op}${options.length ? `, ${options.join(", ")}` : ""})${reasons}`);
        if (change.op === "update" || change.op === "replace") {
            for (const path of changedPaths(change)) {
                const before = valueAt(change.old, path);
                const after = valueAt(change.new, path);
                const kind = change.detailedDiff?.[path]?.kind ?? "update";
                const sign = kind.startsWith("add") ? "+" : kind.startsWith("delete") ? "-" : "~";
                lines.push(`    ${sign} ${path}: ${kind.startsWith("add") ? show(after, 400) : kind.startsWith("delete") ? show(before, 400) : `${show(before, 400)} => ${show(after, 400)}`}`);
            }
        }
    }
    return lines;
}

/** Ops the engine's summary counts one per resource, as the folded changes do. */
const COUNTED_OPS = ["create", "update", "delete", "replace"];

/** Where the output contradicts itself or the caller: each a sentence; the review then fails. */
function inconsistencies(preview: ParsedPreview, changes: Change[], expectedStack: string | undefined): string[] {
    const problems: string[] = [];
    if (preview.stacks.length > 1) problems.push(`The output names ${plural(preview.stacks.length, "stack")} (${names([...preview.stacks])}): it is not the preview of one stack.`);
    if (expectedStack !== undefined && preview.stack !== undefined && preview.stack !== expectedStack.split("/").pop()) {
        problems.push(`This is a preview of stack ${code(preview.stack)}, not of ${code(expectedStack)} (--stack): the review will not vouch for one stack with another's plan.`);
    }
    if (preview.complete && preview.changeSummary) {
        const listed: Record<string, number> = {};
        for (const change of changes) listed[change.op] = (listed[change.op] ?? 0) + 1;
        const off = COUNTED_OPS.filter((op) => (preview.changeSummary?.[op] ?? 0) !== (listed[op] ?? 0));
        if (off.length > 0) {
            problems.push(
                `The engine's summary and the steps disagree: the summary counts ${list(off.map((op) => `${preview.changeSummary?.[op] ?? 0} to ${op}`))}, ` +
                    `the output lists ${list(off.map((op) => `${listed[op] ?? 0}`))}: the review cannot see every change.`,
            );
        }
    }
    return problems;
}

export function reviewPreview(input: ReviewInput): Review {
    const { preview } = input;
    const all = changesOf(preview.steps);
    const changes = all.filter((c) => !isQuiet(c) && c.type !== "pulumi:pulumi:Stack");
    const stopped =
        !preview.complete || preview.failed === true || preview.diagnostics.some((d) => d.severity === "error") || (input.exitStatus !== undefined && input.exitStatus !== 0);
    const plan = planOf(all, preview.config, !stopped, preview.diagnostics.some((d) => ["info", "infoerr", "warning"].includes(d.severity)));

    const findings: Finding[] = [];
    const removals: Removal[] = [];
    for (const change of changes) {
        const finding = findingOf(change, plan);
        if (finding) findings.push(finding);
        if (change.op === "delete" || change.op === "replace") removals.push(removalOf(change, finding));
    }
    findings.push(...protectFindings(all));
    const newCluster = newClusterFinding(changes);
    if (newCluster) findings.push(newCluster);
    if (plan.clusterMoves && !findings.some((f) => f.severity === "data")) {
        findings.push({ subject: "The cluster", sentences: [`${capitalized(plan.clusterMoves)}: what is deployed there does not come along; claims and their data stay behind.`], severity: "data" });
    }
    // Stable sort: plan order within a severity.
    findings.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));

    const errors: string[] = [];
    for (const problem of preview.problems) errors.push(`The preview's output is incomplete: ${problem}.`);
    if (preview.format !== "none" && !preview.complete && preview.problems.length === 0) {
        errors.push("The preview's output ends before the engine's summary: the preview did not finish.");
    }
    // The engine counts the stack's own create or delete too (a new stack), so the comparison does.
    const contradictions = inconsistencies(preview, all.filter((c) => !isQuiet(c)), input.stack);
    errors.push(...contradictions);
    for (const d of preview.diagnostics.filter((d) => d.severity === "error")) errors.push(d.urn ? `${subjectOfUrn(d.urn)}: ${d.message.trim()}` : d.message.trim());
    for (const line of stderrErrors(input.stderr)) {
        if (!errors.some((e) => e.includes(line.split("\n")[0]))) errors.push(line);
    }
    if (preview.failed && errors.length === 0) errors.push("The engine's summary says the preview failed.");
    if (input.exitStatus !== undefined && input.exitStatus !== 0 && errors.length === 0) errors.push(`\`pulumi preview\` exited with status ${input.exitStatus}.`);

    const policies = preview.policies ? [...preview.policies].sort((a, b) => levelRank(a.level) - levelRank(b.level)) : undefined;
    const mandatory = (policies ?? []).filter((p) => p.level === "mandatory");

    const reasons: string[] = [];
    if (mandatory.length > 0) reasons.push(`${plural(mandatory.length, "mandatory policy violation")}: ${list([...new Set(mandatory.map((p) => code(p.policy)))])}.`);
    for (const error of errors) {
        // The first line, and the next when the first only announces it ("...failed with an unhandled exception:").
        const lines = error.split("\n").map((l) => l.trim()).filter((l) => l !== "");
        if (lines.length > 0) reasons.push(lines[0].endsWith(":") && lines[1] ? `${lines[0]} ${lines[1]}` : lines[0]);
    }
    const failed = errors.length > 0 || mandatory.length > 0;
    if (failed && changes.length > 0) reasons.push(`It had planned ${plural(changes.length, "change")} before it stopped (below); ${preview.complete ? "these are all it planned" : "it may have planned more"}.`);

    const worstFound = SEVERITY_ORDER.find((s) => findings.some((f) => f.severity === s));
    const verdict: Verdict = failed ? "failed" : worstFound ? SEVERITY_VERDICT[worstFound] : changes.length > 0 ? "safe" : "none";
    const labels = [
        ...(failed ? [LABELS.failed] : []),
        ...SEVERITY_ORDER.filter((s) => findings.some((f) => f.severity === s)).map((s) => LABELS[SEVERITY_VERDICT[s]]),
    ];
    if (!failed && labels.length === 0) labels.push(changes.length > 0 ? LABELS.safe : LABELS.none);

    const counts: Record<string, number> = {};
    if (preview.changeSummary) Object.assign(counts, preview.changeSummary);
    else for (const change of changes) counts[change.op] = (counts[change.op] ?? 0) + 1;

    const stack = preview.stack ?? input.stack ?? "?";
    return {
        verdict,
        labels,
        target: preview.project ? `${preview.project}/${stack}` : stack,
        reasons: failed ? reasons : [],
        findings,
        removals,
        policies,
        policyPacks: preview.policyPacks,
        errors,
        messages: preview.diagnostics
            .filter((d) => d.severity === "warning" || d.severity === "info" || d.severity === "infoerr")
            .map((d) => ({ severity: d.severity === "infoerr" ? "info" : d.severity, from: subjectOfUrn(d.urn), text: d.message.trim() })),
        counts,
        complete: preview.complete && preview.format !== "none" && contradictions.length === 0,
        registeredResources: preview.steps.some((s) => s.type !== "pulumi:pulumi:Stack" && s.type !== ""),
        // Plan order, and the protect changes the engine plans as `same`.
        diff: diffLines([...changes, ...all.filter((c) => isQuiet(c) && c.oldState && c.newState && c.oldState.protect !== c.newState.protect)]),
    };
}
