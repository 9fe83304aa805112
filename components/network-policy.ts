import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** What {@link webOnlyNetworkPolicySpec} admits. */
export interface WebOnlyTraffic {
    /** The pods it applies to. */
    readonly podLabels: Record<string, string>;
    /** The one container port that may be reached, TCP. */
    readonly port: number;
}

/**
 * Ingress to the web port from anywhere (a LoadBalancer's traffic arrives from node and client
 * addresses nobody can list in advance), and nothing else in: no other port of the pods is
 * reachable, from inside the cluster either. No egress at all: nginx serving files from its
 * volume opens no connection (not even DNS); answers to admitted connections are not egress.
 *
 * Only a CNI that enforces NetworkPolicy makes this more than a declaration: EKS with the VPC
 * CNI's network policy support (the prod environment turns it on), Calico, Cilium. Docker
 * Desktop's and kind's default networking and the test cluster's bridge plugin accept the object
 * and enforce nothing.
 */
export function webOnlyNetworkPolicySpec(traffic: WebOnlyTraffic): k8s.types.input.networking.v1.NetworkPolicySpec {
    return {
        podSelector: { matchLabels: traffic.podLabels },
        policyTypes: ["Ingress", "Egress"],
        // No `from`: any source. The port by number: every enforcing CNI supports that.
        ingress: [{ ports: [{ protocol: "TCP", port: traffic.port }] }],
        // No `egress` field: with "Egress" in policyTypes that is no egress at all. Not `[]`: the
        // API server stores an empty list as absent but counts it as a change on every apply
        // (generation bumps, `kubectl diff` never comes out clean).
    };
}

/** The NetworkPolicy of {@link webOnlyNetworkPolicySpec}, named and labelled like the app. */
export function webOnlyNetworkPolicy(
    name: string,
    traffic: WebOnlyTraffic,
    opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy {
    return new k8s.networking.v1.NetworkPolicy(
        name,
        { metadata: { name, labels: traffic.podLabels }, spec: webOnlyNetworkPolicySpec(traffic) },
        opts,
    );
}
