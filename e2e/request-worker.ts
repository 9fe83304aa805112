/**
 * The requests of {@link requestsDuring} (e2e/requests.ts), in a worker thread of their own: a
 * {@link RequestLoop} per target and the {@link ClusterWitness} that tells each failure's story.
 *
 * Why a thread of their own: the test that drives a change runs `pulumi config set`, `kubectl`
 * and iptables synchronously (spawnSync), and while it does, its event loop runs nothing else.
 * A request sharing that loop is frozen with it: its answer waits in the socket, and when the
 * loop wakes, Node runs due timers before it reads sockets, so the request's 2 s timeout fires
 * first and a request the app answered at once counts as failed (seen in CI on 2026-12-07: the
 * template change's three config edits took over 2 s on a cold machine, and the first request of
 * both ways in failed with ETIMEDOUT). A real client is never frozen by someone else's
 * `pulumi config set`; here the requests are not either.
 *
 * Protocol: workerData is {@link RequestWorkerData}; the worker posts `{ started: true }` once
 * the witness watches and the loops run; on the message "stop" it stops the loops and posts
 * {@link RequestWorkerResult}.
 */
import { parentPort, workerData } from "worker_threads";
import { failedRequest, RequestLoop, type RequestWorkerData, type RequestWorkerResult, type TimedAnswer } from "./requests";
import { ClusterWitness } from "./request-witness";

/** How many failed requests of one target get their story told. */
const STORIES_PER_TARGET = 3;

async function main(data: RequestWorkerData): Promise<void> {
    const witness = data.witness === undefined ? undefined : await ClusterWitness.start(data.witness.kubeconfig, data.witness.logs);
    const loops = data.targets.map((target) => [target.name, new RequestLoop(target.host, target.port, data.intervalMs, witness)] as const);
    parentPort!.once("message", async () => {
        const answers: Record<string, TimedAnswer[]> = {};
        const stories: Record<string, string[]> = {};
        for (const [name, loop] of loops) answers[name] = await loop.stop();
        for (const [name, list] of Object.entries(answers)) {
            const failed = list.filter(failedRequest);
            stories[name] = [];
            for (const answer of failed.slice(0, STORIES_PER_TARGET)) stories[name].push(...(witness ? await witness.explainFailure(name, answer) : [`failed request to ${name}: ${answer.body} after ${answer.ms.toFixed(0)} ms`]));
            if (failed.length > STORIES_PER_TARGET) stories[name].push(`(${failed.length - STORIES_PER_TARGET} more failed requests to ${name} not told)`);
        }
        witness?.stop();
        parentPort!.postMessage({ answers, stories } satisfies RequestWorkerResult);
    });
    parentPort!.postMessage({ started: true });
}

void main(workerData as RequestWorkerData);
