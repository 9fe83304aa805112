/**
 * What an EBS StorageClass must be for data that has to last: encrypted gp3, Retain, bound where
 * the pod lands. Pure: the policy pack checks every EBS class, and prod's claims, against it.
 */
import { shown, type StorageClass } from "../../core/kubernetes";
import type { StorageRule } from "../definition";

/** The provisioner of Auto Mode's block storage (not the EBS CSI add-on's `ebs.csi.aws.com`). */
export const EBS_CSI_PROVISIONER = "ebs.csi.eks.amazonaws.com";

/** Both EBS CSI drivers: Auto Mode's and the add-on's (a cluster without Auto Mode); the policy pack checks classes of either. */
export const EBS_CSI_PROVISIONERS: readonly string[] = [EBS_CSI_PROVISIONER, "ebs.csi.aws.com"];

/** gp3's largest volume: 64 TiB since AWS raised it from 16 TiB in 2025 (re:Invent 2025 STG320; docs/prod-on-eks.md#what-was-verified-and-what-was-not). */
export const GP3_MAX_GIB = 64 * 1024;

/** What is wrong with an EBS StorageClass, one phrase per field; [] when it is right. */
export function ebsStorageClassProblems(storageClass: StorageClass): string[] {
    const problems: string[] = [];
    const parameters = storageClass.parameters ?? {};
    if (parameters.type !== "gp3") {
        problems.push(`parameters.type is ${shown(parameters.type)}, must be "gp3"`);
    }
    if (parameters.encrypted !== "true") {
        problems.push(
            `parameters.encrypted is ${shown(parameters.encrypted)}, must be "true" ` +
                `(otherwise volumes are encrypted only if the account enforces it)`,
        );
    }
    if (storageClass.reclaimPolicy !== "Retain") {
        problems.push(
            `reclaimPolicy is ${shown(storageClass.reclaimPolicy)} (Kubernetes defaults to "Delete"), must be "Retain" ` +
                `so deleting a claim does not delete its volume`,
        );
    }
    if (storageClass.volumeBindingMode !== "WaitForFirstConsumer") {
        problems.push(
            `volumeBindingMode is ${shown(storageClass.volumeBindingMode)}, must be "WaitForFirstConsumer" ` +
                `(EBS volumes are zonal: create each in the zone its pod was scheduled to)`,
        );
    }
    return problems;
}

/** The EKS environment's storage rule: the stack's own encrypted, retained gp3 class. */
export const gp3StorageRule: StorageRule = {
    summary: "encrypted gp3 on the EBS CSI driver, Retain",
    requirement: `the stack's encrypted gp3 class (${EBS_CSI_PROVISIONER}, Retain)`,
    classKind: "an encrypted, retained gp3 EBS class",
    problems: (storageClass) =>
        storageClass.provisioner === EBS_CSI_PROVISIONER
            ? ebsStorageClassProblems(storageClass)
            : [`provisioner is ${shown(storageClass.provisioner)}, must be "${EBS_CSI_PROVISIONER}"`],
};
