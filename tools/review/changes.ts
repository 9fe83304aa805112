/**
 * A preview's steps as changes (a replacement's steps folded into one), and what the whole plan
 * says: the cluster under the app, claims it changes, volumes and snapshots it creates. Pure.
 */
import { TYPES } from "../../core/kubernetes";
import { ENVIRONMENTS } from "../../environments/registry";
import { splitPath, UNKNOWN, valueAt } from "./paths";
import { parseUrn, type PlannedStep, type ResourceState } from "./preview";
import { code, shortType } from "./wording";
import { KUBERNETES_PROVIDER_TYPE, VOLUME_SNAPSHOT_CONTENT_TYPE, VOLUME_SNAPSHOT_TYPE, WATCHED_TYPES } from "./model";

// ---------------------------------------------------------------------------------------------
// Steps to changes.

const REPLACE_OPS = ["replace", "create-replacement", "delete-replaced", "discard-replaced", "import-replacement", "read-replacement"];
/** Ops that change nothing by themselves (a `same` can still change `protect`: see protectFindings). */
const QUIET_OPS = ["same", "read", "refresh", "remove-pending-replace"];

/** One resource's change: the steps of a replacement folded into one. */
export interface Change {
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

export function changesOf(steps: readonly PlannedStep[]): Change[] {
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

export const isQuiet = (change: Change) => QUIET_OPS.includes(change.op);

/** The fields a change touches: the provider's detailed diff, or the top-level keys it named. */
export function changedPaths(change: Change): string[] {
    if (change.detailedDiff) return Object.keys(change.detailedDiff).sort();
    return [...new Set([...change.diffReasons, ...change.replaceReasons])].sort();
}

/** Whether `path` (a detailed-diff path) lies under `prefix` (split form). */
export function under(path: string, prefix: (string | number)[]): boolean {
    const parts = splitPath(path);
    return prefix.every((p, i) => parts[i] === p);
}

export const metadataName = (object: Record<string, unknown> | undefined): string | undefined => {
    const name = valueAt(object, "metadata.name");
    return typeof name === "string" && name !== UNKNOWN ? name : undefined;
};

export const annotation = (object: Record<string, unknown> | undefined, key: string): unknown => valueAt(object, ["metadata", "annotations", key]);

export function displayName(change: Change): string {
    return metadataName(change.new) ?? metadataName(change.old) ?? change.name;
}

/** The provider's URN in a reference (`<urn>::<id>`); the id changes when a provider is replaced. */
const providerUrn = (reference: string | undefined) => (reference === undefined ? undefined : reference.slice(0, reference.lastIndexOf("::")));

// ---------------------------------------------------------------------------------------------
// What the whole plan says about the cluster under the app.

/** Everything a finding may need beyond its own change. */
export interface Plan {
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
export const CLUSTER_TYPES: readonly string[] = ENVIRONMENTS.flatMap((e) => e.review?.clusterTypes ?? []);
/** The keys that name an existing cluster (their definitions' `review.clusterKey`). */
const CLUSTER_KEYS: readonly string[] = [...new Set(ENVIRONMENTS.flatMap((e) => (e.review?.clusterKey === undefined ? [] : [e.review.clusterKey])))];
/** Provider fields that say which cluster it talks to. */
export const PROVIDER_TARGET_FIELDS = ["kubeconfig", "context", "cluster"];

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

export function planOf(changes: Change[], config: Readonly<Record<string, string>> | undefined, finished: boolean, hasMessages: boolean): Plan {
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
