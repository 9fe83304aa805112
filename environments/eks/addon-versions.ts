/**
 * The one EKS add-on the stack installs itself, pinned per Kubernetes version: the CSI snapshot
 * controller (Auto Mode runs CoreDNS, kube-proxy, the VPC CNI, the Pod Identity agent and the
 * EBS CSI driver itself, and keeps them current; it does not run the snapshot controller). Pure
 * data: settings.ts validates `sticky:kubernetesVersion` against the keys of this table, so the
 * table is also the version window's list (with versions.ts's dates).
 *
 * Pinned so the add-on moves only when this table does (a reviewed diff). These machines have no
 * AWS access: no row was checked against the EKS API. `npm run release-pins` (AWS credentials
 * needed) checks each pin against `aws eks describe-addon-versions` and exits non-zero on a
 * build AWS does not offer for the row's version.
 */

export interface SnapshotControllerPin {
    /** The `snapshot-controller` add-on build. */
    readonly version: string;
    /** Where it was read, and when. */
    readonly source: string;
}

/** One row per version a stack may run: those in EKS standard support on 2026-12-02 (versions.ts). */
export const SNAPSHOT_CONTROLLER_PINS = {
    "1.35": { version: "v8.3.0-eksbuild.1", source: "read 2026-12-02: as pinned by a public 1.35 cluster config of late 2026" },
    "1.36": { version: "v8.3.0-eksbuild.1", source: "read 2026-12-02: the 1.35 build, as for 1.35 (least certain)" },
} as const satisfies Record<string, SnapshotControllerPin>;

/** The Kubernetes versions with a pin, oldest first. */
export const KUBERNETES_VERSIONS = Object.keys(SNAPSHOT_CONTROLLER_PINS);

/** A supported version's snapshot-controller build (settings.ts has validated the version). */
export function snapshotControllerVersion(kubernetesVersion: string): string {
    const row = (SNAPSHOT_CONTROLLER_PINS as Record<string, SnapshotControllerPin>)[kubernetesVersion];
    if (row === undefined) throw new Error(`no snapshot-controller pin for Kubernetes ${kubernetesVersion}; pinned: ${KUBERNETES_VERSIONS.join(", ")} (environments/eks/addon-versions.ts)`);
    return row.version;
}
