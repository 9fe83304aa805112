/**
 * The EKS add-on versions this project runs, per Kubernetes version. Pure data: no Pulumi import,
 * so settings.ts validates `sticky:kubernetesVersion` against the keys of this table.
 *
 * Why a table: left unset, `@pulumi/eks` 4.3 asks AWS for the *most recent* kube-proxy and
 * vpc-cni build on every run (`getAddonVersion({mostRecent: true})`), and an `aws.eks.Addon`
 * without a version takes whatever AWS installs. Each new AWS build then shows up as a diff in
 * the drift check, and an unrelated deploy rolls the DaemonSets. Pinned here, add-ons change only
 * when this table does, which is when `sticky:kubernetesVersion` changes (or when someone updates
 * a row on purpose, in a reviewed pull request).
 *
 * Where the values come from (read 2026-11-30, from stored copies of public pages; these machines
 * have no AWS access, so NONE was checked against the EKS API):
 * - kube-proxy, coredns: the "latest version per Kubernetes version" tables of the Amazon EKS
 *   User Guide (managing-kube-proxy, managing-coredns), the newest copies found; coredns for 1.36
 *   was not in them and repeats the 1.35 value.
 * - aws-ebs-csi-driver: v1.66.0-eksbuild.1, named as AWS's default for 1.36 in a public pull
 *   request of 2026-09-21.
 * - vpc-cni, eks-pod-identity-agent: the newest versions seen in the guide for older Kubernetes
 *   versions; the least certain rows.
 * So before the first `pulumi up --stack prod`, and whenever you change a row, compare with what
 * AWS marks as the default (`bash tools/eks-addon-versions.sh` does it for every row and exits
 * non-zero on a difference):
 *
 *   aws eks describe-addon-versions --kubernetes-version 1.35 --addon-name coredns \
 *     --query 'addons[].addonVersions[?compatibilities[?defaultVersion]].addonVersion'
 *
 * An upgrade of `sticky:kubernetesVersion` moves the control plane one minor version, then the
 * node groups (they follow the cluster version), then these add-ons to the new row's versions.
 */

/** The managed add-ons, by their EKS add-on name. */
export interface AddonVersions {
    readonly "kube-proxy": string;
    readonly "vpc-cni": string;
    readonly coredns: string;
    readonly "eks-pod-identity-agent": string;
    readonly "aws-ebs-csi-driver": string;
}

/**
 * One row per Kubernetes version the project supports: the EKS versions in standard support on
 * 2026-11-30 (1.34 leaves it on 2026-12-02, 1.35 on 2027-03-27; standard support lasts 14 months,
 * then extended support costs six times as much per cluster-hour). Add the next version's row
 * before moving to it; remove a row when its version leaves standard support.
 */
export const ADDON_VERSIONS = {
    "1.34": {
        "kube-proxy": "v1.34.6-eksbuild.13",
        "vpc-cni": "v1.20.1-eksbuild.3",
        coredns: "v1.13.2-eksbuild.7",
        "eks-pod-identity-agent": "v1.3.8-eksbuild.2",
        "aws-ebs-csi-driver": "v1.66.0-eksbuild.1",
    },
    "1.35": {
        "kube-proxy": "v1.35.3-eksbuild.13",
        "vpc-cni": "v1.20.1-eksbuild.3",
        coredns: "v1.14.2-eksbuild.4",
        "eks-pod-identity-agent": "v1.3.8-eksbuild.2",
        "aws-ebs-csi-driver": "v1.66.0-eksbuild.1",
    },
    "1.36": {
        "kube-proxy": "v1.36.0-eksbuild.14",
        "vpc-cni": "v1.20.1-eksbuild.3",
        coredns: "v1.14.2-eksbuild.4",
        "eks-pod-identity-agent": "v1.3.8-eksbuild.2",
        "aws-ebs-csi-driver": "v1.66.0-eksbuild.1",
    },
} as const satisfies Record<string, AddonVersions>;

export type KubernetesVersion = keyof typeof ADDON_VERSIONS;

/** The Kubernetes versions `sticky:kubernetesVersion` accepts, oldest first. */
export const KUBERNETES_VERSIONS = Object.keys(ADDON_VERSIONS) as KubernetesVersion[];

/** The pinned add-on versions for a supported Kubernetes version (settings.ts has validated it). */
export function addonVersionsFor(kubernetesVersion: string): AddonVersions {
    const row = (ADDON_VERSIONS as Record<string, AddonVersions>)[kubernetesVersion];
    if (row === undefined) {
        throw new Error(
            `no add-on versions for Kubernetes ${kubernetesVersion}; supported: ${KUBERNETES_VERSIONS.join(", ")} (environments/eks/addon-versions.ts)`,
        );
    }
    return row;
}
