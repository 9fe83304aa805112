/**
 * The pull-request review of a `pulumi preview`: what the change does to the data and the service,
 * in plain words with names, before the raw diff.
 *
 * Pure: it reads a parsed preview (./preview.ts) and returns Markdown; no engine, no files. Every
 * sentence follows from the preview's own steps (the ops the engine planned, the old and new state
 * of each resource), not from assumptions about how the program makes a change: if a claim is
 * patched, the review says it grows; if the StatefulSet is replaced, it says every pod stops.
 *
 * What it knows about this project's resources comes from the project: the component's type token
 * and the claim template's name (components/sticky-app.ts), the Kubernetes type tokens
 * (policy/kubernetes.ts). The few AWS/EKS tokens below are checked against the SDKs' own by
 * tests/preview-review.test.ts, and against what the prod stack registers.
 */
import { CLAIM_TEMPLATE, claimName, STICKY_APP_TYPE } from "../../components/sticky-app-contract";
import { compareQuantities } from "../../core/quantity";
import { TYPES } from "../../core/kubernetes";
import { sameValue, show, splitPath, UNKNOWN, valueAt } from "./paths";
import { parseUrn, type ParsedPreview, type PlannedStep, type PolicyViolation } from "./preview";

/** GitHub refuses an issue or pull-request comment longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** Type tokens the review speaks about beyond policy/kubernetes.ts's (checked by the tests). */
export const WATCHED_TYPES = {
    persistentVolume: "kubernetes:core/v1:PersistentVolume",
    persistentVolumeClaimPatch: "kubernetes:core/v1:PersistentVolumeClaimPatch",
    eksCluster: "eks:index:Cluster",
    awsEksCluster: "aws:eks/cluster:Cluster",
    managedNodeGroup: "eks:index:ManagedNodeGroup",
    awsNodeGroup: "aws:eks/nodeGroup:NodeGroup",
    addon: "aws:eks/addon:Addon",
} as const;

/** The EKS managed addon that runs the EBS CSI driver, which provisions and attaches every volume. */
export const EBS_CSI_ADDON = "aws-ebs-csi-driver";

export type Verdict = "failed" | "at-risk" | "safe" | "none";

export const VERDICT_TITLES: Record<Verdict, string> = {
    failed: "Preview failed",
    "at-risk": "Downtime or data at risk",
    safe: "Changes, data safe",
    none: "No changes",
};

const VERDICT_ICONS: Record<Verdict, string> = { failed: "⛔", "at-risk": "🔴", safe: "🟢", none: "⚪" };

/** What one resource's change means, in sentences; `risk` when it stops the service or endangers data. */
export interface Finding {
    readonly subject: string;
    readonly sentences: string[];
    readonly risk: boolean;
}

export interface Review {
    readonly verdict: Verdict;
    /** `sticky/prod`, or the stack alone when the project is unknown. */
    readonly target: string;
    /** Why the verdict, one line each, most serious first. */
    readonly reasons: string[];
    readonly findings: Finding[];
    /** Violations, mandatory first; undefined when the output cannot carry them. */
    readonly policies?: PolicyViolation[];
    readonly policyPacks?: Readonly<Record<string, string>>;
    /** Error lines (diagnostics, stderr) for a failed preview. */
    readonly errors: string[];
    readonly warnings: string[];
    /** Resources per operation, from the engine's summary when it came. */
    readonly counts: Record<string, number>;
    /** Whether the program registered any resource before the preview ended. */
    readonly registeredResources: boolean;
    /** The full diff, one line per change. */
    readonly diff: string[];
}

export interface ReviewInput {
    readonly preview: ParsedPreview;
    /** The preview's stderr, when kept. */
    readonly stderr?: string;
    /** The preview's exit status, when kept. */
    readonly exitStatus?: number;
    /** The stack, when the preview names none (it failed before planning anything). */
    readonly stack?: string;
}

// ---------------------------------------------------------------------------------------------
// Steps to changes.

const REPLACE_OPS = ["replace", "create-replacement", "delete-replaced", "discard-replaced", "import-replacement", "read-replacement"];
const QUIET_OPS = ["same", "read", "refresh", "remove-pending-replace"];

/** One resource's change: the steps of a replacement folded into one. */
interface Change {
    readonly op: "create" | "update" | "delete" | "replace" | string;
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parentTypes: readonly string[];
    readonly old?: Record<string, unknown>;
    readonly new?: Record<string, unknown>;
    readonly replaceReasons: readonly string[];
    readonly diffReasons: readonly string[];
    readonly detailedDiff?: Readonly<Record<string, { kind: string }>>;
    readonly protect: boolean;
}

