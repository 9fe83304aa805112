import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
// The app's defaults live once, beside the config that can override them (and that a test keeps
// equal to Pulumi.yaml); settings.ts is pure, so this adds no Pulumi state or environment.
import { DEFAULTS } from "../settings";

/** The name of the claim template; claims are `<template>-<statefulset>-<ordinal>`. */
export const CLAIM_TEMPLATE = "sticky-data";
/** Where nginx serves files from, and where each pod's claim is mounted. */
export const DATA_PATH = "/usr/share/nginx/html";
/** The container port, named so Services and probes refer to it by name. */
export const CONTAINER_PORT = { name: "web", number: 80 } as const;

/**
 * pulumi-kubernetes' await override: the Service is ready when this condition holds, instead of
 * the built-in Service await, which restarts a 10-second timer on every Endpoints event and so
 * finishes about 10 s after the address exists, however fast the pods are. The condition waits
 * for what the built-in await waited for, an address in `status.loadBalancer.ingress` (a hostname
 * on Docker Desktop and AWS, an IP elsewhere), with the same default timeout (10 minutes), and the
 * provider still returns the live object, so `url` carries the address. Pods being ready is the
 * StatefulSet's await, not the Service's.
 */
export const AWAIT_ANNOTATION = "pulumi.com/waitFor";
/** The condition, in the annotation's `jsonpath=` form (a match on presence, any value). */
export const LOAD_BALANCER_ADDRESS_KNOWN = "jsonpath={.status.loadBalancer.ingress[0]}";

/** Arguments of {@link StickyApp}. Nothing here says which cluster or cloud it runs on. */
export interface StickyAppArgs {
    /**
     * The StorageClass each pod's claim asks for. The environment decides what it is
     * (`hostpath` on Docker Desktop, an encrypted gp3 class on EKS); the app only names it.
     * Named explicitly rather than left to the cluster default: EKS 1.30+ has no default class,
     * and a silent default is how data ends up on the wrong kind of disk.
     */
    readonly storageClassName: pulumi.Input<string>;

    /**
     * The container image. Pin a version (and ideally a digest): a floating tag changes the
     * pods under an unchanged stack.
     * @default "docker.io/library/nginx:1.30.1-alpine"
     */
    readonly image?: pulumi.Input<string>;

    /**
     * Pods, each with its own claim. Scaling down keeps the removed pods' claims (Retain), so
     * scaling back up finds the same data again.
     * @default 3
     */
    readonly replicas?: pulumi.Input<number>;

    /**
     * Size requested by each claim, a Kubernetes quantity. Changing it changes the claim
     * template, which Kubernetes cannot update in place: Pulumi replaces the StatefulSet, and the
     * replacement adopts the existing claims at their old size (grow those by editing each
     * claim; the gp3 class allows expansion).
     * @default "1Gi"
     */
    readonly storageSize?: pulumi.Input<string>;

    /**
     * The LoadBalancer Service's port (the article browses http://localhost:3333).
     * @default 3333
     */
    readonly servicePort?: pulumi.Input<number>;

    /**
     * CPU and memory for the nginx container. nginx serving static files needs very little;
     * the memory limit keeps a misbehaving pod from starving its node.
     * @default requests 10m CPU / 32Mi, limits 250m CPU / 64Mi
     */
    readonly resources?: pulumi.Input<k8s.types.input.core.v1.ResourceRequirements>;
}

/**
 * The article's `sticky` app: a StatefulSet of nginx pods, each serving files from its own
 * PersistentVolumeClaim, behind a LoadBalancer Service.
 *
 * Names are fixed, not auto-named: pods are `sticky-0..N-1` and claims
 * `sticky-data-sticky-0..N-1`, exactly as in the article. That is what keeps data across a
 * replacement: a StatefulSet created again with the same name adopts the same claims, where
 * an auto-named one (random suffix) would come back with new, empty volumes.
 */
