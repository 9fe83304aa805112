/**
 * The sticky stack: the article's app on whichever cluster the stack's config names.
 *
 *   settings (Pulumi.<stack>.yaml) -> environment (local cluster | EKS) -> StickyApp
 *
 * The EKS environment is loaded only when a stack asks for it, so a dev stack never loads
 * @pulumi/aws or @pulumi/eks and needs neither AWS credentials nor their plugins.
 */
import * as pulumi from "@pulumi/pulumi";
import { StickyApp } from "./components/sticky-app";
import type { Environment } from "./environments/environment";
import { parseSettings, SettingsError, type Settings } from "./settings";

/** Reads `namespace:key` from the stack's config. */
function readConfig(fullKey: string): string | undefined {
    const separator = fullKey.indexOf(":");
    return new pulumi.Config(fullKey.slice(0, separator)).get(fullKey.slice(separator + 1));
}

async function environmentFor(settings: Settings): Promise<Environment> {
    const { app, environment } = settings;
    switch (environment.kind) {
        case "local": {
            const { localCluster } = await import("./environments/local");
            return localCluster(environment, app.storageClassName);
        }
        case "eks": {
            const { eksCluster } = await import("./environments/eks");
            return eksCluster(environment, { storageClassName: app.storageClassName, protect: app.protect });
        }
    }
}

export = async () => {
    let settings: Settings;
    try {
        settings = parseSettings(readConfig);
    } catch (error) {
        // RunError: Pulumi prints the message alone, without a stack trace from this file. Its
        // stack is dropped too: Pulumi's runtime still formats it (util.inspect, for tracing), and
        // under ts-node that took 15-20 s before the error appeared (measured; 1.7 s without).
        if (error instanceof SettingsError) {
            const runError = new pulumi.RunError(error.message);
            runError.stack = undefined;
            throw runError;
        }
        throw error;
    }

    const environment = await environmentFor(settings);
    const app = new StickyApp(
        "sticky",
        {
            storageClassName: environment.storageClassName,
            image: settings.app.image,
            replicas: settings.app.replicas,
            storageSize: settings.app.storageSize,
            servicePort: settings.app.servicePort,
            serviceAnnotations: environment.serviceAnnotations,
        },
        {
            provider: environment.provider,
            dependsOn: environment.prerequisites,
            protect: settings.app.protect,
        },
    );

    return {
        environment: settings.environment.kind,
        url: app.url,
        podNames: app.podNames,
        claimNames: app.claimNames,
        storageClassName: app.storageClassName,
        ...environment.outputs,
    };
};
