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
import { CLAIM_TEMPLATE, claimName, STICKY_APP_TYPE } from "../../components/sticky-app-contract";
import { compareQuantities } from "../../core/quantity";
import { SNAPSHOT_TYPES, TYPES } from "../../core/kubernetes";
import type { ReviewedKind } from "../../environments/definition";
import { ENVIRONMENTS } from "../../environments/registry";
import { sameValue, show, splitPath, UNKNOWN, valueAt } from "./paths";
import { parseUrn, type ParsedPreview, type PlannedStep, type PolicyViolation, type ResourceState } from "./preview";

/** GitHub refuses an issue or pull-request comment longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** Type tokens the review speaks about beyond core/kubernetes.ts's (checked by the tests against the SDKs). */
export const WATCHED_TYPES = {
    persistentVolume: "kubernetes:core/v1:PersistentVolume",
    persistentVolumeClaimPatch: "kubernetes:core/v1:PersistentVolumeClaimPatch",
    configMap: "kubernetes:core/v1:ConfigMap",
    namespacePatch: "kubernetes:core/v1:NamespacePatch",
    podDisruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget",
    awsNodeGroup: "aws:eks/nodeGroup:NodeGroup",
    addon: "aws:eks/addon:Addon",
} as const;

/** A CRD's token (no SDK class to check it against): the CSI snapshot a claim can be restored from. */
export const VOLUME_SNAPSHOT_TYPE = SNAPSHOT_TYPES.volumeSnapshot;
/** A pre-provisioned snapshot's other half: the cluster's handle on a cloud snapshot (`spec.source.snapshotHandle`). */
export const VOLUME_SNAPSHOT_CONTENT_TYPE = SNAPSHOT_TYPES.volumeSnapshotContent;
/** The provider resource that says which cluster every Kubernetes object goes to. */
export const KUBERNETES_PROVIDER_TYPE = "pulumi:providers:kubernetes";
/** The annotation pulumi-kubernetes reads, from the deployed object, for every delete of it. */
export const DELETION_PROPAGATION_ANNOTATION = "pulumi.com/deletionPropagationPolicy";

/** The EKS managed addon that runs the EBS CSI driver, which provisions and attaches every volume. */
export const EBS_CSI_ADDON = "aws-ebs-csi-driver";

/** How bad a finding is, worst first. */
export type Severity = "data" | "downtime" | "check" | "safe";
export const SEVERITY_ORDER: readonly Severity[] = ["data", "downtime", "check", "safe"];

export type Verdict = "failed" | "data-at-risk" | "downtime" | "needs-review" | "safe" | "none";

export const VERDICT_TITLES: Record<Verdict, string> = {
    failed: "Preview failed",
    "data-at-risk": "Data at risk",
    downtime: "Downtime",
    "needs-review": "Check by hand",
    safe: "Changes, data safe",
    none: "No changes",
};

const VERDICT_ICONS: Record<Verdict, string> = { failed: "⛔", "data-at-risk": "🔴", downtime: "🟠", "needs-review": "🟡", safe: "🟢", none: "⚪" };

const SEVERITY_VERDICT: Record<Severity, Verdict> = { data: "data-at-risk", downtime: "downtime", check: "needs-review", safe: "safe" };

/** What each severity means, under its heading. */
const SEVERITY_MEANING: Record<Severity, string> = {
    data: "a claim, volume, class, snapshot or cluster can go, or the pods come back without their data",
    downtime: "pods stop together, or the address or port clients use changes",
    check: "the review cannot vouch for these: read them before merging",
    safe: "nothing stops all at once and no data goes",
};

/**
 * The pull-request labels, one per verdict (tfcmt's `no-changes`, `add-or-update`, `destroy` in
 * this stack's terms). A review sets every label whose severity it found (a failed preview that
 * had planned a claim's deletion is `preview-failed` and `data-at-risk`); a workflow removes the
 * others of this list.
 */
export const LABELS: Record<Verdict, string> = {
    failed: "preview-failed",
    "data-at-risk": "data-at-risk",
    downtime: "downtime",
    "needs-review": "needs-review",
    safe: "safe-changes",
    none: "no-changes",
};

/** What one resource's change means (or several alike, e.g. protection removed from 7), in sentences. */
export interface Finding {
    readonly subject: string;
    readonly sentences: string[];
    readonly severity: Severity;
}

/** One delete or replace, as the list above the fold shows it. */
export interface Removal {
    readonly op: "delete" | "replace";
    readonly type: string;
    readonly name: string;
    /** What actually happens, in a few words ("dropped from the stack, not deleted (retainOnDelete)"). */
    readonly outcome: string;
    readonly severity: Severity;
}

/** A diagnostic the program or a provider printed (info and warnings; errors go to `errors`). */
export interface Message {
    readonly severity: string;
    readonly from: string;
    readonly text: string;
}

export interface Review {
    readonly verdict: Verdict;
    /** Labels for the pull request: the verdict's and every other severity found (see {@link LABELS}). */
    readonly labels: string[];
    /** `sticky/prod`, or the stack alone when the project is unknown. */
    readonly target: string;
    /** Why the preview failed, one line each; empty unless the verdict is `failed`. */
    readonly reasons: string[];
    /** Sorted by severity, worst first. */
    readonly findings: Finding[];
    /** Every delete and replace, in plan order. */
    readonly removals: Removal[];
    /** Violations, mandatory first; undefined when the output cannot carry them. */
    readonly policies?: PolicyViolation[];
    readonly policyPacks?: Readonly<Record<string, string>>;
    /** Error lines (diagnostics, stderr, unreadable or inconsistent output). */
    readonly errors: string[];
    /** The program's and the providers' info and warning diagnostics, in order. */
    readonly messages: Message[];
    /** Resources per operation, from the engine's summary when it came. */
    readonly counts: Record<string, number>;
    /** Whether the output is whole and consistent: when false, the review cannot say what else was planned. */
    readonly complete: boolean;
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
    /** The stack the caller previewed: names the review when the output names none, and must match it otherwise. */
    readonly stack?: string;
}

// ---------------------------------------------------------------------------------------------
// Steps to changes.

const REPLACE_OPS = ["replace", "create-replacement", "delete-replaced", "discard-replaced", "import-replacement", "read-replacement"];
/** Ops that change nothing by themselves (a `same` can still change `protect`: see protectFindings). */
const QUIET_OPS = ["same", "read", "refresh", "remove-pending-replace"];

/** One resource's change: the steps of a replacement folded into one. */
interface Change {
    readonly op: string;
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parentTypes: readonly string[];
    readonly oldState?: ResourceState;
    readonly newState?: ResourceState;
    /** The Kubernetes object (or resource inputs) before and after. */
    readonly old?: Record<string, unknown>;
    readonly new?: Record<string, unknown>;
    readonly replaceReasons: readonly string[];
    readonly diffReasons: readonly string[];
    readonly detailedDiff?: Readonly<Record<string, { kind: string }>>;
    /** For a replacement: whether the old one goes first (its `delete-replaced` step comes before the create). */
    readonly deleteBeforeReplace?: boolean;
}

/** The object a resource describes: its inputs, or its live outputs where inputs say nothing. */
function objectOf(state: ResourceState | undefined): Record<string, unknown> | undefined {
    if (!state) return undefined;
    return Object.keys(state.inputs).length > 0 ? state.inputs : state.outputs;
}

