/**
 * stack/plan.ts: the run's plan from the settings and the previous deployment, without Pulumi.
 * Every problem comes at once: the settings', a smaller claim size, restores into claims the
 * stack already made.
 */
import * as assert from "assert";
import { APP_NAME, claimName } from "../components/sticky-app-contract";
import type { PreviousDeployment } from "../core/previous-deployment";
import { planRun, restoreProblems } from "../stack/plan";

const CLAIMS = [0, 1, 2].map((ordinal) => claimName(APP_NAME, ordinal));
const reader = (config: Record<string, string>) => (key: string) => config[key];
const dev = (more: Record<string, string> = {}) => reader({ "sticky:environment": "local", ...more });
const history = (more: Partial<PreviousDeployment> = {}): PreviousDeployment => ({ size: "1Gi", claimNames: CLAIMS, restoredFrom: {}, output: async () => undefined, ...more });

describe("the run's plan (stack/plan.ts)", () => {
    it("a stack with a smaller size and a restore into a claim it made gets both problems in one run", () => {
        const { plan, problems } = planRun(dev({ "sticky:storageSize": "512Mi", "sticky:restoreFrom": '["2=old-data"]' }), history());
        assert.strictEqual(plan, undefined);
        assert.strictEqual(problems.length, 2, problems.join("\n"));
        assert.match(problems[0], /^sticky:storageSize = "512Mi": must be at least "1Gi"/);
        assert.match(problems[1], /^sticky:restoreFrom = "2=old-data": claim default\/sticky-data-sticky-2 already exists \(this stack made it\)/);
    });

    it("a bad key comes with them; a size that is itself bad is not also compared", () => {
        const { problems } = planRun(dev({ "sticky:storageSize": "1GB", "sticky:replicas": "0" }), history());
        assert.deepStrictEqual(
            problems.map((p) => p.split(":")[1].split(" ")[0]),
            ["replicas", "storageSize"],
            "the key's own problem once, no shrink comparison of a value that is not a size",
        );
    });

    it("keeps a restore an earlier run made from the same source, and plans the run with the history", () => {
        const earlier = history({ restoredFrom: { [CLAIMS[2]]: "old-data" } });
        const { plan, problems } = planRun(dev({ "sticky:restoreFrom": '["2=old-data"]', "sticky:storageSize": "2Gi" }), earlier);
        assert.deepStrictEqual(problems, []);
        assert.strictEqual(plan?.history, earlier);
        assert.deepStrictEqual(plan?.app.restoreFrom.map((r) => [r.ordinal, r.claim.name, r.size]), [[2, CLAIMS[2], "2Gi"]]);
    });

    it("names the earlier source when another replaces it", () => {
        const earlier = history({ restoredFrom: { [CLAIMS[1]]: "first" } });
        const [request] = planRun(dev({ "sticky:restoreFrom": '["1=second"]' }), undefined).plan!.app.restoreFrom;
        assert.match(restoreProblems([request], earlier)[0], /already exists \(this stack made it, from first\)/);
        assert.deepStrictEqual(restoreProblems([request], undefined), [], "a fresh stack has no claims to restore into");
    });

    it("a history without a size (deployed before the storageSize output) leaves the size to be checked once read", () => {
        const { plan, problems } = planRun(dev({ "sticky:storageSize": "512Mi" }), history({ size: undefined }));
        assert.deepStrictEqual(problems, []);
        assert.ok(plan);
    });

    it("an unknown environment is a problem, and no plan", () => {
        const { plan, problems } = planRun(reader({ "sticky:environment": "moon" }), undefined);
        assert.strictEqual(plan, undefined);
        assert.match(problems[0], /^sticky:environment = "moon": must be one of "local", "eks"/);
    });
});
