/**
 * The review's model: what a review is (verdicts, severities, findings, removals, messages), its
 * labels, and the type tokens and names it speaks about. Pure.
 */
import { SNAPSHOT_TYPES } from "../../core/kubernetes";
import { type ParsedPreview, type PolicyViolation } from "./preview";

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

export const VERDICT_ICONS: Record<Verdict, string> = { failed: "⛔", "data-at-risk": "🔴", downtime: "🟠", "needs-review": "🟡", safe: "🟢", none: "⚪" };

export const SEVERITY_VERDICT: Record<Severity, Verdict> = { data: "data-at-risk", downtime: "downtime", check: "needs-review", safe: "safe" };

/** What each severity means, under its heading. */
export const SEVERITY_MEANING: Record<Severity, string> = {
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
interface Message {
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
