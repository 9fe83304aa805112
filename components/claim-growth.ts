import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AWAIT_ANNOTATION } from "../core/kubernetes";
import { canonicalBytes, quantityBytes } from "../core/quantity";

/** Arguments of {@link ClaimGrowth}. */
export interface ClaimGrowthArgs {
    /** The existing claims to grow, in the app's namespace. */
    readonly claimNames: readonly string[];
    /** The size each claim should request from now on (never smaller than today: see claim-size.ts). */
    readonly size: string;
}

/**
 * The await a grow patch carries: the claim is done when its `status.capacity` says the new
 * size, in the form Kubernetes writes it back (the driver reports the volume's bytes, which
 * apimachinery writes in the largest binary unit that divides them: "2Gi" for 2Gi or 2048Mi).
 *
 * Without it the provider's built-in claim await decides, and in the v4.24 line built here it
 * waits for phase `Pending` on a WaitForFirstConsumer class (prod's gp3) when the claim is
 * updated: a bound claim never goes back, so `pulumi up` failed after five minutes although the
 * volume had grown (pulumi-kubernetes#4179; #4181 fixed it upstream by waiting for `Bound`, which
 * returns before the resize). This condition waits for what a grow is for, on every class.
 */
export function grownCapacity(size: string): string {
    const bytes = quantityBytes(size);
    if (bytes === undefined) throw new Error(`grownCapacity(${JSON.stringify(size)}): not a storage quantity`);
    return `jsonpath={.status.capacity.storage}=${canonicalBytes(Math.ceil(bytes))}`;
}

/**
 * Grows existing PersistentVolumeClaims in place: one server-side-apply patch per claim that
 * raises `spec.resources.requests.storage`; the storage driver then grows the volume and the
 * claim's `status.capacity` follows (the Kubernetes resize flow), which each patch waits for
 * ({@link grownCapacity}).
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
        const annotations = { "pulumi.com/patchForce": "true", [AWAIT_ANNOTATION]: grownCapacity(args.size) };
        this.patches = args.claimNames.map(
            (claimName) =>
                new k8s.core.v1.PersistentVolumeClaimPatch(
                    claimName,
                    {
                        metadata: { name: claimName, annotations },
                        spec: { resources: { requests: { storage: args.size } } },
                    },
                    { parent: this, retainOnDelete: true },
                ),
        );
        this.registerOutputs({});
    }
}
