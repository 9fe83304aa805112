/**
 * What a deployment does to the size of the claims that already exist: the one decision, made
 * once from the stack's previous deployment and handed to StickyApp. Pure: computed from plain
 * values before the app registers any resource, so a refused change stops the program first.
 * Beside it, what a new StorageClass does to them (nothing: a claim's class never changes).
 */
import { ConfigProblemsError } from "../core/config-keys";
import type { PreviousDeployment } from "../core/previous-deployment";
import { quantityBytes } from "../core/quantity";

/**
 * - `new`: nothing deployed before (a fresh stack): claims are made at the requested size, and
 *   claims left by an earlier stack are adopted at whatever size they have.
 * - `same`: the size did not change.
 * - `grow`: bigger, and the class allows expansion: every existing claim is grown in place.
 * - `keep`: bigger, but the class cannot expand: existing claims keep their size, only claims
 *   made from now on (more replicas) get the new one.
 */
export type ClaimSizePlan =
    | { readonly action: "new"; readonly size: string }
    | { readonly action: "same"; readonly size: string }
    | { readonly action: "grow"; readonly from: string; readonly size: string; readonly claimNames: readonly string[] }
    | { readonly action: "keep"; readonly from: string; readonly size: string; readonly claimNames: readonly string[] };

/** Bytes of a quantity the settings have already accepted. */
function bytesOf(quantity: string): number {
    const bytes = quantityBytes(quantity);
    if (bytes === undefined) throw new Error(`not a storage quantity: ${JSON.stringify(quantity)}`);
    return bytes;
}

/** The size the previous deployment's claims have; the caller has read it (stack/history.ts). */
function sizeOf(previous: PreviousDeployment): string {
    if (previous.size === undefined) throw new Error("the previous deployment's claim size is not known: read it first (stack/history.ts, withClaimSize)");
    return previous.size;
}

/**
 * The problem with `requested` when it is smaller than the claims' `deployedSize` (Kubernetes can
 * grow a claim but never shrink it), naming the key, the value and what is allowed; none otherwise.
 */
export function shrinkProblem(key: string, requested: string, deployedSize: string): string | undefined {
    if (bytesOf(requested) >= bytesOf(deployedSize)) return undefined;
    return (
        `${key} = ${JSON.stringify(requested)}: must be at least ${JSON.stringify(deployedSize)}, the size the claims have now ` +
        `(Kubernetes can grow a claim but never shrink it); keep ${JSON.stringify(deployedSize)} or choose a bigger size`
    );
}

/**
 * Whether {@link planClaimSize} needs the class's `allowVolumeExpansion` to decide: only when
 * claims exist and the size changes. Otherwise the program need not wait for the class's read
 * before it registers the app (a no-op, a scale or an image change does not).
 */
export function needsExpansionAnswer(requested: string, previous: PreviousDeployment | undefined): boolean {
    return previous !== undefined && bytesOf(requested) !== bytesOf(sizeOf(previous));
}

/**
 * Decides what happens to the existing claims, or throws a `ConfigProblemsError` for a smaller
 * size. `key` is the config key the size came from, for the message.
 */
export function planClaimSize(key: string, requested: string, previous: PreviousDeployment | undefined, classAllowsExpansion: boolean): ClaimSizePlan {
    if (previous === undefined) return { action: "new", size: requested };
    const from = sizeOf(previous);
    const shrink = shrinkProblem(key, requested, from);
    if (shrink !== undefined) throw new ConfigProblemsError([shrink]);
    if (!needsExpansionAnswer(requested, previous)) return { action: "same", size: requested };
    const claimNames = [...previous.claimNames];
    return classAllowsExpansion ? { action: "grow", from, size: requested, claimNames } : { action: "keep", from, size: requested, claimNames };
}

/** The sentence a preview shows for a plan, one line per claim where claims change. */
export function describeClaimSizePlan(plan: ClaimSizePlan, storageClassName: string): string | undefined {
    switch (plan.action) {
        case "new":
        case "same":
            return undefined;
        case "grow":
            return (
                `claim size ${plan.from} -> ${plan.size}: StorageClass "${storageClassName}" allows volume expansion, ` +
                `so each existing claim is grown in place (${plan.claimNames.map((c) => `${c} ${plan.from} -> ${plan.size}`).join(", ")}); ` +
                `new claims get ${plan.size}. The StatefulSet is re-created around its running pods, which it adopts ` +
                `unchanged: no pod restarts for this.`
            );
        case "keep":
            return (
                `claim size ${plan.from} -> ${plan.size}: StorageClass "${storageClassName}" does not allow volume ` +
                `expansion (allowVolumeExpansion is not true), so the existing claims keep ${plan.from} ` +
                `(${plan.claimNames.join(", ")}); only claims made from now on (more replicas) get ${plan.size}. ` +
                `The StatefulSet is re-created around its running pods, which it adopts unchanged: nothing goes down.`
            );
    }
}

/**
 * The sentence preview and up show when the claims' StorageClass changes (`sticky:storageClassName`):
 * a bound claim's class never changes, so the claims that exist keep theirs and their volumes, and
 * only claims made from now on get the new class. None when the class stays or was not recorded.
 */
export function describeClassChange(previous: Pick<PreviousDeployment, "storageClassName" | "claimNames"> | undefined, storageClassName: string): string | undefined {
    const from = previous?.storageClassName;
    if (from === undefined || from === storageClassName) return undefined;
    return (
        `StorageClass "${from}" -> "${storageClassName}": a claim's class never changes, so the existing claims keep "${from}" and ` +
        `their volumes (${previous!.claimNames.join(", ")}); only claims made from now on (more replicas) get "${storageClassName}". ` +
        `The StatefulSet is re-created around its running pods, which it adopts unchanged: nothing goes down. ` +
        `To move the data to the new class, copy it (docs/backup-and-restore.md).`
    );
}
