/**
 * Run by tests/registry.test.ts in a Node.js process of its own: the dev stack's program under
 * the harness's mocks, then which of Pulumi's SDKs and which environment modules the process
 * loaded. Prints `{ loaded, registered }` as JSON.
 */
import * as path from "path";
import { ROOT, runStack } from "./harness";

const ENVIRONMENT_MODULES: Record<string, string> = {
    "local environment": path.join(ROOT, "bin", "environments", "local", "environment.js"),
    "eks environment": path.join(ROOT, "bin", "environments", "eks", "environment.js"),
};

async function main(): Promise<void> {
    const run = await runStack("dev");
    const files = Object.keys(require.cache);
    const packages = files.flatMap((file) => /node_modules\/(@pulumi\/[^/]+)\//.exec(file)?.[1] ?? []);
    const environments = Object.entries(ENVIRONMENT_MODULES).flatMap(([name, file]) => (files.includes(file) ? [name] : []));
    process.stdout.write(JSON.stringify({ loaded: [...new Set([...packages, ...environments])].sort(), registered: run.resources.length }));
    // Pulumi's runtime keeps handles open after a run under mocks; the answer is written.
    process.exit(0);
}

main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
});
