/**
 * nginx, as the app runs it: its liveness and readiness endpoints, its probes, how it stops, the
 * paths it writes besides the data, and what it needs in CPU and memory. Plain data, no
 * resources: the pod template (pod-template.ts) builds the container from it.
 */
import { POD_DRAIN } from "../core/drain";
import type * as k8s from "@pulumi/kubernetes";

/**
 * The liveness endpoint: a `server` block nginx includes from /etc/nginx/conf.d/ (the official
 * image's layout, and the test cluster's image), answered on the web port for the Host name
 * below only. `return 200` comes from nginx's own event loop: no file and no volume is read,
 * so a slow disk never restarts a pod (a restart would not fix the disk either). The same block
 * answers {@link READINESS}.
 *
 * The first `server` nginx reads for a port is the default for unknown Host names, so this one
 * must come after the site's: the official image includes conf.d/*.conf in name order, and
 * `sticky-liveness.conf` sorts after its `default.conf`; the test image includes conf.d last.
 */
export const LIVENESS = {
    host: "sticky-liveness",
    path: "/healthz",
    /** The file name under /etc/nginx/conf.d/ and the ConfigMap key. */
    fileName: "sticky-liveness.conf",
    mountDir: "/etc/nginx/conf.d",
} as const;

/**
 * The readiness endpoint, in {@link LIVENESS}'s server block (same Host name). A path of its own
 * so that the two probes stay two checks (the policy pack's container-probes refuses one
 * question asked twice) and readiness can ask more later without touching liveness.
 */
export const READINESS = { host: LIVENESS.host, path: "/readyz" } as const;

/**
 * nginx configuration of {@link LIVENESS} and {@link READINESS}. The text is the ConfigMap's
 * content, whose every byte names the pods' config: a change to it, comments included, rolls
 * every pod (without a failed request, but a rollout all the same).
 */
export function livenessServerConfig(webPort: number): string {
    return [
        "# The sticky app's liveness and readiness endpoints (components/nginx.ts): answered by nginx",
        "# itself, without touching the data volume. Any other Host goes to the image's own server.",
        "server {",
        `    listen ${webPort};`,
        `    server_name ${LIVENESS.host};`,
        "    access_log off;",
        `    location = ${LIVENESS.path} {`,
        "        default_type text/plain;",
        '        return 200 "ok\\n";',
        "    }",
        `    location = ${READINESS.path} {`,
        "        default_type text/plain;",
        '        return 200 "ready\\n";',
        "    }",
        "}",
        "",
    ].join("\n");
}

/**
 * Readiness: does nginx answer HTTP on the web port now? A GET of {@link READINESS} that a
 * worker must answer (a TCP check passes as soon as the kernel accepts, even before nginx's
 * workers serve, or while they hang), every 5 s, 1 s to answer, out of the Service after two
 * misses: a busy pod stops getting new requests within about 10 s and comes back when it keeps
 * up. Its own endpoint, not `/`: until someone writes an index.html nginx answers 403 there,
 * which is the article's expected state, not a broken pod.
 */
export function readinessProbe(portName: string): k8s.types.input.core.v1.Probe {
    return {
        httpGet: { path: READINESS.path, port: portName, httpHeaders: [{ name: "Host", value: READINESS.host }] },
        periodSeconds: 5,
        timeoutSeconds: 1,
        failureThreshold: 2,
    };
}

/**
 * Liveness: is nginx stuck? An HTTP request that nginx itself must answer (a hung worker still
 * lets the kernel accept TCP connections into its backlog, so a TCP check would not see it),
 * allowed 5 s, every 10 s, and only six misses in a row (a full minute of no answer) restart the
 * container. A busy nginx answers late, not never: it leaves the Service (readiness) but is not
 * killed, which would only move its load onto the other two pods.
 */
export function livenessProbe(portName: string): k8s.types.input.core.v1.Probe {
    return {
        httpGet: { path: LIVENESS.path, port: portName, httpHeaders: [{ name: "Host", value: LIVENESS.host }] },
        initialDelaySeconds: 10,
        periodSeconds: 10,
        timeoutSeconds: 5,
        failureThreshold: 6,
    };
}

/**
 * nginx serving static files needs little CPU and memory; the limits protect the node. Ephemeral
 * storage covers what the pod writes outside its claim: the 64Mi temp-file emptyDir plus the
 * container's logs (the kubelet keeps up to 5 x 10Mi); past the limit the kubelet evicts the pod
 * instead of letting it fill the node's disk.
 */
export const DEFAULT_RESOURCES = {
    requests: { cpu: "10m", memory: "32Mi", "ephemeral-storage": "64Mi" },
    limits: { cpu: "250m", memory: "64Mi", "ephemeral-storage": "128Mi" },
} as const;

/**
 * How nginx leaves: the kubelet first sleeps {@link POD_DRAIN}'s preStop seconds (nginx still
 * accepts while the pod's endpoint leaves kube-proxy and the load balancers; core/drain.ts says
 * why), then sends the image's stop signal. Both the official image and the test cluster's
 * declare SIGQUIT, nginx's graceful stop (close the listeners, finish requests in flight), so the
 * pod does not set one. The kubelet's own `sleep` action (Kubernetes 1.30+): no shell or `sleep`
 * binary in the image needed, and nothing is executed inside the container.
 */
export function stopLifecycle(): k8s.types.input.core.v1.Lifecycle {
    return { preStop: { sleep: { seconds: POD_DRAIN.preStopSeconds } } };
}
