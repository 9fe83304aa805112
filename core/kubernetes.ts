/**
 * The project's Kubernetes vocabulary: Pulumi type tokens, the few shapes of objects that the
 * policies, the review and the tests read, where a pod spec lives in each workload type, and
 * how messages show objects and values.
 *
 * Declared here rather than imported from @pulumi/kubernetes on purpose: the policy host compiles
 * its pack with ts-node every time it starts, and even an `import type` of @pulumi/kubernetes
 * makes it parse megabytes of declarations first. The props a policy receives are plain JSON
 * anyway (no Inputs or Outputs), so a handful of optional fields describe them better.
 */

/**
 * How strictly pods spread over zones (a topology spread's `whenUnsatisfiable`): `DoNotSchedule`
 * where a pod per zone matters (a pod waits rather than share a zone), `ScheduleAnyway` where a
 * one-node cluster must still run them all. The environment chooses; the app applies it.
 */
export const ZONE_SPREADS = ["DoNotSchedule", "ScheduleAnyway"] as const;
export type ZoneSpread = (typeof ZONE_SPREADS)[number];

/**
 * pulumi-kubernetes' await override: an object is ready when this annotation's condition holds
 * (`jsonpath={...}` present, or `jsonpath={...}=value`), instead of the provider's built-in
 * await for its kind; the provider still returns the live object.
 */
export const AWAIT_ANNOTATION = "pulumi.com/waitFor";

/** Pulumi type tokens of the Kubernetes resources the policies look at. */
export const TYPES = {
    pod: "kubernetes:core/v1:Pod",
    service: "kubernetes:core/v1:Service",
    persistentVolumeClaim: "kubernetes:core/v1:PersistentVolumeClaim",
    replicationController: "kubernetes:core/v1:ReplicationController",
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
    replicaSet: "kubernetes:apps/v1:ReplicaSet",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
} as const;

/**
 * Type tokens of the CSI snapshot CRDs (no SDK class to take them from): the snapshot a claim is
 * restored from, its cluster-side handle on a cloud snapshot, and the class they belong to.
 */
export const SNAPSHOT_TYPES = {
    volumeSnapshot: "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshot",
    volumeSnapshotContent: "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotContent",
    volumeSnapshotClass: "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass",
} as const;

export interface ObjectMeta {
    name?: string;
    labels?: Record<string, string>;
}

export interface SecurityContext {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    capabilities?: { add?: string[]; drop?: string[] };
    seccompProfile?: { type?: string };
}

export interface ContainerPort {
    name?: string;
    containerPort?: number;
}

export interface Container {
    name?: string;
    ports?: ContainerPort[];
    readinessProbe?: Probe;
    livenessProbe?: Probe;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    securityContext?: SecurityContext;
}

/** A probe's handler (one of them is set); the timings do not make two probes different checks. */
export interface Probe {
    tcpSocket?: { port?: string | number };
    httpGet?: { path?: string; port?: string | number; httpHeaders?: { name?: string; value?: string }[] };
    exec?: { command?: string[] };
    grpc?: { port?: number; service?: string };
}

export interface Volume {
    name?: string;
    hostPath?: { path?: string };
    persistentVolumeClaim?: { claimName?: string };
}

export interface PodSpec {
    containers?: Container[];
    initContainers?: Container[];
    volumes?: Volume[];
    securityContext?: SecurityContext;
}

export interface PodTemplate {
    metadata?: ObjectMeta;
    spec?: PodSpec;
}

export interface ClaimTemplate {
    metadata?: ObjectMeta;
    spec?: { storageClassName?: string };
}

export interface StatefulSet {
    metadata?: ObjectMeta;
    spec?: {
        template?: PodTemplate;
        volumeClaimTemplates?: ClaimTemplate[];
        persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
    };
}

export interface NetworkPolicy {
    metadata?: ObjectMeta;
    spec?: { podSelector?: { matchLabels?: Record<string, string> }; policyTypes?: string[] };
}

export interface PersistentVolumeClaim {
    metadata?: ObjectMeta;
    spec?: { storageClassName?: string };
}

export interface StorageClass {
    metadata?: ObjectMeta;
    provisioner?: string;
    parameters?: Record<string, string>;
    reclaimPolicy?: string;
    volumeBindingMode?: string;
    allowVolumeExpansion?: boolean;
}

export interface ServicePort {
    name?: string;
    port?: number;
    targetPort?: number | string;
    protocol?: string;
}

export interface Service {
    metadata?: ObjectMeta;
    spec?: { type?: string; selector?: Record<string, string>; ports?: ServicePort[] };
}

/** RFC 1123 subdomain: the rule for the names of StorageClasses and most other objects. */
export function isObjectName(value: string): boolean {
    return value.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value);
}

/** The Kubernetes kind of each type token, for messages ("StatefulSet "sticky" ..."). */
function kindOf(type: string): string {
    return type.slice(type.lastIndexOf(":") + 1);
}

/**
 * How a message names an object: its kind and Kubernetes name, or the Pulumi resource name when
 * the object is auto-named (its Kubernetes name is not known before it exists).
 */
export function describeObject(type: string, props: { metadata?: ObjectMeta }, resourceName: string): string {
    return `${kindOf(type)} "${props.metadata?.name ?? resourceName}"`;
}

/** The pod template of a workload, or undefined for anything that does not run pods. */
export function podTemplateOf(type: string, props: Record<string, unknown>): PodTemplate | undefined {
    const spec = props.spec as Record<string, unknown> | undefined;
    switch (type) {
        case TYPES.pod:
            return { metadata: props.metadata as ObjectMeta | undefined, spec: spec as PodSpec | undefined };
        case TYPES.replicationController:
        case TYPES.deployment:
        case TYPES.statefulSet:
        case TYPES.daemonSet:
        case TYPES.replicaSet:
        case TYPES.job:
            return spec?.template as PodTemplate | undefined;
        case TYPES.cronJob: {
            const jobTemplate = spec?.jobTemplate as { spec?: { template?: PodTemplate } } | undefined;
            return jobTemplate?.spec?.template;
        }
        default:
            return undefined;
    }
}

/** Every container of a pod spec, init containers included (they run with the same rights). */
export function containersOf(pod: PodSpec | undefined): Container[] {
    return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

/** `"gp3"` for a value, `unset` for none: how messages show what a field holds. */
export function shown(value: unknown): string {
    return value === undefined || value === null ? "unset" : JSON.stringify(value);
}

/** `{a: "1", b: "2"}` as `a=1,b=2`, the way kubectl prints selectors. */
export function formatLabels(labels: Record<string, string> | undefined): string {
    return Object.entries(labels ?? {})
        .map(([key, value]) => `${key}=${value}`)
        .join(",");
}
