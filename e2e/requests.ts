/**
 * Requests to the app as a user makes them, and what they saw: one GET on a new connection, a
 * loop of them while something changes (in a worker thread: e2e/request-worker.ts), and the
 * figures a step prints.
 */
import * as http from "http";
import * as path from "path";
import { Worker } from "worker_threads";
import type { ClusterWitness } from "./request-witness";

export interface Answer {
    /** HTTP status, or 0 when the connection failed. */
    readonly status: number;
    /** The body, trimmed; or the connection error's code. */
    readonly body: string;
}

/** One GET on a new connection (no keep-alive), so a Service spreads requests over its pods. */
export async function httpGet(host: string, port: number, timeoutMs = 3000): Promise<Answer> {
    const { status, body } = await tracedGet(host, port, timeoutMs);
    return { status, body };
}

/** An {@link Answer} with what the client saw of its connection, for a failure's story. */
export interface TracedAnswer extends Answer {
    /** How long it took to answer or to fail, in ms (monotonic clock). */
    readonly ms: number;
    /** The client's local port, once the kernel gave it one. */
    readonly localPort?: number;
    /** Ms from the start to the TCP connection being established; absent when it never was. */
    readonly connectedMs?: number;
}

/** {@link httpGet}, and when TCP connected and from which local port. */
export function tracedGet(host: string, port: number, timeoutMs = 3000): Promise<TracedAnswer> {
    const started = process.hrtime.bigint();
    const since = () => Number(process.hrtime.bigint() - started) / 1e6;
    let localPort: number | undefined;
    let connectedMs: number | undefined;
    return new Promise((resolve) => {
        const done = (status: number, body: string) => resolve({ status, body, ms: since(), localPort, connectedMs });
        const request = http.get({ host, port, path: "/", agent: false, timeout: timeoutMs }, (response) => {
            let body = "";
            response.setEncoding("utf8");
            response.on("data", (chunk) => (body += chunk));
            response.on("end", () => done(response.statusCode ?? 0, body.trim()));
            response.on("error", (error: NodeJS.ErrnoException) => done(0, error.code ?? error.message));
        });
        request.on("socket", (socket) => {
            socket.once("connect", () => {
                connectedMs = since();
                localPort = socket.localPort;
            });
        });
        request.on("timeout", () => {
            // The kernel picks the port at connect(): a connection still in SYN_SENT has one.
            localPort ??= request.socket?.localPort;
            request.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" }));
        });
        request.on("error", (error: NodeJS.ErrnoException) => done(0, error.code ?? error.message));
    });
}

