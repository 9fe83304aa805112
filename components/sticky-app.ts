import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { POD_DRAIN, rolloutTimeoutMinutes } from "../core/drain";
import { AWAIT_ANNOTATION, isObjectName, ZONE_SPREADS, type ZoneSpread } from "../core/kubernetes";
import { isStorageQuantity } from "../core/quantity";
import { ClaimGrowth } from "./claim-growth";
import { describeClaimSizePlan, type ClaimSizePlan } from "./claim-size";
import { DEFAULT_RESOURCES, LIVENESS, livenessServerConfig } from "./nginx";
import { webOnlyNetworkPolicy } from "./network-policy";
import { kubeScoreIgnoreAnnotation, podSecurityLabels } from "./pod-security";
import { claimTemplate, nginxContainer, podTemplate } from "./pod-template";
import { APP_NAMESPACE, claimName, CONTAINER_PORT, podName, REPLICAS, STICKY_APP_DEFAULTS, STICKY_APP_TYPE } from "./sticky-app-contract";

/**
 * The Service's await ({@link AWAIT_ANNOTATION}) instead of the built-in Service await, which
 * restarts a 10-second timer on every Endpoints event and so finishes about 10 s after the address
 * exists, however fast the pods are. The condition waits for what the built-in await waited for,
 * an address in `status.loadBalancer.ingress` (a hostname on Docker Desktop and AWS, an IP
 * elsewhere), with the same default timeout (10 minutes), and the provider still returns the live
 * object, so `url` carries the address. Pods being ready is the StatefulSet's await, not the
 * Service's. In the annotation's `jsonpath=` form (a match on presence, any value).
 */
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
     * Pods, each with its own claim (1 to 100). Scaling down keeps the removed pods' claims
     * (Retain), so scaling back up finds the same data again.
     * @default 3
     */
    readonly replicas?: pulumi.Input<number>;

    /**
     * Size requested by each claim, a Kubernetes quantity, for an app that has no claims yet or
     * whose claims keep their size. A size change of existing claims is `claimSizePlan`;
     * give one or the other.
     * @default "1Gi"
     */
    readonly storageSize?: string;

    /**
     * What this deployment does to the claims' size, planned from the stack's history
     * (claim-size.ts, `planClaimSize`): made at a size, kept, or grown in place. A new size
     * re-creates the StatefulSet around its running pods (its claim template cannot change in
     * place); `grow` patches every existing claim too. See docs/storage-size.md.
     * @default - `{ action: "new", size: storageSize }`: no claims deployed before
     */
    readonly claimSizePlan?: ClaimSizePlan;

    /**
     * The LoadBalancer Service's port (the article browses http://localhost:3333).
     * @default 3333
     */
    readonly servicePort?: pulumi.Input<number>;

    /**
     * Annotations for the LoadBalancer Service, as the environment wants them (on EKS, the kind
     * of load balancer to make). The component passes them through without knowing what they mean.
     * @default - none
     */
    readonly serviceAnnotations?: Readonly<Record<string, pulumi.Input<string>>>;

    /**
     * The Service's `spec.loadBalancerClass`, as the environment names it; passed through
     * unread. Kubernetes cannot change it in place: a new class replaces the Service.
     * @default - none: the cluster's default load balancer implementation
     */
    readonly serviceLoadBalancerClass?: string;

    /**
     * Labels the environment needs on the app's namespace, added beside the app's own Pod
     * Security labels (which win on a clash); passed through unread.
     * @default - none
     */
    readonly namespaceLabels?: Readonly<Record<string, string>>;

    /**
     * How strictly pods spread over zones: `DoNotSchedule` keeps two pods out of one zone (a
     * pod waits rather than share), `ScheduleAnyway` lets a one-node cluster run them all.
     * @default "ScheduleAnyway"
     */
    readonly zoneSpread?: ZoneSpread;

    /**
     * CPU, memory and ephemeral storage for the nginx container. nginx serving static files
     * needs very little; the limits keep a misbehaving pod from starving its node.
     * @default - requests 10m CPU / 32Mi / 64Mi ephemeral, limits 250m CPU / 64Mi / 128Mi ephemeral
     */
    readonly resources?: pulumi.Input<k8s.types.input.core.v1.ResourceRequirements>;

    /**
     * Protect (Pulumi's `protect`) every object of the app but the StatefulSet, the liveness
     * ConfigMap and the claim patches (Services, budget, network policy, namespace labels and the
     * ConfigMap that owns the StatefulSet), so that neither `pulumi up` nor `pulumi destroy` can
     * delete them. Given here rather than as the component's `protect` option, which every child
     * would inherit: the StatefulSet must stay unprotected, because a bigger claim size replaces
     * it (without touching a pod or a claim); so must the liveness ConfigMap, which every change
     * of its text replaces (auto-named: a protected one made such a change fail on prod, found by
     * e2e/prod-in-cluster.e2e.ts), and the claim patches, which the next `up` drops. A destroy
     * still stops before deleting anything while any object is protected.
     * @default false
     */
    readonly protect?: boolean;

    /**
     * Claims that start from existing data rather than empty (`sticky:restoreFrom`), made by
     * the component before the StatefulSet, with the claim template's name, labels, class and
     * size, so the StatefulSet adopts each by name and its template never disagrees with one.
     * What backs each (a volume bound in advance, a snapshot) is the environment's.
     * @default - none: every claim is made by the StatefulSet, empty
     */
    readonly restoredClaims?: readonly RestoredClaimArgs[];
}

