/**
 * What the cluster was doing when a request failed, so that a failed request explains itself:
 * while requests run, a {@link ClusterWitness} keeps a timeline of the app's pods and its
 * Service's EndpointSlices (watched on the API server, each event stamped on arrival), and at
 * the moment a request fails it reads the node's kernel state for it: the conntrack entries of
 * that connection and of every unanswered connection to the Service, and which pod addresses
 * kube-proxy's iptables rules send the Service to. {@link explainFailure} prints it all beside
 * the request's own record: when it was sent, from which local port, whether TCP connected, and
 * how long it took to fail.
 *
 * Test-side only: nothing here changes what the requests see.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import type * as http from "http";
import * as https from "https";
import * as yaml from "js-yaml";

/** One request of a request loop, as the witness needs it. */
export interface RequestRecord {
    /** Epoch ms when the request was started. */
    readonly sentAt: number;
    /** HTTP status, or 0 when no answer came. */
    readonly status: number;
    /** The body, or the error code of a failed request. */
    readonly body: string;
    /** How long it took to answer or to fail, in ms (monotonic clock). */
    readonly ms: number;
    /** The client's local port, once the kernel gave it one. */
    readonly localPort?: number;
    /** Ms from the start to the TCP connection being established; absent when it never was. */
    readonly connectedMs?: number;
    /** How long the test's own event loop held the request back before sending it, in ms. */
    readonly heldMs: number;
}

/** A request sent this much later than its loop's interval says its own thread was held up. */
const HELD_MS = 20;

/** Log lines that say nothing about a failure: kube-proxy's start of each sync, its topology notes. */
const LOG_NOISE = /"Syncing iptables rules"|topology hints/;

/** A line of the timeline: when it was seen, and what. */
interface Seen {
    readonly at: number;
    readonly line: string;
}

const clock = (epochMs: number) => new Date(epochMs).toISOString().slice(11, 23);

/** The parts of a kubeconfig's current context an HTTPS client needs. */
function clusterAccess(kubeconfig: string): { server: string; agent: https.Agent } {
    const config = yaml.load(fs.readFileSync(kubeconfig, "utf8")) as any;
    const context = config.contexts.find((c: any) => c.name === config["current-context"]).context;
    const cluster = config.clusters.find((c: any) => c.name === context.cluster).cluster;
    const user = config.users.find((u: any) => u.name === context.user).user;
    const data = (value: string) => Buffer.from(value, "base64");
    return {
        server: cluster.server,
        agent: new https.Agent({
            ca: data(cluster["certificate-authority-data"]),
            cert: data(user["client-certificate-data"]),
            key: data(user["client-key-data"]),
        }),
    };
}

const conditionOf = (pod: any, type: string) => (pod.status?.conditions ?? []).find((c: any) => c.type === type)?.status === "True";

/** "sticky-1 uid 3f2a… 10.88.0.7 Running ready [deleting]". */
function describePod(pod: any): string {
    const states = (pod.status?.containerStatuses ?? []).map((c: any) => `${c.name}:${Object.keys(c.state ?? {})[0] ?? "?"}`).join(",");
    return [
        pod.metadata.name,
        `uid ${pod.metadata.uid.slice(0, 8)}`,
        pod.status?.podIP ?? "no-ip",
        pod.status?.phase ?? "?",
        conditionOf(pod, "Ready") ? "ready" : "not-ready",
        states,
        pod.metadata.deletionTimestamp ? "deleting" : "",
    ]
        .filter((part) => part !== "")
        .join(" ");
}

/** "10.88.0.7(sticky-1 ready serving) 10.88.0.5(sticky-0 terminating serving)". */
function describeSlice(slice: any): string {
    const endpoints = (slice.endpoints ?? []).map((e: any) => {
        const c = e.conditions ?? {};
        const flags = [c.ready ? "ready" : "not-ready", c.serving ? "serving" : "", c.terminating ? "terminating" : ""].filter((f) => f !== "");
        return `${e.addresses.join(",")}(${e.targetRef?.name ?? "?"} ${flags.join(" ")})`;
    });
    return `${slice.metadata.name}: ${endpoints.length > 0 ? endpoints.join(" ") : "no endpoints"}`;
}

/**
 * A log line's time as epoch ms: klog's "I1207 03:12:45.123456" (kube-proxy, the kubelet) or a
 * leading ISO time (test-cluster/local-cloud.mjs); undefined for a line without one.
 */
export function logLineTime(line: string, year = new Date().getUTCFullYear()): number | undefined {
    const klog = /^[IWEF](\d\d)(\d\d) (\d\d:\d\d:\d\d\.\d{3})/.exec(line);
    if (klog) return Date.parse(`${year}-${klog[1]}-${klog[2]}T${klog[3]}Z`);
    const iso = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)/.exec(line);
    return iso ? Date.parse(iso[1]) : undefined;
}

/** The lines of `file` logged between `from` and `to` (epoch ms), each prefixed with `name`. */
async function logExcerpt(name: string, file: string, from: number, to: number): Promise<string[]> {
    const text = await fs.promises.readFile(file, "utf8").catch(() => "");
    return text
        .split("\n")
        .filter((line) => {
            const at = logLineTime(line);
            return at !== undefined && at >= from && at <= to && !LOG_NOISE.test(line);
        })
        .map((line) => `${name}: ${line}`);
}

function run(command: string, args: string[]): Promise<string> {
    return new Promise((resolve) => execFile(command, args, { encoding: "utf8", timeout: 5000 }, (error, stdout) => resolve(error ? `(${command} failed: ${error.message})` : stdout)));
}

/**
 * The kernel's view at one moment: conntrack entries of the failed connection's local port and
 * every unanswered one to the Service, and the pod addresses kube-proxy's rules send it to.
 */
