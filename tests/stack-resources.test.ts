/**
 * Both committed stacks register exactly what they registered when this fixture was recorded:
 * every resource's URN, inputs, parent, provider, options and dependencies, and the stack's
 * outputs, under mocks (tests/harness.ts). A refactor (moving code between files, a registry of
 * environments) must leave this unchanged; a change meant to alter what a stack deploys records
 * the fixture again on purpose and shows the difference in review.
 *
 * Every URN is read as the engine writes it (`engineUrn`). Recording again (below) writes both
 * stacks; a change meant for one stack must leave the other's part of the file as it was.
 *
 *   npm run build && STICKY_RECORD_STACK_RESOURCES=1 npx mocha bin/tests/stack-resources.test.js
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { engineUrn, ROOT, runStack, type Registered, type StackRun } from "./harness";

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

type UrnMap = (urn: string) => string;

/** What the engine would be told about one resource; everything but registration order. */
function registration(r: Registered, old: UrnMap) {
    const reference = (ref: string) => (ref === "" ? "" : `${old(ref.slice(0, ref.lastIndexOf("::")))}${ref.slice(ref.lastIndexOf("::"))}`);
    return canonical({
        urn: old(r.urn),
        inputs: r.inputs,
        parent: r.parent === "" ? "" : old(r.parent),
        provider: reference(r.provider),
        protect: r.protect,
        deleteBeforeReplace: r.deleteBeforeReplace,
        deletedWith: r.deletedWith === "" ? "" : old(r.deletedWith),
        retainOnDelete: r.retainOnDelete,
        dependencies: r.dependencies.map(old).sort(),
        read: r.read,
    });
}

function snapshot(run: StackRun, old: UrnMap = engineUrn) {
    return {
        resources: [...run.resources]
            .map((r) => registration(r, old) as Record<string, unknown>)
            .sort((a, b) => String(a.urn).localeCompare(String(b.urn))),
        outputs: canonical(run.rawOutputs),
    };
}

/** The fixture as the engine would hold it: URNs without the mocks' root-stack type. */
function asEngineState(recorded: { resources: any[]; outputs: unknown }) {
    const urns = (value: unknown): unknown => JSON.parse(JSON.stringify(value).replaceAll("::pulumi:pulumi:Stack$", "::"));
    return { resources: (urns(recorded.resources) as any[]).sort((a, b) => String(a.urn).localeCompare(String(b.urn))), outputs: recorded.outputs };
}

describe("both committed stacks register what they registered before (tests/fixtures/stack-resources.json)", () => {
    const runs: Record<string, StackRun> = {};
    const mapped: Record<string, ReturnType<typeof snapshot>> = {};
    let recorded: Record<string, any>;
    before(async () => {
        for (const stack of STACKS) runs[stack] = await runStack(stack);
        if (process.env.STICKY_RECORD_STACK_RESOURCES === "1") {
            const today = Object.fromEntries(STACKS.map((stack) => [stack, snapshot(runs[stack])]));
            fs.writeFileSync(FIXTURE, `${JSON.stringify({ recordedAt: new Date().toISOString().slice(0, 10), ...today }, null, 1)}\n`);
        }
        recorded = Object.fromEntries(Object.entries(JSON.parse(fs.readFileSync(FIXTURE, "utf8"))).map(([key, value]: [string, any]) => [key, key === "recordedAt" ? value : asEngineState(value)]));
        for (const stack of STACKS) mapped[stack] = JSON.parse(JSON.stringify(snapshot(runs[stack])));
    });

    /** The resources a stack registers today that it did not before. */
    const added = (stack: string) => mapped[stack].resources.map((r: any) => r.urn).filter((urn: string) => !recorded[stack].resources.some((f: any) => f.urn === urn));

    for (const stack of STACKS) {
        it(`${stack}: the same URNs; nothing new`, () => {
            const fixture = recorded[stack];
            const today = mapped[stack].resources.map((r: any) => r.urn);
            assert.deepStrictEqual(fixture.resources.map((r: any) => r.urn).filter((urn: string) => !today.includes(urn)), [], "URNs the stack no longer answers to");
            assert.deepStrictEqual(added(stack), []);
        });

        it(`${stack}: each resource with the same inputs, options and dependencies, and the same outputs`, () => {
            const fixture = recorded[stack];
            const byUrn = new Map(fixture.resources.map((r: any) => [r.urn, r]));
            for (const resource of mapped[stack].resources as any[]) {
                if (!byUrn.has(resource.urn)) continue;
                assert.deepStrictEqual(resource, canonical(byUrn.get(resource.urn)), `${resource.urn} changed`);
            }
            assert.deepStrictEqual(mapped[stack].outputs, fixture.outputs);
        });
    }
});