/** The object a Kubernetes resource describes: its inputs, or its live outputs where inputs say nothing. */
function objectOf(state: PlannedStep["old"]): Record<string, unknown> | undefined {
    if (!state) return undefined;
    return Object.keys(state.inputs).length > 0 ? state.inputs : state.outputs;
}

function changesOf(steps: readonly PlannedStep[]): Change[] {
    const byUrn = new Map<string, PlannedStep[]>();
    for (const step of steps) {
        if (QUIET_OPS.includes(step.op) || step.type === "pulumi:pulumi:Stack" || step.type === "") continue;
        byUrn.set(step.urn, [...(byUrn.get(step.urn) ?? []), step]);
    }
    return [...byUrn.values()].map((group) => {
        const main = group.find((s) => s.op === "replace") ?? group[0];
        const op = group.some((s) => REPLACE_OPS.includes(s.op)) ? "replace" : main.op;
        const oldState = group.map((s) => s.old).find((s) => s !== undefined);
        const newState = group.map((s) => s.new).find((s) => s !== undefined);
        return {
            op,
            urn: main.urn,
            type: main.type,
            name: main.name,
            parentTypes: main.parentTypes,
            old: objectOf(oldState),
            new: op === "delete" ? undefined : objectOf(newState),
            replaceReasons: [...new Set(group.flatMap((s) => s.replaceReasons))],
            diffReasons: [...new Set(group.flatMap((s) => s.diffReasons))],
            detailedDiff: group.map((s) => s.detailedDiff).find((d) => d !== undefined && Object.keys(d).length > 0),
            protect: oldState?.protect === true,
        };
    });
}

/** The fields a change touches: the provider's detailed diff, or the top-level keys it named. */
function changedPaths(change: Change): string[] {
    if (change.detailedDiff) return Object.keys(change.detailedDiff).sort();
    return [...new Set([...change.diffReasons, ...change.replaceReasons])].sort();
}

/** Whether `path` (a detailed-diff path) lies under `prefix` (split form). */
function under(path: string, prefix: (string | number)[]): boolean {
    const parts = splitPath(path);
    return prefix.every((p, i) => parts[i] === p);
}

const metadataName = (object: Record<string, unknown> | undefined): string | undefined => {
    const name = valueAt(object, "metadata.name");
    return typeof name === "string" && name !== UNKNOWN ? name : undefined;
};

const code = (text: string | number) => `\`${String(text).replace(/`/g, "'")}\``;
const list = (items: string[]) =>
    items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function shortType(type: string): string {
    return type.split(":").pop() ?? type;
}

function displayName(change: Change): string {
    return metadataName(change.new) ?? metadataName(change.old) ?? change.name;
}

// ---------------------------------------------------------------------------------------------
// The app's StatefulSet: pods and claims.

interface ClaimTemplate {
    readonly metadata?: { name?: string };
    readonly spec?: { storageClassName?: string; accessModes?: string[]; resources?: { requests?: { storage?: string } } };
}

function templatesOf(object: Record<string, unknown> | undefined): ClaimTemplate[] {
    const templates = valueAt(object, "spec.volumeClaimTemplates");
    return Array.isArray(templates) ? (templates as ClaimTemplate[]) : [];
}

function replicasOf(object: Record<string, unknown> | undefined): number | undefined {
    const replicas = valueAt(object, "spec.replicas");
    if (typeof replicas === "number") return replicas;
    // Unset means one pod (the API's default); unknown stays unknown.
    return object && replicas === undefined ? 1 : undefined;
}

function retentionOf(object: Record<string, unknown> | undefined, when: "whenDeleted" | "whenScaled"): string {
    const value = valueAt(object, ["spec", "persistentVolumeClaimRetentionPolicy", when]);
    return typeof value === "string" ? value : "Retain"; // the API's default
}

const ordinals = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** A claim that a step in this preview patches or replaces, with its old and new size. */
interface ClaimStep {
    readonly claim: string;
    readonly change: Change;
}

