/**
 * The program's two touch points with Pulumi's configuration and error reporting, so that the
 * settings and the run's plan stay pure: reading a key, and stopping on configuration problems.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigProblemsError } from "../core/config-keys";

/** Reads `namespace:key` from the stack's config; `undefined` when unset. */
export function readConfig(fullKey: string): string | undefined {
    const separator = fullKey.indexOf(":");
    return new pulumi.Config(fullKey.slice(0, separator)).get(fullKey.slice(separator + 1));
}

/**
 * The one place a run stops on configuration problems (settings, the plan's checks, a restore
 * source the environment refused): a `RunError`, which Pulumi prints as its message alone.
 */
export function stopWith(problems: readonly string[]): pulumi.RunError {
    const runError = new pulumi.RunError(new ConfigProblemsError(problems).message);
    // Pulumi's runtime still formats a RunError's stack (util.inspect, for tracing), and under
    // ts-node that takes seconds before the error appears.
    runError.stack = undefined;
    return runError;
}

/** Runs `work`; configuration problems it throws stop the run ({@link stopWith}), anything else is thrown as it is. */
export async function orStop<T>(work: () => T | Promise<T>): Promise<T> {
    try {
        return await work();
    } catch (error) {
        throw error instanceof ConfigProblemsError ? stopWith(error.problems) : error;
    }
}