function changesOf(steps: readonly PlannedStep[]): Change[] {
    const byUrn = new Map<string, PlannedStep[]>();
    for (const step of steps) {
        if (step.type === "") continue;
        byUrn.set(step.urn, [...(byUrn.get(step.urn) ?? []), step]);
    }
    return [...byUrn.values()].map((group) => {
        const replacing = group.some((s) => REPLACE_OPS.includes(s.op));
        const main = group.find((s) => s.op === "replace") ?? group.find((s) => !QUIET_OPS.includes(s.op)) ?? group[0];
        const op = replacing ? "replace" : main.op;
        const oldState = group.map((s) => s.old).find((s) => s !== undefined);
        const newState = group.map((s) => s.new).find((s) => s !== undefined);
        const index = (op: string) => group.findIndex((s) => s.op === op);
        return {
            op,
            urn: main.urn,
            type: main.type,
            name: main.name,
            parentTypes: main.parentTypes,
            oldState,
            newState: op === "delete" ? undefined : newState,
            old: objectOf(oldState),
            new: op === "delete" ? undefined : objectOf(newState),
            replaceReasons: [...new Set(group.flatMap((s) => s.replaceReasons))],
            diffReasons: [...new Set(group.flatMap((s) => s.diffReasons))],
            detailedDiff: group.map((s) => s.detailedDiff).find((d) => d !== undefined && Object.keys(d).length > 0),
            deleteBeforeReplace: replacing && index("delete-replaced") >= 0 && index("create-replacement") >= 0 ? index("delete-replaced") < index("create-replacement") : undefined,
        };
    });
}

const isQuiet = (change: Change) => QUIET_OPS.includes(change.op);

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

const annotation = (object: Record<string, unknown> | undefined, key: string): unknown => valueAt(object, ["metadata", "annotations", key]);

const code = (text: string | number) => `\`${String(text).replace(/`/g, "'")}\``;
const list = (items: string[]) =>
    items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const capitalized = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

function shortType(type: string): string {
    return type.split(":").pop() ?? type;
}

function displayName(change: Change): string {
    return metadataName(change.new) ?? metadataName(change.old) ?? change.name;
}

/** The provider's URN in a reference (`<urn>::<id>`); the id changes when a provider is replaced. */
const providerUrn = (reference: string | undefined) => (reference === undefined ? undefined : reference.slice(0, reference.lastIndexOf("::")));

// ---------------------------------------------------------------------------------------------
// What the whole plan says about the cluster under the app.

/** Everything a finding may need beyond its own change. */
interface Plan {
    readonly changes: Change[];
    /** Why the app's objects may land on another cluster than today's, or undefined when the cluster stays. */
    readonly clusterMoves?: string;
    /** Claims this plan patches or creates, by claim name. */
    readonly claimChanges: Map<string, Change>;
    /** Volumes this plan creates, by PersistentVolume name. */
    readonly volumesCreated: Map<string, Change>;
    /** VolumeSnapshots and VolumeSnapshotContents this plan creates, by `<kind>/<name>`. */
    readonly snapshotsCreated: Map<string, Change>;
    /**
     * Whether the engine planned to the end. A preview that stopped part-way (an error) may not
     * have reached what depends on a failed step (the claim patches wait for the StatefulSet):
     * what it leaves out is then unknown, not unchanged.
     */
    readonly finished: boolean;
    /** Whether the preview printed info or warnings (shown below the findings) that can say what it meant to do. */
    readonly hasMessages: boolean;
}

/** The environments' cluster types (their definitions' `review.clusterTypes`). */
const CLUSTER_TYPES: readonly string[] = ENVIRONMENTS.flatMap((e) => e.review?.clusterTypes ?? []);
/** The keys that name an existing cluster (their definitions' `review.clusterKey`). */
const CLUSTER_KEYS: readonly string[] = [...new Set(ENVIRONMENTS.flatMap((e) => (e.review?.clusterKey === undefined ? [] : [e.review.clusterKey])))];
/** Provider fields that say which cluster it talks to. */
const PROVIDER_TARGET_FIELDS = ["kubeconfig", "context", "cluster"];

function clusterMoves(changes: Change[], config: Readonly<Record<string, string>> | undefined): string | undefined {
    const stack = changes.find((c) => c.type === "pulumi:pulumi:Stack");
    const previous = stack?.oldState?.outputs ?? {};
    const environment = config?.["sticky:environment"];
    if (typeof previous.environment === "string" && environment !== undefined && previous.environment !== environment) {
        return `the stack switches environment, ${code(previous.environment)} → ${code(environment)}`;
    }
    for (const key of CLUSTER_KEYS) {
        const now = config?.[`sticky:${key}`];
        const before = previous[key];
        if (typeof before === "string" && now !== undefined && before !== now) return `the stack's cluster changes (${code(`sticky:${key}`)}), ${code(before)} → ${code(now)}`;
    }
    for (const change of changes) {
        if (CLUSTER_TYPES.includes(change.type) && (change.op === "replace" || change.op === "delete")) {
            return `the cluster ${code(change.name)} is ${change.op === "replace" ? "replaced" : "deleted"}`;
        }
        // An update (not a replace) of the provider's target is its own finding: pulumi-kubernetes
        // plans a replacement when the kubeconfig names another cluster, so an update keeps it.
        if (change.type === KUBERNETES_PROVIDER_TYPE && change.op === "replace") return `the Kubernetes provider ${code(change.name)} is replaced`;
        const before = providerUrn(change.oldState?.provider);
        const after = providerUrn(change.newState?.provider);
        if (change.type.startsWith("kubernetes:") && before !== undefined && after !== undefined && before !== after) {
            return `${shortType(change.type)} ${code(change.name)} moves to another Kubernetes provider (${code(parseUrn(before).name)} → ${code(parseUrn(after).name)})`;
        }
    }
    return undefined;
}

function planOf(changes: Change[], config: Readonly<Record<string, string>> | undefined, finished: boolean, hasMessages: boolean): Plan {
    const claimChanges = new Map<string, Change>();
    const volumesCreated = new Map<string, Change>();
    const snapshotsCreated = new Map<string, Change>();
    for (const change of changes.filter((c) => !isQuiet(c))) {
        if (change.op === "create" && change.type === VOLUME_SNAPSHOT_TYPE) snapshotsCreated.set(`VolumeSnapshot/${displayName(change)}`, change);
        if (change.op === "create" && change.type === VOLUME_SNAPSHOT_CONTENT_TYPE) snapshotsCreated.set(`VolumeSnapshotContent/${displayName(change)}`, change);
        if (change.type === TYPES.persistentVolumeClaim || change.type === WATCHED_TYPES.persistentVolumeClaimPatch) claimChanges.set(displayName(change), change);
        if (change.type === WATCHED_TYPES.persistentVolume && change.op === "create") volumesCreated.set(displayName(change), change);
    }
    return { changes, clusterMoves: clusterMoves(changes, config), claimChanges, volumesCreated, snapshotsCreated, finished, hasMessages };
}

// ---------------------------------------------------------------------------------------------
// Restores: a claim that starts with data rather than empty.

