/**
 * A refresh of an unchanged prod plans nothing, under mocks: once a stack is deployed, the
 * program run again against its own outputs (what the previous-deployment reference reads after
 * an update, and still reads after a refresh that found nothing) registers exactly what it
 * registered before: the same resources, inputs and options, and the same outputs. A program that
 * put a clock, a random value or its own last outputs into an input would plan an update on every
 * preview, and the deploy's refresh-and-pin (tools/plan-pin) would refuse every plan.
 * e2e/refresh.e2e.ts shows the same of the dev stack on the real engine and test cluster.
 */
import * as assert from "assert";
import { canonicalJson } from "../tools/plan-pin/fingerprint";
import { runStack, type StackRun } from "./harness";

/** What the engine would compare with the state: each resource by URN, in a stable form. */
const planned = (run: StackRun) => Object.fromEntries(run.resources.map((r) => [r.urn, canonicalJson(r)]));

for (const stack of ["prod", "dev"]) {
    describe(`refresh: the ${stack} stack, deployed and unchanged`, () => {
        // As an update runs (the outputs of every resource known): a mocked preview has no state to
        // read them from, so what depends on them is unknown there and would differ for that alone.
        it("registers the same resources, inputs and outputs on the next run", async () => {
            // The first deploy has no previous outputs; the next runs read those it left.
            const first = await runStack(stack);
            const second = await runStack(stack, {}, { previousOutputs: first.outputs });
            const third = await runStack(stack, {}, { previousOutputs: second.outputs });
            assert.ok(second.resources.length > 5, `${stack} registered ${second.resources.length} resources`);
            assert.deepStrictEqual(planned(third), planned(second), "a run against its own outputs changes nothing");
            assert.deepStrictEqual(third.outputs, second.outputs);
        });
    });
}
