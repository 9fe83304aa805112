import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Arguments of {@link ClaimGrowth}. */
export interface ClaimGrowthArgs {
    /** The existing claims to grow, in the app's namespace. */
    readonly claimNames: readonly string[];
    /** The size each claim should request from now on (never smaller than today: see claim-size.ts). */
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