/**
 * Where a claim this plan creates gets its data from, in words (`` `vol-0abc` (volume `pv-2`, pre-bound) ``),
 * or undefined for a claim that starts empty. The hook for restores (issue 21): a claim created
 * with a `dataSource`/`dataSourceRef` (a VolumeSnapshot, or a clone of another claim) or bound in
 * advance to a volume (`spec.volumeName`), whose disk this plan may name (`csi.volumeHandle`,
 * an EBS volume id). A backup tool that restores another way adds its case here, and every
 * sentence about that claim (the claim's own, the StatefulSet's adoption) says it.
 */
export function restoreSourceOf(
    claim: Record<string, unknown> | undefined,
    volumesCreated: ReadonlyMap<string, { new?: Record<string, unknown> }>,
    snapshotsCreated: ReadonlyMap<string, { new?: Record<string, unknown> }> = new Map(),
): string | undefined {
    const source = (valueAt(claim, "spec.dataSourceRef") ?? valueAt(claim, "spec.dataSource")) as { kind?: string; name?: string } | undefined;
    if (source && source.kind === "VolumeSnapshot" && typeof source.name === "string") {
        // A snapshot this plan brings in (sticky:restoreFrom's snap-...): name the cloud snapshot behind it.
        const snapshot = snapshotsCreated.get(`VolumeSnapshot/${source.name}`)?.new;
        const contentName = valueAt(snapshot, "spec.source.volumeSnapshotContentName");
        const handle = typeof contentName === "string" ? valueAt(snapshotsCreated.get(`VolumeSnapshotContent/${contentName}`)?.new, "spec.source.snapshotHandle") : undefined;
        if (typeof handle === "string" && handle !== UNKNOWN) return `${code(handle)} (VolumeSnapshot ${code(source.name)})`;
    }
    if (source && typeof source.name === "string") {
        return source.kind === "PersistentVolumeClaim" ? `a clone of claim ${code(source.name)}` : `${source.kind ?? "data source"} ${code(source.name)}`;
    }
    const volumeName = valueAt(claim, "spec.volumeName");
    if (typeof volumeName === "string" && volumeName !== "" && volumeName !== UNKNOWN) {
        const volume = volumesCreated.get(volumeName)?.new;
        const disk = valueAt(volume, "spec.csi.volumeHandle") ?? valueAt(volume, "spec.awsElasticBlockStore.volumeID");
        return typeof disk === "string" && disk !== UNKNOWN ? `${code(disk)} (volume ${code(volumeName)}, pre-bound)` : `the existing volume ${code(volumeName)} (pre-bound)`;
    }
    return undefined;
}

// ---------------------------------------------------------------------------------------------
// The app's StatefulSet: pods and claims.

interface ClaimTemplate {
    readonly metadata?: { name?: string };
    readonly spec?: { storageClassName?: string; resources?: { requests?: { storage?: string } } };
}

function templatesOf(object: Record<string, unknown> | undefined): ClaimTemplate[] {
    const templates = valueAt(object, "spec.volumeClaimTemplates");
    return Array.isArray(templates) ? (templates as ClaimTemplate[]) : [];
}

const templateNames = (templates: ClaimTemplate[]) => templates.map((t, i) => t.metadata?.name ?? (i === 0 ? CLAIM_TEMPLATE : `template ${i}`));

function replicasOf(object: Record<string, unknown> | undefined): number | undefined {
    const replicas = valueAt(object, "spec.replicas");
    if (typeof replicas === "number") return replicas;
    // Unset means one pod (the API's default); unknown stays unknown.
    return object && replicas === undefined ? 1 : undefined;
}

/** The API's defaults where the object leaves a field out. */
const retentionOf = (object: Record<string, unknown> | undefined, when: "whenDeleted" | "whenScaled"): string => {
    const value = valueAt(object, ["spec", "persistentVolumeClaimRetentionPolicy", when]);
    return typeof value === "string" ? value : "Retain";
};
const podManagementOf = (object: Record<string, unknown> | undefined): string => {
    const value = valueAt(object, "spec.podManagementPolicy");
    return typeof value === "string" ? value : "OrderedReady";
};

const ordinals = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
const pods = (set: string, count: number | undefined, from = 0) => (count === undefined ? [] : ordinals(from, count).map((i) => `${set}-${i}`));
const claimsOf = (set: string, templates: string[], count: number | undefined, from = 0) =>
    count === undefined ? [] : templates.flatMap((t) => ordinals(from, count).map((i) => claimName(set, i, t)));
const names = (items: string[]) => list(items.map(code));

/** "`sticky-2` stops" / "`sticky-1` and `sticky-2` stop together" / "... stop one at a time, highest ordinal first". */
function stopping(leaving: string[], policy: string): string {
    if (leaving.length === 1) return `${names(leaving)} stops`;
    return policy === "Parallel"
        ? `${names(leaving)} stop together (podManagementPolicy Parallel)`
        : `${names([...leaving].reverse())} stop one at a time, highest ordinal first (podManagementPolicy ${policy})`;
}

/** The pod template's changes, and how the pods take them (updateStrategy). */
function podTemplateSentence(change: Change, running: string[]): string | undefined {
    const paths = changedPaths(change).filter((p) => under(p, ["spec", "template"]));
    if (paths.length === 0) return undefined;
    const fields = paths.map((p) => `${code(p.replace(/^spec\.template\./, ""))}: ${show(valueAt(change.old, p))} → ${show(valueAt(change.new, p))}`);
    const strategy = valueAt(change.new, "spec.updateStrategy.type") ?? "RollingUpdate";
    if (strategy === "OnDelete") {
        return `The pod template changes (${fields.join("; ")}), but with updateStrategy OnDelete the pods keep the old one until each is deleted.`;
    }
    const maxUnavailable = valueAt(change.new, "spec.updateStrategy.rollingUpdate.maxUnavailable");
    const pace = maxUnavailable === undefined || maxUnavailable === 1 ? "one at a time" : `up to ${show(maxUnavailable)} at a time`;
    const order = [...running].reverse();
    return `The pod template changes (${fields.join("; ")}): pods restart ${pace} (rolling update${order.length > 0 ? `: ${order.map(code).join(", then ")}` : ""}); each comes back with its own claim.`;
}

/** What the claim template change does to existing claims: grown by this plan, restored, or kept as they are. */
function claimTemplateSentences(change: Change, plan: Plan, existing: string[]): string[] {
    const sentences: string[] = [];
    const oldTemplates = templatesOf(change.old);
    for (const path of changedPaths(change).filter((p) => under(p, ["spec", "volumeClaimTemplates"]))) {
        const [, , index] = splitPath(path);
        const templateName = (typeof index === "number" ? oldTemplates[index]?.metadata?.name : undefined) ?? CLAIM_TEMPLATE;
        const field = splitPath(path).slice(3).join(".");
        const mine = existing.filter((c) => c.startsWith(`${templateName}-`));
        const changed = mine.filter((c) => plan.claimChanges.has(c));
        const untouched = mine.filter((c) => !plan.claimChanges.has(c));
        const from = show(valueAt(change.old, path));
        const to = show(valueAt(change.new, path));
        const head = `Claim template ${code(templateName)} ${code(field)}: ${from} → ${to}`;
        // A bound claim's class never changes, whatever a plan holds: that needs no finished plan.
        const classChange = field.endsWith("storageClassName");
        if (mine.length === 0) sentences.push(`${head}.`);
        else if (untouched.length > 0 && !plan.finished && !classChange) {
            const said = plan.hasMessages ? "the program's own messages (below) say what it means to do" : "and the program said nothing about them";
            sentences.push(
                `${head}. The preview stopped before planning anything else, so whether ${names(untouched)} get it is not in this plan` +
                    `${changed.length > 0 ? ` (it had planned ${names(changed)})` : ""}; ${said}.`,
            );
        } else if (untouched.length === 0) sentences.push(`${head}, and this plan changes every existing claim too (${names(changed)}, below).`);
        else {
            sentences.push(
                `${head}. **Existing claims do not get this**: ${names(untouched)} keep ${from}` +
                    `${classChange ? " (a claim's class never changes, and their volumes stay where they are)" : ""}; only claims created from now on get ${to}` +
                    `${changed.length > 0 ? ` (this plan changes ${names(changed)})` : ""}.`,
            );
        }
    }
    return sentences;
}

