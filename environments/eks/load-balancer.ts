/**
 * The app's NLB, as Auto Mode's load balancing makes it: the Service's class and annotations,
 * handed to the app as data (it applies them unread). Pure: no Pulumi import.
 */
import { LOAD_BALANCER_DEREGISTRATION_DELAY_SECONDS, LOAD_BALANCER_HEALTH_CHECK } from "../../core/drain";

/** The `loadBalancerClass` Auto Mode's load balancer controller serves as an NLB. */
export const NLB_LOAD_BALANCER_CLASS = "eks.amazonaws.com/nlb";

/**
 * An internet-facing NLB with node (`instance`) targets behind `externalTrafficPolicy: Cluster`:
 * a pod rollout never waits on the NLB registering a pod (no readiness gates in Auto Mode;
 * docs/prod-on-eks.md#the-load-balancer). Health checks and deregistration delay from
 * core/drain.ts; the stack's tags on the NLB.
 */
export function nlbServiceAnnotations(tags: Readonly<Record<string, string>>): Record<string, string> {
    const prefix = "service.beta.kubernetes.io/aws-load-balancer";
    return {
        [`${prefix}-scheme`]: "internet-facing",
        [`${prefix}-nlb-target-type`]: "instance",
        [`${prefix}-healthcheck-protocol`]: "tcp",
        [`${prefix}-healthcheck-port`]: "traffic-port",
        [`${prefix}-healthcheck-interval`]: String(LOAD_BALANCER_HEALTH_CHECK.intervalSeconds),
        [`${prefix}-healthcheck-timeout`]: String(LOAD_BALANCER_HEALTH_CHECK.timeoutSeconds),
        [`${prefix}-healthcheck-healthy-threshold`]: String(LOAD_BALANCER_HEALTH_CHECK.healthyThreshold),
        [`${prefix}-healthcheck-unhealthy-threshold`]: String(LOAD_BALANCER_HEALTH_CHECK.unhealthyThreshold),
        [`${prefix}-target-group-attributes`]: `deregistration_delay.timeout_seconds=${LOAD_BALANCER_DEREGISTRATION_DELAY_SECONDS}`,
        [`${prefix}-additional-resource-tags`]: Object.entries(tags).map(([key, value]) => `${key}=${value}`).join(","),
    };
}
