/**
 * How long a stopping pod keeps serving, and what the load balancers in front of it must do
 * within that time, so that no request fails while pods roll, scale down or are evicted. One
 * place for the timing, because two sides must agree on it: the pod template
 * (components/pod-template.ts: preStop, grace, minReadySeconds) and each environment's load
 * balancer (on EKS the NLB's deregistration delay and health checks). Pure numbers; see
 * docs/architecture.md for what an engineer sees during each change.
 *
 * Why a stopping pod must keep serving at all: deleting a pod starts two things at once, the
 * kubelet stopping the container and the pod's endpoint leaving the Service (EndpointSlice, then
 * kube-proxy on every node, then any load balancer that targets pods or nodes). Each of those
 * lags by its own amount, so for a while traffic still arrives at a pod that is going away; if
 * nginx has stopped listening by then, those connections are refused or time out. The preStop
 * sleep holds the container's stop back (nginx keeps accepting) until every path has dropped the
 * pod; only then does nginx get its stop signal, and finishes what it has.
 */

/** The pod's side, in seconds. */
export const POD_DRAIN = {
    /**
     * The preStop `sleep` before nginx is told to stop: nginx still accepts while the endpoint
     * leaves kube-proxy (about a second) and the load balancers. It bounds how long the slowest
     * path may take to stop sending new connections; an NLB is the slowest (AWS gives no bound:
     * new flows to a deregistering IP target keep arriving for several seconds).
     */
    preStopSeconds: 20,
    /**
     * nginx's graceful stop after the sleep (SIGQUIT, the image's STOPSIGNAL): it closes its
     * listeners and idle keep-alive connections, and lets requests in flight finish. Static
     * files finish in well under a second; the rest is margin for a slow client.
     */
    gracefulStopSeconds: 10,
    /** Between the graceful stop's end and the kubelet's SIGKILL. */
    killMarginSeconds: 5,
    /**
     * How long a new pod must stay ready before the rollout counts it available and stops the
     * next old one: a pod that crashes right after its first good probe halts the rollout with
     * two pods still serving, and a load balancer that health-checks its targets has had
     * {@link LOAD_BALANCER_HEALTH_CHECK}'s `healthyThreshold` checks to take it in.
     */
    minReadySeconds: 10,
} as const;

/**
 * The pod's `terminationGracePeriodSeconds`: the sleep and the graceful stop must both fit in
 * it, because the kubelet counts the grace from the start of preStop and kills at its end.
 */
export const TERMINATION_GRACE_SECONDS = POD_DRAIN.preStopSeconds + POD_DRAIN.gracefulStopSeconds + POD_DRAIN.killMarginSeconds;

/**
 * A load balancer's health checks of its targets (pods with IP targets, nodes with instance
 * targets), in the form an NLB takes them. A new target is healthy after `healthyThreshold`
 * checks (10 s, the pod's `minReadySeconds`); a target that stops answering is out after
 * `unhealthyThreshold` checks (10 s), well inside the preStop sleep.
 */
export const LOAD_BALANCER_HEALTH_CHECK = {
    intervalSeconds: 5,
    timeoutSeconds: 2,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
} as const;

/**
 * The load balancer's deregistration delay (an NLB target group's
 * `deregistration_delay.timeout_seconds`): how long it keeps forwarding the flows it already has
 * to a target it is removing. It must not exceed the preStop sleep: the load balancer is done
 * with the pod while nginx still serves, and nginx's graceful stop closes what remains. Equal to
 * it, so long-lived connections get all of that time.
 */
export const LOAD_BALANCER_DEREGISTRATION_DELAY_SECONDS = POD_DRAIN.preStopSeconds;

/**
 * What one pod of a rolling update may take, in seconds: stopped (the grace above), started
 * (measured about 35 s a pod for all of it on the test cluster, docs/architecture.md) and
 * `minReadySeconds`, with a minute's margin for what a cloud adds when a pod moves node (an
 * image pull, an EBS detach and attach, which AWS does not bound). A budget, not a measurement.
 */
export const ROLLOUT_SECONDS_PER_POD = TERMINATION_GRACE_SECONDS + 60 + POD_DRAIN.minReadySeconds + 15;

/**
 * How long `pulumi up` waits for a StatefulSet's rollout: the provider's own 10 minutes (which
 * covers a new node being launched for the first pod) plus a pod's budget for each replica, so a
 * rollout that is merely long (one pod at a time, 100 pods) is never cut off as failed.
 */
export function rolloutTimeoutMinutes(replicas: number): number {
    return 10 + Math.ceil((replicas * ROLLOUT_SECONDS_PER_POD) / 60);
}
