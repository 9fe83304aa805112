import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { quantityBytes } from "../../core/quantity";
import { RestoreSourceError, type DeployEnvironment, type DeployedEnvironment, type RestoreRequest, type RestoredClaim } from "../deployed";
import type { LocalSettings } from "./definition";

/**
 * The class's `allowVolumeExpansion`, as a plain value. A class without the field (hostpath,
 * standard) is `false`; at preview the SDK reports a field missing from a read as unknown, and an
 * apply on it never runs, so the answer falls back to `false` once the rest of the read (its
 * metadata) has arrived: both resolve from the same response, and a known value's apply runs
 * first (promise jobs before the `setImmediate` task).
 */
function allowsExpansion(storageClass: k8s.storage.v1.StorageClass): Promise<boolean> {
    return new Promise((resolve) => {
        storageClass.allowVolumeExpansion.apply((allowed) => resolve(allowed === true));
        storageClass.metadata.apply(() => setImmediate(() => resolve(false)));
    });
}

/**
 * An existing local cluster: Docker Desktop by default, or kind, k3d, Rancher Desktop or
 * minikube through `sticky:kubeContext` and `sticky:storageClassName`.
 *
 * The provider is pinned to a kube context, so `pulumi up --stack dev` deploys to the laptop's
 * cluster even when `kubectl` currently points at production. The StorageClass is the cluster's
 * own built-in class: it is read, never created, so a stack on a cluster without that class
 * fails at preview with the class's name instead of leaving pods Pending.
 */
export function localEnvironment(settings: LocalSettings): DeployedEnvironment {
    const provider = new k8s.Provider("local", { context: settings.kubeContext });
    const storageClass = k8s.storage.v1.StorageClass.get("local-storage-class", settings.storageClassName, { provider });
    return {
        restoredClaims: [],
        provider,
        storageClassName: storageClass.metadata.name,
        // A read is done at preview too, so this resolves before anything is created. Docker
        // Desktop's hostpath and kind's standard say no; a class that says yes has its claims grown.
        storageClassAllowsExpansion: allowsExpansion(storageClass),
        prerequisites: [],
        outputs: { kubeContext: pulumi.output(settings.kubeContext) },
    };
}

/** What the program needs to know of a PersistentVolume to hand it to a claim. */
export interface VolumeSeen {
    readonly storageClassName?: string;
    readonly capacity?: string;
    readonly phase?: string;
    readonly claimRef?: { readonly namespace?: string; readonly name?: string; readonly uid?: string };
}

const key = (request: RestoreRequest) => `sticky:restoreFrom = ${JSON.stringify(request.entry)}`;

/**
 * Whether a PersistentVolume can back the claim: free (no claimRef: Available) or already the
 * claim's (claimRef to it: bound in advance, or bound by an earlier run); of the claims' class
 * (a claim binds only a volume of its class); at least the claim's size. A volume whose claim
 * was deleted (Released, claimRef with the old claim's uid) is bound to that claim for ever
 * until its claimRef is cleared by hand, so the fix is named.
 */
export function volumeProblems(request: RestoreRequest, volume: VolumeSeen, storageClassName: string): string[] {
    const problems: string[] = [];
    const { claimRef } = volume;
    const claim = `${request.claim.namespace}/${request.claim.name}`;
    const refersTo = claimRef === undefined ? undefined : `${claimRef.namespace ?? "default"}/${claimRef.name ?? ""}`;
    if (refersTo !== undefined && refersTo !== claim) {
        problems.push(
            `${key(request)}: PersistentVolume ${request.source} belongs to claim ${refersTo} (${volume.phase ?? "phase unknown"}), not ${claim}; ` +
                `a volume backs one claim: free it first (delete that claim, then \`kubectl patch pv ${request.source} --type json -p '[{"op":"remove","path":"/spec/claimRef"}]'\`)`,
        );
    } else if (refersTo === claim && volume.phase === "Released") {
        problems.push(
            `${key(request)}: PersistentVolume ${request.source} is Released: its claim ${claim} was deleted and the volume still names it (uid ${claimRef?.uid ?? "?"}); ` +
                `clear that with \`kubectl patch pv ${request.source} --type json -p '[{"op":"remove","path":"/spec/claimRef"}]'\` and deploy again`,
        );
    }
    if ((volume.storageClassName ?? "") !== storageClassName) {
        problems.push(
            `${key(request)}: PersistentVolume ${request.source} has StorageClass ${JSON.stringify(volume.storageClassName ?? "")}, the claims ${JSON.stringify(storageClassName)}; ` +
                `a claim binds only a volume of its class (\`kubectl patch pv ${request.source} -p '{"spec":{"storageClassName":"${storageClassName}"}}'\`)`,
        );
    }
    const has = volume.capacity === undefined ? undefined : quantityBytes(volume.capacity);
    const wants = quantityBytes(request.size);
    if (has !== undefined && wants !== undefined && has < wants) {
        problems.push(
            `${key(request)}: PersistentVolume ${request.source} holds ${volume.capacity}, less than the claims' ${request.size} (sticky:storageSize); ` +
                `a claim binds only a volume at least its size: set sticky:storageSize to ${volume.capacity} or less`,
        );
    }
    return problems;
}

/** A read's fields, once its answer is in (at preview too: reads are done then). */
function seen(volume: k8s.core.v1.PersistentVolume): Promise<VolumeSeen> {
    return new Promise((resolve) =>
        pulumi.all([volume.spec, volume.status]).apply(([spec, status]) =>
            resolve({
                storageClassName: spec?.storageClassName,
                capacity: spec?.capacity?.storage,
                phase: status?.phase,
                claimRef: spec?.claimRef ?? undefined,
            }),
        ),
    );
}

/**
 * The registry's entry point (environments/deployed.ts): nothing to protect, the cluster is the
 * laptop's. A restore names a PersistentVolume already in the cluster: it is read (never
 * created or changed) and checked before anything is created, and the claim is bound to it in
 * advance (`volumeName`), which the volume controller honours at once whatever the class's binding mode.
 */
export const deploy: DeployEnvironment<LocalSettings> = async (settings, options) => {
    const deployed = localEnvironment(settings);
    const requests = options.restores ?? [];
    const problems: string[] = [];
    for (const request of requests) {
        const volume = k8s.core.v1.PersistentVolume.get(`restore-source-${request.claim.name}`, request.source, { provider: deployed.provider });
        problems.push(...volumeProblems(request, await seen(volume), settings.storageClassName));
    }
    if (problems.length > 0) throw new RestoreSourceError(problems);
    const restoredClaims: RestoredClaim[] = requests.map((request) => ({ claimName: request.claim.name, volumeName: request.source, dependsOn: [] }));
    return { ...deployed, restoredClaims };
};
