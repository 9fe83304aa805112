/**
 * One finding per change the review understands: the app's StatefulSet (pods and claims), claims,
 * volumes, classes, the cluster under them and what the environments make. Pure.
 */
import { CLAIM_TEMPLATE, claimName, STICKY_APP_TYPE } from "../../components/sticky-app-contract";
import { compareQuantities } from "../../core/quantity";
import { TYPES } from "../../core/kubernetes";
import { ReviewedKind } from "../../environments/definition";
import { ENVIRONMENTS } from "../../environments/registry";
import { sameValue, show, splitPath, valueAt } from "./paths";
import { capitalized, code, list, names, plural, shortType } from "./wording";
import { DELETION_PROPAGATION_ANNOTATION, EBS_CSI_ADDON, Finding, KUBERNETES_PROVIDER_TYPE, Removal, Severity, SEVERITY_ORDER, VOLUME_SNAPSHOT_TYPE, WATCHED_TYPES } from "./model";
import { annotation, Change, changedPaths, CLUSTER_TYPES, displayName, metadataName, Plan, PROVIDER_TARGET_FIELDS, restoreSourceOf, under } from "./changes";

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
export function newClusterFinding(changes: Change[]): Finding | undefined {
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
export function protectFindings(changes: Change[]): Finding[] {
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

export function findingOf(change: Change, plan: Plan): Finding | undefined {
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
export function removalOf(change: Change, finding: Finding | undefined): Removal {
    const op = change.op as "delete" | "replace";
    let outcome: string;
    if (op === "delete" && change.oldState?.retainOnDelete) outcome = "dropped from the stack, not deleted (retainOnDelete)";
    // The first sentence's head: what happens, before the colon that explains it.
    else if (finding) outcome = (finding.sentences[0] ?? "").replace(/\*\*/g, "").replace(/\.$/, "").split(/: (?=[^`]*(?:`[^`]*`[^`]*)*$)/)[0];
    else outcome = op === "delete" ? "deleted" : "replaced";
    if (outcome.length > 240) outcome = `${outcome.slice(0, 239)}…`;
    return { op, type: change.type, name: displayName(change), outcome, severity: finding?.severity ?? "check" };
}
