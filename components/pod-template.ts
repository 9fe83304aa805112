/**
 * The StatefulSet's pod template and claim template, from small named builders: the pod's
 * placement, its volumes, the nginx container. Plain data, no resources: StickyApp puts them
 * into its StatefulSet, and the tests read each piece.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { TERMINATION_GRACE_SECONDS } from "../core/drain";
import type { ZoneSpread } from "../core/kubernetes";
import { CLAIM_TEMPLATE, CONTAINER_PORT, DATA_PATH } from "./sticky-app-contract";
import { LIVENESS, livenessProbe, readinessProbe, stopLifecycle } from "./nginx";
import { containerSecurityContext, podSecurityContext } from "./pod-security";

type Labels = Record<string, string>;


/**
 * One pod per zone where there are zones (EBS volumes are zonal, so a zone outage then takes one
 * pod, not all), one per node where there are nodes. Nodes always ScheduleAnyway: a one-node
 * laptop cluster must still run all three; zones as the environment says (DoNotSchedule on EKS).
 */
export function topologySpread(labels: Labels, zoneSpread: ZoneSpread = "ScheduleAnyway"): k8s.types.input.core.v1.TopologySpreadConstraint[] {
    return ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map((topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: topologyKey === "topology.kubernetes.io/zone" ? zoneSpread : "ScheduleAnyway",
        labelSelector: { matchLabels: labels },
    }));
}

/** What the pod mounts besides its claim: nginx's two writable paths and its liveness config. */
export function podVolumes(livenessConfigMapName: pulumi.Input<string>): k8s.types.input.core.v1.Volume[] {
    return [
        { name: "cache", emptyDir: { sizeLimit: "64Mi" } },
        { name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
        { name: "liveness", configMap: { name: livenessConfigMapName } },
    ];
}

/**
 * The nginx container: the claim at {@link DATA_PATH}, a read-only root, probes by port name, and
 * a stop that keeps serving until its endpoint is gone everywhere (nginx.ts, `stopLifecycle`).
 */
export function nginxContainer(
    image: pulumi.Input<string>,
    resources: pulumi.Input<k8s.types.input.core.v1.ResourceRequirements>,
): k8s.types.input.core.v1.Container {
    return {
        name: "nginx",
        image,
        ports: [{ name: CONTAINER_PORT.name, containerPort: CONTAINER_PORT.number }],
        // The version is pinned; see KUBE_SCORE_DECLINED for why not Always.
        imagePullPolicy: "IfNotPresent",
        readinessProbe: readinessProbe(CONTAINER_PORT.name),
        livenessProbe: livenessProbe(CONTAINER_PORT.name),
        lifecycle: stopLifecycle(),
        resources,
        securityContext: containerSecurityContext(),
        volumeMounts: [
            { name: CLAIM_TEMPLATE, mountPath: DATA_PATH },
            // The only paths nginx writes besides the data: temp files and pid.
            { name: "cache", mountPath: "/var/cache/nginx" },
            { name: "run", mountPath: "/var/run" },
            { name: "liveness", mountPath: `${LIVENESS.mountDir}/${LIVENESS.fileName}`, subPath: LIVENESS.fileName, readOnly: true },
        ],
    };
}

/** What each pod runs, and where. */
export interface PodTemplateArgs {
    readonly labels: Labels;
    readonly image: pulumi.Input<string>;
    readonly resources: pulumi.Input<k8s.types.input.core.v1.ResourceRequirements>;
    /** The ConfigMap with nginx's liveness server block. */
    readonly livenessConfigMapName: pulumi.Input<string>;
    /** How strictly the pods spread over zones. @default "ScheduleAnyway" */
    readonly zoneSpread?: ZoneSpread;
}

/** The StatefulSet's pod template: one hardened nginx, no service account token, spread out. */
export function podTemplate(args: PodTemplateArgs): k8s.types.input.core.v1.PodTemplateSpec {
    return {
        metadata: { labels: args.labels },
        spec: {
            // Counted from the start of the preStop sleep: the sleep and nginx's graceful stop
            // both fit (core/drain.ts), so the kubelet never kills a pod that is still answering.
            terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(CONTAINER_PORT.number),
            topologySpreadConstraints: topologySpread(args.labels, args.zoneSpread),
            containers: [nginxContainer(args.image, args.resources)],
            volumes: podVolumes(args.livenessConfigMapName),
        },
    };
}

/** Each pod's claim: ReadWriteOnce, of the class the environment named, at the planned size. */
export function claimTemplate(labels: Labels, storageClassName: pulumi.Input<string>, size: string): k8s.types.input.core.v1.PersistentVolumeClaim {
    return {
        metadata: { name: CLAIM_TEMPLATE, labels },
        spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName,
            resources: { requests: { storage: size } },
        },
    };
}
