/**
 * Run by tests/registry.test.ts in a Node.js process of its own: the dev stack's program
 * (index.ts with Pulumi.dev.yaml; every other key at the defaults stack/settings.ts gives it) under
 * minimal mocks, then which of Pulumi's SDKs and which environment modules the process loaded.
 * Prints `{ loaded, registered }` as JSON.
 *
 * It imports nothing but @pulumi/pulumi and js-yaml, not the test harness, so every other module
 * in the process was loaded by the program.
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

const ROOT = path.resolve(__dirname, "..", "..");
// Internal to @pulumi/pulumi; its runtime waits the same way before exiting.
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };
const ENVIRONMENT_MODULES: Record<string, string> = {
    "local environment": path.join(ROOT, "bin", "environments", "local", "resources.js"),
    "eks environment": path.join(ROOT, "bin", "environments", "eks", "resources.js"),
};

async function main(): Promise<void> {
    let registered = 0;
    await pulumi.runtime.setMocks(
        {
            newResource: ({ type, inputs, id, name }) => {
                registered++;
                // A read (`.get`) answers with the object's name; the stack's previous outputs are none.
                if (type === "pulumi:pulumi:StackReference") return { id: name, state: { name: inputs.name, outputs: {}, secretOutputNames: [] } };
                return id ? { id, state: { metadata: { name: id } } } : { id: `${name}-id`, state: inputs };
            },
            call: ({ inputs }) => inputs,
        },
        "sticky",
        "dev",
    );
    const stackFile = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, string> };
    pulumi.runtime.setAllConfig(stackFile.config);
    const program: () => Promise<unknown> = require(path.join(ROOT, "bin", "index.js"));
    await pulumi.runtime.runInPulumiStack(program);
    await waitForRPCs();

    const files = Object.keys(require.cache);
    const packages = files.flatMap((file) => /node_modules\/(@pulumi\/[^/]+)\//.exec(file)?.[1] ?? []);
    const environments = Object.entries(ENVIRONMENT_MODULES).flatMap(([label, file]) => (files.includes(file) ? [label] : []));
    process.stdout.write(JSON.stringify({ loaded: [...new Set([...packages, ...environments])].sort(), registered }));
    // Pulumi's runtime keeps handles open after a run under mocks; the answer is written.
    process.exit(0);
}

main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
});
