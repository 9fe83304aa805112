/**
 * The app's state in the test cluster, as the e2e files read it: its pods, when it is ready and
 * serving (waited for with `waitFor`, e2e/workspace.ts), what a preview plans, and its objects'
 * versions (any write shows).
 */
import { execFileSync } from "child_process";
import type { Workspace } from "./workspace";

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
