/**
 * The day-two changes that roll or stop pods, each done the way an engineer does it on the
 * workspace's stack (a config key and `pulumi up`, a code change and `pulumi up`, `kubectl
 * drain`), and each returning only once the app has settled again: every pod ready, the Service
 * routing to exactly them. e2e/zero-downtime.e2e.ts (dev), e2e/prod-in-cluster.e2e.ts (prod) and
 * the benchmark (e2e/bench-requests.ts) send requests throughout each; what they count is theirs.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { type AppPod, appPods, appServing } from "./app-state";
import { localImages, waitFor, type Workspace } from "./workspace";

/** The test cluster's one node (test-cluster/node.sh). */
export const NODE = "sticky-node";

/** Undoes a `kubectl drain` that stopped part-way: a cordoned node would starve every later run. */
export const uncordon = (ws: Workspace) => ws.run("kubectl", ["--context", "sticky-test", "uncordon", NODE]);

const config = (ws: Workspace, key: string): string => ws.pulumi("config", "get", key, "--stack", ws.stack).stdout.trim();
const setConfig = (ws: Workspace, key: string, value: string) => ws.pulumi("config", "set", key, value, "--stack", ws.stack);

/**
 * Rewrites one file of the workspace's copy of the project (a code change, as a commit would make
 * it); the change must apply.
 */
function editSource(ws: Workspace, file: string, edit: (text: string) => string): void {
    const full = path.join(ws.dir, file);
    const before = fs.readFileSync(full, "utf8");
    const after = edit(before);
    assert.notStrictEqual(after, before, `the edit of ${file} changed nothing (has the file moved on?)`);
    fs.writeFileSync(full, after);
}

/** All `replicas` pods ready, each passing `accept`, and the Service routing to exactly them. */
export function settled(ws: Workspace, what: string, accept: (pod: AppPod) => boolean = () => true, replicas = 3): Promise<AppPod[]> {
    return waitFor(what, 600, () => appServing(ws, accept, replicas));
}

export interface DayTwoChange {
    /** The change, as the table names it. */
    readonly name: string;
    /** Makes the change and returns once the app has settled. */
    readonly run: (ws: Workspace) => Promise<void>;
}

/** A change of the pod template: `edit` makes it in config or source, `pulumi up` rolls it out. */
export interface TemplateChange extends DayTwoChange {
    readonly edit: (ws: Workspace) => void;
}

/**
 * The template changes' edits, then one `pulumi up`; returns once every pod is a new one (the
 * StatefulSet replaces them one at a time), ready and behind the Service.
 */
export function rolledTogether(name: string, changes: readonly Omit<TemplateChange, "run">[]): DayTwoChange {
    return {
        name,
        run: async (ws) => {
            const old = new Set(appPods(ws).map((p) => p.uid));
            for (const change of changes) change.edit(ws);
            await ws.upAsync();
            await settled(ws, `${name}: every pod replaced, ready and behind the Service`, (p) => !old.has(p.uid));
        },
    };
}

function templateChange(name: string, edit: (ws: Workspace) => void): TemplateChange {
    return { name, edit, run: rolledTogether(name, [{ name, edit }]).run };
}

/** `sticky:image`, from one of the test cluster's two nginx builds to the other. */
export const imageChange = templateChange("image", (ws) => {
    const images = localImages();
    setConfig(ws, "sticky:image", config(ws, "sticky:image") === images.nginx ? images["nginx-previous"] : images.nginx);
});

let configEdits = 0;

/**
 * The liveness ConfigMap's text (components/nginx.ts): any byte of it makes a new ConfigMap, and
 * the pod template's reference to it rolls the pods. A comment line is the smallest such change.
 */
export const livenessConfigChange = templateChange("liveness ConfigMap", (ws) =>
    editSource(ws, "components/nginx.ts", (text) => text.replace('"    access_log off;",', `"    access_log off;",\n        "    # day-two change ${++configEdits}",`)),
);

