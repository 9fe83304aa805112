import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * What a change of the claim size does to the claims that already exist. Pure: computed from
 * plain values before any resource is registered, so a refused change stops the program first.
 *
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

const UNITS: Record<string, number> = {
    "": 1,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
    k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};
const QUANTITY = /^(\d+(?:\.\d+)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/**
 * Bytes in a storage quantity ("1Gi", "500Mi", "10G", "1.5Gi"), the forms settings.ts accepts.
 * A float is exact enough to compare sizes: two quantities a byte apart below 8 PiB compare right.
 */
export function quantityBytes(quantity: string): number {
    const match = QUANTITY.exec(quantity);
    if (!match) throw new Error(`not a storage quantity: ${JSON.stringify(quantity)}`);
    return Number(match[1]) * UNITS[match[2] ?? ""];
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
    const wanted = quantityBytes(requested);
    const now = quantityBytes(deployed.size);
    if (wanted < now) throw new ClaimShrinkError(key, requested, deployed.size);
    if (wanted === now) return { action: "same", size: requested };
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

/** Arguments of {@link ClaimGrowth}. */
export interface ClaimGrowthArgs {
    /** The existing claims to grow, in the app's namespace. */
    readonly claimNames: readonly string[];
    /** The size each claim should request from now on (never smaller than today: see planClaimSize). */
    readonly size: string;
}

/**
 * Grows existing PersistentVolumeClaims in place: one server-side-apply patch per claim that
 * raises `spec.resources.requests.storage`; the storage driver then grows the volume and the
 * claim's `status.capacity` follows (the Kubernetes resize flow).
 *
 * The claims themselves belong to the StatefulSet controller, which made them; the patches only
 * own the size field (`pulumi.com/patchForce` takes it over from kube-controller-manager).
 * `retainOnDelete`: deleting a patch resource would otherwise "relinquish" the field, which
 * removes a request only this patch manages, a change the API server refuses for a claim (and a
 * volume cannot shrink anyway). So a patch that is no longer registered (the next `pulumi up`,
 * or `pulumi destroy`) is dropped from the stack and the claim keeps its grown size.
 */
export class ClaimGrowth extends pulumi.ComponentResource {
    /** The patches, one per claim, in the order given. */
    readonly patches: k8s.core.v1.PersistentVolumeClaimPatch[];

    constructor(name: string, args: ClaimGrowthArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sticky:app:ClaimGrowth", name, {}, opts);
        this.patches = args.claimNames.map(
            (claimName) =>
                new k8s.core.v1.PersistentVolumeClaimPatch(
                    claimName,
                    {
                        metadata: { name: claimName, annotations: { "pulumi.com/patchForce": "true" } },
                        spec: { resources: { requests: { storage: args.size } } },
                    },
                    { parent: this, retainOnDelete: true },
                ),
        );
        this.registerOutputs({});
    }
}
