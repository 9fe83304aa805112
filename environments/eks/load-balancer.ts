import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { LOAD_BALANCER_DEREGISTRATION_DELAY_SECONDS, LOAD_BALANCER_HEALTH_CHECK } from "../../core/drain";
import { LOAD_BALANCER_CONTROLLER_POLICY } from "./load-balancer-policy";

/**
 * The AWS Load Balancer Controller's Helm chart, pinned. 3.5.0 (controller v3.5.0, released
 * 2026-08) as named by public upgrade pull requests of 2026-08 (convox/convox#1102,
 * entigolabs/entigo-infralib#1602), read 2026-12-02; NOT checked against the chart repository
 * from here (no access): `helm search repo eks/aws-load-balancer-controller --versions` shows
 * the current ones. A new version is a reviewed diff of this line.
 */
export const LOAD_BALANCER_CONTROLLER_CHART = {
    chart: "aws-load-balancer-controller",
    version: "3.5.0",
    repo: "https://aws.github.io/eks-charts",
} as const;

/** The controller's namespace and service account (the chart's defaults), which its Pod Identity association names. */
export const LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT = { namespace: "kube-system", name: "aws-load-balancer-controller" } as const;

/** The Service's `loadBalancerClass` the controller serves as an NLB (and the in-tree controller ignores). */
export const NLB_LOAD_BALANCER_CLASS = "service.k8s.aws/nlb";

/** The namespace label that makes the controller's webhook add readiness gates to new pods there. */
export const READINESS_GATE_LABEL = { "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" } as const;

/** The NLB's side of the drain timing (core/drain.ts, shared with the pod template's preStop and grace). */
export const NLB_HEALTH_CHECK = LOAD_BALANCER_HEALTH_CHECK;
/** Seconds the NLB keeps forwarding existing flows to a target it removes: no longer than the pod's preStop sleep. */
export const NLB_DEREGISTRATION_DELAY_SECONDS = LOAD_BALANCER_DEREGISTRATION_DELAY_SECONDS;

/**
 * The app's Service annotations for the controller: an internet-facing NLB whose targets are
 * the pods' IPs (not the nodes': no second hop through kube-proxy, and a pod's target leaves
 * the NLB when the pod stops, not when a node does), health-checked on the traffic port over
 * TCP (the readiness probe's check; nginx's HTTP endpoints need a Host the NLB cannot send), a
 * deregistration delay no longer than the preStop sleep, and the stack's tags.
 */
export function nlbServiceAnnotations(tags: Readonly<Record<string, string>>): Record<string, string> {
    const prefix = "service.beta.kubernetes.io/aws-load-balancer";
    return {
        [`${prefix}-scheme`]: "internet-facing",
        [`${prefix}-nlb-target-type`]: "ip",
        [`${prefix}-healthcheck-protocol`]: "tcp",
        [`${prefix}-healthcheck-port`]: "traffic-port",
        [`${prefix}-healthcheck-interval`]: String(NLB_HEALTH_CHECK.intervalSeconds),
        [`${prefix}-healthcheck-timeout`]: String(NLB_HEALTH_CHECK.timeoutSeconds),
        [`${prefix}-healthcheck-healthy-threshold`]: String(NLB_HEALTH_CHECK.healthyThreshold),
        [`${prefix}-healthcheck-unhealthy-threshold`]: String(NLB_HEALTH_CHECK.unhealthyThreshold),
        [`${prefix}-target-group-attributes`]: `deregistration_delay.timeout_seconds=${NLB_DEREGISTRATION_DELAY_SECONDS}`,
        [`${prefix}-additional-resource-tags`]: Object.entries(tags).map(([key, value]) => `${key}=${value}`).join(","),
    };
}

/** What the controller needs from the rest of the environment. */
export interface LoadBalancerControllerArgs {
    readonly clusterName: pulumi.Output<string>;
    readonly region: string;
    readonly vpcId: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    /** The Pod Identity agent and the nodes: the controller's pods need both. */
    readonly after: pulumi.Resource[];
    readonly tags: Record<string, string>;
    readonly parent: pulumi.Resource;
}

