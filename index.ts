/**
 * The sticky stack: the article's app on whichever cluster the stack's config names.
 *
 *   settings (Pulumi.<stack>.yaml) -> environment (environments/registry.ts) -> StickyApp
 *
 * Each environment loads its resources' code only when a stack deploys to it, so a dev stack
 * never loads @pulumi/aws or @pulumi/eks and needs neither AWS credentials nor their plugins.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ClaimShrinkError, planClaimSize, type DeployedClaims } from "./components/claim-growth";
import { StickyApp } from "./components/sticky-app";
import type { Environment, EnvironmentRegistry, KindSettings } from "./environments/environment";
import { ENVIRONMENTS } from "./environments/registry";
import { PROJECT, parseSettings, SettingsError, type Settings } from "./settings";

/** Reads `namespace:key` from the stack's config. */
function readConfig(fullKey: string): string | undefined {
    const separator = fullKey.indexOf(":");
    return new pulumi.Config(fullKey.slice(0, separator)).get(fullKey.slice(separator + 1));
}

/** The environment the settings name, deployed through its registry entry. */
function deploy(environments: EnvironmentRegistry, settings: Settings<KindSettings>): Promise<Environment> {
    const definition = environments.find((e) => e.kind === settings.environment.kind);
    // Unreachable after parseSettings, which accepts registered kinds only.
    if (definition === undefined) throw new Error(`no registered environment "${settings.environment.kind}"`);
    return definition.deploy(settings.environment, settings.app);
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

/**
 * The claims this stack deployed last time, read from its own previous outputs (a stack
 * reference to itself): `storageSize` and `claimNames`. Nothing for a fresh stack.
 * `size` is undefined for a stack last deployed before the `storageSize` output existed.
 */
async function previousOutputs(): Promise<{ size?: string; claimNames: string[] } | undefined> {
    const previous = new pulumi.StackReference("previous-deployment", { name: thisStack() });
    const [size, claimNames] = await Promise.all([previous.getOutputDetails("storageSize"), previous.getOutputDetails("claimNames")]);
    if (!Array.isArray(claimNames.value)) return undefined;
    return { size: typeof size.value === "string" ? size.value : undefined, claimNames: claimNames.value };
}

/** For a stack deployed before the `storageSize` output: the live StatefulSet's claim size. */
function liveClaimSize(environment: Environment, appName: string): Promise<string> {
    const live = k8s.apps.v1.StatefulSet.get("deployed-statefulset", appName, { provider: environment.provider });
    return new Promise((resolve) => live.spec.volumeClaimTemplates.apply((templates) => resolve(templates[0].spec.resources.requests.storage)));
}

/** Settings errors and a refused size change: Pulumi prints the message alone, without a stack trace. */
function configurationError(error: unknown): never {
    // RunError: Pulumi prints the message alone, without a stack trace from this file. Its stack
    // is dropped too: Pulumi's runtime still formats it (util.inspect, for tracing), and under
    // ts-node that took 15-20 s before the error appeared (measured; 1.7 s without).
    if (error instanceof SettingsError || error instanceof ClaimShrinkError) {
        const runError = new pulumi.RunError(error.message);
        runError.stack = undefined;
        throw runError;
    }
    throw error;
}

/**
 * The program. Pulumi calls it without arguments, so stacks deploy to the registry's
 * environments; a test passes a list of its own.
 */
export = async (environments: EnvironmentRegistry = ENVIRONMENTS) => {
    let settings: Settings<KindSettings>;
    try {
        settings = parseSettings(readConfig, environments);
    } catch (error) {
        configurationError(error);
    }

    // A smaller claim size is refused before any resource is registered: the previous size comes
    // from the stack's own outputs, read through the engine (nothing in the cluster is touched).
    const appName = "sticky";
    const storageSizeKey = `${PROJECT}:storageSize`;
    const previous = await previousOutputs();
    const refuseShrink = (deployed: DeployedClaims | undefined) => {
        try {
            planClaimSize(storageSizeKey, settings.app.storageSize, deployed, false);
        } catch (error) {
            configurationError(error);
        }
    };
    if (previous?.size !== undefined) refuseShrink({ size: previous.size, claimNames: previous.claimNames });

    const environment = await deploy(environments, settings);
    let deployed: DeployedClaims | undefined;
    if (previous !== undefined) {
        deployed = { size: previous.size ?? (await liveClaimSize(environment, appName)), claimNames: previous.claimNames };
        refuseShrink(deployed);
    }
    const app = new StickyApp(
        appName,
        {
            storageClassName: environment.storageClassName,
            storageClassAllowsExpansion: await environment.storageClassAllowsExpansion,
            deployedClaims: deployed,
            image: settings.app.image,
            replicas: settings.app.replicas,
            storageSize: settings.app.storageSize,
            servicePort: settings.app.servicePort,
            serviceAnnotations: environment.serviceAnnotations,
            protect: settings.app.protect,
        },
        {
            provider: environment.provider,
            dependsOn: environment.prerequisites,
        },
    );

    return {
        environment: settings.environment.kind,
        url: app.url,
        podNames: app.podNames,
        claimNames: app.claimNames,
        storageClassName: app.storageClassName,
        storageSize: app.storageSize,
        ...environment.outputs,
    };
};
