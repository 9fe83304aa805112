/**
 * Shared pieces of the end-to-end tests and the benchmarks: the real `pulumi` CLI (built by
 * toolchain/build.sh) against the real test cluster (test-cluster/up.sh), driven from a throwaway
 * copy of the project so the committed stack files are never modified.
 *
 * An e2e file starts with {@link devStackWorkspace} and ends with {@link tearDown}; it waits for
 * the app with {@link appReady} (or {@link appServing}, when requests go through the Service).
 */
import * as assert from "assert";
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { STICKY_APP_DEFAULTS } from "../components/sticky-app-contract";
import { type Answer, httpGet, requestFigures, type RequestFigures, requestsDuring, type RequestTarget, show, tally, type TimedAnswer, type WitnessSources } from "./requests";

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

/** A copy of the project with its own local state backend, for one test run. */
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

export class Workspace {
    readonly dir: string;
    readonly env: NodeJS.ProcessEnv;

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

    /** `pulumi up` of the dev stack, without a preview; it must succeed. */
    up(...flags: string[]): Result {
        return this.pulumi("up", "--yes", "--skip-preview", "--stack", "dev", ...flags);
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

/** One of the app's pods, as the e2e files look at it. */
export interface AppPod {
    readonly name: string;
    readonly uid: string;
    readonly ip: string;
    readonly image: string;
    /** Ready, and not being deleted. */
    readonly ready: boolean;
    /** Container restarts, summed. */
    readonly restarts: number;
}

/** The app's pods (label app=sticky), in name order. */
export function appPods(ws: Workspace): AppPod[] {
    return (ws.get("pods", "-l", "app=sticky").items as any[])
        .map((p) => ({
            name: p.metadata.name,
            uid: p.metadata.uid,
            ip: p.status.podIP,
            image: p.spec.containers[0].image,
            ready: (p.status.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True") && !p.metadata.deletionTimestamp,
            restarts: (p.status.containerStatuses ?? []).reduce((sum: number, c: any) => sum + c.restartCount, 0),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
}

// ---- asking the app, as the article does ----

/** Where the test cluster's local-cloud answers for the app's LoadBalancer (as Docker Desktop does on localhost). */
export const LB_HOST = "127.0.0.1";
export const LB_PORT = STICKY_APP_DEFAULTS.servicePort;
/** Requests per sample: enough that "about one in three" is a fair test (see expectOneInThree). */
export const SAMPLE = 90;

/** Narration, indented under the step's title. */
export const say = (line: string) => console.log(`      ${line}`);

export async function sample(count = SAMPLE): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (let i = 0; i < count; i++) answers.push(await httpGet(LB_HOST, LB_PORT));
    return answers;
}

/**
 * One pod in three holds `text`, so the count of `text` in SAMPLE new connections is
 * Binomial(90, 1/3): mean 30, standard deviation 4.5. 15..45 is more than 3 standard deviations
 * either side (a false failure about 1 run in 1000); every other answer must be nginx's 403 for
 * an empty volume.
 */
export function expectOneInThree(answers: Answer[], text: string): void {
    const counts = tally(answers);
    say(`${answers.length} requests to http://${LB_HOST}:${LB_PORT}/ -> ${show(counts)}`);
    const hits = counts.get(`200 ${text}`) ?? 0;
    assert.ok(hits >= 15 && hits <= 45, `about one in three answers "${text}" (${hits} of ${answers.length}): ${show(counts)}`);
    assert.strictEqual((counts.get("403") ?? 0) + hits, answers.length, `the rest are 403: ${show(counts)}`);
}

/** Asks each pod directly (its own IP, port 80): only sticky-2 has `text`, the others are empty. */
export async function expectOnlySticky2Has(ws: Workspace, text: string): Promise<void> {
    const answers: string[] = [];
    for (const pod of appPods(ws)) {
        const answer = await httpGet(pod.ip, 80);
        answers.push(`${pod.name} (${pod.ip}): ${answer.status}${answer.status === 200 ? ` ${answer.body}` : ""}`);
        const expected = pod.name === "sticky-2" ? { status: 200, body: text } : { status: 403 };
        assert.strictEqual(answer.status, expected.status, `${pod.name} answers ${expected.status}: ${answers.at(-1)}`);
        if (expected.body) assert.strictEqual(answer.body, expected.body);
    }
    say(`pod by pod: ${answers.join("; ")}`);
}

/**
 * The StatefulSet `sticky` has rolled out: the controller saw the newest spec, all `replicas` pods
 * are ready and current, and no update is pending.
 */
function statefulSetReady(ws: Workspace, replicas: number): true | undefined {
    const sts = ws.get("statefulset", "sticky");
    const s = sts.status;
    return s.observedGeneration === sts.metadata.generation &&
        s.readyReplicas === replicas &&
        s.currentReplicas === replicas &&
        s.currentRevision === s.updateRevision
        ? true
        : undefined;
}

/**
 * What "the app is ready" means in every e2e file: the StatefulSet `sticky` has rolled out (see
 * statefulSetReady) and exactly `replicas` pods carry its label, each Ready and none terminating.
 * Returns those pods, or undefined until then. Poll it (with {@link waitFor}) after every change
 * rather than trust `pulumi up`'s return: the provider built here lacks pulumi-kubernetes#4094
 * (4.26), so its StatefulSet await can finish before the controller has seen a new generation.
 */
export function appReady(ws: Workspace, replicas = 3): AppPod[] | undefined {
    // The pods first: while they are not ready, one kubectl call per poll is enough.
    const pods = appPods(ws);
    return pods.length === replicas && pods.every((p) => p.ready && p.ip) && statefulSetReady(ws, replicas) ? pods : undefined;
}

/**
 * True once kube-proxy sends the Service's traffic to exactly these pod addresses: its iptables
 * rules for default/sticky DNAT to each of them, and to nothing else. Pods turn Ready a moment
 * before kube-proxy has rewritten its rules, and a request sent in between would reach only
 * some pods (or none).
 */
function kubeProxyRoutesTo(ips: string[]): boolean {
    // stderr: iptables-nft warns that legacy tables exist (empty ones, from kube-proxy probing which
    // backend to use); that warning is not about these rules.
    const rules = execFileSync("iptables", ["-t", "nat", "-S"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const targets = [...rules.matchAll(/--comment "default\/sticky:web" .*-j DNAT --to-destination ([0-9.]+):80/g)].map((m) => m[1]);
    return targets.length === ips.length && ips.every((ip) => targets.includes(ip));
}

/**
 * {@link appReady}, each pod passing `accept`, and the Service routing to exactly those pods:
 * what "the service is back" means when requests go through the load balancer. Returns the
 * pods, or undefined until then.
 */
export function appServing(ws: Workspace, accept: (pod: AppPod) => boolean = () => true, replicas = 3): AppPod[] | undefined {
    const pods = appReady(ws, replicas);
    return pods && pods.every(accept) && kubeProxyRoutesTo(pods.map((p) => p.ip)) ? pods : undefined;
}

/**
 * The changes a `pulumi preview --json` plans, as sorted "op type::name" lines (what stays, is
 * read or, with --refresh, refreshed is left out).
 */
export function plannedChanges(previewJson: string): string[] {
    const preview = JSON.parse(previewJson);
    return (preview.steps as any[])
        .filter((step) => step.op !== "same" && step.op !== "read" && step.op !== "refresh")
        .map((step) => {
            // urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>
            const [qualifiedType, name] = (step.urn as string).split("::").slice(-2);
            return `${step.op} ${qualifiedType.split("$").pop()}::${name}`;
        })
        .sort();
}

export * from "./requests";

/** Where the test cluster's witness reads: its kubeconfig, kube-proxy's and the load balancer's logs. */
function clusterWitness(): WitnessSources {
    const logs = path.join(ROOT, ".cluster", "node", "logs");
    return { kubeconfig: KUBECONFIG, logs: { "kube-proxy": path.join(logs, "kube-proxy.log"), "local-cloud": path.join(logs, "local-cloud.log") } };
}

/**
 * `pulumi up` of the dev stack (no preview) while requests ask the load balancer every 50 ms
 * ({@link requestsDuring}); they go on `lingerMs` after up returns (to cover what happens after
 * it, a claim's resize say). Up must succeed; returns its result and every answer.
 */
export async function upWhileRequesting(ws: Workspace, lingerMs = 0): Promise<{ up: Result; answers: TimedAnswer[] }> {
    const target = { name: "load balancer", host: LB_HOST, port: LB_PORT };
    const { result: up, answers, stories } = await requestsDuring([target], () => ws.runAsync("pulumi", ["up", "--yes", "--skip-preview", "--stack", "dev", "--non-interactive"]), lingerMs, clusterWitness());
    stories.forEach(say);
    assert.strictEqual(up.status, 0, `pulumi up failed:\n${up.stdout}\n${up.stderr}`);
    return { up, answers: answers.get(target.name)! };
}

/**
 * The two ways into the app from this machine: the load balancer on 127.0.0.1:3333 (the test
 * cluster's local-cloud, a TCP forwarder to the cluster IP), and the Service's cluster IP itself,
 * which this machine reaches because it is the node (kube-proxy's rules apply to its own
 * connections too).
 */
export function requestTargets(ws: Workspace): RequestTarget[] {
    const service = ws.get("service", "sticky");
    return [
        { name: "load balancer", host: LB_HOST, port: LB_PORT },
        { name: "cluster IP", host: service.spec.clusterIP, port: service.spec.ports[0].port },
    ];
}

/**
 * Runs `change` (which returns once the change has settled) with requests to each target
 * throughout ({@link requestsDuring}) and `lingerMs` after; returns each target's figures and
 * how long the change took.
 */
export async function whileRequesting(
    targets: readonly RequestTarget[],
    change: () => Promise<unknown>,
    lingerMs = 2000,
): Promise<{ seconds: number; figures: Map<string, RequestFigures> }> {
    const { seconds, answers, stories } = await requestsDuring(targets, change, lingerMs, clusterWitness());
    stories.forEach(say);
    return { seconds, figures: new Map([...answers].map(([name, list]) => [name, requestFigures(list)])) };
}

/** The median of some figures (the upper one of the middle two for an even count). */
export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Polls `check` until it returns a value other than undefined, or fails after `seconds`. */
/** Each listed object of the app as `Kind/name@resourceVersion`: any write to it shows. */
export function objectVersions(ws: Workspace, kinds: string): string[] {
    return versionsOf(ws.get(kinds, "-l", "app=sticky").items as any[]);
}

const versionsOf = (items: any[]) => items.map((i) => `${i.kind}/${i.metadata.name}@${i.metadata.resourceVersion}`);

/**
 * {@link objectVersions} once the objects' status has settled after a change: every StatefulSet
 * has seen its spec and counts all its pods available (minReadySeconds after Ready, and the
 * controller may take longer to write it), and two readings five seconds apart agree. A check
 * that "nothing changed" takes its baseline here, not straight after `pulumi up`.
 */
export async function settledVersions(ws: Workspace, kinds: string, limitSeconds = 180): Promise<string[]> {
    const deadline = Date.now() + limitSeconds * 1000;
    let previous: string[] | undefined;
    for (;;) {
        const items = ws.get(kinds, "-l", "app=sticky").items as any[];
        const available = items
            .filter((i) => i.kind === "StatefulSet")
            .every((s) => s.status?.observedGeneration === s.metadata.generation && (s.status?.availableReplicas ?? 0) === s.spec.replicas);
        const now = versionsOf(items);
        if (available && previous !== undefined && JSON.stringify(now) === JSON.stringify(previous)) return now;
        if (Date.now() > deadline) throw new Error(`the app's objects were still changing after ${limitSeconds} s: ${now.join(", ")}`);
        previous = available ? now : undefined;
        await new Promise((resolve) => setTimeout(resolve, 5000));
    }
}

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
