/**
 * What `pulumi preview --json` printed, read into one shape whatever went wrong.
 *
 * The CLI (3.276) prints one of two things:
 * - the digest (`pulumi preview --json`): one indented JSON object, written once at the end, with
 *   `steps` (op, urn, oldState/newState, diffReasons, replaceReasons, detailedDiff), `diagnostics`
 *   and `changeSummary`. It carries no policy results: the CLI drops every policy event from it
 *   (pkg/backend/display/json.go, "we don't handle policy events in JSON serialization");
 * - the event stream (`PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true pulumi preview --json`): one
 *   engine event per line (`resourcePreEvent`, `diagnosticEvent`, `policyEvent`,
 *   `policyAnalyzeSummaryEvent`, `summaryEvent`, ...), policy results included. CI uses this one.
 *
 * Either may be missing, empty or cut off (a runner killed mid-write, a log limit); a preview that
 * failed part-way still lists the steps it had planned. `parsePreview` never throws: it keeps what
 * it could read and says what it could not.
 */

/** A resource's state as the preview shows it (secrets already replaced by "[secret]"). */
export interface ResourceState {
    readonly type: string;
    readonly urn: string;
    readonly id?: string;
    readonly inputs: Record<string, unknown>;
    readonly outputs: Record<string, unknown>;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    /** False for a component (it holds nothing itself); the stream leaves the field out then. */
    readonly custom: boolean;
    /** The provider reference, `<provider urn>::<id>`; undefined for components and default providers' absence. */
    readonly provider?: string;
    /** The URN of the resource it is deleted with (`deletedWith`), when set. */
    readonly deletedWith?: string;
}

/** One field a step changes: `kind` is add, update, delete, or one of those with `-replace`. */
export interface PropertyChange {
    readonly kind: string;
    readonly inputDiff: boolean;
}

export interface PlannedStep {
    /** same, create, update, delete, replace, create-replacement, delete-replaced, read, refresh, ... */
    readonly op: string;
    readonly urn: string;
    /** The resource's type token, `kubernetes:apps/v1:StatefulSet`. */
    readonly type: string;
    /** The resource's Pulumi name (the last part of its URN). */
    readonly name: string;
    /** The type tokens of its parents, outermost first (`sticky:app:StickyApp`). */
    readonly parentTypes: readonly string[];
    readonly old?: ResourceState;
    readonly new?: ResourceState;
    readonly diffReasons: readonly string[];
    readonly replaceReasons: readonly string[];
    /** Field path -> change; undefined when the provider gave no detailed diff. */
    readonly detailedDiff?: Readonly<Record<string, PropertyChange>>;
}

export interface Diagnostic {
    readonly urn?: string;
    /** error, warning, info, infoerr */
    readonly severity: string;
    readonly message: string;
}

export interface PolicyViolation {
    readonly pack: string;
    readonly policy: string;
    /** mandatory, advisory, remediate, disabled */
    readonly level: string;
    readonly message: string;
    readonly urn?: string;
}

export interface ParsedPreview {
    /** Which of the CLI's two JSON forms this was, or none when nothing could be read. */
    readonly format: "digest" | "events" | "none";
    readonly stack?: string;
    readonly project?: string;
    /** Every stack the steps' URNs name: one, for a preview of one stack. */
    readonly stacks: readonly string[];
    /** The config the preview ran with (`sticky:environment` -> "eks"), when the output carries it. */
    readonly config?: Readonly<Record<string, string>>;
    readonly steps: readonly PlannedStep[];
    readonly diagnostics: readonly Diagnostic[];
    /** Policy violations; undefined when the output cannot carry them (the digest). */
    readonly policies?: readonly PolicyViolation[];
    /** Policy packs that ran ("name" -> version), from the event stream's summary. */
    readonly policyPacks?: Readonly<Record<string, string>>;
    /** Resources per operation, from the engine's summary; undefined when it never came. */
    readonly changeSummary?: Readonly<Record<string, number>>;
    /** True when the output ended the way a finished preview's does. */
    readonly complete: boolean;
    /** True when the engine's own summary says the preview failed (the event stream's `result`). */
    readonly failed?: boolean;
    /** What could not be read, in words ("the JSON stops after 5120 characters"). */
    readonly problems: readonly string[];
}

type Json = Record<string, any>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** `urn:pulumi:<stack>::<project>::<parent type>$...$<type>::<name>` */
export function parseUrn(urn: string): { stack: string; project: string; type: string; parentTypes: string[]; name: string } {
    const parts = urn.split("::");
    const stack = (parts[0] ?? "").replace(/^urn:pulumi:/, "");
    const project = parts[1] ?? "";
    const qualifiedType = parts[2] ?? "";
    const name = parts.slice(3).join("::");
    const types = qualifiedType.split("$");
    return { stack, project, type: types[types.length - 1] ?? "", parentTypes: types.slice(0, -1), name };
}