function statefulSetFinding(change: Change, claimSteps: ClaimStep[]): Finding {
    const name = displayName(change);
    const oldName = metadataName(change.old) ?? name;
    const subject = `StatefulSet ${code(name)}`;
    const sentences: string[] = [];
    let risk = false;

    const oldReplicas = replicasOf(change.old);
    const newReplicas = replicasOf(change.new);
    const oldTemplates = templatesOf(change.old);
    const newTemplates = templatesOf(change.new);
    const templateNames = (templates: ClaimTemplate[]) => templates.map((t, i) => t.metadata?.name ?? (i === 0 ? CLAIM_TEMPLATE : `template ${i}`));
    const pods = (set: string, count: number | undefined, from = 0) => (count === undefined ? [] : ordinals(from, count).map((i) => `${set}-${i}`));
    const claims = (set: string, templates: string[], count: number | undefined, from = 0) =>
        count === undefined ? [] : templates.flatMap((t) => ordinals(from, count).map((i) => claimName(set, i, t)));
    const oldClaims = claims(oldName, templateNames(oldTemplates), oldReplicas);
    const podList = (names: string[]) => list(names.map(code));

    if (change.op === "create") {
        const newClaims = claims(name, templateNames(newTemplates), newReplicas);
        sentences.push(
            `Created: ${newReplicas === undefined ? "its pods start" : `${plural(newReplicas, "pod")} start (${podList(pods(name, newReplicas))})`}, ` +
                (newClaims.length > 0
                    ? `each with its claim (${podList(newClaims)}): new and empty, or an existing claim of that name adopted as it is.`
                    : "without claims."),
        );
        return { subject, sentences, risk };
    }

    if (change.op === "delete") {
        risk = true;
        sentences.push(`Deleted: all ${oldReplicas ?? ""} pods stop (${podList(pods(oldName, oldReplicas))}) and nothing replaces them.`.replace("all  pods", "all pods"));
        const whenDeleted = retentionOf(change.old, "whenDeleted");
        if (oldClaims.length > 0) {
            sentences.push(
                whenDeleted === "Delete"
                    ? `Its claims are **deleted** with it (persistentVolumeClaimRetentionPolicy.whenDeleted: Delete): ${podList(oldClaims)}; their volumes follow their class's reclaim policy.`
                    : `Its claims are kept (whenDeleted: ${whenDeleted}), unused: ${podList(oldClaims)}.`,
            );
        }
        return { subject, sentences, risk };
    }

    const paths = changedPaths(change);
    const templatePaths = paths.filter((p) => under(p, ["spec", "template"]));
    const claimTemplatePaths = paths.filter((p) => under(p, ["spec", "volumeClaimTemplates"]));

    if (change.op === "replace") {
        risk = true;
        const why = change.replaceReasons.length > 0 ? ` (${list(change.replaceReasons.map(code))} cannot change in place)` : "";
        sentences.push(
            `**Replaced**${why}: the StatefulSet is deleted and created again, so all ${oldReplicas === undefined ? "its" : plural(oldReplicas, "pod")} ` +
                `${oldReplicas === undefined ? "pods " : ""}(${podList(pods(oldName, oldReplicas)) || "its pods"}) stop together and the service is down until the new pods are ready.`,
        );
        const sameName = name === oldName;
        const sameTemplates = sameValue(templateNames(oldTemplates), templateNames(newTemplates));
        if (oldClaims.length > 0) {
            if (sameName && sameTemplates) {
                const adopted = claims(name, templateNames(newTemplates), Math.min(oldReplicas ?? 0, newReplicas ?? oldReplicas ?? 0));
                sentences.push(`Claims kept and adopted by the new StatefulSet (same names): ${podList(adopted)}.`);
            } else {
                sentences.push(
                    `**The new StatefulSet (${code(name)}, claim templates ${list(templateNames(newTemplates).map(code))}) does not adopt the old claims**: ` +
                        `${podList(oldClaims)} stay behind with the data, and its pods start on new, empty claims.`,
                );
            }
        }
    } else if (change.op === "update") {
        if (oldReplicas !== undefined && newReplicas !== undefined && newReplicas !== oldReplicas) {
            if (newReplicas < oldReplicas) {
                const leaving = pods(name, oldReplicas, newReplicas);
                const leavingClaims = claims(name, templateNames(oldTemplates), oldReplicas, newReplicas);
                const whenScaled = retentionOf(change.new, "whenScaled");
                sentences.push(`Scales down from ${oldReplicas} to ${newReplicas}: ${podList(leaving)} ${leaving.length === 1 ? "stops" : "stop"}, highest ordinal first.`);
                if (leavingClaims.length > 0) {
                    if (whenScaled === "Delete") {
                        risk = true;
                        sentences.push(`Their claims are **deleted** (whenScaled: Delete): ${podList(leavingClaims)}.`);
                    } else {
                        sentences.push(`Their claims are kept (whenScaled: ${whenScaled}) and adopted again if replicas go back up: ${podList(leavingClaims)}.`);
                    }
                }
            } else {
                const joining = pods(name, newReplicas, oldReplicas);
                const joiningClaims = claims(name, templateNames(newTemplates), newReplicas, oldReplicas);
                sentences.push(
                    `Scales up from ${oldReplicas} to ${newReplicas}: ${podList(joining)} ${joining.length === 1 ? "starts" : "start"}` +
                        (joiningClaims.length > 0 ? `, with ${podList(joiningClaims)} (new and empty, or an existing claim of that name adopted as it is).` : "."),
                );
            }
        }
        if (templatePaths.length > 0) {
            const strategy = valueAt(change.new, "spec.updateStrategy.type") ?? "RollingUpdate";
            const fields = templatePaths.map((p) => `${code(p.replace(/^spec\.template\./, ""))}: ${show(valueAt(change.old, p))} → ${show(valueAt(change.new, p))}`);
            const running = pods(name, Math.min(oldReplicas ?? 0, newReplicas ?? oldReplicas ?? 0)).reverse();
            if (strategy === "OnDelete") {
                sentences.push(`The pod template changes (${fields.join("; ")}), but with updateStrategy OnDelete the pods keep the old one until each is deleted.`);
            } else {
                const maxUnavailable = valueAt(change.new, "spec.updateStrategy.rollingUpdate.maxUnavailable");
                const pace = maxUnavailable === undefined || maxUnavailable === 1 ? "one at a time" : `up to ${show(maxUnavailable)} at a time`;
                sentences.push(
                    `Pods restart ${pace} (rolling update${running.length > 0 ? `: ${running.map(code).join(", then ")}` : ""}); each comes back with its own claim. Changes: ${fields.join("; ")}.`,
                );
            }
        }
        const name2 = metadataName(change.new);
        if (name2 !== undefined && metadataName(change.old) !== undefined && name2 !== metadataName(change.old)) {
            risk = true;
            sentences.push(`Renamed from ${code(oldName)} to ${code(name2)}.`);
        }
    }

    // Claim templates: only claims created after the change get it. Existing claims keep what they
    // have, unless this preview also changes them (a patch that grows them in place).
    if (claimTemplatePaths.length > 0 && oldClaims.length > 0) {
        for (const path of claimTemplatePaths) {
            const [, , index] = splitPath(path);
            const oldTemplate = typeof index === "number" ? oldTemplates[index] : undefined;
            const templateName = oldTemplate?.metadata?.name ?? CLAIM_TEMPLATE;
            const field = splitPath(path).slice(3).join(".");
            const existing = claims(oldName, [templateName], oldReplicas);
            const patched = claimSteps.filter((s) => existing.includes(s.claim));
            const untouched = existing.filter((c) => !patched.some((s) => s.claim === c));
            const from = show(valueAt(change.old, path));
            const to = show(valueAt(change.new, path));
            if (untouched.length > 0) {
                sentences.push(
                    `Claim template ${code(templateName)} ${code(field)}: ${from} → ${to}. **Existing claims do not get this**: ` +
                        `${podList(untouched)} keep ${from}${field.endsWith("storageClassName") ? " (and their volumes stay where they are)" : ""}; ` +
                        `only claims created from now on get ${to}.`,
                );
            } else {
                sentences.push(`Claim template ${code(templateName)} ${code(field)}: ${from} → ${to}, and this preview changes every existing claim too (below).`);
            }
        }
    }

    const retentionPaths = paths.filter((p) => under(p, ["spec", "persistentVolumeClaimRetentionPolicy"]));
    for (const when of ["whenDeleted", "whenScaled"] as const) {
        const before = retentionOf(change.old, when);
        const after = retentionOf(change.new, when);
        if (before !== after || retentionPaths.some((p) => p.endsWith(when) && before !== after)) {
            if (after === "Delete") risk = true;
            sentences.push(`Claim retention ${when}: ${before} → ${after}${after === "Delete" ? ": claims will be **deleted** " + (when === "whenDeleted" ? "with the StatefulSet" : "when it scales down") : ""}.`);
        }
    }

    if (sentences.length === 0) {
        sentences.push(`Updated in place (${list(paths.map(code)) || "no field named"}); its pods do not restart.`);
    }
    return { subject, sentences, risk };
}

