/**
 * tools/repo-settings on recorded `gh api` answers (tests/fixtures/repo-settings/settled.json): a
 * repository with every setting passes, and each setting undone is reported, naming itself.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Expected, repoSettingsProblems } from "../tools/repo-settings/check";
import { ROOT } from "./harness";

const REPO = "octo-org/sticky";
const R = `repos/${REPO}`;
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));
const EXPECTED: Expected = { oidcSubject: read(".github/iam/oidc-subject.json"), ruleset: read(".github/rulesets/main.json") };
const settled = () => structuredClone(read("tests/fixtures/repo-settings/settled.json").answers) as Record<string, any>;
const check = (answers: Record<string, any>) => repoSettingsProblems(REPO, EXPECTED, (p) => answers[p]);

describe("repo-settings", () => {
    it("finds nothing wrong with a repository that has every setting", () => {
        assert.deepStrictEqual(check(settled()), []);
    });

    const broken: [string, (a: Record<string, any>) => void, string][] = [
        ["production without reviewers", (a) => (a[`${R}/environments/production`].protection_rules = []), "environment production has no required reviewers"],
        [
            "self-review allowed",
            (a) => (a[`${R}/environments/production`].protection_rules[0].prevent_self_review = false),
            'environment production lets whoever started a run approve it (tick "Prevent self-review")',
        ],
        ["admins may bypass", (a) => (a[`${R}/environments/pr-preview`].can_admins_bypass = true), 'environment pr-preview lets administrators bypass its protection rules (untick "Allow administrators to bypass")'],
        [
            "production from any branch",
            (a) => (a[`${R}/environments/production`].deployment_branch_policy = null),
            'environment production deploys from any branch: limit its deployment branches to main ("Selected branches and tags")',
        ],
        [
            "prod-read from a second branch",
            (a) => a[`${R}/environments/prod-read/deployment-branch-policies`].branch_policies.push({ name: "release/*", type: "branch" }),
            "environment prod-read deploys from branch main, branch release/*, not from main alone",
        ],
        ["no pr-preview environment", (a) => delete a[`${R}/environments/pr-preview`], "environment pr-preview does not exist (Settings → Environments → New environment)"],
        ["the deploy token missing", (a) => (a[`${R}/environments/production/secrets`].secrets = []), "environment production has no secret PULUMI_DEPLOY_ACCESS_TOKEN (the state is on Pulumi Cloud)"],
        [
            "the deploy token in the read environment",
            (a) => a[`${R}/environments/prod-read/secrets`].secrets.push({ name: "PULUMI_DEPLOY_ACCESS_TOKEN" }),
            "environment prod-read holds PULUMI_DEPLOY_ACCESS_TOKEN, which belongs to another environment",
        ],
        [
            "the token as a repository secret",
            (a) => a[`${R}/actions/secrets`].secrets.push({ name: "PULUMI_ACCESS_TOKEN" }),
            "PULUMI_ACCESS_TOKEN is a repository secret, which every branch's workflow can read: delete it there and set it in its environment",
        ],
        ["the deploy role variable missing", (a) => (a[`${R}/environments/production/variables`].variables = []), "environment production has no variable AWS_DEPLOY_ROLE_ARN"],
        [
            "the default OIDC subject",
            (a) => (a[`${R}/actions/oidc/customization/sub`] = { use_default: true }),
            'the OIDC subject template is {"use_default":true}, not {"use_default":false,"include_claim_keys":["repo","context","ref","job_workflow_ref"]} (.github/iam/oidc-subject.json), so the roles\' trust policies match no token',
        ],
        [
            "a writing default token",
            (a) => (a[`${R}/actions/permissions/workflow`].default_workflow_permissions = "write"),
            'the default GITHUB_TOKEN can write: set Settings → Actions → Workflow permissions to "Read repository contents"',
        ],
        ["no ruleset", (a) => (a[`${R}/rulesets`] = []), "no ruleset named main (create it from .github/rulesets/main.json)"],
        ["the ruleset evaluated only", (a) => (a[`${R}/rulesets/42`].enforcement = "evaluate"), "ruleset main is evaluate, not active"],
        ["a bypass actor", (a) => a[`${R}/rulesets/42`].bypass_actors.push({ actor_type: "RepositoryRole", actor_id: 5 }), "ruleset main can be bypassed by RepositoryRole 5"],
        [
            "no code owner review",
            (a) => (a[`${R}/rulesets/42`].rules.find((r: any) => r.type === "pull_request").parameters.require_code_owner_review = false),
            "ruleset main's pull_request rule is",
        ],
        ["a status check dropped", (a) => a[`${R}/rulesets/42`].rules.find((r: any) => r.type === "required_status_checks").parameters.required_status_checks.pop(), "ruleset main's required_status_checks rule is"],
        ["force pushes allowed", (a) => (a[`${R}/rulesets/42`].rules = a[`${R}/rulesets/42`].rules.filter((r: any) => r.type !== "non_fast_forward")), "ruleset main has no non_fast_forward rule"],
        ["an unknown code owner", (a) => (a[`${R}/codeowners/errors`].errors = [{ line: 6, kind: "Unknown owner", message: "Unknown owner on line 6" }]), "CODEOWNERS line 6: Unknown owner on line 6"],
    ];
    for (const [what, breakIt, problem] of broken) {
        it(`reports ${what}`, () => {
            const answers = settled();
            breakIt(answers);
            const problems = check(answers);
            assert.strictEqual(problems.length, 1, problems.join("\n"));
            assert.ok(problems[0].startsWith(problem), problems[0]);
        });
    }

    it("asks for no Pulumi tokens when the state is on S3", () => {
        const answers = settled();
        answers[`${R}/actions/variables/PULUMI_BACKEND_URL`].value = "s3://sticky-state?region=eu-west-1";
        for (const env of ["pr-preview", "prod-read", "production"]) answers[`${R}/environments/${env}/secrets`].secrets = [];
        assert.deepStrictEqual(check(answers), []);
    });
});