/**
 * The AWS Load Balancer Controller, installed by the stack:
 * - its IAM role through Pod Identity (as the EBS CSI driver's), with load-balancer-policy.ts;
 * - the chart rendered client-side (`helm.v4.Chart`): plain Kubernetes objects in the stack's
 *   state, no Helm release Secret in kube-system (the cluster viewers, which read no Secrets,
 *   can preview it), and a diff per object;
 * - its webhook's certificate made by the stack (@pulumi/tls) and handed to the chart: the
 *   chart's own `genCA` makes a new one at every render, and a client-side render happens at
 *   every preview, so each run would replace the certificate (and `keepTLSSecret` needs Helm's
 *   `lookup`, which a client-side render does not have);
 * - region and VPC given, so the controller never asks the node's metadata service (which the
 *   nodes' launch template keeps from pods: one hop);
 * - no Service mutator webhook: the app's Service names its class itself, and other
 *   LoadBalancer Services are not silently moved to the controller;
 * - two replicas with a budget, so a node drain never leaves the webhook unanswered: pods in
 *   the app's namespace (labelled for readiness gates) cannot be created without it.
 */
export function loadBalancerController(args: LoadBalancerControllerArgs): k8s.helm.v4.Chart {
    const { tags, parent } = args;
    const role = new aws.iam.Role("aws-load-balancer-controller", {
        assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
        }),
        tags,
    }, { parent });
    const policy = new aws.iam.RolePolicy("aws-load-balancer-controller", { role: role.name, policy: JSON.stringify(LOAD_BALANCER_CONTROLLER_POLICY) }, { parent });
    const association = new aws.eks.PodIdentityAssociation("aws-load-balancer-controller", {
        clusterName: args.clusterName,
        namespace: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.namespace,
        serviceAccount: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.name,
        roleArn: role.arn,
        tags,
    }, { parent, dependsOn: [policy, ...args.after] });

    const webhookTls = webhookCertificate(parent);
    return new k8s.helm.v4.Chart(
        "aws-load-balancer-controller",
        {
            chart: LOAD_BALANCER_CONTROLLER_CHART.chart,
            version: LOAD_BALANCER_CONTROLLER_CHART.version,
            repositoryOpts: { repo: LOAD_BALANCER_CONTROLLER_CHART.repo },
            namespace: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.namespace,
            values: {
                clusterName: args.clusterName,
                region: args.region,
                vpcId: args.vpcId,
                replicaCount: 2,
                podDisruptionBudget: { maxUnavailable: 1 },
                serviceAccount: { create: true, name: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT.name },
                enableServiceMutatorWebhook: false,
                webhookTLS: webhookTls,
                defaultTags: tags,
            },
        },
        { parent, provider: args.provider, dependsOn: [association] },
    );
}

/** The webhook Service's DNS names (the chart's `<fullname>-webhook-service` in kube-system). */
const WEBHOOK_DNS_NAMES = ["aws-load-balancer-webhook-service.kube-system.svc", "aws-load-balancer-webhook-service.kube-system.svc.cluster.local"];
/** Ten years: the webhook's certificate is private to the cluster; renewing it is a `pulumi up` after replacing these. */
const WEBHOOK_CERT_HOURS = 10 * 365 * 24;

/** A private CA and the webhook's serving certificate, kept in the stack's state (the keys as secrets). */
function webhookCertificate(parent: pulumi.Resource): { caCert: pulumi.Output<string>; cert: pulumi.Output<string>; key: pulumi.Output<string> } {
    const caKey = new tls.PrivateKey("aws-load-balancer-webhook-ca", { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
    const ca = new tls.SelfSignedCert("aws-load-balancer-webhook-ca", {
        privateKeyPem: caKey.privateKeyPem,
        isCaCertificate: true,
        subject: { commonName: "aws-load-balancer-controller-ca" },
        validityPeriodHours: WEBHOOK_CERT_HOURS,
        allowedUses: ["cert_signing", "crl_signing"],
    }, { parent });
    const key = new tls.PrivateKey("aws-load-balancer-webhook", { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
    const request = new tls.CertRequest("aws-load-balancer-webhook", {
        privateKeyPem: key.privateKeyPem,
        subject: { commonName: WEBHOOK_DNS_NAMES[0] },
        dnsNames: WEBHOOK_DNS_NAMES,
    }, { parent });
    const cert = new tls.LocallySignedCert("aws-load-balancer-webhook", {
        certRequestPem: request.certRequestPem,
        caPrivateKeyPem: caKey.privateKeyPem,
        caCertPem: ca.certPem,
        validityPeriodHours: WEBHOOK_CERT_HOURS,
        allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
    }, { parent });
    return { caCert: ca.certPem, cert: cert.certPem, key: pulumi.secret(key.privateKeyPem) };
}
