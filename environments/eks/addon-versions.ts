/**
 * What the cluster runs, per Kubernetes version: the EKS add-on builds and the node AMI release,
 * in one table, each row with where its values were read and when. Pure data: no Pulumi import,
 * so settings.ts validates `sticky:kubernetesVersion` against the keys of this table.
 *
 * Why pinned: left unset, `@pulumi/eks` 4.3 asks AWS for the *most recent* kube-proxy and vpc-cni
 * build on every run (`getAddonVersion({mostRecent: true})`), an `aws.eks.Addon` without a
 * version takes whatever AWS installs, and a managed node group without `releaseVersion` stays
 * on the AMI it was created with until the next minor upgrade (so nodes are never patched). With
 * pins, add-ons and nodes change only when this table does: an update is a reviewed diff
 * (`npm run release-pins` says which rows AWS has moved past), never a silent one.
 *
 * These machines have no AWS access: NO row was checked against the EKS API or SSM. Before the
 * first `pulumi up --stack prod` and after every edit, run `npm run release-pins`
 * (AWS credentials needed): it checks every pin against `aws eks describe-addon-versions`
 * (the build must be listed as compatible with the row's Kubernetes version) and the node AMI
 * release against the SSM parameter of each AMI type, and exits non-zero on a pin AWS does not
 * offer. A CreateAddon with an incompatible build fails ten minutes into the first up.
 *
 * An upgrade of `sticky:kubernetesVersion` moves the control plane one minor version, then the
 * node groups (to the new row's AMI release, one zone at a time), then these add-ons.
 */

/** The managed add-ons, by their EKS add-on name. */
export interface AddonVersions {
    readonly "kube-proxy": string;
    readonly "vpc-cni": string;
    readonly coredns: string;
    readonly "eks-pod-identity-agent": string;
    readonly "aws-ebs-csi-driver": string;
    /** The CSI snapshot controller and the VolumeSnapshot CRDs (on-demand snapshots, restores from a snapshot). */
    readonly "snapshot-controller": string;
}

/** The add-on names of a row, in the order the checks print them. */
export const ADDON_NAMES = ["kube-proxy", "vpc-cni", "coredns", "eks-pod-identity-agent", "aws-ebs-csi-driver", "snapshot-controller"] as const satisfies readonly (keyof AddonVersions)[];

/** One Kubernetes version's pins. */
export interface ReleasePins extends AddonVersions {
    /**
     * The EKS-optimized Amazon Linux 2023 AMI release of every node group (`<Kubernetes
     * patch>-<YYYYMMDD>`, the managed node group's `releaseVersion`), the same for the x86-64,
     * Arm and NVIDIA AMI types (EKS publishes them together).
     */
    readonly nodeAmiRelease: string;
    /** Where the row's values were read, and when. */
    readonly source: string;
}

/**
 * One row per Kubernetes version a stack may run: those in EKS standard support on 2026-12-02
 * (versions.ts has their dates). 1.34's row is gone: it left standard support today. Add the
 * next version's row before moving to it; remove a row when its version leaves standard support.
 */
export const RELEASE_PINS = {
    "1.35": {
        nodeAmiRelease: "1.35.8-20260930",
        "kube-proxy": "v1.35.3-eksbuild.13",
        "vpc-cni": "v1.21.1-eksbuild.7",
        coredns: "v1.14.2-eksbuild.4",
        "eks-pod-identity-agent": "v1.3.10-eksbuild.2",
        "aws-ebs-csi-driver": "v1.66.0-eksbuild.1",
        "snapshot-controller": "v8.3.0-eksbuild.1",
        source:
            "read 2026-12-02: kube-proxy and coredns from the EKS User Guide's latest-version tables (managing-kube-proxy, managing-coredns); " +
            "vpc-cni and eks-pod-identity-agent as pinned by public 1.35 cluster configs of late 2026; aws-ebs-csi-driver as AWS's 1.36 default " +
            "named in a public pull request of 2026-09-21; snapshot-controller as pinned by a public 1.35 cluster config of late 2026; the AMI release as seen in SSM (us-east-1) by a public record of 2026-10-02",
    },
    "1.36": {
        nodeAmiRelease: "1.36.4-20260930",
        "kube-proxy": "v1.36.0-eksbuild.14",
        "vpc-cni": "v1.21.1-eksbuild.7",
        coredns: "v1.14.2-eksbuild.4",
        "eks-pod-identity-agent": "v1.3.10-eksbuild.2",
        "aws-ebs-csi-driver": "v1.66.0-eksbuild.1",
        "snapshot-controller": "v8.3.0-eksbuild.1",
        source:
            "read 2026-12-02: kube-proxy from the EKS User Guide's latest-version table; coredns not in it for 1.36 (the 1.35 value, " +
            "least certain); vpc-cni, eks-pod-identity-agent, aws-ebs-csi-driver and snapshot-controller as for 1.35; the AMI release (AMI " +
            "amazon-eks-node-al2023-x86_64-standard-1.36-v20260930, k8s 1.36.4) as reported by a public node inventory of late 2026",
    },
} as const satisfies Record<string, ReleasePins>;

export type KubernetesVersion = keyof typeof RELEASE_PINS;

/** The Kubernetes versions with pins, oldest first. */
export const KUBERNETES_VERSIONS = Object.keys(RELEASE_PINS) as KubernetesVersion[];

/** A supported Kubernetes version's pins (settings.ts has validated it). */
export function releasePinsFor(kubernetesVersion: string): ReleasePins {
    const row = (RELEASE_PINS as Record<string, ReleasePins>)[kubernetesVersion];
    if (row === undefined) {
        throw new Error(
            `no release pins for Kubernetes ${kubernetesVersion}; pinned: ${KUBERNETES_VERSIONS.join(", ")} (environments/eks/addon-versions.ts)`,
        );
    }
    return row;
}

/** The add-on builds alone of a supported Kubernetes version. */
export function addonVersionsFor(kubernetesVersion: string): AddonVersions {
    const row = releasePinsFor(kubernetesVersion);
    return Object.fromEntries(ADDON_NAMES.map((name) => [name, row[name]])) as unknown as AddonVersions;
}
