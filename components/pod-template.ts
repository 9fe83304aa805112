/**
 * The StatefulSet's pod template and claim template, from small named builders: the pod's
 * placement, its containers (each with its resources and its mounts, which bring their volumes). Plain data, no resources: StickyApp puts them
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

/**
 * Where a container mounts a volume. The mount brings its volume, so a volume's name is written
 * once: {@link podTemplate} adds each mounted volume to the pod, once however many containers
 * mount it. A claim template's volume comes from the StatefulSet (`volumeClaimTemplates`), not
 * the pod: {@link claimMount}.
 */
export interface Mount {
    /** The pod's volume (an emptyDir, a ConfigMap...), or the claim template whose claim each pod gets. */
    readonly volume: k8s.types.input.core.v1.Volume | { readonly claimTemplate: string };
    readonly mountPath: string;
    readonly subPath?: string;
    readonly readOnly?: boolean;
}

/** Each pod's own claim, from the StatefulSet's claim template ({@link claimTemplate}), at `mountPath`. */
export const claimMount = (mountPath: string): Mount => ({ volume: { claimTemplate: CLAIM_TEMPLATE }, mountPath });

/**
 * One container of the pod: what Kubernetes takes, with its own resources (every container needs
 * requests and limits: the policy pack's container-resources) and its mounts, which bring their
 * volumes. A sidecar is one more of these in {@link PodTemplateArgs.containers}.
 */
export interface PodContainer extends Omit<k8s.types.input.core.v1.Container, "volumeMounts" | "resources"> {
    readonly name: string;
    readonly resources: pulumi.Input<k8s.types.input.core.v1.ResourceRequirements>;
    readonly mounts: readonly Mount[];
}

/**
 * The nginx container: its claim at {@link DATA_PATH}, a read-only root (so its two writable
 * paths are emptyDirs), its liveness server block from `livenessConfigMapName`, probes by port
 * name, and a stop that keeps serving until its endpoint is gone everywhere (nginx.ts,
 * `stopLifecycle`).
 */
export function nginxContainer(
    image: pulumi.Input<string>,
    resources: pulumi.Input<k8s.types.input.core.v1.ResourceRequirements>,
    livenessConfigMapName: pulumi.Input<string>,
): PodContainer {
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
        mounts: [
            claimMount(DATA_PATH),
            // The only paths nginx writes besides the data: temp files and pid.
            { volume: { name: "cache", emptyDir: { sizeLimit: "64Mi" } }, mountPath: "/var/cache/nginx" },
            { volume: { name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } }, mountPath: "/var/run" },
            {
                volume: { name: "liveness", configMap: { name: livenessConfigMapName } },
                mountPath: `${LIVENESS.mountDir}/${LIVENESS.fileName}`,
                subPath: LIVENESS.fileName,
                readOnly: true,
            },
        ],
    };
}

/**
 * The containers as Kubernetes takes them, and the pod's volumes: each volume a container mounts,
 * in the order first mounted, once. Two volumes under one name are refused, naming both
 * containers: the pod holds one volume by a name, so containers that share one mount the same
 * object.
 */
export function podContainersAndVolumes(containers: readonly PodContainer[]): { containers: k8s.types.input.core.v1.Container[]; volumes: k8s.types.input.core.v1.Volume[] } {
    const volumes = new Map<string, { volume: k8s.types.input.core.v1.Volume; container: string }>();
    const names = new Set<string>();
    const built = containers.map(({ mounts, ...container }) => {
        if (names.has(container.name)) throw new Error(`container "${container.name}" is in the pod twice: give each container a name of its own`);
        names.add(container.name);
        const volumeMounts = mounts.map(({ volume, mountPath, subPath, readOnly }) => {
            const name = "claimTemplate" in volume ? volume.claimTemplate : (volume.name as string);
            if (!("claimTemplate" in volume)) {
                const first = volumes.get(name);
                if (first === undefined) volumes.set(name, { volume, container: container.name });
                else if (first.volume !== volume) {
                    throw new Error(`volume "${name}" of container "${container.name}" is another than the "${name}" of container "${first.container}": a pod has one volume by a name; mount the same one, or name yours otherwise`);
                }
            }
            return { name, mountPath, ...(subPath === undefined ? {} : { subPath }), ...(readOnly === undefined ? {} : { readOnly }) };
        });
        return { ...container, volumeMounts };
    });
    return { containers: built, volumes: [...volumes.values()].map((v) => v.volume) };
}

/** What each pod runs, and where. */
export interface PodTemplateArgs {
    readonly labels: Labels;
    /** The pod's containers, nginx first: each brings its resources and its mounts (and so the pod's volumes). */
    readonly containers: readonly PodContainer[];
    /** How strictly the pods spread over zones. @default "ScheduleAnyway" */
    readonly zoneSpread?: ZoneSpread;
}

/** The StatefulSet's pod template: hardened containers, no service account token, spread out. */
export function podTemplate(args: PodTemplateArgs): k8s.types.input.core.v1.PodTemplateSpec {
    const { containers, volumes } = podContainersAndVolumes(args.containers);
    return {
        metadata: { labels: args.labels },
        spec: {
            // Counted from the start of the preStop sleep: the sleep and nginx's graceful stop
            // both fit (core/drain.ts), so the kubelet never kills a pod that is still answering.
            terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(CONTAINER_PORT.number),
            topologySpreadConstraints: topologySpread(args.labels, args.zoneSpread),
            containers,
            volumes,
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