async function kernelState(service: { ip: string; port: number }, localPort: number | undefined): Promise<string[]> {
    const [conntrack, rules] = await Promise.all([fs.promises.readFile("/proc/net/nf_conntrack", "utf8").catch((e: Error) => `(no conntrack table: ${e.message})`), run("iptables", ["-t", "nat", "-S"])]);
    const entries = conntrack
        .split("\n")
        .filter((line) => (localPort !== undefined && line.includes(`sport=${localPort} `)) || (line.includes(`dst=${service.ip} `) && line.includes(`dport=${service.port} `) && line.includes("UNREPLIED")))
        .map((line) => `conntrack: ${line.replace(/\s+/g, " ").trim()}`);
    const targets = [...rules.matchAll(/--comment "default\/sticky:web" .*-j DNAT --to-destination ([0-9.:]+)/g)].map((m) => m[1]);
    return [...(entries.length > 0 ? entries : ["conntrack: no entry for this port and none unanswered to the Service"]), `kube-proxy's rules send the Service to: ${targets.length > 0 ? targets.join(", ") : "nothing"}`];
}

/**
 * Watches the app's pods and the Service's EndpointSlices while requests run, and reads the
 * node's state for each failure the moment it happens. Start it before the requests, stop it
 * after; {@link explainFailure} then tells each failure's story.
 */
export class ClusterWitness {
    private readonly timeline: Seen[] = [];
    private readonly requests: http.ClientRequest[] = [];
    private readonly snapshots = new Map<RequestRecord, Promise<{ at: number; lines: string[] }>>();

    private constructor(
        server: string,
        agent: https.Agent,
        private readonly service: { ip: string; port: number },
        private readonly logs: Record<string, string>,
    ) {
        this.watch(server, agent, "/api/v1/namespaces/default/pods?watch=1&labelSelector=app%3Dsticky", (type, pod) => `pod ${type} ${describePod(pod)}`);
        this.watch(server, agent, "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?watch=1&labelSelector=kubernetes.io%2Fservice-name%3Dsticky", (type, slice) => `endpointslice ${type} ${describeSlice(slice)}`);
    }

    /**
     * Reads the app's Service (default/sticky) and starts watching. `logs` names log files
     * (kube-proxy's, the load balancer's) whose lines around a failure join its story.
     */
    static async start(kubeconfig: string, logs: Record<string, string> = {}): Promise<ClusterWitness> {
        const { server, agent } = clusterAccess(kubeconfig);
        const service = await new Promise<any>((resolve, reject) =>
            https
                .get(new URL("/api/v1/namespaces/default/services/sticky", server), { agent }, (response) => {
                    let text = "";
                    response.setEncoding("utf8");
                    response.on("data", (chunk: string) => (text += chunk));
                    response.on("end", () => (response.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`GET service default/sticky: ${response.statusCode} ${text.slice(0, 200)}`))));
                })
                .on("error", reject),
        );
        return new ClusterWitness(server, agent, { ip: service.spec.clusterIP, port: service.spec.ports[0].port }, logs);
    }

    private watch(server: string, agent: https.Agent, path: string, describe: (type: string, object: any) => string): void {
        const request = https.get(new URL(path, server), { agent }, (response) => {
            let pending = "";
            response.setEncoding("utf8");
            response.on("data", (chunk: string) => {
                pending += chunk;
                const lines = pending.split("\n");
                pending = lines.pop() ?? "";
                for (const line of lines.filter((l) => l.trim() !== "")) {
                    const event = JSON.parse(line);
                    this.timeline.push({ at: Date.now(), line: describe(event.type.toLowerCase(), event.object) });
                }
            });
        });
        request.on("error", (error) => this.timeline.push({ at: Date.now(), line: `watch ${path} ended: ${error.message}` }));
        this.requests.push(request);
    }

    /** Called by a request loop as soon as a request fails: reads the kernel's state now. */
    failed(record: RequestRecord): void {
        this.snapshots.set(record, kernelState(this.service, record.localPort).then((lines) => ({ at: Date.now(), lines })));
    }

    stop(): void {
        for (const request of this.requests) request.destroy();
    }

    /**
     * A failed request's story: the request itself, the kernel's state read when it failed, and
     * what the pods and endpoints did from `beforeMs` before it was sent to 2 s after it failed, and
     * the log lines from 5 s before it was sent to 2 s after it failed.
     */
    async explainFailure(target: string, record: RequestRecord, beforeMs = 25_000): Promise<string[]> {
        const failedAt = record.sentAt + record.ms;
        const connected = record.connectedMs === undefined ? "TCP never connected" : `TCP connected after ${record.connectedMs.toFixed(0)} ms`;
        const held = record.heldMs >= HELD_MS ? `, sent ${record.heldMs} ms late (the request loop's thread was busy)` : "";
        const snapshot = await this.snapshots.get(record);
        const from = record.sentAt - beforeMs;
        const logLines = (await Promise.all(Object.entries(this.logs).map(([name, file]) => logExcerpt(name, file, record.sentAt - 5000, failedAt + 2000)))).flat();
        return [
            `failed request to ${target}: sent ${clock(record.sentAt)}, ${record.body} after ${record.ms.toFixed(0)} ms, local port ${record.localPort ?? "none"}, ${connected}${held}`,
            ...(snapshot ? snapshot.lines.map((line) => `  at ${clock(snapshot.at)} ${line}`) : ["  (no kernel state read)"]),
            ...this.timeline.filter((s) => s.at >= from && s.at <= failedAt + 2000).map((s) => `  ${clock(s.at)} ${s.line}`),
            ...logLines.map((line) => `  ${line}`),
        ];
    }
}