// ---------------------------------------------------------------------------------------------
// Claims, volumes, classes, and the cluster under them.

function claimFinding(change: Change): Finding {
    const name = displayName(change);
    const subject = `Claim ${code(name)}`;
    const storage = "spec.resources.requests.storage";
    const before = valueAt(change.old, storage);
    const after = valueAt(change.new, storage);
    switch (change.op) {
        case "create":
            return { subject, sentences: [`Created${after !== undefined ? ` (${show(after)})` : ""}, or patched when it exists.`], risk: false };
        case "delete":
            return { subject, sentences: ["**Deleted**: its volume goes too unless the volume's reclaim policy is Retain."], risk: true };
        case "replace":
            return {
                subject,
                sentences: [`**Replaced** (${list(change.replaceReasons.map(code)) || "cannot change in place"}): the claim is deleted and created empty; the old volume goes unless its reclaim policy is Retain.`],
                risk: true,
            };
        default: {
            if (before !== undefined && after !== undefined && !sameValue(before, after)) {
                const grows = compareQuantities(String(before), String(after));
                if (grows === "shrinks") {
                    return { subject, sentences: [`Shrinks from ${show(before)} to ${show(after)}: Kubernetes refuses to shrink a claim, so the update will fail.`], risk: true };
                }
                return { subject, sentences: [`Grows from ${show(before)} to ${show(after)} in place: the volume is expanded, the data stays, pods keep running.`], risk: false };
            }
            return { subject, sentences: [`Updated in place (${list(changedPaths(change).map(code))}).`], risk: false };
        }
    }
}

