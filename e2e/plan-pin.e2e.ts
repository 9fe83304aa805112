/**
 * What a saved plan does not check, on the real engine: a plan saved for `12 -> 20` is applied
 * by `pulumi up --plan` to a state someone moved to 31 in between (`31 => 20`), and what the pin
 * (tools/plan-pin) does about it: refuses that state, and lets the unmoved one through.
 *
 * No cluster and no cloud: a project of one dynamic-provider resource (run by the Node.js
 * provider host the toolchain builds) whose update writes `old => new` to a log, in a local
 * backend under a temporary folder. The state is moved the way a hand edit or an import would,
 * with `pulumi stack export`, an edit and `pulumi stack import`.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { offlinePulumiEnv, ROOT } from "./workspace";

const PLAN_PIN = path.join(ROOT, "bin", "tools", "plan-pin", "cli.js");
const STACK = "pinned";
const URN = `urn:pulumi:${STACK}::plan-pin-e2e::pulumi-nodejs:dynamic:Resource::counter`;

/** The program: one resource whose value comes from config; its update logs what it replaced. */
const PROGRAM = (log: string) => `
const pulumi = require("@pulumi/pulumi");
const LOG = ${JSON.stringify(log)};
const provider = {
    async create(inputs) {
        return { id: "counter", outs: { value: inputs.value } };
    },
    async diff(_id, olds, news) {
        return { changes: olds.value !== news.value };
    },
    async update(_id, olds, news) {
        require("fs").appendFileSync(LOG, olds.value + " => " + news.value + "\\n");
        return { outs: { value: news.value } };
    },
};
const counter = new pulumi.dynamic.Resource(provider, "counter", { value: new pulumi.Config().requireNumber("value") });
exports.value = counter.value;
`;

interface Run {
    readonly status: number;
    readonly stdout: string;
    readonly stderr: string;
}

class Project {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "sticky-plan-pin-"));
    readonly log = path.join(this.dir, "updates.log");
    readonly env: NodeJS.ProcessEnv;

    constructor() {
        const state = path.join(this.dir, "state");
        fs.mkdirSync(state);
        fs.writeFileSync(path.join(this.dir, "Pulumi.yaml"), "name: plan-pin-e2e\nruntime: nodejs\n");
        fs.writeFileSync(path.join(this.dir, "index.js"), PROGRAM(this.log));
        fs.writeFileSync(path.join(this.dir, "package.json"), '{ "name": "plan-pin-e2e", "main": "index.js" }\n');
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(this.dir, "node_modules"));
        this.env = { ...offlinePulumiEnv(state), NO_COLOR: "1" };
    }

    run(command: string, args: string[]): Run {
        const result = spawnSync(command, args, { cwd: this.dir, env: this.env, encoding: "utf8", timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
        if (result.error) throw result.error;
        return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
    }

    pulumi(...args: string[]): Run {
        const result = this.run("pulumi", [...args, "--stack", STACK, "--non-interactive"]);
        assert.strictEqual(result.status, 0, `pulumi ${args.join(" ")} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
        return result;
    }

    planPin(...args: string[]): Run {
        return this.run(process.execPath, [PLAN_PIN, ...args, "--stack", STACK]);
    }

    /** Deploys 12, saves the plan for 20 and pins the state it was made against. */
    deployAndPlan(): { plan: string; pin: string } {
        this.pulumi("stack", "init");
        this.pulumi("config", "set", "value", "12");
        this.pulumi("up", "--yes", "--skip-preview");
        const pin = path.join(this.dir, "state-pin.json");
        const plan = path.join(this.dir, "plan.json");
        assert.strictEqual(this.planPin("record", "--commit", "c0ffee", "--out", pin).status, 0);
        this.pulumi("config", "set", "value", "20");
        this.pulumi("preview", "--save-plan", plan);
        return { plan, pin };
    }

    /** Moves the state to 31 by hand: export, edit, import, as someone outside the pipeline would. */
    moveStateTo31(): void {
        const exported = JSON.parse(this.pulumi("stack", "export").stdout);
        const counter = exported.deployment.resources.find((r: { urn: string }) => r.urn === URN);
        assert.ok(counter, `no ${URN} in the export`);
        counter.inputs.value = 31;
        counter.outputs.value = 31;
        const file = path.join(this.dir, "moved.json");
        fs.writeFileSync(file, JSON.stringify(exported));
        this.pulumi("stack", "import", "--file", file);
    }

    updates(): string[] {
        return fs.existsSync(this.log) ? fs.readFileSync(this.log, "utf8").trim().split("\n") : [];
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

describe("plan-pin on the real engine (a local backend, no cluster)", function () {
    let project: Project | undefined;
    afterEach(() => project?.remove());

    it("without the pin, `pulumi up --plan` applies a plan for 12 -> 20 to a state moved to 31: 31 => 20", () => {
        project = new Project();
        const { plan } = project.deployAndPlan();
        project.moveStateTo31();
        project.pulumi("up", "--yes", "--skip-preview", "--plan", plan);
        assert.deepStrictEqual(project.updates(), ["31 => 20"], "the plan checked the steps and the new inputs, not the state they started from");
    });

    it("with the pin, the moved state is refused before anything is applied, naming what changed", () => {
        project = new Project();
        const { pin } = project.deployAndPlan();
        project.moveStateTo31();
        const check = project.planPin("check", "--commit", "c0ffee", "--pin", pin, "--after", "the approval");
        assert.strictEqual(check.status, 1, check.stdout + check.stderr);
        assert.match(check.stderr, /^plan-pin: refused after the approval: the saved plan is not applied to stack pinned, because\n/);
        assert.match(check.stderr, new RegExp(`the state is not the one the plan was made against \\(pinned sha256:[0-9a-f]{64}, now sha256:[0-9a-f]{64}\\): changed ${URN.replace(/\$/g, "\\$")}\n`));
        assert.match(check.stderr, /Re-run the workflow for a fresh preview/);
        assert.deepStrictEqual(project.updates(), [], "nothing was applied");
    });

    it("with the pin, the unmoved state passes (for the commit it names only), and the plan applies 12 => 20", () => {
        project = new Project();
        const { plan, pin } = project.deployAndPlan();
        const otherCommit = project.planPin("check", "--commit", "beef", "--pin", pin);
        assert.strictEqual(otherCommit.status, 1);
        assert.match(otherCommit.stderr, /the pin is for commit c0ffee, not beef/);
        const check = project.planPin("check", "--commit", "c0ffee", "--pin", pin);
        assert.strictEqual(check.status, 0, check.stderr);
        assert.match(check.stdout, /is in the state the plan was made against \(sha256:[0-9a-f]{64}\)/);
        project.pulumi("up", "--yes", "--skip-preview", "--plan", plan);
        assert.deepStrictEqual(project.updates(), ["12 => 20"]);
    });
});
