/**
 * Asking the app in the test cluster, as the article does: samples through its load balancer and
 * what they should show, each pod asked directly, and requests in a worker thread while a change
 * runs, with the cluster's witness telling a failure's story (e2e/requests.ts has the client side).
 */
import * as assert from "assert";
import * as path from "path";
import { STICKY_APP_DEFAULTS } from "../components/sticky-app-contract";
import { appPods } from "./app-state";
import {
    type Answer,
    httpGet,
    requestFigures,
    type RequestFigures,
    requestsDuring,
    type RequestTarget,
    showFigures,
    showTally,
    tally,
    type TimedAnswer,
    type WitnessSources,
} from "./requests";
import { KUBECONFIG, type Result, ROOT, say, type Workspace } from "./workspace";

/** Where the test cluster's local-cloud answers for the app's LoadBalancer (as Docker Desktop does on localhost). */
export const LB_HOST = "127.0.0.1";
export const LB_PORT = STICKY_APP_DEFAULTS.servicePort;
/** Requests per sample: enough that "about one in three" is a fair test (see expectOneInThree). */
export const SAMPLE = 90;

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
    say(`${answers.length} requests to http://${LB_HOST}:${LB_PORT}/ -> ${showTally(counts)}`);
    const hits = counts.get(`200 ${text}`) ?? 0;
    assert.ok(hits >= 15 && hits <= 45, `about one in three answers "${text}" (${hits} of ${answers.length}): ${showTally(counts)}`);
    assert.strictEqual((counts.get("403") ?? 0) + hits, answers.length, `the rest are 403: ${showTally(counts)}`);
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

/** Where the test cluster's witness reads: its kubeconfig, kube-proxy's and the load balancer's logs. */
function clusterWitness(): WitnessSources {
    const logs = path.join(ROOT, ".cluster", "node", "logs");
    return { kubeconfig: KUBECONFIG, logs: { "kube-proxy": path.join(logs, "kube-proxy.log"), "local-cloud": path.join(logs, "local-cloud.log") } };
}

/**
 * `pulumi up` of the workspace's stack (no preview) while requests ask the load balancer every 50 ms
 * ({@link requestsDuring}); they go on `lingerMs` after up returns (to cover what happens after
 * it, a claim's resize say). Up must succeed; returns its result and every answer.
 */
export async function upWhileRequesting(ws: Workspace, lingerMs = 0): Promise<{ up: Result; answers: TimedAnswer[] }> {
    const target = { name: "load balancer", host: LB_HOST, port: LB_PORT };
    const { result: up, answers, stories } = await requestsDuring([target], () => ws.runAsync("pulumi", ["up", "--yes", "--skip-preview", "--stack", ws.stack, "--non-interactive"]), lingerMs, clusterWitness());
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

/**
 * Runs `change` with requests to each target throughout ({@link whileRequesting}) and fails on
 * any request that got no answer (or a 5xx) on any of them, however short, or on a request loop
 * that stalled (fewer than 5 a second: a loop that sent nothing would pass otherwise). Prints
 * each target's figures.
 */
export async function expectNoFailedRequest(targets: readonly RequestTarget[], name: string, change: () => Promise<unknown>): Promise<Map<string, RequestFigures>> {
    const { seconds, figures } = await whileRequesting(targets, change);
    for (const [target, f] of figures) say(`${name}, ${target}: ${showFigures(f)} (${seconds.toFixed(0)} s)`);
    for (const [target, f] of figures) {
        assert.ok(f.sent >= seconds * 5, `${target}: only ${f.sent} requests in ${seconds.toFixed(0)} s`);
        assert.strictEqual(f.failed, 0, `${name}, ${target}: ${showFigures(f)}`);
    }
    return figures;
}
