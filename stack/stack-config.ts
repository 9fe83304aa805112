/**
 * The program's two touch points with Pulumi's configuration and error reporting, so that
 * stack/settings.ts stays pure: reading a key, and stopping on a configuration error with its
 * message alone.
 */
import * as pulumi from "@pulumi/pulumi";
import { ClaimShrinkError } from "../components/claim-size";
import { RestoreSourceError } from "../environments/deployed";
import { SettingsError } from "./settings";

/** Reads `namespace:key` from the stack's config; `undefined` when unset. */
export function readConfig(fullKey: string): string | undefined {
    const separator = fullKey.indexOf(":");
    return new pulumi.Config(fullKey.slice(0, separator)).get(fullKey.slice(separator + 1));
}

/**
 * Runs `decide`; a settings error or a refused size change stops the program with its message
 * alone (a `RunError`: Pulumi prints it without a stack trace). Any other error is thrown as it is.
 */
export function orStop<T>(decide: () => T): T {
    try {
        return decide();
    } catch (error) {
        throw stopping(error);
    }
}

/** {@link orStop} for a decision that waits (an environment that looks at the world first). */
export async function orStopAsync<T>(decide: () => Promise<T>): Promise<T> {
    try {
        return await decide();
    } catch (error) {
        throw stopping(error);
    }
}

function stopping(error: unknown): unknown {
    if (error instanceof SettingsError || error instanceof ClaimShrinkError || error instanceof RestoreSourceError) {
        const runError = new pulumi.RunError(error.message);
        // Pulumi's runtime still formats a RunError's stack (util.inspect, for tracing), and
        // under ts-node that took 15-20 s before the error appeared (measured; 1.7 s without).
        runError.stack = undefined;
        return runError;
    }
    return error;
}
