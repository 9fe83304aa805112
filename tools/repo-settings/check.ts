/**
 * Whether a GitHub repository's settings are the ones the delivery depends on
 * (docs/delivery.md, "Repository settings"): the three environments and their reviewers and
 * branches, where the secrets live, the OIDC subject template the roles' trust policies are
 * written for (.github/iam/), the ruleset for main (.github/rulesets/main.json), CODEOWNERS that
 * GitHub can resolve, and a read-only default token. None of it is in code, so nothing else
 * would notice a setting that was never made or was changed later.
 *
 * Pure: `answers` gives the parsed answer of each `gh api` path (undefined when GitHub answered
 * 404), so the unit tests run it on recorded answers.
 */

export type Answers = (path: string) => unknown;

export interface Expected {
    /** `.github/iam/oidc-subject.json`. */
    readonly oidcSubject: { use_default: boolean; include_claim_keys: string[] };
    /** `.github/rulesets/main.json`. */
    readonly ruleset: { name: string; enforcement: string; rules: { type: string; parameters?: Record<string, unknown> }[] };
}

interface Environment {
    readonly name: string;
    readonly reviewers: boolean;
    /** Deployment branches: main alone, or any (pull requests run from refs/pull/N/merge). */
    readonly mainOnly: boolean;
    readonly variables: readonly string[];
    /** Secrets it must hold when the state is on Pulumi Cloud. */
    readonly cloudSecrets: readonly string[];
}

/** The environments the workflows name, with what each must hold. */
export const ENVIRONMENTS: readonly Environment[] = [
    { name: "pr-preview", reviewers: true, mainOnly: false, variables: ["AWS_PREVIEW_ROLE_ARN"], cloudSecrets: ["PULUMI_ACCESS_TOKEN"] },
    { name: "prod-read", reviewers: false, mainOnly: true, variables: ["AWS_READ_ROLE_ARN"], cloudSecrets: ["PULUMI_ACCESS_TOKEN"] },
    { name: "production", reviewers: true, mainOnly: true, variables: ["AWS_DEPLOY_ROLE_ARN"], cloudSecrets: ["PULUMI_DEPLOY_ACCESS_TOKEN"] },
];

/** Secrets that must never be repository secrets: those reach every branch's workflows. */
const ENVIRONMENT_ONLY_SECRETS = ["PULUMI_ACCESS_TOKEN", "PULUMI_DEPLOY_ACCESS_TOKEN"];

const isObject = (value: unknown): value is Record<string, any> => typeof value === "object" && value !== null && !Array.isArray(value);
const names = (answer: unknown, key: string): string[] => (isObject(answer) && Array.isArray(answer[key]) ? answer[key].map((item: any) => String(item?.name)) : []);

/** `actual` holds every key of `wanted` with an equal value (deeply); extra keys are fine. */
function covers(actual: unknown, wanted: unknown): boolean {
    if (Array.isArray(wanted)) return Array.isArray(actual) && wanted.length === actual.length && wanted.every((w, i) => covers(actual[i], w));
    if (isObject(wanted)) return isObject(actual) && Object.entries(wanted).every(([key, value]) => covers(actual[key], value));
    return actual === wanted;
}

function environmentProblems(repo: string, env: Environment, answers: Answers, onPulumiCloud: boolean): string[] {
    const base = `repos/${repo}/environments/${env.name}`;
    const answer = answers(base);
    const where = `environment ${env.name}`;
    if (!isObject(answer)) return [`${where} does not exist (Settings → Environments → New environment)`];
    const problems: string[] = [];
    const rules: any[] = Array.isArray(answer.protection_rules) ? answer.protection_rules : [];
    const reviewers = rules.find((rule) => rule?.type === "required_reviewers");
    if (env.reviewers) {
        if (!reviewers || !Array.isArray(reviewers.reviewers) || reviewers.reviewers.length === 0) problems.push(`${where} has no required reviewers`);
        else if (reviewers.prevent_self_review !== true) problems.push(`${where} lets whoever started a run approve it (tick "Prevent self-review")`);
        if (answer.can_admins_bypass !== false) problems.push(`${where} lets administrators bypass its protection rules (untick "Allow administrators to bypass")`);
    }
    if (env.mainOnly) {
        const policy = answer.deployment_branch_policy;
        if (!isObject(policy) || policy.custom_branch_policies !== true) {
            problems.push(`${where} deploys from any branch: limit its deployment branches to main ("Selected branches and tags")`);
        } else {
            const branches = answers(`${base}/deployment-branch-policies`);
            const list: any[] = isObject(branches) && Array.isArray(branches.branch_policies) ? branches.branch_policies : [];
            const shown = list.map((p) => `${p?.type ?? "branch"} ${p?.name}`);
            if (shown.length !== 1 || shown[0] !== "branch main") problems.push(`${where} deploys from ${shown.length === 0 ? "no branch" : shown.join(", ")}, not from main alone`);
        }
    }
    const variables = names(answers(`${base}/variables`), "variables");
    for (const name of env.variables) if (!variables.includes(name)) problems.push(`${where} has no variable ${name}`);
    const secrets = names(answers(`${base}/secrets`), "secrets");
    if (onPulumiCloud) for (const name of env.cloudSecrets) if (!secrets.includes(name)) problems.push(`${where} has no secret ${name} (the state is on Pulumi Cloud)`);
    for (const other of ENVIRONMENTS.filter((e) => e !== env).flatMap((e) => e.cloudSecrets)) {
        if (!env.cloudSecrets.includes(other) && secrets.includes(other)) problems.push(`${where} holds ${other}, which belongs to another environment`);
    }
    return problems;
}

