/**
 * Which EKS-optimized Amazon Linux 2023 AMI a node group's instance type needs, and where AWS
 * publishes its releases. Pure (no Pulumi import): nodes.ts pins the AMI type with it, and
 * tools/eks-release-pins.ts checks the pinned release against the same SSM paths.
 *
 * Read 2026-12-02 from the EKS User Guide (eks-optimized-ami, retrieve-ami-id) and the AMI type
 * list of CreateNodegroup: AL2 is gone after 1.32, so everything here is AL2023.
 */

/** The AMI types this stack can pin, with the SSM path segment (`<arch>/<flavor>`) of each. */
export const AMI_TYPES = {
    AL2023_x86_64_STANDARD: "x86_64/standard",
    AL2023_ARM_64_STANDARD: "arm64/standard",
    AL2023_x86_64_NVIDIA: "x86_64/nvidia",
    AL2023_ARM_64_NVIDIA: "arm64/nvidia",
    AL2023_x86_64_NEURON: "x86_64/neuron",
} as const;

export type AmiType = keyof typeof AMI_TYPES;

/**
 * The AMI type for an instance type, from its family (the part before the dot):
 * - NVIDIA GPUs (g4dn, g5, g6, g6e, p4d, p5, ...): the NVIDIA AMI, which carries the driver;
 *   `g5g` is Graviton with NVIDIA, so the Arm NVIDIA AMI. (`g4ad` has AMD GPUs: x86-64 standard,
 *   without a GPU driver.)
 * - AWS Inferentia and Trainium (inf2, trn1, trn2): the Neuron AMI.
 * - Graviton: `a1` (the first Graviton) and any family with a `g` right after the generation
 *   digit (m7g, c7gn, t4g, r8g): Arm.
 * - everything else: x86-64.
 * Pinned rather than left to EKS, so a node group never changes OS under an unchanged stack.
 */
export function amiTypeFor(instanceType: string): AmiType {
    const family = instanceType.split(".")[0];
    if (family === "g5g") return "AL2023_ARM_64_NVIDIA";
    if (/^(g4dn|g5|g6|g6e|g6f|gr6|g7e|p3|p3dn|p4d|p4de|p5|p5e|p5en|p6-b200)$/.test(family)) return "AL2023_x86_64_NVIDIA";
    if (/^(inf1|inf2|trn1|trn1n|trn2)$/.test(family)) return "AL2023_x86_64_NEURON";
    if (family === "a1" || /^[a-z]+\d+g/.test(family)) return "AL2023_ARM_64_STANDARD";
    return "AL2023_x86_64_STANDARD";
}

/** The SSM parameter holding the recommended release (`<k8s patch>-<YYYYMMDD>`) of an AMI type. */
export function recommendedReleaseParameter(kubernetesVersion: string, amiType: AmiType): string {
    return `/aws/service/eks/optimized-ami/${kubernetesVersion}/amazon-linux-2023/${AMI_TYPES[amiType]}/recommended/release_version`;
}

/**
 * The SSM parameter that exists only if the pinned release was published for this AMI type:
 * the image id under the AMI's name, `amazon-eks-node-al2023-<arch>-<flavor>-<k8s>-v<YYYYMMDD>`.
 */
export function releaseImageParameter(kubernetesVersion: string, amiType: AmiType, release: string): string {
    const [arch, flavor] = AMI_TYPES[amiType].split("/");
    const date = release.slice(release.lastIndexOf("-") + 1);
    return `/aws/service/eks/optimized-ami/${kubernetesVersion}/amazon-linux-2023/${arch}/${flavor}/amazon-eks-node-al2023-${arch}-${flavor}-${kubernetesVersion}-v${date}/image_id`;
}