/**
 * What going from `oldReplicas` down to `newReplicas` does, after `lead` ("Scales down from 3 to
 * 1", or a replacement's "The new StatefulSet asks for 1"): which pods stop and how, and what
 * becomes of their claims (whenScaled). Adds the sentences; returns the severity.
 */
function scaleDown(change: Change, name: string, lead: string, oldReplicas: number, newReplicas: number, sentences: string[]): Severity {
    const leavingClaims = claimsOf(name, templateNames(templatesOf(change.old)), oldReplicas, newReplicas);
    const whenScaled = retentionOf(change.new, "whenScaled");
    sentences.push(`${lead}: ${stopping(pods(name, oldReplicas, newReplicas), podManagementOf(change.new ?? change.old))}.`);
    if (whenScaled === "Delete") {
        sentences.push(`Their claims are **deleted** (whenScaled: Delete): ${names(leavingClaims)}.`);
        return "data";
    }
    if (leavingClaims.length > 0) sentences.push(`Their claims are kept (whenScaled: ${whenScaled}) and adopted again if replicas go back up: ${names(leavingClaims)}.`);
    return "safe";
}

function statefulSetFinding(change: Change, plan: Plan): Finding {
    const name = displayName(change);
    const oldName = metadataName(change.old) ?? name;
    const subject = `StatefulSet ${code(name)}`;
    const sentences: string[] = [];
    const severities: Severity[] = [];
    const oldReplicas = replicasOf(change.old);
    const newReplicas = replicasOf(change.new);
    const oldClaims = claimsOf(oldName, templateNames(templatesOf(change.old)), oldReplicas);
    const policy = podManagementOf(change.new ?? change.old);

    if (change.op === "create") {
        const newClaims = claimsOf(name, templateNames(templatesOf(change.new)), newReplicas);
        const restored = newClaims.map((c) => [c, restoreSourceOf(plan.claimChanges.get(c)?.new, plan.volumesCreated, plan.snapshotsCreated)] as const).filter(([, s]) => s !== undefined);
        const fresh = newClaims.filter((c) => !restored.some(([r]) => r === c));
        sentences.push(
            `Created: ${newReplicas === undefined ? "its pods start" : `${plural(newReplicas, "pod")} start (${names(pods(name, newReplicas))})`}` +
                (newClaims.length === 0
                    ? ", without claims."
                    : plan.clusterMoves
                      ? `, on a cluster where they have no claims yet (${plan.clusterMoves}): ${names(fresh)} start new and empty.`
                      : `, each with its claim: ${fresh.length > 0 ? `${names(fresh)} new and empty, or an existing claim of that name adopted as it is` : ""}` +
                        `${restored.map(([c, s]) => `${fresh.length > 0 ? "; " : ""}${code(c)} restored from ${s}`).join("")}.`),
        );
        return { subject, sentences, severity: plan.clusterMoves && newClaims.length > 0 ? "data" : "safe" };
    }

    if (change.op === "delete") {
        const orphan = annotation(change.old, DELETION_PROPAGATION_ANNOTATION) === "orphan";
        if (change.oldState?.retainOnDelete) {
            sentences.push(`Dropped from the stack, not deleted (retainOnDelete): it and its pods keep running, no longer managed by this stack.`);
            severities.push("check");
        } else if (orphan) {
            sentences.push(`**Deleted** with orphan propagation (${code(`${DELETION_PROPAGATION_ANNOTATION}: orphan`)} on the deployed object): its pods (${names(pods(oldName, oldReplicas))}) keep running with nothing to manage or restart them.`);
            severities.push("check");
        } else {
            sentences.push(`**Deleted**: all its pods stop (${names(pods(oldName, oldReplicas))}) and nothing replaces them.`);
            severities.push("downtime");
        }
        if (oldClaims.length > 0) {
            const whenDeleted = retentionOf(change.old, "whenDeleted");
            if (whenDeleted === "Delete") {
                sentences.push(`Its claims are **deleted** with it (persistentVolumeClaimRetentionPolicy.whenDeleted: Delete): ${names(oldClaims)}; their volumes follow their class's reclaim policy.`);
                severities.push("data");
            } else {
                sentences.push(`Its claims are kept (whenDeleted: ${whenDeleted}), unused: ${names(oldClaims)}.`);
            }
        }
        return { subject, sentences, severity: worst(severities) };
    }

    if (change.op === "replace") {
        const why = change.replaceReasons.length > 0 ? ` (${list(change.replaceReasons.map(code))} cannot change in place)` : "";
        const orphan = annotation(change.old, DELETION_PROPAGATION_ANNOTATION) === "orphan";
        const sameName = name === oldName;
        const sameSelector = sameValue(valueAt(change.old, "spec.selector"), valueAt(change.new, "spec.selector"));
        const sameTemplates = sameValue(templateNames(templatesOf(change.old)), templateNames(templatesOf(change.new)));
        const running = pods(oldName, oldReplicas);
        const kept = Math.min(oldReplicas ?? 0, newReplicas ?? oldReplicas ?? 0);
        if (plan.clusterMoves) {
            sentences.push(
                `**Replaced on another cluster**${why}: ${plan.clusterMoves}. A new cluster has none of its claims: ${names(pods(name, newReplicas))} start on new, empty claims, ` +
                    `and ${names(oldClaims)} (with the data) stay behind on the old cluster, or go with it.`,
            );
            return { subject, sentences, severity: "data" };
        }
        if (orphan && sameName && sameSelector) {
            sentences.push(
                `Re-created around its running pods${why}: the deployed object carries ${code(`${DELETION_PROPAGATION_ANNOTATION}: orphan`)}, so deleting it leaves ` +
                    `${names(running)} running, and the new StatefulSet (same name and selector) adopts them${change.deleteBeforeReplace === false ? "" : " (the old one is deleted first: deleteBeforeReplace)"}.`,
            );
            const template = podTemplateSentence(change, pods(name, kept));
            sentences.push(template ? `${template.replace(/^The pod template changes/, "Its pod template changes too")} This happens after the adoption.` : "The pod template is the same: no pod restarts for this.");
            severities.push("safe");
        } else {
            sentences.push(
                `**Replaced**${why}: the StatefulSet is deleted with its pods (the deployed object has no ${code(`${DELETION_PROPAGATION_ANNOTATION}: orphan`)}${!sameSelector ? " that could help: the selector changes" : ""}), ` +
                    `so ${oldReplicas === undefined ? "its pods" : `all ${plural(oldReplicas, "pod")}`} (${names(running) || "its pods"}) stop together and the service is down until the new pods are ready.`,
            );
            severities.push("downtime");
        }
        if (oldReplicas !== undefined && newReplicas !== undefined && newReplicas !== oldReplicas) {
            if (newReplicas < oldReplicas) {
                severities.push(scaleDown(change, name, `The new StatefulSet asks for ${newReplicas}`, oldReplicas, newReplicas, sentences));
            } else {
                sentences.push(`The new StatefulSet asks for ${newReplicas}: ${names(pods(name, newReplicas, oldReplicas))} ${newReplicas - oldReplicas === 1 ? "starts" : "start"}.`);
            }
        }
        if (oldClaims.length > 0) {
            if (sameName && sameTemplates) {
                const adopted = claimsOf(name, templateNames(templatesOf(change.new)), kept);
                sentences.push(`Claims kept and adopted by the new StatefulSet (same names, same cluster): ${names(adopted)}.`);
            } else {
                sentences.push(
                    `**The new StatefulSet (${code(name)}, claim templates ${names(templateNames(templatesOf(change.new)))}) does not adopt the old claims**: ` +
                        `${names(oldClaims)} stay behind with the data, and its pods start on new, empty claims.`,
                );
                severities.push("data");
            }
        }
        sentences.push(...claimTemplateSentences(change, plan, claimsOf(oldName, templateNames(templatesOf(change.old)), oldReplicas)));
    } else if (change.op === "update") {
        if (oldReplicas !== undefined && newReplicas !== undefined && newReplicas !== oldReplicas) {
            if (newReplicas < oldReplicas) {
                severities.push(scaleDown(change, name, `Scales down from ${oldReplicas} to ${newReplicas}`, oldReplicas, newReplicas, sentences));
            } else {
                const joining = pods(name, newReplicas, oldReplicas);
                const joiningClaims = claimsOf(name, templateNames(templatesOf(change.new)), newReplicas, oldReplicas);
                sentences.push(
                    `Scales up from ${oldReplicas} to ${newReplicas}: ${names(joining)} ${joining.length === 1 ? "starts" : policy === "Parallel" ? "start together" : "start one at a time"}` +
                        (joiningClaims.length > 0 ? `, with ${names(joiningClaims)} (new and empty, or an existing claim of that name adopted as it is).` : "."),
                );
            }
        }
        const template = podTemplateSentence(change, pods(name, Math.min(oldReplicas ?? 0, newReplicas ?? oldReplicas ?? 0)));
        if (template) sentences.push(template);
    }

    for (const when of ["whenDeleted", "whenScaled"] as const) {
        const before = retentionOf(change.old, when);
        const after = retentionOf(change.new, when);
        if (before !== after) {
            if (after === "Delete") severities.push("data");
            sentences.push(`Claim retention ${when}: ${before} → ${after}${after === "Delete" ? ": claims will be **deleted** " + (when === "whenDeleted" ? "with the StatefulSet" : "when it scales down") : ""}.`);
        }
    }
    const orphanBefore = annotation(change.old, DELETION_PROPAGATION_ANNOTATION);
    const orphanAfter = annotation(change.new, DELETION_PROPAGATION_ANNOTATION);
    if (change.op === "update" && !sameValue(orphanBefore, orphanAfter)) {
        sentences.push(`${code(DELETION_PROPAGATION_ANNOTATION)}: ${show(orphanBefore)} → ${show(orphanAfter)}: a later replacement ${orphanAfter === "orphan" ? "leaves the pods running" : "**stops every pod**"}.`);
        if (orphanAfter !== "orphan") severities.push("check");
    }
    if (sentences.length === 0) sentences.push(`Updated in place (${list(changedPaths(change).map(code)) || "no field named"}); its pods do not restart.`);
    return { subject, sentences, severity: worst(severities) };
}