/** Every setting that differs from what the delivery needs, one sentence each; empty when none. */
export function repoSettingsProblems(repo: string, expected: Expected, answers: Answers): string[] {
    const problems: string[] = [];

    const variables = names(answers(`repos/${repo}/actions/variables`), "variables");
    if (!variables.includes("PULUMI_BACKEND_URL")) problems.push("the repository has no variable PULUMI_BACKEND_URL");
    const backend = (answers(`repos/${repo}/actions/variables/PULUMI_BACKEND_URL`) as { value?: string } | undefined)?.value ?? "";
    const onPulumiCloud = backend.startsWith("https://");

    const repoSecrets = names(answers(`repos/${repo}/actions/secrets`), "secrets");
    for (const name of ENVIRONMENT_ONLY_SECRETS.filter((n) => repoSecrets.includes(n))) {
        problems.push(`${name} is a repository secret, which every branch's workflow can read: delete it there and set it in its environment`);
    }

    for (const env of ENVIRONMENTS) problems.push(...environmentProblems(repo, env, answers, onPulumiCloud));

    const subject = answers(`repos/${repo}/actions/oidc/customization/sub`);
    if (!covers(subject, expected.oidcSubject)) {
        problems.push(
            `the OIDC subject template is ${JSON.stringify(subject ?? null)}, not ${JSON.stringify(expected.oidcSubject)} (.github/iam/oidc-subject.json), so the roles' trust policies match no token`,
        );
    }

    const workflowPermissions = answers(`repos/${repo}/actions/permissions/workflow`);
    if (!isObject(workflowPermissions) || workflowPermissions.default_workflow_permissions !== "read") {
        problems.push('the default GITHUB_TOKEN can write: set Settings → Actions → Workflow permissions to "Read repository contents"');
    }
    if (isObject(workflowPermissions) && workflowPermissions.can_approve_pull_request_reviews !== false) {
        problems.push("workflows may approve pull requests: untick \"Allow GitHub Actions to create and approve pull requests\"");
    }

    const rulesets = answers(`repos/${repo}/rulesets`);
    const summary = Array.isArray(rulesets) ? rulesets.find((r) => r?.name === expected.ruleset.name) : undefined;
    if (!summary) {
        problems.push(`no ruleset named ${expected.ruleset.name} (create it from .github/rulesets/main.json)`);
    } else {
        const ruleset = answers(`repos/${repo}/rulesets/${summary.id}`);
        if (!isObject(ruleset)) {
            problems.push(`ruleset ${expected.ruleset.name} could not be read`);
        } else {
            if (ruleset.enforcement !== "active") problems.push(`ruleset ${expected.ruleset.name} is ${String(ruleset.enforcement)}, not active`);
            if (Array.isArray(ruleset.bypass_actors) && ruleset.bypass_actors.length > 0) {
                problems.push(`ruleset ${expected.ruleset.name} can be bypassed by ${ruleset.bypass_actors.map((a: any) => `${a.actor_type} ${a.actor_id ?? ""}`.trim()).join(", ")}`);
            }
            if (!covers(ruleset.conditions, { ref_name: { include: ["~DEFAULT_BRANCH"] } })) problems.push(`ruleset ${expected.ruleset.name} does not target the default branch`);
            const rules: any[] = Array.isArray(ruleset.rules) ? ruleset.rules : [];
            for (const wanted of expected.ruleset.rules) {
                const found = rules.find((rule) => rule?.type === wanted.type);
                if (!found) problems.push(`ruleset ${expected.ruleset.name} has no ${wanted.type} rule`);
                else if (wanted.parameters && !covers(found.parameters, wanted.parameters)) {
                    problems.push(`ruleset ${expected.ruleset.name}'s ${wanted.type} rule is ${JSON.stringify(found.parameters)}, not ${JSON.stringify(wanted.parameters)}`);
                }
            }
        }
    }

    const codeowners = answers(`repos/${repo}/codeowners/errors`);
    if (!isObject(codeowners)) problems.push("GitHub found no CODEOWNERS file (.github/CODEOWNERS)");
    else if (Array.isArray(codeowners.errors) && codeowners.errors.length > 0) {
        problems.push(...codeowners.errors.map((e: any) => `CODEOWNERS line ${e.line}: ${e.message ?? e.kind}`));
    }
    return problems;
}
