/**
 * Both committed stacks register exactly what they registered when this fixture was recorded:
 * every resource's URN, inputs, parent, provider, options and dependencies, and the stack's
 * outputs, under mocks (tests/harness.ts). A refactor (moving code between files, a registry of
 * environments) must leave this unchanged; a change meant to alter what a stack deploys records
 * the fixture again on purpose and shows the difference in review.
 *
 * One refactor moves resources on purpose: the EKS resources now live under one component
 * (environments/eks/resources.ts, `EksEnvironment`), each aliased to its old place at the stack's
 * root. The comparison therefore reads every URN as the engine does (`engineUrn`) and takes a
 * moved resource's URN, parent and dependencies back to the old URNs through its aliases: the
 * state a deployed prod stack holds. What is new is the component alone. Recording again
 * (below) writes today's URNs, and the mapping then has nothing to do.
 *
 *
 *   npm run build && STICKY_RECORD_STACK_RESOURCES=1 npx mocha bin/tests/stack-resources.test.js
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { EKS_ENVIRONMENT_TYPE } from "../environments/eks/resources";
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

/** Each URN as the engine writes it, and a moved resource's as the one its alias names. */
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

/**
 * Where each resource of a run stood in the recorded state: its own URN when the state has it,
 * else the one alias of it that the state has (a moved EKS resource; @pulumi/kubernetes adds
 * aliases of its own for older API versions, which the state has none of).
 */
function urnsBefore(run: StackRun, recorded: ReadonlySet<string>): UrnMap {
    const moved = new Map<string, string>();
    for (const r of run.resources) {
        const own = engineUrn(r.urn);
        if (recorded.has(own)) continue;
        const known = r.aliases.filter((alias) => recorded.has(alias));
        if (known.length > 1) throw new Error(`${own}: ${known.length} aliases in the recorded state; the mapping expects one`);
        if (known.length === 1) moved.set(own, known[0]);
    }
    return (urn) => moved.get(engineUrn(urn)) ?? engineUrn(urn);
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
        for (const stack of STACKS) {
            const state = new Set<string>(recorded[stack].resources.map((r: any) => r.urn));
            mapped[stack] = JSON.parse(JSON.stringify(snapshot(runs[stack], urnsBefore(runs[stack], state))));
        }
    });

    /** The resources a stack registers today that it did not before: the EKS component alone. */
    const added = (stack: string) => mapped[stack].resources.map((r: any) => r.urn).filter((urn: string) => !recorded[stack].resources.some((f: any) => f.urn === urn));

    for (const stack of STACKS) {
        it(`${stack}: the same URNs, read through the aliases; nothing new`, () => {
            const fixture = recorded[stack];
            const today = mapped[stack].resources.map((r: any) => r.urn);
            assert.deepStrictEqual(fixture.resources.map((r: any) => r.urn).filter((urn: string) => !today.includes(urn)), [], "URNs the stack no longer answers to");
            assert.deepStrictEqual(added(stack), []);
        });

        it(`${stack}: each resource with the same inputs, options and dependencies, and the same outputs`, () => {
            const fixture = recorded[stack];
            const byUrn = new Map(fixture.resources.map((r: any) => [r.urn, r]));
            const newOnes = added(stack);
            for (const resource of mapped[stack].resources as any[]) {
                if (newOnes.includes(resource.urn)) continue;
                // The moved resources' new parent is the component; before, it was the stack.
                const expected = { ...(byUrn.get(resource.urn) as object), ...(resource.parent.includes(EKS_ENVIRONMENT_TYPE) ? { parent: resource.parent } : {}) };
                assert.deepStrictEqual(resource, canonical(expected), `${resource.urn} changed`);
            }
            assert.deepStrictEqual(mapped[stack].outputs, fixture.outputs);
        });
    }

    it("prod: every EKS resource moved under the component is aliased to its old place; those without aliases are new", () => {
        const under = runs.prod.resources.filter((r) => engineUrn(r.parent).includes(`::${EKS_ENVIRONMENT_TYPE}::`));
        const moved = under.filter((r) => r.aliases.length > 0);
        assert.ok(moved.length >= 30, `only ${moved.length} moved resources under the EKS component`);
        for (const r of moved) {
            // The node groups were the children of pulumi-eks's ManagedNodeGroup (environments/eks/nodes.ts).
            const old = r.type === "aws:eks/nodeGroup:NodeGroup"
                ? `urn:pulumi:prod::sticky::eks:index:ManagedNodeGroup$${r.type}::${r.name}`
                : `urn:pulumi:prod::sticky::${r.type}::${r.name}`;
            assert.ok(r.aliases.includes(old), `${r.urn}: aliases ${r.aliases.join(", ")}`);
        }
        // A resource registered with only `{ parent }` is new since the move: the stack never had it at its root.
        const before = new Set<string>(JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "fixtures", "prod-urns-before-split.json"), "utf8")).urns.map(engineUrn));
        const unaliased = under.filter((r) => r.aliases.length === 0).map((r) => `urn:pulumi:prod::sticky::${r.type}::${r.name}`);
        assert.deepStrictEqual(unaliased.filter((urn) => before.has(urn)), [], "resources the stack had at its root, now without their alias");
    });
});