export class StickyApp extends pulumi.ComponentResource {
    /** http://<load balancer address>:<port>, once the load balancer has an address. */
    readonly url: pulumi.Output<string>;
    /** The pods, in ordinal order. */
    readonly podNames: pulumi.Output<string[]>;
    /** The claims, one per pod, in ordinal order. */
    readonly claimNames: pulumi.Output<string[]>;
    /** The StorageClass the claims ask for. */
    readonly storageClassName: pulumi.Output<string>;

    readonly statefulSet: k8s.apps.v1.StatefulSet;
    readonly service: k8s.core.v1.Service;
    readonly headlessService: k8s.core.v1.Service;
    readonly disruptionBudget: k8s.policy.v1.PodDisruptionBudget;

    constructor(name: string, args: StickyAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sticky:app:StickyApp", name, {}, opts);

        const image = args.image ?? DEFAULTS.image;
        const replicas = args.replicas ?? DEFAULTS.replicas;
        const storageSize = args.storageSize ?? DEFAULTS.storageSize;
        const servicePort = args.servicePort ?? DEFAULTS.servicePort;
        const resources = args.resources ?? {
            requests: { cpu: "10m", memory: "32Mi" },
            limits: { cpu: "250m", memory: "64Mi" },
        };

        // The object name is the component's name: pods, claims and DNS names all derive from it.
        const appName = name;
        const labels = { app: appName };
        const headlessName = `${appName}-headless`;

        // The governing Service a StatefulSet's `serviceName` must point at: headless, so each pod
        // gets a stable DNS name (sticky-2.sticky-headless). The article pointed `serviceName`
        // at the LoadBalancer, which is wrong.
        this.headlessService = new k8s.core.v1.Service(
            headlessName,
            {
                metadata: { name: headlessName, labels },
                spec: {
                    clusterIP: "None",
                    selector: labels,
                    ports: [{ name: CONTAINER_PORT.name, port: CONTAINER_PORT.number, targetPort: CONTAINER_PORT.name }],
                    // Pods resolve before they are ready, so peers can find each other during startup.
                    publishNotReadyAddresses: true,
                },
            },
            { parent: this },
        );

        this.statefulSet = new k8s.apps.v1.StatefulSet(
            appName,
            {
                metadata: { name: appName, labels },
                spec: {
                    // The name, not the Service's output: Kubernetes does not need the governing
                    // Service to exist first, and waiting for its create would serialize the two.
                    serviceName: headlessName,
                    replicas,
                    selector: { matchLabels: labels },
                    // Pods do not depend on each other, so start and stop them all at once rather
                    // than one by one (the default, OrderedReady). Rolling updates still go one pod
                    // at a time, in reverse ordinal order.
                    podManagementPolicy: "Parallel",
                    updateStrategy: { type: "RollingUpdate" },
                    // Deleting the StatefulSet or scaling it down never deletes a claim.
                    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                    template: {
                        metadata: { labels },
                        spec: {
                            // nginx stops accepting and finishes in-flight requests within seconds.
                            terminationGracePeriodSeconds: 10,
                            automountServiceAccountToken: false,
                            securityContext: {
                                seccompProfile: { type: "RuntimeDefault" },
                            },
                            // One pod per zone where there are zones (EBS volumes are zonal, so a zone
                            // outage then takes one pod, not all), one per node where there are nodes.
                            // ScheduleAnyway: a one-node laptop cluster must still run all three.
                            topologySpreadConstraints: [
                                {
                                    maxSkew: 1,
                                    topologyKey: "topology.kubernetes.io/zone",
                                    whenUnsatisfiable: "ScheduleAnyway",
                                    labelSelector: { matchLabels: labels },
                                },
                                {
                                    maxSkew: 1,
                                    topologyKey: "kubernetes.io/hostname",
                                    whenUnsatisfiable: "ScheduleAnyway",
                                    labelSelector: { matchLabels: labels },
                                },
                            ],
                            containers: [
                                {
                                    name: "nginx",
                                    image,
                                    ports: [{ name: CONTAINER_PORT.name, containerPort: CONTAINER_PORT.number }],
                                    // TCP, not HTTP: until someone writes an index.html the volume is
                                    // empty and nginx answers 403, which is the article's expected state,
                                    // not a broken pod.
                                    readinessProbe: {
                                        tcpSocket: { port: CONTAINER_PORT.name },
                                        periodSeconds: 5,
                                        failureThreshold: 2,
                                    },
                                    livenessProbe: {
                                        tcpSocket: { port: CONTAINER_PORT.name },
                                        initialDelaySeconds: 5,
                                        periodSeconds: 10,
                                        failureThreshold: 3,
                                    },
                                    resources,
                                    // The official nginx image starts as root, binds port 80 and drops to
                                    // the `nginx` user for its workers; it keeps only the capabilities
                                    // that takes. `kubectl exec` shells run with the same limits.
                                    securityContext: {
                                        allowPrivilegeEscalation: false,
                                        readOnlyRootFilesystem: true,
                                        capabilities: {
                                            drop: ["ALL"],
                                            add: ["CHOWN", "SETGID", "SETUID", "NET_BIND_SERVICE"],
                                        },
                                    },
                                    volumeMounts: [
                                        { name: CLAIM_TEMPLATE, mountPath: DATA_PATH },
                                        // The only paths nginx writes besides the data: temp files and pid.
                                        { name: "cache", mountPath: "/var/cache/nginx" },
                                        { name: "run", mountPath: "/var/run" },
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "cache", emptyDir: { sizeLimit: "64Mi" } },
                                { name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                            ],
                        },
                    },
                    volumeClaimTemplates: [
                        {
                            metadata: { name: CLAIM_TEMPLATE, labels },
                            spec: {
                                accessModes: ["ReadWriteOnce"],
                                storageClassName: args.storageClassName,
                                resources: { requests: { storage: storageSize } },
                            },
                        },
                    ],
                },
            },
            {
                parent: this,
                // The name is fixed, so a replacement (claim template change) cannot be created
                // beside the old object: delete first, then create; the claims stay and are adopted.
                deleteBeforeReplace: true,
            },
        );

        // Voluntary disruptions (node drains, cluster upgrades) take at most one pod at a time.
        this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
            appName,
            {
                metadata: { name: appName, labels },
                spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
            },
            { parent: this },
        );

        // The public Service, named as in the article so `kubectl get service sticky` works.
        this.service = new k8s.core.v1.Service(
            `${appName}-public`,
            {
                metadata: { name: appName, labels, annotations: { [AWAIT_ANNOTATION]: LOAD_BALANCER_ADDRESS_KNOWN } },
                spec: {
                    type: "LoadBalancer",
                    selector: labels,
                    ports: [{ name: CONTAINER_PORT.name, port: servicePort, targetPort: CONTAINER_PORT.name, protocol: "TCP" }],
                },
            },
            { parent: this },
        );

        const ingress = this.service.status.loadBalancer.ingress;
        this.url = pulumi.interpolate`http://${ingress.apply((list) => list?.[0]?.hostname ?? list?.[0]?.ip ?? "")}:${this.service.spec.ports[0].port}`;
        this.podNames = pulumi
            .output(replicas)
            .apply((count) => Array.from({ length: count }, (_, ordinal) => `${appName}-${ordinal}`));
        this.claimNames = this.podNames.apply((pods) => pods.map((pod) => `${CLAIM_TEMPLATE}-${pod}`));
        this.storageClassName = pulumi.output(args.storageClassName);

        this.registerOutputs({
            url: this.url,
            podNames: this.podNames,
            claimNames: this.claimNames,
            storageClassName: this.storageClassName,
        });
    }
}