const worst = (severities: Severity[]): Severity => SEVERITY_ORDER.find((s) => severities.includes(s)) ?? "safe";

// ---------------------------------------------------------------------------------------------
// Claims, volumes, classes, and the cluster under them.

/** The StatefulSet claim template size a claim was made from, by its name (`sticky-data-sticky-2`). */
function templateSizeOf(claim: string, plan: Plan): string | undefined {
    for (const change of plan.changes.filter((c) => c.type === TYPES.statefulSet)) {
        const set = metadataName(change.old) ?? change.name;
        for (const template of templatesOf(change.old)) {
            const prefix = `${template.metadata?.name ?? CLAIM_TEMPLATE}-${set}-`;
            if (claim.startsWith(prefix) && /^\d+$/.test(claim.slice(prefix.length))) return template.spec?.resources?.requests?.storage;
        }
    }
    return undefined;
}

function claimFinding(change: Change, plan: Plan): Finding {
    const name = displayName(change);
    const patch = change.type === WATCHED_TYPES.persistentVolumeClaimPatch;
    const subject = `Claim ${code(name)}`;
    const storage = "spec.resources.requests.storage";
    const before = valueAt(change.old, storage) ?? (patch && change.op === "create" ? templateSizeOf(name, plan) : undefined);
    const after = valueAt(change.new, storage);
    const retained = change.oldState?.retainOnDelete === true;
    if (change.op === "delete" && retained) {
        return {
            subject,
            sentences: [
                `${patch ? "Its size patch is dropped" : "Dropped"} from the stack, not deleted (retainOnDelete): the claim keeps ` +
                    `${valueAt(change.old, storage) !== undefined ? `its ${show(valueAt(change.old, storage))} ` : ""}and its data.`,
            ],
            severity: "safe",
        };
    }
    if (patch && change.op === "delete") {
        return { subject, sentences: ["Its patch is deleted: the provider gives up the fields it set (an empty apply), which for a claim's only storage request the API server refuses."], severity: "check" };
    }
    if (change.op === "delete") {
        return { subject, sentences: ["**Deleted**: its volume goes too unless the volume's reclaim policy is Retain."], severity: "data" };
    }
    if (change.op === "replace") {
        return {
            subject,
            sentences: [`**Replaced** (${list(change.replaceReasons.map(code)) || "cannot change in place"}): the claim is deleted and created empty; the old volume goes unless its reclaim policy is Retain.`],
            severity: "data",
        };
    }
    if (change.op === "create" && !patch) {
        const restored = restoreSourceOf(change.new, plan.volumesCreated, plan.snapshotsCreated);
        return {
            subject,
            sentences: [restored ? `Restored from ${restored}: it starts with that data, not empty${after !== undefined ? ` (${show(after)})` : ""}.` : `Created, new and empty${after !== undefined ? ` (${show(after)})` : ""}.`],
            severity: "safe",
        };
    }
    // A patch's create or update, or a claim's update: the size is what moves.
    if (after !== undefined && !sameValue(before, after)) {
        const how = before === undefined ? "unknown" : compareQuantities(String(before), String(after));
        if (how === "shrinks") return { subject, sentences: [`Shrinks from ${show(before)} to ${show(after)}: Kubernetes refuses to shrink a claim, so the update will fail.`], severity: "check" };
        const tail = patch && change.newState?.retainOnDelete ? " The patch is retainOnDelete: when a later update drops it, the claim keeps its size." : "";
        if (how === "unknown") return { subject, sentences: [`Asks for ${show(after)} (the plan does not record its size today): grown in place if that is bigger.${tail}`], severity: "safe" };
        return { subject, sentences: [`Grows ${show(before)} → ${show(after)} in place: the storage driver expands the volume; the data stays and the pods keep running.${tail}`], severity: "safe" };
    }
    return { subject, sentences: [`Updated in place (${list(changedPaths(change).map(code))}).`], severity: "safe" };
}