function volumeFinding(change: Change): Finding {
    const name = displayName(change);
    const subject = `Volume ${code(name)}`;
    if (change.op === "delete" || change.op === "replace") {
        return { subject, sentences: [`**${change.op === "delete" ? "Deleted" : "Replaced"}**: with reclaim policy ${show(valueAt(change.old, "spec.persistentVolumeReclaimPolicy") ?? "Retain")} the disk behind it may go.`], risk: true };
    }
    const sentences: string[] = [];
    let risk = false;
    const policy = ["spec.persistentVolumeReclaimPolicy", valueAt(change.old, "spec.persistentVolumeReclaimPolicy"), valueAt(change.new, "spec.persistentVolumeReclaimPolicy")] as const;
    if (!sameValue(policy[1], policy[2])) {
        risk = policy[2] === "Delete";
        sentences.push(`Reclaim policy ${show(policy[1])} → ${show(policy[2])}${policy[2] === "Delete" ? ": deleting its claim will now delete the disk" : ""}.`);
    }
    const className = ["spec.storageClassName", valueAt(change.old, "spec.storageClassName"), valueAt(change.new, "spec.storageClassName")] as const;
    if (!sameValue(className[1], className[2])) sentences.push(`Class ${show(className[1])} → ${show(className[2])}.`);
    if (sentences.length === 0) sentences.push(change.op === "create" ? "Created." : `Updated in place (${list(changedPaths(change).map(code))}).`);
    return { subject, sentences, risk };
}

function storageClassFinding(change: Change): Finding {
    const name = displayName(change);
    const subject = `StorageClass ${code(name)}`;
    const fields = changedPaths(change).map((p) => `${code(p)}: ${show(valueAt(change.old, p))} → ${show(valueAt(change.new, p))}`);
    switch (change.op) {
        case "create":
            return { subject, sentences: [`Created (provisioner ${show(valueAt(change.new, "provisioner"))}, reclaim policy ${show(valueAt(change.new, "reclaimPolicy") ?? "Delete")}).`], risk: false };
        case "delete":
            return { subject, sentences: ["**Deleted**: existing volumes stay, but no claim that names it can get a new volume."], risk: true };
        case "replace":
            return {
                subject,
                sentences: [
                    `**Replaced** (${fields.join("; ") || list(change.replaceReasons.map(code))}): the class is deleted and created again. Existing volumes keep the ` +
                        "reclaim policy and parameters they were provisioned with; only volumes provisioned afterwards get the new ones, and a claim created in between finds no class.",
                ],
                risk: true,
            };
        default:
            return { subject, sentences: [`Updated in place (${fields.join("; ")}); existing volumes are not changed.`], risk: false };
    }
}

const INFRASTRUCTURE: Record<string, { what: string; loss: string }> = {
    [WATCHED_TYPES.eksCluster]: {
        what: "EKS cluster",
        loss: "every pod, claim and volume binding in it goes; EBS volumes with reclaim policy Retain stay in AWS, unattached, the others are deleted with their claims",
    },
    [WATCHED_TYPES.awsEksCluster]: {
        what: "EKS control plane",
        loss: "every pod, claim and volume binding in it goes; EBS volumes with reclaim policy Retain stay in AWS, unattached, the others are deleted with their claims",
    },
    [WATCHED_TYPES.managedNodeGroup]: {
        what: "node group",
        loss: "its nodes are drained and replaced: every pod on them restarts elsewhere, and a zonal EBS volume can only follow to a node in its zone",
    },
    [WATCHED_TYPES.awsNodeGroup]: {
        what: "node group",
        loss: "its nodes are drained and replaced: every pod on them restarts elsewhere, and a zonal EBS volume can only follow to a node in its zone",
    },
};

