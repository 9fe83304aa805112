/**
 * Both committed stacks register exactly what they registered when this fixture was recorded:
 * every resource's URN, inputs, parent, provider, options and dependencies, and the stack's
 * outputs, under mocks (tests/harness.ts). A refactor (moving code between files, a registry of
 * environments) must leave this unchanged; a change meant to alter what a stack deploys records
 * the fixture again on purpose and shows the difference in review:
 *
 *   npm run build && STICKY_RECORD_STACK_RESOURCES=1 npx mocha bin/tests/stack-resources.test.js
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROOT, runStack, type Registered, type StackRun } from "./harness";

const FIXTURE = path.join(ROOT, "tests", "fixtures", "stack-resources.json");
const STACKS = ["dev", "prod"] as const;

/** JSON with object keys sorted, so key order in the program cannot make a difference. */
function canonical(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(canonical);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
    }
    return value;
}

/** What the engine would be told about one resource; everything but registration order. */
function registration(r: Registered) {
    return canonical({
        urn: r.urn,
        inputs: r.inputs,
        parent: r.parent,
        provider: r.provider,
        protect: r.protect,
        deleteBeforeReplace: r.deleteBeforeReplace,
        deletedWith: r.deletedWith,
        retainOnDelete: r.retainOnDelete,
        dependencies: [...r.dependencies].sort(),
        read: r.read,
    });
}

function snapshot(run: StackRun) {
    return {
        resources: [...run.resources].sort((a, b) => a.urn.localeCompare(b.urn)).map(registration),
        outputs: canonical(run.rawOutputs),
    };
}

describe("both committed stacks register what they registered before (tests/fixtures/stack-resources.json)", () => {
    const runs: Record<string, ReturnType<typeof snapshot>> = {};
    let recorded: Record<string, any>;
    before(async () => {
        for (const stack of STACKS) runs[stack] = JSON.parse(JSON.stringify(snapshot(await runStack(stack))));
        if (process.env.STICKY_RECORD_STACK_RESOURCES === "1") {
            fs.writeFileSync(FIXTURE, `${JSON.stringify({ recordedAt: new Date().toISOString().slice(0, 10), ...runs }, null, 1)}\n`);
        }
        recorded = JSON.parse(fs.readFileSync(FIXTURE, "utf8"));
    });

    for (const stack of STACKS) {
        it(`${stack}: the same URNs`, () => {
            const fixture = recorded[stack];
            assert.deepStrictEqual(
                runs[stack].resources.map((r: any) => r.urn),
                fixture.resources.map((r: any) => r.urn),
            );
        });

        it(`${stack}: each resource with the same inputs, options and dependencies, and the same outputs`, () => {
            const fixture = recorded[stack];
            const byUrn = new Map(fixture.resources.map((r: any) => [r.urn, r]));
            for (const resource of runs[stack].resources as any[]) {
                assert.deepStrictEqual(resource, byUrn.get(resource.urn), `${resource.urn} changed`);
            }
            assert.deepStrictEqual(runs[stack].outputs, fixture.outputs);
        });
    }
});
