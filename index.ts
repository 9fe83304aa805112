/**
 * The sticky stack: the article's app on whichever cluster the stack's config names. It plans,
 * then builds:
 *
 *   previous deployment + settings -> the run's plan (stack/plan.ts): every problem at once, or
 *   the plan -> the environment it names (environments/registry.ts) -> StickyApp
 *
 * Each environment loads its resources' code only when a stack deploys to it, so a dev stack
 * never loads @pulumi/aws or @pulumi/eks and needs neither AWS credentials nor their plugins.
 */
import * as pulumi from "@pulumi/pulumi";
import { StickyApp } from "./components/sticky-app";
import { APP_NAME } from "./components/sticky-app-contract";
import type { EnvironmentRegistry } from "./environments/definition";
import { deployEnvironment } from "./environments/deployed";
import { ENVIRONMENTS } from "./environments/registry";
import { stickyAppArgs } from "./stack/app-args";
import { readHistory } from "./stack/history";
import { planRun } from "./stack/plan";
import { orStop, readConfig, stopWith } from "./stack/stack-config";

/** Pulumi calls it without arguments; a test passes environments of its own, and a fixed date. */
export = async (environments: EnvironmentRegistry = ENVIRONMENTS, now: Date = new Date()) => {
    // First, and alone: nothing else may reach the engine while the stack reads its own outputs.
    const history = await readHistory();
    const inputs = { today: now.toISOString().slice(0, 10), warn: (message: string) => void pulumi.log.warn(message) };
    const { plan, problems } = planRun(readConfig, history, environments, inputs);
    if (plan === undefined) throw stopWith(problems);

    const { protect, restoreFrom } = plan.app;
    const deployed = await orStop(() => deployEnvironment(plan.definition, plan.environment, { protect, history, restores: restoreFrom }));
    const args = await orStop(() => stickyAppArgs(plan, deployed));
    const sticky = new StickyApp(APP_NAME, args, { provider: deployed.provider, dependsOn: deployed.prerequisites });

    return {
        environment: plan.environment.kind,
        url: sticky.url,
        podNames: sticky.podNames,
        claimNames: sticky.claimNames,
        storageClassName: sticky.storageClassName,
        storageSize: sticky.storageSize,
        // Which claims were made from which source: the next run keeps them (stack/plan.ts).
        restoredFrom: Object.fromEntries(restoreFrom.map((r) => [r.claim.name, r.source])),
        ...deployed.outputs,
    };
};
