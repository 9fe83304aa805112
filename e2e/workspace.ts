/**
 * The e2e's workspace: a throwaway copy of the project with its own state backend, driven with the
 * real `pulumi` CLI (built by toolchain/build.sh) against the real test cluster
 * (test-cluster/up.sh), so the committed stack files are never modified; how an e2e file starts
 * ({@link devStackWorkspace}) and ends ({@link tearDown}); waiting and narrating.
 */
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";


export const ROOT = path.resolve(__dirname, "..", "..");
const TOOLCHAIN_BIN = path.join(ROOT, ".toolchain", "bin");
export const KUBECONFIG = path.join(ROOT, ".cluster", "kubeconfig");
/** The test cluster's context (test-cluster/up.sh writes it). */
export const TEST_CONTEXT = "sticky-test";

/**
 * Top-level folders no stack run reads: the tests and their fixtures, the test cluster, the
 * toolchain's sources, docs and CI. Leaving them out keeps the copy small (the fixtures alone
 * are over a megabyte); anything else new in the project is copied without a change here.
 */
const NOT_FOR_A_STACK = ["tests/", "e2e/", "test-cluster/", "toolchain/", "docs/", ".github/", ".ci/"];

/**
 * The project's files as git sees them, minus {@link NOT_FOR_A_STACK}: tracked files and
 * untracked ones that are not ignored (`--cached --others --exclude-standard`), so a module added
 * while developing runs in the e2e before it is committed, and nothing ignored (node_modules,
 * bin, .cluster, .toolchain, state) is copied. Only regular files: a tracked file deleted in the
 * work tree is still listed by `--cached` until the deletion is staged.
 */
function projectFiles(): string[] {
    const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    if (listed.error || listed.status !== 0) {
        throw new Error(`\`git ls-files\` in ${ROOT} failed (the e2e copies the project's files from a git checkout): ${listed.error ?? listed.stderr}`);
    }
    const files = [...new Set(listed.stdout.split("\0").filter((file) => file !== ""))];
    return files.filter((file) => !NOT_FOR_A_STACK.some((dir) => file.startsWith(dir)) && fs.lstatSync(path.join(ROOT, file), { throwIfNoEntry: false })?.isFile());
}

export interface Result {
    readonly status: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly seconds: number;
}

/** Copies the project's files ({@link projectFiles}) into `dir`, with a link to its node_modules. */
function copyProject(dir: string): void {
    for (const file of projectFiles()) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
}

/**
 * The environment every real-engine test runs Pulumi in: the toolchain's CLI and plugin cache,
 * a local backend in `stateDir`, no passphrase, nothing fetched from the network.
 */
