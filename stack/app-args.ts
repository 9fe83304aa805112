/**
 * What the program hands StickyApp: the plan's app settings (by the component's own argument
 * names), the parts of the deployed environment the app takes unread, the claim-size plan, and
 * the restored claims by the ordinal of their pod. And what a new StorageClass does to the
 * existing claims, said at preview and up.
 */
import * as pulumi from "@pulumi/pulumi";
import { describeClassChange, needsExpansionAnswer, planClaimSize } from "../components/claim-size";
import type { StickyAppArgs } from "../components/sticky-app";
import { APP_NAME } from "../components/sticky-app-contract";
import type { DeployedEnvironment } from "../environments/deployed";
import { withClaimSize } from "./history";
import { STORAGE_SIZE_KEY, type RunPlan } from "./plan";

/**
 * App settings the component has no argument for, by name: the build fails while there is one,
 * so a new app key cannot be read and then dropped (docs/changing-the-app.md).
 */
type AppSettingsTheComponentLacks = Exclude<keyof Omit<RunPlan["app"], "storageSize" | "restoreFrom">, keyof StickyAppArgs>;
const everyAppSettingIsAnArgument: [AppSettingsTheComponentLacks] extends [never] ? true : AppSettingsTheComponentLacks = true;
void everyAppSettingIsAnArgument;

/**
 * The component's arguments. The class's expansion answer is awaited only when the size changes:
 * on every other run the app registers while the class's read is still in flight. Throws a
 * `ConfigProblemsError` for a smaller size found only now (a stack whose history has no size).
 */
export async function stickyAppArgs(plan: RunPlan, deployed: DeployedEnvironment): Promise<StickyAppArgs> {
    const { storageSize, restoreFrom, ...app } = plan.app;
    const history = await withClaimSize(plan.history, APP_NAME, deployed.provider);
    const expandable = needsExpansionAnswer(storageSize, history) ? await deployed.storageClassAllowsExpansion : false;
    const claimSizePlan = planClaimSize(STORAGE_SIZE_KEY, storageSize, history, expandable);
    const ordinalOf = new Map(restoreFrom.map((r) => [r.claim.name, r.ordinal]));
    const { storageClassName, serviceAnnotations, serviceLoadBalancerClass, namespaceLabels, zoneSpread } = deployed;
    // Said once the class's name is known (the read's answer, or the class the environment makes).
    storageClassName.apply((className) => {
        const classChange = describeClassChange(history, className);
        if (classChange !== undefined) void pulumi.log.warn(classChange);
    });
    return {
        ...app,
        claimSizePlan,
        storageClassName,
        serviceAnnotations,
        serviceLoadBalancerClass,
        namespaceLabels,
        zoneSpread,
        restoredClaims: (deployed.restoredClaims ?? []).map(({ claimName, ...backing }) => ({ ...backing, ordinal: ordinalOf.get(claimName)! })),
    };
}