function volumeFinding(change: Change): Finding {
    const name = displayName(change);
    const subject = `Volume ${code(name)}`;
    const disk = valueAt(change.old ?? change.new, "spec.csi.volumeHandle") ?? valueAt(change.old ?? change.new, "spec.awsElasticBlockStore.volumeID");
    if (change.op === "delete" || change.op === "replace") {
        if (change.op === "delete" && change.oldState?.retainOnDelete) return { subject, sentences: ["Dropped from the stack, not deleted (retainOnDelete): the volume and its disk stay."], severity: "safe" };
        const policy = valueAt(change.old, "spec.persistentVolumeReclaimPolicy") ?? "Retain";
        return {
            subject,
            sentences: [`**${change.op === "delete" ? "Deleted" : "Replaced"}**: with reclaim policy ${show(policy)} the disk behind it${typeof disk === "string" ? ` (${code(disk)})` : ""} ${policy === "Delete" ? "is deleted too" : "stays, unbound"}.`],
            severity: "data",
        };
    }
    if (change.op === "create") {
        const claim = valueAt(change.new, "spec.claimRef.name");
        return {
            subject,
            sentences: [
                `Created${typeof disk === "string" ? ` over the existing disk ${code(disk)}` : ""}${typeof claim === "string" ? `, for claim ${code(claim)}` : ""}, ` +
                    `reclaim policy ${show(valueAt(change.new, "spec.persistentVolumeReclaimPolicy") ?? "Retain")}.`,
            ],
            severity: "safe",
        };
    }
    const sentences: string[] = [];
    let severity: Severity = "safe";
    const [before, after] = [valueAt(change.old, "spec.persistentVolumeReclaimPolicy"), valueAt(change.new, "spec.persistentVolumeReclaimPolicy")];
    if (!sameValue(before, after)) {
        if (after === "Delete") severity = "data";
        sentences.push(`Reclaim policy ${show(before)} → ${show(after)}${after === "Delete" ? ": deleting its claim will now delete the disk" : ""}.`);
    }
    const [classBefore, classAfter] = [valueAt(change.old, "spec.storageClassName"), valueAt(change.new, "spec.storageClassName")];
    if (!sameValue(classBefore, classAfter)) sentences.push(`Class ${show(classBefore)} → ${show(classAfter)}.`);
    if (sentences.length === 0) sentences.push(`Updated in place (${list(changedPaths(change).map(code))}).`);
    return { subject, sentences, severity };
}

function storageClassFinding(change: Change): Finding {
    const name = displayName(change);
    const subject = `StorageClass ${code(name)}`;
    const fields = changedPaths(change).map((p) => `${code(p)}: ${show(valueAt(change.old, p))} → ${show(valueAt(change.new, p))}`);
    switch (change.op) {
        case "create":
            return { subject, sentences: [`Created (provisioner ${show(valueAt(change.new, "provisioner"))}, reclaim policy ${show(valueAt(change.new, "reclaimPolicy") ?? "Delete")}).`], severity: "safe" };
        case "delete":
            return { subject, sentences: ["**Deleted**: existing volumes stay, but no claim that names it can get a new volume."], severity: "data" };
        case "replace":
            return {
                subject,
                sentences: [
                    `**Replaced** (${fields.join("; ") || list(change.replaceReasons.map(code))}): the class is deleted and created again. Existing volumes keep the ` +
                        "reclaim policy and parameters they were provisioned with; only volumes provisioned afterwards get the new ones, and a claim created in between finds no class.",
                ],
                severity: "data",
            };
        default:
            return { subject, sentences: [`Updated in place (${fields.join("; ")}); existing volumes are not changed.`], severity: "safe" };
    }
}

/**
 * Resources whose delete or replace the review understands: what goes, and how bad. The
 * environments contribute theirs (their definitions' `review.removals`); a VolumeSnapshot is
 * Kubernetes' own.
 */
const INFRASTRUCTURE: Readonly<Record<string, { what: string; loss: string; severity: Severity }>> = Object.assign(
    { [VOLUME_SNAPSHOT_TYPE]: { what: "VolumeSnapshot", loss: "with deletionPolicy Delete its snapshot is deleted too: nothing can be restored from it any more", severity: "data" } },
    ...ENVIRONMENTS.map((e) => e.review?.removals ?? {}),
);

/** Node group inputs whose change EKS applies by replacing the nodes in place (a rolling update). */
const NODE_ROLL_PATH = /^(launchTemplate\.version|launchTemplate|releaseVersion|version)$/;

/**
 * A node group rolled in place: EKS surges a node in the group's zone, then drains the old ones
 * `updateConfig.maxUnavailable` at a time honouring PodDisruptionBudgets. The stack's groups are
 * one per zone (`sticky-<zone index>`), each waiting for the previous one, so the pods go zone by
 * zone, in that order.
 */
function nodeGroupRoll(change: Change, paths: string[], rolled: string[]): Finding {
    const maxUnavailable = valueAt(change.new, "updateConfig.maxUnavailable");
    const zone = /-(\d+)$/.exec(change.name)?.[1];
    const order = zone === undefined
        ? "node groups roll one after another"
        : zone === "0"
          ? "this is the first zone's group: its pods go first"
          : `this is zone ${zone}'s group: its pods go after zone ${Number(zone) - 1}'s group has finished (it waits for it)`;
    const pace = typeof maxUnavailable === "number" ? `${maxUnavailable} node at a time` : "EKS's default pace (1 node at a time)";
    return {
        subject: `Node group ${code(change.name)}`,
        sentences: [
            `**Rolled** in place (${list(rolled.map(code))}${paths.length > rolled.length ? `; also ${list(paths.filter((p) => !rolled.includes(p)).map(code))}` : ""}): ` +
                `EKS adds a new node in the group's zone, then drains the old ones ${pace}, honouring the PodDisruptionBudget; each pod on them restarts on a new node in its own zone, where its volume is; ${order}.`,
        ],
        severity: "safe",
    };
}

/** The kinds the environments make, with what a change to each does (their definitions' `review`). */
const ENVIRONMENT_KINDS: Readonly<Record<string, ReviewedKind>> = Object.assign({}, ...ENVIRONMENTS.map((e) => e.review?.kinds ?? {}));

function environmentKindFinding(change: Change): Finding | undefined {
    const known = ENVIRONMENT_KINDS[change.type];
    if (!known) return undefined;
    const subject = `${known.what} ${code(displayName(change))}`;
    const paths = changedPaths(change);
    if (change.op === "create") return { subject, sentences: ["Created."], severity: "safe" };
    if (change.op === "update") {
        const harmless = known.harmless !== undefined && paths.length > 0 && paths.every((p) => known.harmless!.paths.test(p));
        return { subject, sentences: [`Updated in place (${list(paths.map(code))}): ${harmless ? known.harmless!.update : known.update}.`], severity: "safe" };
    }
    if (change.op !== "delete" && change.op !== "replace") return undefined;
    return { subject, sentences: [`**${change.op === "delete" ? "Deleted" : "Replaced"}**: ${known.removal}.`], severity: "downtime" };
}