export function offlinePulumiEnv(stateDir: string): NodeJS.ProcessEnv {
    return {
        ...process.env,
        PATH: `${TOOLCHAIN_BIN}:${process.env.PATH}`,
        PULUMI_HOME: path.join(ROOT, ".toolchain", "pulumi-home"),
        PULUMI_BACKEND_URL: `file://${stateDir}`,
        PULUMI_CONFIG_PASSPHRASE: "",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
}

/** A copy of the project with its own local state backend, for one test run. */
export class Workspace {
    readonly dir: string;
    readonly env: NodeJS.ProcessEnv;
    /** The stack `up()` and the day-two changes (e2e/day-two.ts) work on: dev, unless an e2e deploys another. */
    stack = "dev";

    constructor(prefix = "sticky-e2e-") {
        const missing = ["pulumi", "pulumi-language-nodejs", "kubectl"].filter((b) => !fs.existsSync(path.join(TOOLCHAIN_BIN, b)));
        if (missing.length > 0) {
            throw new Error(`missing ${missing.join(", ")} in ${TOOLCHAIN_BIN}: run \`bash toolchain/build.sh\` first`);
        }
        if (!fs.existsSync(KUBECONFIG)) {
            throw new Error(`no test cluster (${KUBECONFIG} is missing): run \`npm run cluster:up\` first`);
        }
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
        copyProject(this.dir);
        const state = path.join(this.dir, ".pulumi-state");
        fs.mkdirSync(state);
        // The Kubernetes provider writes a /tmp/kubeconfigNNNN file per run and never removes it;
        // in here they go with the workspace.
        const tmp = path.join(this.dir, ".tmp");
        fs.mkdirSync(tmp);
        this.env = {
            ...offlinePulumiEnv(state),
            PULUMI_IGNORE_AMBIENT_PLUGINS: "false",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
            KUBECONFIG,
            TMPDIR: tmp,
            NO_COLOR: "1",
        };
    }

    /** Runs a command in the workspace; returns its output, whatever its exit status. */
    run(command: string, args: string[], timeoutSeconds = 900): Result {
        const started = process.hrtime.bigint();
        const result = spawnSync(command, args, {
            cwd: this.dir,
            env: this.env,
            encoding: "utf8",
            timeout: timeoutSeconds * 1000,
            maxBuffer: 64 * 1024 * 1024,
        });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (result.error) throw result.error;
        return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, seconds };
    }

    /**
     * Runs a command without blocking the event loop (so requests can go on meanwhile); resolves
     * with its output, whatever its exit status.
     */
    runAsync(command: string, args: string[]): Promise<Result> {
        const started = process.hrtime.bigint();
        return new Promise((resolve, reject) => {
            const child = spawn(command, args, { cwd: this.dir, env: this.env });
            let stdout = "";
            let stderr = "";
            child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
            child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
            child.on("error", reject);
            child.on("close", (code) =>
                resolve({ status: code ?? -1, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 }),
            );
        });
    }

    /** Runs a command that must succeed. */
    ok(command: string, args: string[], timeoutSeconds?: number): Result {
        const result = this.run(command, args, timeoutSeconds);
        if (result.status !== 0) {
            throw new Error(`\`${command} ${args.join(" ")}\` exited ${result.status}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
        }
        return result;
    }

    pulumi(...args: string[]): Result {
        return this.ok("pulumi", [...args, "--non-interactive"]);
    }

    /** `pulumi up` of the workspace's stack (dev unless set), without a preview; it must succeed. */
    up(...flags: string[]): Result {
        return this.pulumi("up", "--yes", "--skip-preview", "--stack", this.stack, ...flags);
    }

    /** The same, without blocking the event loop (requests may go on meanwhile); it must succeed. */
    async upAsync(): Promise<Result> {
        const result = await this.runAsync("pulumi", ["up", "--yes", "--skip-preview", "--stack", this.stack, "--non-interactive"]);
        if (result.status !== 0) throw new Error(`pulumi up --stack ${this.stack} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
        return result;
    }

    /**
     * Another copy of the project as it is (before this workspace's changes), in `name` under
     * the workspace, and its path: e.g. a tree whose policy pack an e2e runs as committed while
     * the workspace itself is changed.
     */
    projectCopy(name: string): string {
        const dir = path.join(this.dir, name);
        fs.mkdirSync(dir);
        copyProject(dir);
        return dir;
    }

    kubectl(...args: string[]): Result {
        return this.ok("kubectl", ["--context", TEST_CONTEXT, ...args]);
    }

    /** `kubectl get ... -o json`, parsed. */
    get(...args: string[]): any {
        return JSON.parse(this.kubectl("get", ...args, "-o", "json").stdout);
    }

    /**
     * Creates the dev stack from the committed Pulumi.dev.yaml, pointed at the test cluster and,
     * through config only, at the image built there from Debian packages (nothing can be pulled).
     */
    initDevStack(image = localImages().nginx): void {
        this.pulumi("stack", "init", "dev");
        this.pulumi("config", "set", "sticky:kubeContext", TEST_CONTEXT, "--stack", "dev");
        this.pulumi("config", "set", "sticky:image", image, "--stack", "dev");
    }

    /**
     * The policy pack, as the path to pass to `--policy-pack`: an executable launcher inside a
     * copy of the pack.
     *
     * The CLI runs a `runtime: nodejs` pack directory through the Node.js language host's
     * RunPlugin call, which the sdk v3.68 host built here lacks ("not supported"; newer hosts are
     * not on the module proxy). Since 3.2xx the engine no longer falls back to a
     * `pulumi-analyzer-policy-<runtime>` plugin either (pkg/resource/plugin/analyzer_plugin.go in
     * 3.276.0). What it still does: when `--policy-pack` names a file rather than a directory, it
     * executes that file as the analyzer plugin with the engine's address. The launcher runs the
     * same `@pulumi/pulumi/cmd/run-policy-pack` a current host would, on the pack's directory.
     * Only the launcher differs; the engine, the pack's code and its enforcement are the real ones.
     *
     * The pack is that of `tree` (default: this workspace, a copy of the project), beside which
     * the copy is made: the pack imports the registry from `../environments`, so the environments
     * it knows are `tree`'s.
     */
    policyPackForEngine(tree = this.dir): string {
        const pack = path.join(tree, "policy-for-engine");
        fs.cpSync(path.join(tree, "policy"), pack, { recursive: true });
        const launcher = path.join(pack, "run-policy-pack");
        fs.writeFileSync(
            launcher,
            `#!/bin/sh\ncd "${pack}" && exec node "${path.join(ROOT, "node_modules/@pulumi/pulumi/cmd/run-policy-pack")}" "$1" .\n`,
            { mode: 0o755 },
        );
        return launcher;
    }

    /**
     * Deletes the app's objects, pods and claims in the test cluster (an earlier run's too) and
     * waits until they are gone. It polls rather than `kubectl delete --wait`, whose watch on
     * pods once missed their removal and hung.
     */
    async removeApp(): Promise<void> {
        const kinds = "statefulset,service,poddisruptionbudget,networkpolicy,configmap,pod,pvc";
        this.kubectl("delete", kinds, "-l", "app=sticky", "--ignore-not-found", "--wait=false", "--grace-period=1");
        await waitFor("no sticky objects, pods or claims left", 180, () =>
            this.get(kinds, "-l", "app=sticky").items.length === 0 ? true : undefined,
        );
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** How an e2e file starts: {@link devStackWorkspace}'s options. */
export interface DevStackOptions {
    /** `sticky:image`; default the newest nginx the test cluster has (`localImages().nginx`). */
    readonly image?: string;
    /** More dev stack config, set before anything is deployed (e.g. `sticky:storageClassName`). */
    readonly config?: Readonly<Record<string, string>>;
    /** Deletes what the file creates besides the app, should an earlier run have left it. */
    readonly leftovers?: (ws: Workspace) => unknown;
}

/**
 * A new workspace, no stack in it yet, and nothing of the app in the test cluster: `leftovers`
 * run, then the app's objects, pods and claims (an earlier run's too) removed.
 */
export async function emptyWorkspace(prefix: string, leftovers?: (ws: Workspace) => unknown): Promise<Workspace> {
    const ws = new Workspace(prefix);
    try {
        leftovers?.(ws);
        await ws.removeApp();
        return ws;
    } catch (error) {
        ws.remove();
        throw error;
    }
}

/**
 * A new workspace with the dev stack initialized and nothing of the app in the test cluster (see
 * {@link emptyWorkspace}), the stack created from the committed Pulumi.dev.yaml pointed at the
 * test cluster (see {@link Workspace.initDevStack}). Nothing is deployed yet: each file deploys
 * the way it tests (`ws.up()`, `tools/dev-up.sh`).
 */
export async function devStackWorkspace(prefix: string, options: DevStackOptions = {}): Promise<Workspace> {
    const ws = await emptyWorkspace(prefix, options.leftovers);
    try {
        ws.initDevStack(options.image);
        for (const [key, value] of Object.entries(options.config ?? {})) ws.pulumi("config", "set", key, value, "--stack", "dev");
        return ws;
    } catch (error) {
        // The caller never gets the workspace to tear down: nothing is deployed yet, only the folder is left.
        ws.remove();
        throw error;
    }
}

/**
 * How an e2e file ends, whatever state its steps left: `leftovers` first (what it made besides the
 * app), then `pulumi destroy` of `stack` (which may fail, e.g. when nothing or a protected app is
 * deployed), the app's objects and claims removed (destroy keeps the claims: Retain), and the
 * workspace deleted.
 */
export async function tearDown(ws: Workspace | undefined, leftovers?: (ws: Workspace) => unknown, stack = "dev"): Promise<void> {
    if (!ws) return;
    leftovers?.(ws);
    ws.run("pulumi", ["destroy", "--yes", "--skip-preview", "--stack", stack, "--non-interactive"]);
    await ws.removeApp();
    ws.remove();
}

/**
 * The images test-cluster/images.sh builds for the test cluster's node, by role: `nginx` (the
 * newest Debian nginx), `nginx-previous` (the one before it) and `pause`.
 */
export function localImages(): Record<"nginx" | "nginx-previous" | "pause", string> {
    const lines = execFileSync("bash", [path.join(ROOT, "test-cluster", "images.sh"), "names"], { encoding: "utf8" });
    const refs = Object.fromEntries(lines.trim().split("\n").map((line) => line.split("=", 2)));
    for (const role of ["nginx", "nginx-previous", "pause"]) {
        if (!refs[role]) throw new Error(`test-cluster/images.sh names printed no ${role}= line:\n${lines}`);
    }
    return refs;
}

/** Narration, indented under the step's title. */
export const say = (line: string) => console.log(`      ${line}`);

/** Polls `check` until it returns a value other than undefined, or fails after `seconds`. */
export async function waitFor<T>(what: string, seconds: number, check: () => T | undefined): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    let last: unknown;
    for (;;) {
        try {
            const value = check();
            if (value !== undefined) return value;
        } catch (error) {
            last = error;
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${seconds}s waiting for ${what}${last ? `: ${last}` : ""}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
}
