/**
 * The stack's previous deployment: what its last run exported, read back at the start of the next
 * (stack/history.ts). The program plans from it (the claim size, the restores) and an environment
 * may read back outputs of its own (EKS: its zones). Pure: plain values and one reader.
 */

/** What the last run deployed, from its outputs; none at all for a stack never deployed. */
export interface PreviousDeployment {
    /** The claims the app had (its `claimNames` output). */
    readonly claimNames: readonly string[];
    /**
     * The claim template's size (the `storageSize` output); missing for a stack last deployed
     * before that output existed, whose size the program then reads from the live StatefulSet.
     */
    readonly size?: string;
    /** The class the claims were made with (the `storageClassName` output); missing when unknown. */
    readonly storageClassName?: string;
    /** The claims made from `sticky:restoreFrom`, with their source (the `restoredFrom` output). */
    readonly restoredFrom: Readonly<Record<string, string>>;
    /** Any other output, by name (an environment reads back its own); undefined when absent. */
    output(name: string): Promise<unknown>;
}

/**
 * Whether an earlier run already made `claimName` from `source` (and the entry is only kept): its
 * claim exists and holds that data, so nothing about the source is asked again. A volume it came
 * from is attached to this cluster now, and a snapshot may have expired since.
 */
export function restoredEarlier(history: PreviousDeployment | undefined, claimName: string, source: string): boolean {
    return history?.restoredFrom[claimName] === source && history.claimNames.includes(claimName);
}