function stateOf(raw: unknown): ResourceState | undefined {
    if (!isObject(raw)) return undefined;
    return {
        type: String(raw.type ?? ""),
        urn: String(raw.urn ?? ""),
        id: raw.id === undefined || raw.id === "" ? undefined : String(raw.id),
        inputs: isObject(raw.inputs) ? raw.inputs : {},
        outputs: isObject(raw.outputs) ? raw.outputs : {},
        protect: raw.protect === true,
        retainOnDelete: raw.retainOnDelete === true,
        custom: raw.custom === true,
        provider: typeof raw.provider === "string" && raw.provider !== "" ? raw.provider : undefined,
        deletedWith: typeof raw.deletedWith === "string" && raw.deletedWith !== "" ? raw.deletedWith : undefined,
    };
}

function detailedDiffOf(raw: unknown): Record<string, PropertyChange> | undefined {
    if (!isObject(raw)) return undefined;
    const diff: Record<string, PropertyChange> = {};
    for (const [path, change] of Object.entries(raw)) {
        // The digest names the kind `kind`, the event stream `diffKind`.
        const kind = isObject(change) ? String(change.kind ?? change.diffKind ?? "update") : "update";
        diff[path] = { kind, inputDiff: isObject(change) && change.inputDiff === true };
    }
    return diff;
}

/** A step from the digest (`oldState`/`newState`) or the stream's step metadata (`old`/`new`). */
function stepOf(raw: Json): PlannedStep {
    const urn = String(raw.urn ?? "");
    const { type, parentTypes, name } = parseUrn(urn);
    return {
        op: String(raw.op ?? ""),
        urn,
        type: String(raw.type ?? "") || type,
        name,
        parentTypes,
        old: stateOf(raw.oldState ?? raw.old),
        new: stateOf(raw.newState ?? raw.new),
        // The digest calls them diffReasons/replaceReasons, the stream diffs/keys.
        diffReasons: (raw.diffReasons ?? raw.diffs ?? []) as string[],
        replaceReasons: (raw.replaceReasons ?? raw.keys ?? []) as string[],
        detailedDiff: detailedDiffOf(raw.detailedDiff),
    };
}

function diagnosticOf(raw: Json): Diagnostic {
    return {
        urn: raw.urn ? String(raw.urn) : undefined,
        severity: String(raw.severity ?? "info"),
        // The severity says what the prefix ("error: ") would; the message alone reads better.
        message: String(raw.message ?? "").replace(/^(error|warning): /, "").replace(/\n+$/, ""),
    };
}

/**
 * The complete elements of the array that follows `"key": [` in a JSON text cut off somewhere:
 * each element is parsed once its closing bracket has arrived. Strings are skipped properly, so a
 * bracket inside a message does not count.
 */
export function completeArrayElements(text: string, key: string): Json[] {
    const start = new RegExp(`"${key}"\\s*:\\s*\\[`).exec(text);
    if (!start) return [];
    const elements: Json[] = [];
    let depth = 0;
    let elementStart = -1;
    let inString = false;
    for (let i = start.index + start[0].length; i < text.length; i++) {
        const c = text[i];
        if (inString) {
            if (c === "\\") i++;
            else if (c === '"') inString = false;
            continue;
        }
        if (c === '"') inString = true;
        else if (c === "{" || c === "[") {
            if (depth === 0) elementStart = i;
            depth++;
        } else if (c === "}" || c === "]") {
            if (depth === 0) break; // the array itself closed
            depth--;
            if (depth === 0 && elementStart >= 0) {
                try {
                    const element = JSON.parse(text.slice(elementStart, i + 1));
                    if (isObject(element)) elements.push(element);
                } catch {
                    // not an element we can read; keep going
                }
                elementStart = -1;
            }
        }
    }
    return elements;
}

/** The stacks and the project the steps' URNs name. */
function whereOf(steps: readonly PlannedStep[]): { stack?: string; project?: string; stacks: string[] } {
    const urns = steps.map((s) => parseUrn(s.urn)).filter((u) => u.stack !== "");
    return { stack: urns[0]?.stack, project: urns[0]?.project, stacks: [...new Set(urns.map((u) => u.stack))] };
}

const configOf = (raw: unknown): Record<string, string> | undefined =>
    isObject(raw) ? Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])) : undefined;

function fromDigest(digest: Json, complete: boolean, problems: string[]): ParsedPreview {
    const steps = Array.isArray(digest.steps) ? (digest.steps as Json[]).filter(isObject).map(stepOf) : [];
    const diagnostics = Array.isArray(digest.diagnostics) ? (digest.diagnostics as Json[]).filter(isObject).map(diagnosticOf) : [];
    const changeSummary = isObject(digest.changeSummary) ? (digest.changeSummary as Record<string, number>) : undefined;
    return {
        format: "digest",
        ...whereOf(steps),
        config: configOf(digest.config),
        steps,
        diagnostics,
        policies: undefined,
        changeSummary,
        complete: complete && changeSummary !== undefined,
        problems,
    };
}

