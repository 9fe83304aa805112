/**
 * The one add-on the stack installs itself, pinned per Kubernetes version: the CSI snapshot
 * controller, which Auto Mode does not run (it runs and updates CoreDNS, kube-proxy, the VPC CNI,
 * Pod Identity and the EBS CSI driver). Pure data; its keys are the versions settings.ts accepts.
 * No row was checked against AWS (no access here): `npm run release-pins` does.
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
