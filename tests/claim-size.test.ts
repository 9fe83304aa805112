/**
 * components/claim-size.ts: the plan of what a run does to the claims' size, as a table and as
 * laws (properties): a smaller size is always refused and a bigger one never; a fresh stack
 * always makes its claims at the size asked; the class's answer matters only when claims exist
 * and the size changes; whatever the plan, the claims get the size asked.
 */
import * as assert from "assert";
import fc from "fast-check";
import { describeClaimSizePlan, describeClassChange, needsExpansionAnswer, planClaimSize, shrinkProblem } from "../components/claim-size";
import { claimName } from "../components/sticky-app-contract";
import { ConfigProblemsError } from "../core/config-keys";
import type { PreviousDeployment } from "../core/previous-deployment";
import { quantityBytes } from "../core/quantity";
import { STORAGE_SIZE_KEY } from "../stack/plan";

const CLAIMS = [0, 1, 2].map((ordinal) => claimName("sticky", ordinal));
const deployedAt = (size: string, claimNames: readonly string[] = CLAIMS): PreviousDeployment => ({ size, claimNames, restoredFrom: {}, output: async () => undefined });

describe("claim size: the plan (components/claim-size.ts)", () => {
    const deployed = deployedAt("1Gi");
    const table: [string, string, PreviousDeployment | undefined, boolean, object][] = [
        ["a fresh stack makes claims at the size asked", "5Gi", undefined, false, { action: "new", size: "5Gi" }],
        ["the same size (written otherwise) changes nothing", "1024Mi", deployed, true, { action: "same", size: "1024Mi" }],
        ["bigger, expandable class: every claim grows", "2Gi", deployed, true, { action: "grow", from: "1Gi", size: "2Gi", claimNames: CLAIMS }],
        ["bigger, class cannot expand: claims keep their size", "2Gi", deployed, false, { action: "keep", from: "1Gi", size: "2Gi", claimNames: CLAIMS }],
    ];
    for (const [what, size, before, expandable, plan] of table) {
        it(what, () => assert.deepStrictEqual(planClaimSize(STORAGE_SIZE_KEY, size, before, expandable), plan));
    }

    it("asks for the class's answer only when claims exist and the size changes (the program waits for it only then)", () => {
        assert.deepStrictEqual(
            [needsExpansionAnswer("1Gi", undefined), needsExpansionAnswer("1024Mi", deployed), needsExpansionAnswer("2Gi", deployed), needsExpansionAnswer("500Mi", deployed)],
            [false, false, true, true],
        );
    });

    it("refuses a smaller size, naming key, value and what is allowed", () => {
        assert.throws(
            () => planClaimSize(STORAGE_SIZE_KEY, "500Mi", deployed, true),
            (error: Error) => {
                assert.ok(error instanceof ConfigProblemsError);
                assert.deepStrictEqual(error.problems, [
                    'sticky:storageSize = "500Mi": must be at least "1Gi", the size the claims have now (Kubernetes can grow a ' +
                        'claim but never shrink it); keep "1Gi" or choose a bigger size',
                ]);
                return true;
            },
        );
        assert.strictEqual(shrinkProblem(STORAGE_SIZE_KEY, "1024Mi", "1Gi"), undefined);
    });

    it("a previous deployment whose size was never read is a mistake of the caller, not a plan", () => {
        assert.throws(() => planClaimSize(STORAGE_SIZE_KEY, "1Gi", { ...deployed, size: undefined }, true), /claim size is not known: read it first/);
    });

    it("tells the preview what happens to each claim, and why", () => {
        const grow = describeClaimSizePlan(planClaimSize(STORAGE_SIZE_KEY, "2Gi", deployed, true), "gp3") ?? "";
        assert.match(grow, /StorageClass "gp3" allows volume expansion/);
        for (const claim of CLAIMS) assert.ok(grow.includes(`${claim} 1Gi -> 2Gi`), grow);
        assert.match(grow, /no pod restarts/);
        const keep = describeClaimSizePlan(planClaimSize(STORAGE_SIZE_KEY, "2Gi", deployed, false), "hostpath") ?? "";
        assert.match(keep, /StorageClass "hostpath" does not allow volume expansion \(allowVolumeExpansion is not true\), so the existing claims keep 1Gi/);
        assert.match(keep, /only claims made from now on \(more replicas\) get 2Gi/);
        assert.match(keep, /nothing goes down/);
        assert.strictEqual(describeClaimSizePlan(planClaimSize(STORAGE_SIZE_KEY, "1Gi", deployed, true), "gp3"), undefined);
    });

    it("a new class: existing claims keep theirs and their volumes, only new claims get it; nothing said otherwise", () => {
        const message = describeClassChange({ storageClassName: "hostpath", claimNames: CLAIMS }, "standard") ?? "";
        assert.match(message, /^StorageClass "hostpath" -> "standard": a claim's class never changes, so the existing claims keep "hostpath" and their volumes/);
        assert.ok(message.includes(`(${CLAIMS.join(", ")})`), message);
        assert.match(message, /only claims made from now on \(more replicas\) get "standard"/);
        assert.strictEqual(describeClassChange({ storageClassName: "hostpath", claimNames: CLAIMS }, "hostpath"), undefined);
        assert.strictEqual(describeClassChange({ claimNames: CLAIMS }, "standard"), undefined, "a history without the class");
        assert.strictEqual(describeClassChange(undefined, "standard"), undefined, "a fresh stack");
    });

    describe("laws", () => {
        const size = fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.constantFrom("Mi", "Gi", "M", "G")).map(([n, unit]) => `${n}${unit}`);
        const claims = fc.integer({ min: 1, max: 100 }).map((count) => Array.from({ length: count }, (_, ordinal) => claimName("sticky", ordinal)));

        it("a size smaller than the deployed one is always refused; any other never is", () => {
            fc.assert(
                fc.property(size, size, claims, fc.boolean(), (requested, from, claimNames, expandable) => {
                    const smaller = quantityBytes(requested)! < quantityBytes(from)!;
                    const plan = () => planClaimSize(STORAGE_SIZE_KEY, requested, deployedAt(from, claimNames), expandable);
                    if (smaller) assert.throws(plan, ConfigProblemsError);
                    else assert.doesNotThrow(plan);
                    assert.strictEqual(shrinkProblem(STORAGE_SIZE_KEY, requested, from) !== undefined, smaller);
                }),
            );
        });

        it("whatever the plan, the template asks for the size asked; a grow or keep names every existing claim", () => {
            fc.assert(
                fc.property(size, size, claims, fc.boolean(), (requested, from, claimNames, expandable) => {
                    fc.pre(quantityBytes(requested)! >= quantityBytes(from)!);
                    const plan = planClaimSize(STORAGE_SIZE_KEY, requested, deployedAt(from, claimNames), expandable);
                    assert.strictEqual(plan.size, requested);
                    if (plan.action === "grow" || plan.action === "keep") {
                        assert.deepStrictEqual(plan.claimNames, claimNames);
                        assert.strictEqual(plan.action, expandable ? "grow" : "keep");
                    } else {
                        assert.strictEqual(plan.action, "same");
                        assert.strictEqual(quantityBytes(requested), quantityBytes(from));
                    }
                }),
            );
        });

        it("a fresh stack is always new at the size asked, whatever the class says", () => {
            fc.assert(fc.property(size, fc.boolean(), (requested, expandable) => assert.deepStrictEqual(planClaimSize(STORAGE_SIZE_KEY, requested, undefined, expandable), { action: "new", size: requested })));
        });

        it("where the class's answer is not asked for, it does not change the plan", () => {
            fc.assert(
                fc.property(size, fc.option(size, { nil: undefined }), (requested, from) => {
                    const previous = from === undefined ? undefined : deployedAt(from);
                    fc.pre(!needsExpansionAnswer(requested, previous) && (from === undefined || quantityBytes(requested)! >= quantityBytes(from)!));
                    assert.deepStrictEqual(planClaimSize(STORAGE_SIZE_KEY, requested, previous, true), planClaimSize(STORAGE_SIZE_KEY, requested, previous, false));
                }),
            );
        });
    });
});