/** The answers counted: "403 x60, 200 hello x30", most frequent first. */
export function tally(answers: Answer[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const a of answers) {
        const key = a.status === 200 ? `200 ${a.body}` : a.status === 0 ? `failed (${a.body})` : String(a.status);
        counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return new Map([...counts].sort((a, b) => b[1] - a[1]));
}
/** A tally as one line: "403 x60, 200 hello x30". */
export const showTally = (counts: Map<string, number>) => [...counts].map(([k, n]) => `${k} x${n}`).join(", ");

/**
 * A request the service failed: no HTTP answer at all (refused, reset, timed out) or a 5xx. The
 * app's own answers are 200 or, for an empty volume, nginx's 403: both come from a pod.
 */
export const failedRequest = (answer: Answer): boolean => answer.status === 0 || answer.status >= 500;

/** What the requests sent during one change saw. */
export interface RequestFigures {
    readonly sent: number;
    readonly failed: number;
    /** The longest time between two answers (from one answer's arrival to the next), in ms. */
    readonly longestGapMs: number;
    /** The failures by kind ("ECONNREFUSED x3, ETIMEDOUT x1"), empty when none. */
    readonly failures: string;
}

export function requestFigures(answers: readonly TimedAnswer[]): RequestFigures {
    const answered = answers.filter((a) => !failedRequest(a)).map((a) => a.at + a.ms);
    const gaps = answered.slice(1).map((t, i) => t - answered[i]);
    const failed = answers.filter(failedRequest);
    return { sent: answers.length, failed: failed.length, longestGapMs: Math.max(0, ...gaps), failures: showTally(tally(failed)) };
}

/** "212 sent, 0 failed, longest gap 0.31 s" (and the failures by kind, when there are any). */
export const showFigures = (f: RequestFigures): string =>
    `${f.sent} sent, ${f.failed} failed, longest gap ${(f.longestGapMs / 1000).toFixed(2)} s${f.failed > 0 ? ` (${f.failures})` : ""}`;

/** Where a change's requests go: the load balancer, and the Service's cluster IP behind it. */
export interface RequestTarget {
    readonly name: string;
    readonly host: string;
    readonly port: number;
}

/** Where a {@link ClusterWitness} reads the cluster: its kubeconfig, and log files (name -> path) whose lines join a failure's story. */
export interface WitnessSources {
    readonly kubeconfig: string;
    readonly logs: Record<string, string>;
}

/** What e2e/request-worker.ts is started with. */
export interface RequestWorkerData {
    readonly targets: readonly RequestTarget[];
    readonly intervalMs: number;
    /** Without it no story is told (the figures still are). */
    readonly witness?: WitnessSources;
}

/** What e2e/request-worker.ts answers "stop" with. */
export interface RequestWorkerResult {
    /** Each target's answers, in the order they were asked. */
    readonly answers: Record<string, TimedAnswer[]>;
    /** The stories of each target's first failed requests. */
    readonly stories: Record<string, string[]>;
}

/** One answer of a {@link RequestLoop}, with when it was asked. */
export interface TimedAnswer extends TracedAnswer {
    /** Ms since the loop started. */
    readonly at: number;
    /** Epoch ms. */
    readonly sentAt: number;
    /** How much later than `intervalMs` after the previous answer the loop got to send it: the test's own event loop held up. */
    readonly heldMs: number;
}

/**
 * Asks `host:port` every `intervalMs` on a new connection until stopped, and keeps every answer:
 * what a user of the service saw while something changed behind it. A {@link ClusterWitness}
 * is told of each failure the moment it happens.
 */
export class RequestLoop {
    private readonly answers: TimedAnswer[] = [];
    private running = true;
    private readonly done: Promise<void>;

    constructor(host: string, port: number, intervalMs = 50, witness?: ClusterWitness) {
        const started = Date.now();
        this.done = (async () => {
            let heldMs = 0;
            while (this.running) {
                const sentAt = Date.now();
                const answer = { ...(await tracedGet(host, port, 2000)), at: sentAt - started, sentAt, heldMs };
                this.answers.push(answer);
                if (failedRequest(answer)) witness?.failed(answer);
                const sleepStarted = Date.now();
                await new Promise((resolve) => setTimeout(resolve, intervalMs));
                heldMs = Math.max(0, Date.now() - sleepStarted - intervalMs);
            }
        })();
    }

    async stop(): Promise<TimedAnswer[]> {
        this.running = false;
        await this.done;
        return this.answers;
    }
}

/**
 * Runs `change` while a {@link RequestLoop} asks each target every 50 ms, from a worker thread
 * of their own (e2e/request-worker.ts: the change's synchronous commands cannot hold the
 * requests back), and `lingerMs` after. With `witness`, returns the story of each target's first
 * failed requests too (what the client saw, conntrack, kube-proxy's rules, the pods and
 * endpoints at the time: e2e/request-witness.ts). The change's error, if any, is thrown after
 * the loops have stopped.
 */
export async function requestsDuring<T>(
    targets: readonly RequestTarget[],
    change: () => Promise<T>,
    lingerMs: number,
    witness?: WitnessSources,
): Promise<{ result: T; seconds: number; answers: Map<string, TimedAnswer[]>; stories: string[] }> {
    const data: RequestWorkerData = { targets, intervalMs: 50, witness };
    const worker = new Worker(path.join(__dirname, "request-worker.js"), { workerData: data });
    // Messages are kept until asked for: the worker may answer and exit before the next() call.
    const inbox: unknown[] = [];
    let ended: Error | undefined;
    let wake = () => {};
    worker.on("message", (message: unknown) => (inbox.push(message), wake()));
    worker.on("error", (error: Error) => ((ended ??= error), wake()));
    worker.on("exit", (code) => ((ended ??= new Error(`the request worker exited (code ${code}) before it answered`)), wake()));
    const next = async (): Promise<unknown> => {
        while (inbox.length === 0) {
            if (ended) throw ended;
            await new Promise<void>((resolve) => (wake = resolve));
        }
        return inbox.shift();
    };
    try {
        await next(); // the witness watches and the loops run
        const changeStarted = Date.now();
        // The loops stop whatever the change does, so a failed change leaves nothing running.
        const outcome = await change().then(
            (result) => ({ result }),
            (error: unknown) => ({ error }),
        );
        const seconds = (Date.now() - changeStarted) / 1000;
        await new Promise((resolve) => setTimeout(resolve, lingerMs));
        const stopped = next();
        worker.postMessage("stop");
        const { answers, stories } = (await stopped) as RequestWorkerResult;
        if ("error" in outcome) {
            // The caller gets no result to print the stories from: they go out with the error.
            for (const line of Object.values(stories).flat()) console.log(`      ${line}`);
            throw outcome.error;
        }
        return { result: outcome.result, seconds, answers: new Map(Object.entries(answers)), stories: Object.values(stories).flat() };
    } finally {
        await worker.terminate();
    }
}