/**
 * A preview that creates the cluster: the Kubernetes provider has no API server to ask, so what
 * goes inside the cluster is planned from the program alone, unchecked; the first `up` checks it.
 */
function newClusterFinding(changes: Change[]): Finding | undefined {
    const cluster = changes.find((c) => c.op === "create" && CLUSTER_TYPES.includes(c.type));
    if (cluster === undefined) return undefined;
    const inside = changes.filter((c) => c.type.startsWith("kubernetes:") && c.op === "create");
    const kinds = [...new Set(inside.map((c) => shortType(c.type)))].sort();
    return {
        subject: `The new cluster ${code(cluster.name)}`,
        sentences: [
            `This preview creates the cluster, so the objects inside it (${plural(inside.length, "object")}${kinds.length > 0 ? `: ${list(kinds.map(code))}` : ""}) ` +
                "are planned from the program alone: their provider has no cluster to ask yet, so no server-side dry run, admission or CRD validation has seen them. " +
                "The first `pulumi up` is where they are checked; this preview cannot show that they will be accepted.",
        ],
        severity: "check",
    };
}

function infrastructureFinding(change: Change): Finding | undefined {
    const paths = changedPaths(change);
    const removed = change.op === "delete" || change.op === "replace";
    const verb = change.op === "delete" ? "Deleted" : "Replaced";
    const why = change.op === "replace" && change.replaceReasons.length > 0 ? ` (${list(change.replaceReasons.map(code))} cannot change in place)` : "";
    if (change.type === WATCHED_TYPES.addon) {
        const addonName = valueAt(change.new ?? change.old, "addonName");
        const subject = addonName === EBS_CSI_ADDON ? `EBS CSI driver addon ${code(change.name)}` : `EKS addon ${code(change.name)}${typeof addonName === "string" ? ` (${addonName})` : ""}`;
        if (!removed) return { subject, sentences: [change.op === "create" ? "Created." : `Updated in place (${list(paths.map(code))}).`], severity: "safe" };
        return addonName === EBS_CSI_ADDON
            ? { subject, sentences: [`**${verb}**${why}: while the driver is gone no EBS volume is provisioned, attached or detached, so a pod that moves cannot start.`], severity: "downtime" }
            : { subject, sentences: [`**${verb}**${why}: the review does not know what depends on this addon; check before merging.`], severity: "check" };
    }
    if (change.type === WATCHED_TYPES.awsNodeGroup && change.op === "update") {
        const rolled = paths.filter((p) => NODE_ROLL_PATH.test(p));
        if (rolled.length > 0) return nodeGroupRoll(change, paths, rolled);
    }
    const known = INFRASTRUCTURE[change.type];
    if (!known) return undefined;
    const subject = `${capitalized(known.what)} ${code(change.name)}`;
    if (removed) return { subject, sentences: [`**${verb}**${why}: ${known.loss}.`], severity: known.severity };
    return { subject, sentences: [change.op === "create" ? "Created." : `Updated in place (${list(paths.map(code))}).`], severity: "safe" };
}

const PORT_PATH = /^spec\.ports\[(\d+)\]\.port$/;
/** Annotations that make a cloud's controller rebuild the load balancer. */
const LOAD_BALANCER_ANNOTATION = /^service\.beta\.kubernetes\.io\//;

function serviceFinding(change: Change): Finding | undefined {
    const type = valueAt(change.old ?? change.new, "spec.type");
    const name = displayName(change);
    const subject = `Service ${code(name)}`;
    const headless = valueAt(change.old ?? change.new, "spec.clusterIP") === "None";
    if (change.op === "delete" || change.op === "replace") {
        const what = headless ? "the pods' DNS names (`<pod>.<service>`) do not resolve" : type === "LoadBalancer" ? "the load balancer goes, its address may change, and requests fail until the new one is ready" : "nothing routes to the pods through it";
        return { subject, sentences: [change.op === "delete" ? `**Deleted**: ${what}.` : `**Replaced**: it is deleted and created again; meanwhile ${what}.`], severity: "downtime" };
    }
    if (change.op !== "update") return undefined;
    const sentences: string[] = [];
    let severity: Severity = "safe";
    const paths = changedPaths(change);
    for (const path of paths) {
        const port = PORT_PATH.exec(path);
        if (port) {
            severity = "downtime";
            sentences.push(
                `**The port clients use changes**: ${show(valueAt(change.old, path))} → ${show(valueAt(change.new, path))}` +
                    `${type === "LoadBalancer" ? " on the load balancer" : ""}; every client, link and health check still using ${show(valueAt(change.old, path))} fails from then on.`,
            );
        }
    }
    if (paths.some((p) => p === "spec.type" || under(p, ["spec", "type"]))) {
        severity = "downtime";
        sentences.push(`Its type changes, ${show(valueAt(change.old, "spec.type"))} → ${show(valueAt(change.new, "spec.type"))}: the address clients use changes.`);
    }
    if (paths.some((p) => under(p, ["spec", "selector"]))) {
        severity = "downtime";
        sentences.push(`Its selector changes (${show(valueAt(change.old, "spec.selector"))} → ${show(valueAt(change.new, "spec.selector"))}): it routes to other pods, or none.`);
    }
    const annotations = paths.filter((p) => under(p, ["metadata", "annotations"])).map((p) => String(splitPath(p)[2] ?? ""));
    if (annotations.some((a) => LOAD_BALANCER_ANNOTATION.test(a))) {
        severity = severity === "safe" ? "check" : severity;
        sentences.push(`Load balancer annotations change (${names(annotations.filter((a) => LOAD_BALANCER_ANNOTATION.test(a)))}): the cloud may rebuild the load balancer under a new address.`);
    }
    if (sentences.length === 0) return undefined;
    return { subject, sentences, severity };
}

/** The objects that own a ConfigMap's dependents (`metadata.ownerReferences`) in this plan. */
function ownedBy(configMap: string, plan: Plan): Change[] {
    return plan.changes.filter((c) => {
        const owners = valueAt(c.old ?? c.new, "metadata.ownerReferences");
        return Array.isArray(owners) && owners.some((o) => o?.kind === "ConfigMap" && o?.name === configMap);
    });
}