/** One claim made from existing data, as the environment backs it. */
export interface RestoredClaimArgs {
    /** The pod's ordinal: the claim is `sticky-data-<app>-<ordinal>`. */
    readonly ordinal: number;
    /** A PersistentVolume the claim is bound to in advance. */
    readonly volumeName?: pulumi.Input<string>;
    /** A snapshot (or another source) the claim's volume is made from. */
    readonly dataSource?: pulumi.Input<k8s.types.input.core.v1.TypedLocalObjectReference>;
    /** What must exist before the claim. */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The longest StatefulSet name: its pods carry a `controller-revision-hash` label of the name plus 11 characters, at most 63. */
const MAX_APP_NAME = 52;

/**
 * Bad arguments, each named with its value and what is allowed; thrown before any resource of
 * the component is registered. Inputs that are not known yet (Outputs) are not checked.
 */
function argumentProblems(name: string, args: StickyAppArgs): string[] {
    const problems: string[] = [];
    if (!(isObjectName(name) && !name.includes(".") && name.length <= MAX_APP_NAME)) {
        problems.push(`name ${JSON.stringify(name)}: must be a DNS label of at most ${MAX_APP_NAME} characters (lowercase letters, digits and "-"); pods and claims are named after it`);
    }
    const { replicas, servicePort, storageSize, claimSizePlan } = args;
    if (typeof replicas === "number" && !(Number.isInteger(replicas) && replicas >= REPLICAS.min && replicas <= REPLICAS.max)) {
        problems.push(`replicas = ${replicas}: must be an integer from ${REPLICAS.min} to ${REPLICAS.max}`);
    }
    if (typeof servicePort === "number" && !(Number.isInteger(servicePort) && servicePort >= 1 && servicePort <= 65535)) {
        problems.push(`servicePort = ${servicePort}: must be a TCP port, 1 to 65535`);
    }
    if (storageSize !== undefined && claimSizePlan !== undefined) {
        problems.push("storageSize and claimSizePlan are mutually exclusive (the plan carries its size): choose one");
    }
    if (args.zoneSpread !== undefined && !ZONE_SPREADS.includes(args.zoneSpread)) {
        problems.push(`zoneSpread = ${JSON.stringify(args.zoneSpread)}: must be ${ZONE_SPREADS.map((s) => JSON.stringify(s)).join(" or ")}`);
    }
    const ordinals = (args.restoredClaims ?? []).map((c) => c.ordinal);
    for (const [i, ordinal] of ordinals.entries()) {
        if (!Number.isInteger(ordinal) || ordinal < 0 || (typeof replicas === "number" && ordinal >= replicas)) {
            problems.push(`restoredClaims: ordinal ${ordinal} is not a pod (0 to replicas - 1)`);
        } else if (ordinals.indexOf(ordinal) !== i) {
            problems.push(`restoredClaims: ordinal ${ordinal} is given twice`);
        }
    }
    const size = claimSizePlan?.size ?? storageSize;
    if (size !== undefined && !isStorageQuantity(size)) {
        problems.push(`${claimSizePlan === undefined ? "storageSize" : "claimSizePlan.size"} = ${JSON.stringify(size)}: must be a positive Kubernetes quantity such as "1Gi"`);
    }
    return problems;
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
    /** The claim template's size; the next deployment reads it back (stack/history.ts). */
    readonly storageSize: pulumi.Output<string>;
    /** What this deployment does to the existing claims' size. */
    readonly claimSizePlan: ClaimSizePlan;

    readonly statefulSet: k8s.apps.v1.StatefulSet;
    readonly service: k8s.core.v1.Service;
    readonly headlessService: k8s.core.v1.Service;
    readonly disruptionBudget: k8s.policy.v1.PodDisruptionBudget;
    readonly networkPolicy: k8s.networking.v1.NetworkPolicy;
    readonly livenessConfig: k8s.core.v1.ConfigMap;
    readonly namespaceLabels: k8s.core.v1.NamespacePatch;
    /** The object whose deletion takes the StatefulSet and its pods with it (see `lifetimeOwner`). */
    readonly lifetime: k8s.core.v1.ConfigMap;
    /** The patches that grow existing claims, when this deployment grows them. */
    readonly claimGrowth?: ClaimGrowth;
    /** The claims made from existing data (`restoredClaims`), which the StatefulSet adopts. */
    readonly restoredClaims: k8s.core.v1.PersistentVolumeClaim[];

    constructor(name: string, args: StickyAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super(STICKY_APP_TYPE, name, {}, opts);
        const problems = argumentProblems(name, args);
        if (problems.length > 0) throw new Error(`StickyApp "${name}": ${problems.join("; ")}`);

        // Defaults resolved once, here: a caller passes only what differs.
        const image = args.image ?? STICKY_APP_DEFAULTS.image;
        const replicas = args.replicas ?? STICKY_APP_DEFAULTS.replicas;
        this.claimSizePlan = args.claimSizePlan ?? { action: "new", size: args.storageSize ?? STICKY_APP_DEFAULTS.storageSize };
        const servicePort = args.servicePort ?? STICKY_APP_DEFAULTS.servicePort;
        const protect = args.protect ?? STICKY_APP_DEFAULTS.protect;
        const resources = args.resources ?? DEFAULT_RESOURCES;

        // The object name is the component's name: pods, claims and DNS names all derive from it.
        const appName = name;
        const labels = { app: appName };
        const headlessName = `${appName}-headless`;
        const child = { parent: this, protect };

        this.namespaceLabels = namespaceLabels(appName, args.namespaceLabels, child);
        // Traffic to the web port only, from anywhere; nothing out.
        this.networkPolicy = webOnlyNetworkPolicy(appName, { podLabels: labels, port: CONTAINER_PORT.number }, child);
        // Never protected (see `protect`): every change of its text replaces it, by design.
        this.livenessConfig = livenessConfig(appName, labels, { parent: this });
        this.headlessService = headlessService(headlessName, labels, child);
        this.lifetime = lifetimeOwner(appName, labels, child);
        this.restoredClaims = (args.restoredClaims ?? []).map((restored) =>
            restoredClaim(appName, { labels, storageClassName: args.storageClassName, size: this.claimSizePlan.size }, restored, this),
        );
        const rolloutTimeout = `${rolloutTimeoutMinutes(typeof replicas === "number" ? replicas : 100)}m`;
        this.statefulSet = new k8s.apps.v1.StatefulSet(
            appName,
            {
                metadata: {
                    name: appName,
                    labels,
                    annotations: {
                        // kube-score's checks the component declines, with their reasons in pod-security.ts.
                        ...kubeScoreIgnoreAnnotation(),
                        // Every delete Pulumi makes of it (a replacement for a new claim size) leaves
                        // its pods running for the new StatefulSet to adopt; see `lifetimeOwner`.
                        "pulumi.com/deletionPropagationPolicy": "orphan",
                        // A destroy refused by `protect` (at the owner ConfigMap) has by then
                        // dropped this StatefulSet from the stack without deleting it (its delete is
                        // skipped, deletedWith); the next `up` creates it again over the live
                        // object, and without force that apply conflicts with the old field manager.
                        "pulumi.com/patchForce": "true",
                    },
                    ownerReferences: [
                        {
                            apiVersion: "v1",
                            kind: "ConfigMap",
                            name: this.lifetime.metadata.name,
                            uid: this.lifetime.metadata.uid,
                            blockOwnerDeletion: true,
                        },
                    ],
                },
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
                    // A rolling update stops the next old pod only after the new one has stayed
                    // ready this long (core/drain.ts): a pod that fails right after its first good
                    // probe halts the rollout with the others still serving.
                    minReadySeconds: POD_DRAIN.minReadySeconds,
                    // Deleting the StatefulSet or scaling it down never deletes a claim.
                    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                    template: podTemplate({ labels, containers: [nginxContainer(image, resources, this.livenessConfig.metadata.name)], zoneSpread: args.zoneSpread }),
                    volumeClaimTemplates: [claimTemplate(labels, args.storageClassName, this.claimSizePlan.size)],
                },
            },
            {
                parent: this,
                // The name is fixed, so a replacement (claim template change) cannot be created
                // beside the old object: delete first (orphaning the pods), then create; the new
                // StatefulSet adopts the same pods and claims.
                deleteBeforeReplace: true,
                deletedWith: this.lifetime,
                // A restored claim exists first, so the StatefulSet adopts it instead of making an empty one.
                dependsOn: this.restoredClaims,
                // A whole rollout, one pod at a time (core/drain.ts); 100 pods while the count is unknown.
                customTimeouts: { create: rolloutTimeout, update: rolloutTimeout },
                // Never protected (see `protect`): its replacement touches neither pods nor
                // claims, and must not block a size change.
            },
        );
        this.claimGrowth = this.growClaims(appName, args.storageClassName);
        // Voluntary disruptions (node drains, cluster upgrades) take at most one pod at a time.
        this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
            appName,
            { metadata: { name: appName, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: labels } } },
            child,
        );
        this.service = loadBalancer(appName, labels, servicePort, args, child);

        const ingress = this.service.status.loadBalancer.ingress;
        this.url = pulumi.interpolate`http://${ingress.apply((list) => list?.[0]?.hostname ?? list?.[0]?.ip ?? "")}:${this.service.spec.ports[0].port}`;
        this.podNames = pulumi.output(replicas).apply((count) => Array.from({ length: count }, (_, ordinal) => podName(appName, ordinal)));
        this.claimNames = pulumi.output(replicas).apply((count) => Array.from({ length: count }, (_, ordinal) => claimName(appName, ordinal)));
        this.storageClassName = pulumi.output(args.storageClassName);
        this.storageSize = pulumi.output(this.claimSizePlan.size);

        this.registerOutputs({
            url: this.url,
            podNames: this.podNames,
            claimNames: this.claimNames,
            storageClassName: this.storageClassName,
            storageSize: this.storageSize,
        });
    }

    /**
     * Says at preview, under this component, what the size change does to each claim, and
     * grows the existing claims when the plan says so. Not protected: the next `up` drops the
     * patches from the stack (retainOnDelete), which protection would refuse.
     */
    private growClaims(appName: string, storageClassName: pulumi.Input<string>): ClaimGrowth | undefined {
        const plan = this.claimSizePlan;
        pulumi.output(storageClassName).apply((className) => {
            const message = describeClaimSizePlan(plan, className);
            if (message !== undefined) void (plan.action === "keep" ? pulumi.log.warn : pulumi.log.info)(message, this);
        });
        if (plan.action !== "grow") return undefined;
        return new ClaimGrowth(`${appName}-claims`, { claimNames: plan.claimNames, size: plan.size }, { parent: this, dependsOn: [this.statefulSet] });
    }
}

