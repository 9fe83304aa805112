/**
 * The sticky stack: the article's app on whichever cluster the stack's config names.
 *
 *   settings (Pulumi.<stack>.yaml) -> environment (environments/registry.ts) -> StickyApp
 *
 * Each environment loads its resources' code only when a stack deploys to it, so a dev stack
 * never loads @pulumi/aws or @pulumi/eks and needs neither AWS credentials nor their plugins.
 */
import * as pulumi from "@pulumi/pulumi";
import { needsExpansionAnswer, planClaimSize, refuseShrink } from "./components/claim-size";
import { StickyApp } from "./components/sticky-app";
import { APP_NAME } from "./components/sticky-app-contract";
import { projectKey } from "./core/config-keys";
import type { EnvironmentRegistry } from "./environments/definition";
import { connectEnvironment, deployEnvironment } from "./environments/deployed";
import { ENVIRONMENTS } from "./environments/registry";
import { deployedClaims, readDeploymentHistory } from "./stack/deployment-history";
import { planRestores } from "./stack/restores";
import { parseSettings, SettingsError } from "./stack/settings";
import { orStop, orStopAsync, readConfig } from "./stack/stack-config";

const STORAGE_SIZE_KEY = projectKey("storageSize");

/**
 * The program. Pulumi calls it without arguments, so stacks deploy to the registry's
 * environments on the day of the run; a test passes a list of its own, and a fixed date.
 */
export = async (environments: EnvironmentRegistry = ENVIRONMENTS, now: Date = new Date()) => {
    // The one clock reading of the program: settings are pure and take the date as an input.
    const today = now.toISOString().slice(0, 10);
    const { app, environment: environmentSettings, definition } = orStop(() =>
        parseSettings(readConfig, environments, { today, warn: (message) => void pulumi.log.warn(message) }),
    );

    // A smaller claim size is refused before any resource is created, as soon as the stack's own
    // outputs say what the claims have. Nothing else is sent to the engine while they are read:
    // on a file backend the read loads the state file the engine rewrites after every step, and
    // a read that meets a write fails the run ("failed to load checkpoint: EOF": the file's
    // metadata sidecar is rewritten in place, not renamed into place). docs/speed.md has the run
    // where it happened.
    const history = await readDeploymentHistory();

    // The environment's provider and reads (its `connect`, when it has one) start now, before the
    // checks below: they create nothing, so a run refused below leaves the world as it was. A
    // failure to connect is reported when it is awaited, after the checks.
    const connecting = orStopAsync(() => connectEnvironment(definition, environmentSettings));
    connecting.catch(() => undefined);

    const recordedSize = history?.size;
    if (recordedSize !== undefined) orStop(() => refuseShrink(STORAGE_SIZE_KEY, app.storageSize, recordedSize));

    // Claims restored from existing data (sticky:restoreFrom) request the size every plan gives
    // the claims (app.storageSize); the environment looks at each source before creating anything.
    const { restores, problems } = planRestores(APP_NAME, app.restoreFrom, app.storageSize, history);
    if (problems.length > 0) orStop(() => { throw new SettingsError(problems); });
    const restoreRequests = restores.map((r) => r.request);
    const connected = await connecting;
    const environment = await orStopAsync(() => deployEnvironment(connected, { protect: app.protect, history, restores: restoreRequests }));
    const deployed = await deployedClaims(history, APP_NAME, environment.provider);
    // The class's answer is awaited only when the size changes: on every other run the app
    // registers while the class's read is still in flight (its StatefulSet still waits for the
    // class's name, so a missing class stops the run before the claims are made).
    const expandable = needsExpansionAnswer(app.storageSize, deployed) ? await environment.storageClassAllowsExpansion : false;
    const claimSizePlan = orStop(() => planClaimSize(STORAGE_SIZE_KEY, app.storageSize, deployed, expandable));

    const sticky = new StickyApp(
        APP_NAME,
        {
            storageClassName: environment.storageClassName,
            claimSizePlan,
            image: app.image,
            replicas: app.replicas,
            servicePort: app.servicePort,
            serviceAnnotations: environment.serviceAnnotations,
            serviceLoadBalancerClass: environment.serviceLoadBalancerClass,
            namespaceLabels: environment.namespaceLabels,
            zoneSpread: environment.zoneSpread,
            protect: app.protect,
            restoredClaims: (environment.restoredClaims ?? []).map((claim, i) => ({ ...claim, ordinal: restores[i].ordinal })),
        },
        { provider: environment.provider, dependsOn: environment.prerequisites },
    );

    return {
        environment: environmentSettings.kind,
        url: sticky.url,
        podNames: sticky.podNames,
        claimNames: sticky.claimNames,
        storageClassName: sticky.storageClassName,
        storageSize: sticky.storageSize,
        // Which claims were made from which source: the next run keeps them (stack/restores.ts).
        restoredFrom: Object.fromEntries(restoreRequests.map((r) => [r.claim.name, r.source])),
        ...environment.outputs,
    };
};
