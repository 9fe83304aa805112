/**
 * `sticky:restoreFrom` turned into what the environment is asked for: one request per entry, with
 * the claim's name from the app's contract and the size the claim-size plan gives every claim, so
 * the restored claim and the StatefulSet's template agree. Pure.
 *
 * One check needs the stack's history rather than the cluster: a claim this stack already made
 * (its `claimNames` output) is bound to its own volume, and a bound claim never moves to another,
 * so restoring into it is refused, unless it is the claim an earlier run restored from the same
 * source (the `restoredFrom` output): then the entry is simply kept.
 */
import { APP_NAMESPACE, claimName } from "../components/sticky-app-contract";
import type { RestoreRequest } from "../environments/deployed";
import type { DeploymentHistory } from "./deployment-history";
import { projectKey } from "../core/config-keys";
import type { RestoreEntry } from "./settings";

export interface RestorePlan {
    /** Each entry's pod and what the environment is asked for it. */
    readonly restores: { readonly ordinal: number; readonly request: RestoreRequest }[];
    readonly problems: string[];
}

/** The environment's requests for `entries`, or the problems that stop the program first. */
export function planRestores(appName: string, entries: readonly RestoreEntry[], size: string, history: DeploymentHistory | undefined): RestorePlan {
    const restores: RestorePlan["restores"] = [];
    const problems: string[] = [];
    for (const { entry, ordinal, source } of entries) {
        const name = claimName(appName, ordinal);
        const earlier = history?.restoredFrom[name];
        if (history?.claimNames.includes(name) && earlier !== source) {
            problems.push(
                `${projectKey("restoreFrom")} = ${JSON.stringify(entry)}: claim ${APP_NAMESPACE}/${name} already exists (this stack made it` +
                    `${earlier === undefined ? "" : `, from ${earlier}`}) and is bound to its volume, which a claim never changes; ` +
                    `to put other data under pod ${ordinal}, delete the claim first (docs/prod-on-eks.md#restore-into-a-running-stack)`,
            );
            continue;
        }
        restores.push({ ordinal, request: { entry, source, claim: { namespace: APP_NAMESPACE, name }, size } });
    }
    return { restores, problems };
}
