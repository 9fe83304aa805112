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
import { LABELS as REVIEW_LABELS } from "../tools/review/review";

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
            .filter((s) => /\bpulumi (preview|up|stack export)\b/.test(s.run ?? "") && !/--stack dev\b/.test(s.run ?? ""))
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
            job.steps.some((s) => /\bpulumi (up|destroy|refresh)\b(?![^\n]*--stack dev\b)/.test(s.run ?? ""));
        const deployRole = JSON.stringify(job).includes("vars.AWS_DEPLOY_ROLE_ARN");
        const production = environmentOf(job) === "production";
        if (changesProd && !production) problems.push(`${w.file}: job ${id} changes prod outside the production environment`);
        if (deployRole && !production) problems.push(`${w.file}: job ${id} assumes the deploy role outside the production environment`);
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
        ].join("\n"),
    );

    const table: [string, (w: Workflow) => string[], string[]][] = [
        ["triggers", triggerProblems, ["broken.yml: triggered by pull_request_target, which runs with the base repository's secrets and a write token next to code from forks"]],
        ["top-level permissions", topLevelPermissionProblems, ['broken.yml: top-level permissions are "write-all"; list each scope, read-only']],
        [
            "job permissions",
            jobPermissionProblems,
            ["broken.yml: job leak has contents: write but no step that needs it", "broken.yml: job leak has id-token: write but no step that needs it"],
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
        ["environment", environmentProblems, ["broken.yml: job leak changes prod outside the production environment"]],
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

    it("runs on pull requests to main", () => {
        assert.deepStrictEqual(Object.keys(w.on), ["pull_request"]);
        assert.deepStrictEqual(w.on.pull_request, { branches: ["main"] });
    });

    it("tests, type-checks, lints and lints the workflows", () => {
        assert.deepStrictEqual(runCommandsOf([{ ...w, jobs: { test: w.jobs.test } }]), ["npm ci", "npm test", "npm run lint:workflows"]);
    });

    it("previews prod read-only with the policy pack, keeping its JSON event stream, stderr and exit status whatever happens", () => {
        const job = w.jobs["preview-prod"];
        assert.ok((job.if ?? "").includes(FORK_GUARD));
        assert.deepStrictEqual(permissionsOf(w, job), { contents: "read", "id-token": "write" }, "no write scope on GitHub");
        const preview = job.steps.find((s) => /\bpulumi preview\b/.test(s.run ?? ""));
        assert.ok(preview, "no pulumi preview step");
        assert.deepStrictEqual(commandsIn(preview.run ?? "").filter((c) => c.startsWith("pulumi preview")), [
            'pulumi preview --stack "$STACK" --json --policy-pack policy >"$REVIEW_DIR/preview.json" 2>"$REVIEW_DIR/stderr.txt"',
        ]);
        // Only the event stream carries policy results (the digest drops them).
        assert.strictEqual(preview.env?.PULUMI_ENABLE_STREAMING_JSON_PREVIEW, "true");
        assert.match(preview.run ?? "", /echo "\$status" >"\$REVIEW_DIR\/exit-status"/);
        assert.doesNotMatch(preview.run ?? "", /set -e|exit 1/, "the step keeps the status instead of failing");
    });

    it("renders the review from those files even when an earlier step failed, and uploads everything under one name a re-run overwrites", () => {
        const job = w.jobs["preview-prod"];
        const render = job.steps.find((s) => (s.run ?? "").includes("npm run --silent preview:review"));
        assert.ok(render, "no step renders the review");
        assert.match(render.if ?? "", /^\$\{\{ !cancelled\(\) && steps\.install\.outcome == 'success' \}\}$/);
        assert.match(render.run ?? "", /preview:review -- "\$REVIEW_DIR\/preview.json" "\$REVIEW_DIR\/stderr.txt" --exit-status "\$status" --stack "\$STACK" --verdict-file "\$REVIEW_DIR\/verdict" --labels "\$REVIEW_DIR\/labels"/);
        const upload = job.steps.find((s) => actionOf(s) === "actions/upload-artifact");
        assert.strictEqual(upload?.if, "${{ !cancelled() }}");
        assert.deepStrictEqual([upload?.with?.name, upload?.with?.overwrite], ["preview-review-prod", true]);
        assert.ok(job.steps.indexOf(upload!) > job.steps.indexOf(render));
    });

    it("posts the review from a separate job that holds pull-requests: write and runs no project code", () => {
        const job = w.jobs["post-review"];
        assert.strictEqual(job.needs, "preview-prod");
        assert.strictEqual(job.if, "${{ !cancelled() && needs.preview-prod.result != 'skipped' }}");
        assert.deepStrictEqual(permissionsOf(w, job), { "pull-requests": "write" });
        assert.deepStrictEqual(
            job.steps.map((s) => actionOf(s) || "run"),
            ["actions/download-artifact", COMMENT_ACTION, "run", "run"],
            "download, post, label, then judge: no checkout, no npm",
        );
        assert.ok(!JSON.stringify(job).includes("npm"), "no project code");
        assert.ok(!/secrets\./.test(JSON.stringify(job)), "no secrets");
        const download = job.steps[0];
        const post = job.steps[1];
        assert.strictEqual(download.with?.name, w.jobs["preview-prod"].steps.find((s) => actionOf(s) === "actions/upload-artifact")?.with?.name);
        // One comment per stack, found by its header and edited in place on every push.
        assert.deepStrictEqual([post.with?.header, post.with?.path], ["preview-review-prod", `${String(download.with?.path)}/comment.md`]);
    });

    it("labels the pull request with the review's labels, as the review names them, with the job's pull-requests: write only", () => {
        const job = w.jobs["post-review"];
        const label = job.steps[2];
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
        assert.deepStrictEqual(permissionsOf(w, job), { "pull-requests": "write" });
    });

    it("turns the check red after posting when the preview failed or a mandatory policy failed", () => {
        const judge = w.jobs["post-review"].steps[3];
        assert.match(judge.run ?? "", /verdict=\$\(cat review\/verdict/);
        assert.match(judge.run ?? "", /if \[ "\$verdict" = failed \] \|\| \[ "\$verdict" = missing \]; then[\s\S]*exit 1/);
        assert.strictEqual(judge.if, undefined, "runs only once the comment is posted");
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

    it("runs on pushes to main (and by hand, for the first deploy), one operation on prod at a time, shared with the drift check", () => {
        assert.deepStrictEqual(Object.keys(w.on), ["push", "workflow_dispatch"]);
        assert.deepStrictEqual(w.on.push, { branches: ["main"] });
        const concurrency = (file: string) => (yaml.load(workflow(file).text) as { concurrency: unknown }).concurrency;
        assert.deepStrictEqual(concurrency("deploy.yml"), { group: "prod-stack", "cancel-in-progress": false });
        assert.deepStrictEqual(concurrency("drift.yml"), concurrency("deploy.yml"), "drift and deploy share one group");
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

    it("applies prod only after the tests and the preview, in the production environment, with the deploy role", () => {
        assert.deepStrictEqual([preview.needs, deploy.needs], ["test", "preview"]);
        assert.strictEqual(environmentOf(deploy), "production");
        assert.strictEqual(environmentOf(preview), undefined, "the preview must not wait for an approval");
        const roles = (job: Job) => job.steps.filter((s) => actionOf(s) === AWS_CREDENTIALS_ACTION).map((s) => s.with?.["role-to-assume"]);
        assert.deepStrictEqual([roles(preview), roles(deploy)], [["${{ vars.AWS_PREVIEW_ROLE_ARN }}"], ["${{ vars.AWS_DEPLOY_ROLE_ARN }}"]]);
    });

    it("applies the plan its preview saved, for the same commit", () => {
        const saved = String(pulumiStep(preview)?.with?.plan);
        const upload = preview.steps.find((s) => actionOf(s) === "actions/upload-artifact");
        const download = deploy.steps.find((s) => actionOf(s) === "actions/download-artifact");
        const applied = deploy.steps.find((s) => actionOf(s) === PULUMI_ACTION && s.with?.plan !== undefined)?.with ?? {};
        assert.strictEqual(pulumiStep(preview)?.with?.command, "preview");
        assert.strictEqual(upload?.with?.path, saved);
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

    it("runs on a schedule, and by hand", () => {
        assert.deepStrictEqual(Object.keys(w.on).sort(), ["schedule", "workflow_dispatch"]);
        assert.match(String((w.on.schedule as { cron: string }[])[0].cron), /^\d+ \d+ \* \* \*$/);
    });

    it("refreshes prod with the read-only role, keeping the stream, stderr and status", () => {
        assert.ok(!job.steps.some((s) => (s.run ?? "").includes("--expect-no-changes")), "drift is the review's verdict, not a failed preview");
    });

    it("checks the committed Kubernetes version's support window last, whatever failed before", () => {
        const last = job.steps[job.steps.length - 1];
        assert.strictEqual((last.run ?? "").trim(), "npm run --silent version-window -- --stack prod");
        assert.strictEqual(last.if, "always()");
    });

    it("previews with a refresh", () => {
        const step = job.steps.find((s) => /\bpulumi preview\b/.test(s.run ?? ""));
        assert.deepStrictEqual(commandsIn(step?.run ?? "").filter((c) => c.startsWith("pulumi preview")), [
            'pulumi preview --stack "$STACK" --refresh --json >"$REVIEW_DIR/preview.json" 2>"$REVIEW_DIR/stderr.txt"',
        ]);
        assert.strictEqual(step?.env?.PULUMI_ENABLE_STREAMING_JSON_PREVIEW, "true");
        assert.ok(job.steps.some((s) => s.with?.["role-to-assume"] === "${{ vars.AWS_PREVIEW_ROLE_ARN }}"));
    });

    it("puts the review in the drift issue, closes the issue when prod is clean, and fails while it is open", () => {
        const render = job.steps.find((s) => (s.run ?? "").includes("npm run --silent preview:review"));
        assert.strictEqual(render?.if, "always()");
        const report = job.steps.find((s) => /\bgh issue\b/.test(s.run ?? ""));
        assert.ok(report, "no step reports to an issue");
        assert.strictEqual(report.if, "always()");
        const script = report.run ?? "";
        assert.match(script, /if \[ "\$verdict" = none \]; then[\s\S]*gh issue close "\$number"[\s\S]*exit 0/);
        assert.match(script, /cat "\$REVIEW_DIR\/comment.md"/);
        assert.match(script, /gh issue edit "\$number" --body-file "\$body"/);
        assert.match(script, /gh issue create --title "\$title" --body-file "\$body"/);
        assert.match(script, /exit 1\s*$/);
        assert.strictEqual(report.env?.GH_TOKEN, "${{ github.token }}");
    });
});