function infrastructureFinding(change: Change): Finding | undefined {
    const addonName = valueAt(change.new ?? change.old, "addonName");
    const paths = changedPaths(change);
    if (change.type === WATCHED_TYPES.addon) {
        if (addonName !== EBS_CSI_ADDON) return undefined;
        const subject = `EBS CSI driver addon ${code(change.name)}`;
        if (change.op === "delete" || change.op === "replace") {
            return {
                subject,
                sentences: [`**${change.op === "delete" ? "Deleted" : "Replaced"}**: while the driver is gone no EBS volume is provisioned, attached or detached, so a pod that moves cannot start.`],
                risk: true,
            };
        }
        return { subject, sentences: [change.op === "create" ? "Created." : `Updated in place (${list(paths.map(code))}).`], risk: false };
    }
    const known = INFRASTRUCTURE[change.type];
    if (!known) return undefined;
    const subject = `${known.what.charAt(0).toUpperCase()}${known.what.slice(1)} ${code(change.name)}`;
    if (change.op === "delete" || change.op === "replace") {
        const why = change.replaceReasons.length > 0 ? ` (${list(change.replaceReasons.map(code))} cannot change in place)` : "";
        return { subject, sentences: [`**${change.op === "delete" ? "Deleted" : "Replaced"}**${why}: ${known.loss}.`], risk: true };
    }
    return { subject, sentences: [change.op === "create" ? "Created." : `Updated in place (${list(paths.map(code))}).`], risk: false };
}

function serviceFinding(change: Change): Finding | undefined {
    const type = valueAt(change.old ?? change.new, "spec.type");
    if (change.op !== "delete" && change.op !== "replace") return undefined;
    const name = displayName(change);
    return {
        subject: `Service ${code(name)}`,
        sentences: [
            change.op === "delete"
                ? "**Deleted**: nothing routes to the pods through it any more."
                : `**Replaced**: it is deleted and created again${type === "LoadBalancer" ? "; the load balancer's address may change and requests fail until the new one is ready" : ""}.`,
        ],
        risk: true,
    };
}

// ---------------------------------------------------------------------------------------------
// The review.

const LEVEL_ORDER = ["mandatory", "remediate", "advisory"];
const levelRank = (level: string) => {
    const index = LEVEL_ORDER.indexOf(level);
    return index < 0 ? LEVEL_ORDER.length : index;
};

function subjectOfUrn(urn: string | undefined): string {
    if (!urn) return "the stack";
    if (urn.includes("::pulumi:pulumi:Stack::")) return "the program";
    const { type, name } = parseUrn(urn);
    return `${shortType(type)} ${code(name)}`;
}

/** `error:` lines of the CLI's stderr, without the prefix; the whole text when it has none. */
function stderrErrors(stderr: string | undefined): string[] {
    if (!stderr || stderr.trim() === "") return [];
    const lines = stderr.split("\n").map((l) => l.trimEnd());
    const errors: string[] = [];
    lines.forEach((line, i) => {
        if (/^error: /.test(line)) {
            // An error's message continues on indented lines.
            const rest = lines.slice(i + 1);
            const continuation = rest.slice(0, Math.max(0, rest.findIndex((l) => !/^\s+\S/.test(l)) === -1 ? rest.length : rest.findIndex((l) => !/^\s+\S/.test(l))));
            errors.push([line.replace(/^error: /, ""), ...continuation].join("\n"));
        }
    });
    return errors;
}