type ChildOptions = pulumi.CustomResourceOptions;

/**
 * A claim the StatefulSet will adopt, made now from existing data: the template's name pattern,
 * labels, class and size, and the environment's source. Kept by `pulumi destroy` and when the
 * entry is removed (retainOnDelete), like every claim the StatefulSet makes (Retain): the stack
 * only forgets it. No await: a claim of a WaitForFirstConsumer class binds once its pod is
 * scheduled, after the StatefulSet exists, whose own await then waits for the pod.
 */
function restoredClaim(
    appName: string,
    template: { labels: Record<string, string>; storageClassName: pulumi.Input<string>; size: string },
    restored: RestoredClaimArgs,
    parent: pulumi.Resource,
): k8s.core.v1.PersistentVolumeClaim {
    const name = claimName(appName, restored.ordinal);
    return new k8s.core.v1.PersistentVolumeClaim(
        name,
        {
            metadata: { name, namespace: APP_NAMESPACE, labels: template.labels, annotations: { "pulumi.com/skipAwait": "true" } },
            spec: {
                // What claimTemplate (pod-template.ts) asks for, so the StatefulSet sees its own claim.
                accessModes: ["ReadWriteOnce"],
                storageClassName: template.storageClassName,
                resources: { requests: { storage: template.size } },
                volumeName: restored.volumeName,
                dataSource: restored.dataSource,
            },
        },
        { parent, dependsOn: restored.dependsOn, retainOnDelete: true },
    );
}

