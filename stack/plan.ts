/**
 * The plan of one run, made before any resource exists: the stack's settings, checked against
 * its previous deployment (a smaller claim size, a restore into a claim the stack already made),
 * with every problem found at once. The program builds only from a plan without problems.
 * Pure: no engine, no cluster; the previous deployment is handed in.
 */
import { shrinkProblem } from "../components/claim-size";
import { APP_NAMESPACE } from "../components/sticky-app-contract";
import { projectKey, type ConfigReader, type SettingsInputs } from "../core/config-keys";
import { type PreviousDeployment, restoredEarlier } from "../core/previous-deployment";
import type { EnvironmentRegistry, RestoreRequest, SettingsOf } from "../environments/definition";
import { ENVIRONMENTS } from "../environments/registry";
import { readSettings, type Settings } from "./settings";

/** The config key whose value sizes every claim. */
export const STORAGE_SIZE_KEY = projectKey("storageSize");

/** A run the program may build: its settings, and the stack's previous deployment. */
export interface RunPlan<Registry extends EnvironmentRegistry = typeof ENVIRONMENTS> extends Settings<SettingsOf<Registry[number]>> {
    /** The stack's previous deployment; none for a fresh stack. */
    readonly history?: PreviousDeployment;
}

/**
 * A restore into a claim this stack already made is refused: that claim is bound to its own
 * volume, and a bound claim never moves to another. Unless an earlier run restored it from the
 * same source (the `restoredFrom` output): then the entry is simply kept.
 */
export function restoreProblems(restores: readonly RestoreRequest[], history: PreviousDeployment | undefined): string[] {
    return restores.flatMap(({ entry, ordinal, source, claim }) => {
        const earlier = history?.restoredFrom[claim.name];
        if (!history?.claimNames.includes(claim.name) || restoredEarlier(history, claim.name, source)) return [];
        return [
            `${projectKey("restoreFrom")} = ${JSON.stringify(entry)}: claim ${APP_NAMESPACE}/${claim.name} already exists (this stack made it` +
                `${earlier === undefined ? "" : `, from ${earlier}`}) and is bound to its volume, which a claim never changes; ` +
                `to put other data under pod ${ordinal}, delete the claim first (docs/prod-on-eks.md#restore-into-a-running-stack)`,
        ];
    });
}

/**
 * Plans the run from the stack's configuration and its previous deployment: the plan, or every
 * problem with them (bad keys, a smaller claim size, restores into claims that exist), each
 * naming the key, the value and what is allowed. A claim size the history does not record (a
 * stack deployed before the `storageSize` output) is checked once it is read (components/claim-size.ts).
 */
export function planRun<Registry extends EnvironmentRegistry = typeof ENVIRONMENTS>(
    read: ConfigReader,
    history: PreviousDeployment | undefined,
    environments: Registry = ENVIRONMENTS as EnvironmentRegistry as Registry,
    inputs: SettingsInputs = {},
): { readonly plan: RunPlan<Registry>; readonly problems: readonly [] } | { readonly plan?: undefined; readonly problems: readonly string[] } {
    const { settings, problems, hasProblem } = readSettings(read, environments, inputs);
    if (settings === undefined) return { problems };
    const shrink =
        history?.size === undefined || hasProblem(STORAGE_SIZE_KEY) ? undefined : shrinkProblem(STORAGE_SIZE_KEY, settings.app.storageSize, history.size);
    const all = [...problems, ...(shrink === undefined ? [] : [shrink]), ...restoreProblems(settings.app.restoreFrom, history)];
    if (all.length > 0) return { problems: all };
    return { plan: { ...settings, history }, problems: [] };
}