function fromEvents(lines: string[], problems: string[]): ParsedPreview {
    const steps: PlannedStep[] = [];
    const diagnostics: Diagnostic[] = [];
    const policies: PolicyViolation[] = [];
    let changeSummary: Record<string, number> | undefined;
    let policyPacks: Record<string, string> | undefined;
    let cancelled = false;
    let failed = false;
    let config: Record<string, string> | undefined;
    lines.forEach((line, index) => {
        if (line.trim() === "") return;
        let event: Json;
        try {
            event = JSON.parse(line);
        } catch {
            problems.push(
                index === lines.length - 1
                    ? `the last event is cut off (${line.length} characters of an unfinished line)`
                    : `event line ${index + 1} is not JSON`,
            );
            return;
        }
        if (isObject(event.preludeEvent)) {
            config = configOf(event.preludeEvent.config);
        } else if (isObject(event.resourcePreEvent)) {
            steps.push(stepOf(event.resourcePreEvent.metadata ?? {}));
        } else if (isObject(event.resOutputsEvent) && isObject(event.resOutputsEvent.metadata)) {
            // A refresh (`--refresh`, the drift check) reports what it found as the outputs of its
            // refresh step: an update with a diff, or a delete. The digest swaps those in the same way.
            const found = stepOf(event.resOutputsEvent.metadata);
            const index = steps.findIndex((s) => s.urn === found.urn && s.op === "refresh");
            if (index >= 0 && ((found.op === "update" && found.detailedDiff !== undefined) || found.op === "delete")) steps[index] = found;
        } else if (isObject(event.diagnosticEvent)) {
            const d = event.diagnosticEvent;
            if (d.ephemeral !== true && d.severity !== "debug") diagnostics.push(diagnosticOf(d));
        } else if (isObject(event.stdoutEvent)) {
            diagnostics.push({ severity: "info", message: String(event.stdoutEvent.message ?? "").replace(/\n+$/, "") });
        } else if (isObject(event.policyEvent)) {
            const p = event.policyEvent;
            // An excepted violation does not fail the operation, whatever its level.
            const excepted = Array.isArray(p.exceptions) && p.exceptions.length > 0;
            policies.push({
                pack: String(p.policyPackName ?? ""),
                policy: String(p.policyName ?? ""),
                level: excepted ? `${p.enforcementLevel} (excepted)` : String(p.enforcementLevel ?? "advisory"),
                message: String(p.message ?? "").trim(),
                urn: p.resourceUrn ? String(p.resourceUrn) : undefined,
            });
        } else if (isObject(event.summaryEvent)) {
            changeSummary = isObject(event.summaryEvent.resourceChanges) ? event.summaryEvent.resourceChanges : {};
            // Keys are "<pack>|<source>|<path>" (3.276): the pack's name is the first part.
            if (isObject(event.summaryEvent.PolicyPacks)) {
                policyPacks = Object.fromEntries(Object.entries(event.summaryEvent.PolicyPacks).map(([key, version]) => [key.split("|")[0], String(version)]));
            }
            failed = event.summaryEvent.result === "failed";
        } else if (event.cancelEvent !== undefined) {
            // Every stream ends with one; only before the summary does it mean the preview stopped.
            if (changeSummary === undefined) cancelled = true;
        }
    });
    if (cancelled) problems.push("the preview was cancelled");
    return {
        format: "events",
        ...whereOf(steps),
        config,
        steps,
        diagnostics,
        policies,
        policyPacks,
        changeSummary,
        complete: changeSummary !== undefined && !cancelled,
        failed,
        problems,
    };
}

/** Reads either JSON form; `text` undefined means the file was missing. */
export function parsePreview(text: string | undefined): ParsedPreview {
    const none = (problem: string): ParsedPreview => ({
        format: "none",
        stacks: [],
        steps: [],
        diagnostics: [],
        complete: false,
        problems: [problem],
    });
    if (text === undefined) return none("the preview wrote no JSON file");
    const trimmed = text.trim();
    if (trimmed === "") return none("the preview's JSON output is empty");

    // The stream: every line an object with a sequence number.
    const firstLine = trimmed.split("\n", 1)[0];
    if (/^\{"sequence":/.test(firstLine) || /^\{.*\}$/.test(firstLine)) {
        try {
            const first = JSON.parse(firstLine);
            if (isObject(first) && "sequence" in first) return fromEvents(trimmed.split("\n"), []);
        } catch {
            // not one event per line
        }
    }

    try {
        const digest = JSON.parse(trimmed);
        if (isObject(digest)) return fromDigest(digest, true, []);
        return none("the preview's JSON output is not an object");
    } catch {
        // Cut off: keep every step that arrived whole.
        const salvaged = {
            steps: completeArrayElements(trimmed, "steps"),
            diagnostics: completeArrayElements(trimmed, "diagnostics"),
        };
        if (salvaged.steps.length === 0 && salvaged.diagnostics.length === 0 && !trimmed.startsWith("{")) {
            return none(`the preview's output is not JSON (it starts ${JSON.stringify(trimmed.slice(0, 60))})`);
        }
        return fromDigest(salvaged, false, [`the JSON stops after ${trimmed.length} characters, unfinished`]);
    }
}