/**
 * The namespace enforces the Pod Security level the pods meet (restricted). A patch, not a
 * Namespace resource: the namespace, and the claims in it, stay where they are and are never the
 * stack's to delete; `pulumi destroy` removes only these labels.
 */
function namespaceLabels(appName: string, environmentLabels: StickyAppArgs["namespaceLabels"], opts: ChildOptions): k8s.core.v1.NamespacePatch {
    return new k8s.core.v1.NamespacePatch(
        `${appName}-namespace`,
        { metadata: { name: APP_NAMESPACE, labels: { ...environmentLabels, ...podSecurityLabels() } } },
        opts,
    );
}

/**
 * nginx's liveness endpoint (nginx.ts): one server block for /etc/nginx/conf.d/. Auto-named on
 * purpose: a change of its content makes a new ConfigMap under a new name, and the pod
 * template's reference to it rolls the pods (a subPath mount never updates). It holds no data
 * and is replaced by design, so it is never protected.
 */
function livenessConfig(appName: string, labels: Record<string, string>, opts: ChildOptions): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap(
        `${appName}-liveness`,
        { metadata: { labels }, data: { [LIVENESS.fileName]: livenessServerConfig(CONTAINER_PORT.number) } },
        opts,
    );
}

/**
 * The governing Service a StatefulSet's `serviceName` must point at: headless, so each pod gets
 * a stable DNS name (sticky-2.sticky-headless). The article pointed `serviceName` at the
 * LoadBalancer, which is wrong.
 */