function diffLines(changes: Change[]): string[] {
    const marks: Record<string, string> = { create: "+", delete: "-", update: "~", replace: "+-" };
    const lines: string[] = [];
    for (const change of changes) {
        const reasons = change.op === "replace" && change.replaceReasons.length > 0 ? `  (replace: ${change.replaceReasons.join(", ")})` : "";
        lines.push(`${marks[change.op] ?? "*"} ${change.type} ${change.name} (${change.op})${change.protect ? " [protected]" : ""}${reasons}`);
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

export function reviewPreview(input: ReviewInput): Review {
    const { preview } = input;
    const changes = changesOf(preview.steps);
    const reasons: string[] = [];
    const errors: string[] = [];

    // Claims this preview patches or replaces directly (issue: claims grown in place).
    const claimSteps: ClaimStep[] = changes
        .filter((c) => c.type === TYPES.persistentVolumeClaim || c.type === WATCHED_TYPES.persistentVolumeClaimPatch)
        .map((change) => ({ claim: displayName(change), change }));

    const findings: Finding[] = [];
    const explained = new Set<string>();
    for (const change of changes) {
        let finding: Finding | undefined;
        if (change.type === TYPES.statefulSet) finding = statefulSetFinding(change, claimSteps);
        else if (change.type === TYPES.persistentVolumeClaim || change.type === WATCHED_TYPES.persistentVolumeClaimPatch) finding = claimFinding(change);
        else if (change.type === WATCHED_TYPES.persistentVolume) finding = volumeFinding(change);
        else if (change.type === TYPES.storageClass) finding = storageClassFinding(change);
        else if (change.type === TYPES.service) finding = serviceFinding(change);
        else finding = infrastructureFinding(change);
        if (finding) {
            if (change.protect && (change.op === "delete" || change.op === "replace")) {
                finding.sentences.push("It is protected, so the update will stop here until protection is lifted on purpose.");
            }
            if (change.parentTypes.includes(STICKY_APP_TYPE) === false && change.type === TYPES.statefulSet) {
                finding.sentences.push("(Not part of the sticky app component.)");
            }
            findings.push(finding);
            explained.add(change.urn);
        }
    }

    // Failure: whatever says the preview did not finish cleanly.
    for (const problem of preview.problems) errors.push(`The preview's output is incomplete: ${problem}.`);
    if (preview.format !== "none" && !preview.complete && preview.problems.length === 0) {
        errors.push("The preview's output ends before the engine's summary: the preview did not finish.");
    }
    for (const d of preview.diagnostics.filter((d) => d.severity === "error")) errors.push(d.urn ? `${subjectOfUrn(d.urn)}: ${d.message.trim()}` : d.message.trim());
    for (const line of stderrErrors(input.stderr)) {
        if (!errors.some((e) => e.includes(line.split("\n")[0]))) errors.push(line);
    }
    if (preview.failed && errors.length === 0) errors.push("The engine's summary says the preview failed.");
    if (input.exitStatus !== undefined && input.exitStatus !== 0 && errors.length === 0) {
        errors.push(`\`pulumi preview\` exited with status ${input.exitStatus}.`);
    }
    const policies = preview.policies ? [...preview.policies].sort((a, b) => levelRank(a.level) - levelRank(b.level)) : undefined;
    const mandatory = (policies ?? []).filter((p) => p.level === "mandatory");

    let verdict: Verdict;
    if (errors.length > 0 || mandatory.length > 0) {
        verdict = "failed";
        if (mandatory.length > 0) reasons.push(`${plural(mandatory.length, "mandatory policy violation")}: ${list([...new Set(mandatory.map((p) => code(p.policy)))])}.`);
        if (errors.length > 0) {
            // The first line, and the next when the first only announces it ("...failed with an unhandled exception:").
            const lines = errors[0].split("\n").map((l) => l.trim()).filter((l) => l !== "");
            reasons.push(lines[0].endsWith(":") && lines[1] ? `${lines[0]} ${lines[1]}` : lines[0]);
        }
        if (changes.length > 0) reasons.push(`It had planned ${plural(changes.length, "change")} before it stopped (below).`);
    } else if (findings.some((f) => f.risk)) {
        verdict = "at-risk";
    } else if (changes.length > 0) {
        verdict = "safe";
    } else {
        verdict = "none";
    }
    for (const finding of findings.filter((f) => f.risk)) reasons.push(`${finding.subject}: ${finding.sentences[0].replace(/\*\*/g, "")}`);
    if (verdict === "safe") {
        reasons.push(
            findings.length > 0
                ? "No pod stops all at once, no claim, volume or class is deleted or replaced."
                : `${plural(changes.length, "resource")} change; none of them holds data or runs the app's pods.`,
        );
    }

    const counts: Record<string, number> = {};
    if (preview.changeSummary) Object.assign(counts, preview.changeSummary);
    else for (const change of changes) counts[change.op] = (counts[change.op] ?? 0) + 1;

    const stack = preview.stack ?? input.stack ?? "?";
    return {
        verdict,
        target: preview.project ? `${preview.project}/${stack}` : stack,
        reasons,
        findings,
        policies,
        policyPacks: preview.policyPacks,
        errors,
        warnings: preview.diagnostics.filter((d) => d.severity === "warning").map((d) => `${subjectOfUrn(d.urn)}: ${d.message.trim()}`),
        counts,
        registeredResources: preview.steps.some((s) => s.type !== "pulumi:pulumi:Stack" && s.type !== ""),
        diff: [
            ...diffLines(changes.filter((c) => explained.has(c.urn))),
            ...diffLines(changes.filter((c) => !explained.has(c.urn))),
        ],
    };
}

// ---------------------------------------------------------------------------------------------
// Markdown.

function fence(lines: string[], language = ""): string {
    const longest = Math.max(2, ...lines.map((l) => (l.match(/`+/g) ?? [""]).reduce((m, s) => Math.max(m, s.length), 0)));
    const marks = "`".repeat(longest + 1);
    return `${marks}${language}\n${lines.join("\n")}\n${marks}`;
}

/** One line of Markdown that cannot open HTML or break a table: `<` escaped. */
const inline = (text: string) => text.replace(/</g, "&lt;").replace(/\r?\n\s*/g, " ");

export interface RenderOptions {
    /** The comment's length limit; GitHub's by default. */
    readonly limit?: number;
    /** Where the whole preview can be found, for the note when the diff is cut. */
    readonly fullOutputHint?: string;
}

/** The comment: verdict first, then data and service, policies, and the diff cut to fit. */
export function renderReview(review: Review, options: RenderOptions = {}): string {
    const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
    const head: string[] = [`### ${VERDICT_ICONS[review.verdict]} ${VERDICT_TITLES[review.verdict]}: ${code(review.target)}`, ""];
    for (const reason of review.reasons.slice(0, 8)) head.push(`- ${inline(reason)}`);
    if (review.reasons.length > 8) head.push(`- … and ${review.reasons.length - 8} more below.`);
    const verdictBlock = head.join("\n");

    const body: string[] = [];
    if (review.errors.length > 0) {
        body.push("", "#### Errors", "", fence(review.errors.flatMap((e) => e.split("\n"))));
    }
    body.push("", "#### Data and service", "");
    if (review.findings.length === 0) {
        body.push(review.verdict === "failed" && Object.keys(review.counts).length === 0 ? "Nothing was planned before the preview stopped." : "No pod, claim, volume, class or cluster changes.");
    }
    for (const finding of review.findings) {
        body.push(`- ${finding.risk ? "⚠️ " : ""}**${finding.subject}**: ${finding.sentences.map(inline).join(" ")}`);
    }

    body.push("", "#### Policies", "");
    if (review.policies === undefined) {
        body.push(
            "Not in this output: `pulumi preview --json` prints no policy results. " +
                "Stream the events instead (`PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true`), as CI does.",
        );
    } else if (review.policies.length === 0 && !review.registeredResources && review.verdict === "failed") {
        body.push("Nothing to check: the preview stopped before the program registered any resource.");
    } else if (review.policies.length === 0) {
        const packs = Object.entries(review.policyPacks ?? {}).map(([name, version]) => code(`${name}@${version}`));
        body.push(packs.length > 0 ? `No violations (${list(packs)}).` : "No policy pack ran.");
    } else {
        for (const p of review.policies) {
            body.push(`- **${p.level}** ${code(p.policy)} (${p.pack}) on ${subjectOfUrn(p.urn)}: ${inline(p.message.split("\n").pop() ?? p.message)}`);
        }
    }

    if (review.warnings.length > 0) {
        body.push("", "#### Warnings", "", ...review.warnings.map((w) => `- ${inline(w)}`));
    }

    const countsLine = Object.entries(review.counts)
        // Reads (a class the stack only looks up) change nothing.
        .filter(([op, n]) => n > 0 && op !== "same" && op !== "read")
        .map(([op, n]) => `${n} to ${op}`)
        .concat(review.counts.same ? [`${review.counts.same} unchanged`] : [])
        .join(", ");
    const summary = `Full diff${countsLine ? ` (${countsLine})` : ""}`;

    // The verdict always survives; the body and the diff give way, in that order from the end.
    const cutNote = (n: number) => `… ${plural(n, "line")} cut to fit GitHub's ${limit.toLocaleString("en-US")}-character comment limit${options.fullOutputHint ? `; ${options.fullOutputHint}` : ""}.`;
    const detailsOpen = `\n\n<details>\n<summary>${summary}</summary>\n\n`;
    const detailsClose = "\n</details>\n";
    const reserve = 200; // room for cut notes and fences
    let bodyText = body.join("\n");
    const room = limit - verdictBlock.length - reserve;
    if (room <= 0) return `${verdictBlock.slice(0, limit - 1)}\n`;
    if (bodyText.length > room) {
        const lines = bodyText.split("\n");
        let kept = lines.length;
        while (kept > 0 && lines.slice(0, kept).join("\n").length > room - 120) kept--;
        bodyText = `${lines.slice(0, kept).join("\n")}\n\n${cutNote(lines.length - kept)}`;
        return `${verdictBlock}\n${bodyText}\n`;
    }
    const diffRoom = limit - verdictBlock.length - bodyText.length - detailsOpen.length - detailsClose.length - reserve;
    let diff = review.diff.length > 0 ? review.diff : ["(no changes)"];
    let note = "";
    if (fence(diff, "diff").length > diffRoom) {
        let kept = diff.length;
        while (kept > 0 && fence(diff.slice(0, kept), "diff").length > diffRoom - 160) kept--;
        note = `\n${cutNote(diff.length - kept)}\n`;
        diff = diff.slice(0, kept);
    }
    return `${verdictBlock}\n${bodyText}${detailsOpen}${fence(diff, "diff")}\n${note}${detailsClose}`;
}