/** The container's resources (components/nginx.ts DEFAULT_RESOURCES): its CPU request up by 1m. */
export const resourcesChange = templateChange("resources", (ws) =>
    editSource(ws, "components/nginx.ts", (text) => text.replace(/requests: \{ cpu: "(\d+)m"/, (_, m) => `requests: { cpu: "${Number(m) + 1}m"`)),
);

/** `sticky:replicas` 3 -> 2: sticky-2 stops (its claim stays). */
export const scaleDown: DayTwoChange = {
    name: "scale down 3 -> 2",
    run: async (ws) => {
        setConfig(ws, "sticky:replicas", "2");
        await ws.upAsync();
        await settled(ws, "sticky-0..1 ready, sticky-2 gone", () => true, 2);
    },
};

/** `sticky:replicas` 2 -> 3: sticky-2 comes back on its claim. */
export const scaleUp: DayTwoChange = {
    name: "scale up 2 -> 3",
    run: async (ws) => {
        setConfig(ws, "sticky:replicas", "3");
        await ws.upAsync();
        await settled(ws, "sticky-0..2 ready");
    },
};

/**
 * `sticky:storageSize` up by 1Gi on an expandable class: the StatefulSet is replaced around its
 * running pods (they are orphaned and adopted, never restarted) and each claim grows in place.
 */
export const storageSizeChange: DayTwoChange = {
    name: "storage size +1Gi",
    run: async (ws) => {
        const size = `${Number(config(ws, "sticky:storageSize").replace(/Gi$/, "")) + 1}Gi`;
        const pods = appPods(ws).map((p) => p.uid);
        setConfig(ws, "sticky:storageSize", size);
        await ws.upAsync();
        await settled(ws, `claim template at ${size}, the same pods`, (p) => pods.includes(p.uid));
        await waitFor(`every claim at ${size}`, 120, () =>
            (ws.get("pvc", "-l", "app=sticky").items as any[]).every((c) => c.status.capacity?.storage === size) ? true : undefined,
        );
    },
};

/** Asks the eviction API to evict `pod`, as `kubectl drain` does for each pod of a node; true if granted. */
function evict(ws: Workspace, pod: string): boolean {
    const body = path.join(ws.dir, `eviction-${pod}.json`);
    fs.writeFileSync(body, JSON.stringify({ apiVersion: "policy/v1", kind: "Eviction", metadata: { name: pod, namespace: "default" } }));
    const result = ws.run("kubectl", ["--context", "sticky-test", "create", "--raw", `/api/v1/namespaces/default/pods/${pod}/eviction`, "-f", body]);
    // 429: the disruption budget refuses for now (one pod is already away).
    if (result.status !== 0 && !/429|disruption budget/i.test(result.stderr)) throw new Error(`evicting ${pod}: ${result.stderr}`);
    return result.status === 0;
}

/**
 * Every pod evicted in turn through the eviction API (what a node drain does, paced by the
 * disruption budget: on a cluster with more nodes each comes back on another one), each back
 * and serving before the next goes.
 */
export const evictEachPod: DayTwoChange = {
    name: "eviction, each pod in turn",
    run: async (ws) => {
        for (const pod of appPods(ws)) {
            await waitFor(`the budget to let ${pod.name} go`, 120, () => (evict(ws, pod.name) ? true : undefined));
            await settled(ws, `${pod.name} evicted, back and serving`, (p) => p.name !== pod.name || p.uid !== pod.uid);
        }
    },
};

/**
 * `kubectl drain` of the test cluster's only node: it cordons the node and evicts the pods; the
 * disruption budget lets one go, and with no other node its replacement waits, so the budget
 * holds the other two and drain stops at its timeout. Then uncordon, and the pod comes back. On a
 * cluster with more nodes drain goes on to the others one by one, each like this one.
 */
export const drainOnePod: DayTwoChange = {
    name: "kubectl drain (one pod)",
    run: async (ws) => {
        const before = appPods(ws);
        try {
            const drain = await ws.runAsync("kubectl", [
                "--context", "sticky-test", "drain", NODE, "--pod-selector=app=sticky", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=35s",
            ]);
            assert.notStrictEqual(drain.status, 0, "on one node, drain cannot evict every pod past the budget");
            assert.match(drain.stdout + drain.stderr, /disruption budget/, drain.stdout + drain.stderr);
            const evicted = before.filter((p) => !appPods(ws).some((now) => now.uid === p.uid));
            assert.strictEqual(evicted.length, 1, `the budget let exactly one pod go: ${evicted.map((p) => p.name).join(", ")}`);
        } finally {
            ws.kubectl("uncordon", NODE);
        }
        await settled(ws, "the evicted pod back on the uncordoned node and serving");
    },
};

/**
 * The article's own demo: `kubectl delete pod -l app=sticky`, every pod at once. Not a change an
 * engineer makes to a running service, and it goes down by design: the pods keep serving through
 * their preStop sleep, then all stop together, and a StatefulSet starts each new pod only once its
 * namesake is gone, so for a moment no pod is ready. The benchmark shows the gap.
 */
export const deleteEveryPod: DayTwoChange = {
    name: "delete every pod (the article's demo)",
    run: async (ws) => {
        const old = new Set(appPods(ws).map((p) => p.uid));
        ws.kubectl("delete", "pod", "-l", "app=sticky", "--wait=false");
        await settled(ws, "three new pods ready and behind the Service", (p) => !old.has(p.uid));
    },
};