/** Kubernetes objects that hold no data, and what their delete or replace does. */
function plainObjectFinding(change: Change, plan: Plan): Finding | undefined {
    if (change.op !== "delete" && change.op !== "replace") return undefined;
    const name = displayName(change);
    const verb = change.op === "delete" ? "**Deleted**" : "**Replaced**";
    switch (change.type) {
        case WATCHED_TYPES.configMap: {
            const owned = ownedBy(name, plan).filter((c) => c.type === TYPES.statefulSet);
            if (owned.length > 0) {
                const set = displayName(owned[0]);
                return {
                    subject: `ConfigMap ${code(name)}`,
                    sentences: [`${verb}: it owns StatefulSet ${code(set)} (\`ownerReferences\`), so Kubernetes' garbage collector deletes the StatefulSet and **all its pods** (${names(pods(set, replicasOf(owned[0].old)))}); the claims have no owner and stay.`],
                    severity: "downtime",
                };
            }
            return { subject: `ConfigMap ${code(name)}`, sentences: [`${verb}; it holds configuration, not data${change.op === "replace" ? " (pods that mount it by name pick up the new one when they restart)" : ""}.`], severity: "safe" };
        }
        case TYPES.networkPolicy:
            return change.op === "delete"
                ? { subject: `NetworkPolicy ${code(name)}`, sentences: [`${verb}: the pods it selected accept traffic from anywhere and may send it anywhere.`], severity: "check" }
                : { subject: `NetworkPolicy ${code(name)}`, sentences: [`${verb}: created again with the new rules.`], severity: "safe" };
        case WATCHED_TYPES.podDisruptionBudget:
            return change.op === "delete"
                ? { subject: `PodDisruptionBudget ${code(name)}`, sentences: [`${verb}: node drains and upgrades may then take several pods at once.`], severity: "check" }
                : { subject: `PodDisruptionBudget ${code(name)}`, sentences: [`${verb}: created again with the new budget.`], severity: "safe" };
        case WATCHED_TYPES.namespacePatch:
            return { subject: `Namespace patch ${code(name)}`, sentences: [`${verb}: the namespace stays; the labels it set (Pod Security) are removed${change.op === "replace" ? " and set again" : ""}.`], severity: change.op === "delete" ? "check" : "safe" };
        default:
            return undefined;
    }
}

/** A delete or replace of anything the review does not understand: never green. */
function unknownFinding(change: Change): Finding | undefined {
    if (change.op !== "delete" && change.op !== "replace" && !(change.op === "update" && change.type === KUBERNETES_PROVIDER_TYPE)) return undefined;
    const state = change.oldState ?? change.newState;
    const subject = `${shortType(change.type)} ${code(displayName(change))}`;
    if (change.op === "delete" && state?.retainOnDelete) return { subject, sentences: ["Dropped from the stack, not deleted (retainOnDelete): it stays where it is."], severity: "safe" };
    if (change.type.startsWith("pulumi:providers:")) {
        const target = changedPaths(change).filter((p) => PROVIDER_TARGET_FIELDS.includes(splitPath(p)[0] as string));
        if (change.op === "update" && change.type === KUBERNETES_PROVIDER_TYPE && target.length > 0) {
            return {
                subject: `Provider ${code(change.name)}`,
                sentences: [`Its ${list(target.map(code))} changes, in place: the provider judges it the same cluster (it plans a replacement for another one); check that it is the cluster you mean.`],
                severity: "check",
            };
        }
        return change.op === "replace"
            ? { subject: `Provider ${code(change.name)}`, sentences: [`**Replaced**${change.replaceReasons.length ? ` (${list(change.replaceReasons.map(code))})` : ""}: every resource it manages is replaced too, wherever the new one points.`], severity: "data" }
            : { subject: `Provider ${code(change.name)}`, sentences: ["**Deleted**: nothing in this plan uses it any more; check that what it managed is meant to go."], severity: "check" };
    }
    if (state && !state.custom && !change.type.includes(":providers:")) {
        return { subject: `Component ${subject}`, sentences: [`${change.op === "delete" ? "Deleted" : "Replaced"}: a component holds nothing itself; its children are listed on their own.`], severity: "safe" };
    }
    const why = change.op === "replace" && change.replaceReasons.length > 0 ? ` (${list(change.replaceReasons.map(code))} cannot change in place)` : "";
    return {
        subject: `${change.type} ${code(displayName(change))}`,
        sentences: [`**${change.op === "delete" ? "Deleted" : "Replaced"}**${why}: the review does not know what this type holds or serves, so it cannot say what goes with it; check before merging.`],
        severity: "check",
    };
}

/** Protection switched on or off (the engine shows it as no change at all): grouped, off first. */
function protectFindings(changes: Change[]): Finding[] {
    const lifted = changes.filter((c) => c.oldState?.protect === true && c.newState !== undefined && c.newState.protect === false);
    const added = changes.filter((c) => c.oldState !== undefined && c.oldState.protect === false && c.newState?.protect === true);
    const named = (cs: Change[]) => names(cs.map((c) => `${shortType(c.type)} ${displayName(c)}`));
    const findings: Finding[] = [];
    if (lifted.length > 0) {
        findings.push({
            subject: `Protection removed from ${plural(lifted.length, "resource")}`,
            sentences: [`protect true → false on ${named(lifted)}: from this update on, \`pulumi up\` and \`pulumi destroy\` can delete ${lifted.length === 1 ? "it" : "them"} without a second step.`],
            severity: "check",
        });
    }
    if (added.length > 0) {
        findings.push({ subject: `Protection added to ${plural(added.length, "resource")}`, sentences: [`protect false → true on ${named(added)}: Pulumi refuses to delete ${added.length === 1 ? "it" : "them"} until it is lifted.`], severity: "safe" });
    }
    return findings;
}

function findingOf(change: Change, plan: Plan): Finding | undefined {
    let finding: Finding | undefined;
    if (change.type === TYPES.statefulSet) finding = statefulSetFinding(change, plan);
    else if (change.type === TYPES.persistentVolumeClaim || change.type === WATCHED_TYPES.persistentVolumeClaimPatch) finding = claimFinding(change, plan);
    else if (change.type === WATCHED_TYPES.persistentVolume) finding = volumeFinding(change);
    else if (change.type === TYPES.storageClass) finding = storageClassFinding(change);
    else if (change.type === TYPES.service) finding = serviceFinding(change);
    else finding = environmentKindFinding(change) ?? infrastructureFinding(change) ?? plainObjectFinding(change, plan) ?? unknownFinding(change);
    if (finding && change.oldState?.protect && (change.op === "delete" || change.op === "replace") && change.newState?.protect !== false) {
        finding.sentences.push("It is protected: the engine refuses this until protection is lifted on purpose, so the update stops here.");
        if (finding.severity === "safe") return { ...finding, severity: "check" };
    }
    if (finding && change.type === TYPES.statefulSet && !change.parentTypes.includes(STICKY_APP_TYPE)) finding.sentences.push("(Not part of the sticky app component.)");
    return finding;
}

/** The outcome of a delete or replace in a few words, for the list above the fold. */
function removalOf(change: Change, finding: Finding | undefined): Removal {
    const op = change.op as "delete" | "replace";
    let outcome: string;
    if (op === "delete" && change.oldState?.retainOnDelete) outcome = "dropped from the stack, not deleted (retainOnDelete)";
    // The first sentence's head: what happens, before the colon that explains it.
    else if (finding) outcome = (finding.sentences[0] ?? "").replace(/\*\*/g, "").replace(/\.$/, "").split(/: (?=[^`]*(?:`[^`]*`[^`]*)*$)/)[0];
    else outcome = op === "delete" ? "deleted" : "replaced";
    if (outcome.length > 240) outcome = `${outcome.slice(0, 239)}…`;
    return { op, type: change.type, name: displayName(change), outcome, severity: finding?.severity ?? "check" };
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

// ---------------------------------------------------------------------------------------------
// Markdown.

/** One line of Markdown that cannot open HTML or break a list: `<` escaped, newlines folded. */
const inline = (text: string) => text.replace(/</g, "&lt;").replace(/\r?\n\s*/g, " ");

export interface RenderOptions {
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
