/**
 * The stack's previous deployment, read once per run from its own outputs (a stack reference to
 * itself). Nothing in the cluster is touched to read it, and nothing else may reach the engine
 * while it is read: on a file backend the engine rewrites the state file this read loads, and a
 * read that meets that write fails the run. The program reads it first, before anything else.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PreviousDeployment } from "../core/previous-deployment";

/** This stack's own fully qualified name, for reading its previous outputs. */
function thisStack(): string {
    try {
        return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
    } catch {
        // A language host too old to pass the organization: the bare name means this project's stack.
        return pulumi.getStack();
    }
}

/** The stack's previous deployment; nothing for a fresh stack. */
export async function readHistory(): Promise<PreviousDeployment | undefined> {
    const previous = new pulumi.StackReference("previous-deployment", { name: thisStack() });
    const names = ["storageSize", "claimNames", "restoredFrom", "storageClassName"];
    const [size, claimNames, restoredFrom, storageClassName] = await Promise.all(names.map((name) => previous.getOutputDetails(name)));
    if (!Array.isArray(claimNames.value)) return undefined;
    const output = async (name: string) => (await previous.getOutputDetails(name)).value;
    const restored = restoredFrom.value !== null && typeof restoredFrom.value === "object" ? (restoredFrom.value as Record<string, string>) : {};
    const text = (value: unknown) => (typeof value === "string" ? value : undefined);
    return { size: text(size.value), storageClassName: text(storageClassName.value), claimNames: claimNames.value, restoredFrom: restored, output };
}

/**
 * The previous deployment with its claim size known: from its outputs, or, for a stack last
 * deployed before the `storageSize` output, from the live StatefulSet's claim template (a read
 * through the environment's provider, so it waits for the environment).
 */
export async function withClaimSize(history: PreviousDeployment | undefined, appName: string, provider: k8s.Provider): Promise<PreviousDeployment | undefined> {
    if (history === undefined || history.size !== undefined) return history;
    const live = k8s.apps.v1.StatefulSet.get("deployed-statefulset", appName, { provider });
    const size = await new Promise<string>((resolve) => live.spec.volumeClaimTemplates.apply((templates) => resolve(templates[0].spec.resources.requests.storage)));
    return { ...history, size };
}
