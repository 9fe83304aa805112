/**
 * What a deployment does to the size of the claims that already exist: the one decision, made
 * once from the stack's deployment history and handed to StickyApp. Pure: computed from plain
 * values before the app registers any resource, so a refused change stops the program first.
 */
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

/** What the stack deployed last time (its previous outputs), or nothing for a fresh stack. */
export interface DeployedClaims {
    /** The claim template's size at the last deployment. */
    readonly size: string;
    /** The claims the StatefulSet made for its pods then. */
    readonly claimNames: readonly string[];
}

/** A size change Kubernetes cannot make. Its message names the key, the value and what is allowed. */
export class ClaimShrinkError extends Error {
    constructor(key: string, requested: string, deployed: string) {
        super(
            `${key} = ${JSON.stringify(requested)}: must be at least ${JSON.stringify(deployed)}, the size the ` +
                `claims have now (Kubernetes can grow a claim but never shrink it); nothing was deployed or changed. ` +
                `Keep ${JSON.stringify(deployed)} or choose a bigger size.`,
        );
        this.name = "ClaimShrinkError";
    }
}

/** Bytes of a quantity the settings have already accepted. */
function bytesOf(quantity: string): number {
    const bytes = quantityBytes(quantity);
    if (bytes === undefined) throw new Error(`not a storage quantity: ${JSON.stringify(quantity)}`);
    return bytes;
}

/**
 * Throws `ClaimShrinkError` when `requested` is smaller than the claims' `deployedSize`. The
 * program calls it as soon as the history knows that size, before any resource is registered;
 * {@link planClaimSize} applies the same rule.
 */
export function refuseShrink(key: string, requested: string, deployedSize: string): void {
    if (bytesOf(requested) < bytesOf(deployedSize)) throw new ClaimShrinkError(key, requested, deployedSize);
}

/**
 * Whether {@link planClaimSize} needs the class's `allowVolumeExpansion` to decide: only when
 * claims exist and the size changes. Otherwise the program need not wait for the class's read
 * before it registers the app (a no-op, a scale or an image change does not).
 */
export function needsExpansionAnswer(requested: string, deployed: DeployedClaims | undefined): boolean {
    return deployed !== undefined && bytesOf(requested) !== bytesOf(deployed.size);
}

/**
 * Decides what happens to the existing claims, or throws `ClaimShrinkError` for a smaller size.
 * `key` is the config key the size came from, for the error message.
 */
export function planClaimSize(
    key: string,
    requested: string,
    deployed: DeployedClaims | undefined,
    classAllowsExpansion: boolean,
): ClaimSizePlan {
    if (deployed === undefined) return { action: "new", size: requested };
    refuseShrink(key, requested, deployed.size);
    if (!needsExpansionAnswer(requested, deployed)) return { action: "same", size: requested };
    const claimNames = [...deployed.claimNames];
    return classAllowsExpansion
        ? { action: "grow", from: deployed.size, size: requested, claimNames }
        : { action: "keep", from: deployed.size, size: requested, claimNames };
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
