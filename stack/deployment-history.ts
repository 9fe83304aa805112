/**
 * What this stack deployed last time, read once per run from its own previous outputs (a stack
 * reference to itself): the claims and their size. The claim-size plan (components/claim-size.ts)
 * is made from it. Nothing in the cluster is touched to read it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DeployedClaims } from "../components/claim-size";

/** The stack's previous outputs that the plan needs; `size` is missing for a stack last deployed before the `storageSize` output existed. */
export interface DeploymentHistory {
    readonly size?: string;
    readonly claimNames: readonly string[];
    /** Any other previous output, by name (the environment reads back its own, as EKS its zones). */
    output(name: string): Promise<unknown>;
    /** The claims it made from `sticky:restoreFrom`, with their source (the `restoredFrom` output). */
    readonly restoredFrom: Readonly<Record<string, string>>;
}

/** This stack's own fully qualified name, for reading its previous outputs. */
function thisStack(): string {
    try {
        return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
    } catch {
        // A language host too old to pass the organization: the bare name means this project's stack.
        return pulumi.getStack();
    }
}

/** The stack's previous `storageSize` and `claimNames` outputs; nothing for a fresh stack. */
export async function readDeploymentHistory(): Promise<DeploymentHistory | undefined> {
    const previous = new pulumi.StackReference("previous-deployment", { name: thisStack() });
    const [size, claimNames, restoredFrom] = await Promise.all(["storageSize", "claimNames", "restoredFrom"].map((name) => previous.getOutputDetails(name)));
    if (!Array.isArray(claimNames.value)) return undefined;
    const output = async (name: string) => (await previous.getOutputDetails(name)).value;
    const restored = restoredFrom.value !== null && typeof restoredFrom.value === "object" ? (restoredFrom.value as Record<string, string>) : {};
    return { size: typeof size.value === "string" ? size.value : undefined, claimNames: claimNames.value, restoredFrom: restored, output };
}

/**
 * The claims the history records, with their size: from the outputs, or, for a stack deployed
 * before the `storageSize` output, from the live StatefulSet's claim template (a read through the
 * environment's provider, so it waits for the environment).
 */
export async function deployedClaims(
    history: DeploymentHistory | undefined,
    appName: string,
    provider: k8s.Provider,
): Promise<DeployedClaims | undefined> {
    if (history === undefined) return undefined;
    if (history.size !== undefined) return { size: history.size, claimNames: history.claimNames };
    const live = k8s.apps.v1.StatefulSet.get("deployed-statefulset", appName, { provider });
    const size = await new Promise<string>((resolve) => live.spec.volumeClaimTemplates.apply((templates) => resolve(templates[0].spec.resources.requests.storage)));
    return { size, claimNames: history.claimNames };
}