function headlessService(headlessName: string, labels: Record<string, string>, opts: ChildOptions): k8s.core.v1.Service {
    return new k8s.core.v1.Service(
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
        opts,
    );
}

/**
 * Replacing the StatefulSet (a new claim size) must not stop its pods, and destroying the app
 * must. pulumi-kubernetes reads the deletion propagation from the old object's annotation and
 * uses it for every delete (replace and destroy alike), so the StatefulSet always orphans its
 * pods when Pulumi deletes it, and is never deleted by Pulumi on destroy: it is owned by this
 * ConfigMap (`ownerReferences`) and `deletedWith` it, so `pulumi destroy` deletes the ConfigMap
 * and Kubernetes' garbage collector takes the StatefulSet and its pods with it (foreground:
 * destroy waits until they are gone). Claims have no owner (Retain) and stay. See
 * docs/storage-size.md.
 */
function lifetimeOwner(appName: string, labels: Record<string, string>, opts: ChildOptions): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap(
        `${appName}-lifetime`,
        {
            metadata: { name: `${appName}-lifetime`, labels },
            data: {
                purpose:
                    `Owns StatefulSet ${appName}: deleting this ConfigMap deletes the StatefulSet and its pods ` +
                    `(not the claims). Managed by Pulumi; delete the stack's app with pulumi destroy, not by hand.`,
            },
        },
        opts,
    );
}

/** The public Service, named as in the article so `kubectl get service sticky` works. */
function loadBalancer(
    appName: string,
    labels: Record<string, string>,
    port: pulumi.Input<number>,
    environment: Pick<StickyAppArgs, "serviceAnnotations" | "serviceLoadBalancerClass">,
    opts: ChildOptions,
): k8s.core.v1.Service {
    return new k8s.core.v1.Service(
        `${appName}-public`,
        {
            // The environment's annotations first: the component's own wait rule always applies.
            metadata: { name: appName, labels, annotations: { ...environment.serviceAnnotations, [AWAIT_ANNOTATION]: LOAD_BALANCER_ADDRESS_KNOWN } },
            spec: {
                type: "LoadBalancer",
                ...(environment.serviceLoadBalancerClass === undefined ? {} : { loadBalancerClass: environment.serviceLoadBalancerClass }),
                selector: labels,
                ports: [{ name: CONTAINER_PORT.name, port, targetPort: CONTAINER_PORT.name, protocol: "TCP" }],
                // Kubernetes' default, stated because `Local` looks like the better choice and is
                // not, for draining: with a load balancer that targets nodes (an NLB's instance
                // targets), `Local` makes each node serve only its own pod, so every pod that stops
                // takes its node out of the load balancer, which notices only by failing health
                // checks; `Cluster` leaves every node in and kube-proxy stops routing to the pod
                // within a second, well inside its preStop sleep. With IP targets (the NLB goes to
                // pod addresses), on one node (Docker Desktop) and behind a load balancer that
                // connects to the ClusterIP (the test cluster's) the policy changes nothing. What
                // `Local` would give, the client's address at nginx, the access log does not need.
                externalTrafficPolicy: "Cluster",
            },
        },
        opts,
    );
}
