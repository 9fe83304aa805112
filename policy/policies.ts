/**
 * The sticky policies: the article's contract (each pod keeps its own claim, on a named class)
 * and what production needs on top (encrypted gp3 volumes that outlive their claims, workloads
 * that cannot reach the node, a load balancer that publishes the app and nothing else).
 *
 * Mandatory policies block a preview or update; advisory ones print a warning and let it go on.
 * A policy is mandatory when breaking it loses data, exposes the node or the network, or makes
 * the app fail in a way the stack cannot see; advisory when the fix depends on the image or on
 * measurements this pack cannot make.
 *
 * Each policy is exported on its own so tests can call its validate function directly; index.ts
 * serves them all as one pack.
 */
import type {
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import {
    containersOf,
    describeObject,
    formatLabels,
    podTemplateOf,
    shown,
    TYPES,
    type Container,
    type NetworkPolicy,
    type PersistentVolumeClaim,
    type PodSpec,
    type PodTemplate,
    type Probe,
    type SecurityContext,
    type Service,
    type StatefulSet,
    type StorageClass,
} from "../core/kubernetes";
import type { EnvironmentRegistry } from "../environments/definition";
import { EBS_CSI_PROVISIONER, EBS_CSI_PROVISIONERS, ebsStorageClassProblems } from "../environments/eks/storage-rule";
import { ENVIRONMENTS } from "../environments/registry";

/**
 * Stacks allowed to keep data on a laptop's node-local storage.
 *
 * The pack tells dev from prod by the stack name in each resource's URN
 * (`urn:pulumi:<stack>::<project>::...`), not by what the stack contains. That fails closed: a
 * new stack (`staging`, a second region, a stack pointed at an existing cluster through
 * `sticky:kubeContext`) gets the production rules until someone adds it here on purpose. Telling
 * them apart by the presence of an `eks:index:Cluster` would fail open for exactly that last
 * case. The URN comes from the engine with every request, so this works the same under the real
 * CLI, under any version of the policy host, and in the unit tests; `pulumi.getStack()` is only
 * set in the policy process by recent language hosts, and policy config can be forgotten on the
 * command line.
 */
export const DEV_STACKS: readonly string[] = ["dev"];

/** The stack a URN belongs to. */
export function stackOf(urn: string): string {
    const prefix = "urn:pulumi:";
    return urn.startsWith(prefix) ? urn.slice(prefix.length, urn.indexOf("::")) : "";
}

function isDevStack(urn: string): boolean {
    return DEV_STACKS.includes(stackOf(urn));
}

/**
 * Classes that keep volumes in a directory on one node: fine on a laptop, data loss anywhere a
 * node can be replaced. Named after the laptop clusters' built-in classes (domain facts table).
 */
const NODE_LOCAL_CLASS_NAMES: readonly string[] = ["hostpath", "local-path"];
const NODE_LOCAL_PROVISIONERS: readonly string[] = [
    "docker.io/hostpath",
    "k8s.io/minikube-hostpath",
    "rancher.io/local-path",
    "microk8s.io/hostpath",
];

/**
 * Capabilities a container may add back after dropping ALL: the only one the Pod Security
 * Standards' `restricted` level allows. The app adds none (it binds port 80 as non-root through
 * the `net.ipv4.ip_unprivileged_port_start` sysctl); anything else (CHOWN, SETUID, NET_ADMIN,
 * SYS_ADMIN, ...) would be refused by the namespace anyway, or is a way out of the container.
 */
const ALLOWED_CAPABILITIES: readonly string[] = ["NET_BIND_SERVICE"];

/** Runs `check` on the pod template of any workload type; ignores everything else. */
function forEachPodTemplate(check: (template: PodTemplate, subject: string, report: ReportViolation) => void): ResourceValidation {
    return (args, report) => {
        const template = podTemplateOf(args.type, args.props);
        if (template === undefined) return;
        check(template, describeObject(args.type, args.props, args.name), report);
    };
}

/** Runs `check` on every container (init containers included) of any workload type. */
function forEachContainer(check: (container: Container, pod: PodSpec, where: string, report: ReportViolation) => void): ResourceValidation {
    return forEachPodTemplate((template, subject, report) => {
        const pod = template.spec ?? {};
        for (const container of containersOf(pod)) {
            check(container, pod, `${subject}: container "${container.name ?? "?"}"`, report);
        }
    });
}

// ---------------------------------------------------------------------------------------------
// The article's contract: per-pod claims from templates, on a class named explicitly.

export const statefulSetStorageFromClaimTemplates: ResourceValidationPolicy = {
    name: "statefulset-storage-from-claim-templates",
    description:
        "A StatefulSet's storage comes from volumeClaimTemplates (one claim per pod), each naming its StorageClass explicitly.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== TYPES.statefulSet) return;
        const statefulSet = args.props as StatefulSet;
        const subject = describeObject(args.type, statefulSet, args.name);
        const templates = statefulSet.spec?.volumeClaimTemplates ?? [];
        if (templates.length === 0) {
            report(`${subject} has no volumeClaimTemplates: each pod must get its own claim from a template, or its data goes with the pod.`);
        }
        for (const template of templates) {
            if (!template.spec?.storageClassName) {
                report(
                    `${subject}: claim template "${template.metadata?.name ?? "?"}" has no storageClassName, so its volumes come ` +
                        `from whichever class the cluster marks default (EKS 1.30+ has none); name the class.`,
                );
            }
        }
        for (const volume of statefulSet.spec?.template?.spec?.volumes ?? []) {
            if (volume.persistentVolumeClaim) {
                report(
                    `${subject}: pod volume "${volume.name ?? "?"}" mounts claim "${volume.persistentVolumeClaim.claimName ?? "?"}", ` +
                        `which every replica would share; use a volumeClaimTemplate so each pod gets its own.`,
                );
            }
        }
    },
};

export const statefulSetKeepsItsClaims: ResourceValidationPolicy = {
    name: "statefulset-keeps-its-claims",
    description:
        "A StatefulSet has a fixed name and retains its claims, so a replacement or a scale-down never strands or deletes data.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== TYPES.statefulSet) return;
        const statefulSet = args.props as StatefulSet;
        const subject = describeObject(args.type, statefulSet, args.name);
        if (!statefulSet.metadata?.name) {
            report(
                `${subject} has no metadata.name: Pulumi auto-names it with a random suffix, so a replacement would come back ` +
                    `with new, empty claims instead of adopting the old ones; set metadata.name.`,
            );
        }
        const retention = statefulSet.spec?.persistentVolumeClaimRetentionPolicy ?? {};
        for (const when of ["whenDeleted", "whenScaled"] as const) {
            if (retention[when] === "Delete") {
                report(
                    `${subject}: persistentVolumeClaimRetentionPolicy.${when} is "Delete", must be "Retain": ` +
                        `the claims (and their data) must outlive the pods that use them.`,
                );
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------
// Production storage: encrypted gp3 on the EBS CSI driver, volumes retained, nothing node-local.

export const ebsStorageClassEncryptedGp3: ResourceValidationPolicy = {
    name: "ebs-storage-class-encrypted-gp3",
    description:
        'An EBS StorageClass uses the CSI driver with type gp3, encrypted "true", reclaimPolicy Retain and WaitForFirstConsumer.',
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== TYPES.storageClass) return;
        const storageClass = args.props as StorageClass;
        const subject = describeObject(args.type, storageClass, args.name);
        if (storageClass.provisioner === "kubernetes.io/aws-ebs") {
            report(`${subject} uses the in-tree provisioner kubernetes.io/aws-ebs, which EKS no longer ships; use ${EBS_CSI_PROVISIONER}.`);
            return;
        }
        if (!EBS_CSI_PROVISIONERS.includes(storageClass.provisioner ?? "")) return;
        for (const problem of ebsStorageClassProblems(storageClass)) {
            report(`${subject} (${storageClass.provisioner}): ${problem}.`);
        }
    },
};

export const ebsStorageClassExpandable: ResourceValidationPolicy = {
    name: "ebs-storage-class-expandable",
    description: "An EBS StorageClass allows volume expansion, so a full volume can be grown in place.",
    enforcementLevel: "advisory",
    validateResource: (args, report) => {
        if (args.type !== TYPES.storageClass) return;
        const storageClass = args.props as StorageClass;
        if (!EBS_CSI_PROVISIONERS.includes(storageClass.provisioner ?? "") || storageClass.allowVolumeExpansion === true) return;
        report(
            `${describeObject(args.type, storageClass, args.name)} (${storageClass.provisioner}): allowVolumeExpansion is ` +
                `${shown(storageClass.allowVolumeExpansion)}, should be true so a full volume can be grown by editing its claim.`,
        );
    },
};

export const noHostPathVolumes: ResourceValidationPolicy = {
    name: "no-host-path-volumes",
    description: "No pod mounts a hostPath volume: it reads and writes the node's own filesystem, around claims and classes.",
    enforcementLevel: "mandatory",
    validateResource: forEachPodTemplate((template, subject, report) => {
        for (const volume of template.spec?.volumes ?? []) {
            if (volume.hostPath) {
                report(
                    `${subject}: pod volume "${volume.name ?? "?"}" is a hostPath (${volume.hostPath.path ?? "?"}), which exposes ` +
                        `the node's filesystem and ties the data to one node; use a claim.`,
                );
            }
        }
    }),
};

export const noHostpathClassOutsideDev: ResourceValidationPolicy = {
    name: "no-hostpath-class-outside-dev",
    description: `Only dev stacks (${DEV_STACKS.join(", ")}) use a node-local class (hostpath, local-path): elsewhere a node replacement loses the data.`,
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (isDevStack(args.urn)) return;
        const stack = stackOf(args.urn);
        const onlyDev = `only dev stacks (${DEV_STACKS.join(", ")}) may keep data on one node`;
        const subject = describeObject(args.type, args.props, args.name);
        const checkClassName = (where: string, className: string | undefined) => {
            if (className !== undefined && NODE_LOCAL_CLASS_NAMES.includes(className)) {
                report(`${where} asks for class "${className}", a directory on one node of a laptop cluster, in stack "${stack}"; ${onlyDev}.`);
            }
        };
        switch (args.type) {
            case TYPES.statefulSet:
                for (const template of (args.props as StatefulSet).spec?.volumeClaimTemplates ?? []) {
                    checkClassName(`${subject}: claim template "${template.metadata?.name ?? "?"}"`, template.spec?.storageClassName);
                }
                break;
            case TYPES.persistentVolumeClaim:
                checkClassName(subject, (args.props as PersistentVolumeClaim).spec?.storageClassName);
                break;
            case TYPES.storageClass: {
                const storageClass = args.props as StorageClass;
                const name = storageClass.metadata?.name;
                if (NODE_LOCAL_PROVISIONERS.includes(storageClass.provisioner ?? "")) {
                    report(`${subject} (${storageClass.provisioner}) keeps volumes in a directory on one node, in stack "${stack}"; ${onlyDev}.`);
                } else if (name !== undefined && NODE_LOCAL_CLASS_NAMES.includes(name)) {
                    report(
                        `${subject} takes the name of a laptop cluster's node-local class, in stack "${stack}": claims written for ` +
                            `dev would bind to it unnoticed; give it another name.`,
                    );
                }
                break;
            }
        }
    },
};

/**
 * A class a claim names, resolved against the classes this stack creates: outside dev stacks,
 * claims must use a class of the stack's own that a registered environment's storage rule
 * accepts (environments/registry.ts; for EKS, the encrypted gp3 class). The resource policies
 * above check each class's fields; this checks that the claims actually use such a class, which
 * no single resource can show (a claim naming an existing unencrypted `gp2` class passes every
 * resource policy). An environment without a rule (local) is for dev stacks only.
 *
 * Built from a registry so that a test can show an environment's rule taking effect; the pack
 * serves it for environments/registry.ts (`productionStorageIsEncryptedGp3`). The name is the
 * one stack files, previews and docs know, from when gp3 was the only rule.
 */
export function productionStoragePolicy(environments: EnvironmentRegistry): StackValidationPolicy {
    const rules = environments.flatMap((environment) => (environment.storageRule === undefined ? [] : [environment.storageRule]));
    const onlyDev = `only dev stacks (${DEV_STACKS.join(", ")}) may have claims: no registered environment has a storage rule`;
    return {
        name: "production-storage-is-encrypted-gp3",
        description:
            rules.length === 0
                ? `Outside dev stacks, no claim: ${onlyDev}.`
                : `Outside dev stacks (${DEV_STACKS.join(", ")}), every claim uses a StorageClass the stack creates: ${rules.map((r) => r.summary).join("; or ")}.`,
        enforcementLevel: "mandatory",
        validateStack: (args, report) => {
            const classes = new Map<string, StorageClass>();
            for (const resource of args.resources) {
                const storageClass = resource.props as StorageClass;
                if (resource.type === TYPES.storageClass && storageClass.metadata?.name) {
                    classes.set(storageClass.metadata.name, storageClass);
                }
            }
            const checkClaim = (resource: PolicyResource, where: string, className: string | undefined) => {
                if (className === undefined) return; // statefulset-storage-from-claim-templates reports it
                const stack = stackOf(resource.urn);
                if (rules.length === 0) {
                    report(`${where} uses class "${className}" in stack "${stack}"; ${onlyDev}.`, resource.urn);
                    return;
                }
                const requirement = `claims in stack "${stack}" must use ${rules.map((r) => r.requirement).join(" or ")}`;
                const storageClass = classes.get(className);
                if (storageClass === undefined) {
                    report(`${where} uses class "${className}", which this stack does not create; ${requirement}.`, resource.urn);
                } else if (rules.every((rule) => rule.problems(storageClass).length > 0)) {
                    report(`${where} uses class "${className}", which is not ${rules.map((r) => r.classKind).join(" or ")}; ${requirement}.`, resource.urn);
                }
            };
            for (const resource of args.resources) {
                if (isDevStack(resource.urn)) continue;
                const subject = describeObject(resource.type, resource.props, resource.name);
                if (resource.type === TYPES.statefulSet) {
                    for (const template of (resource.props as StatefulSet).spec?.volumeClaimTemplates ?? []) {
                        checkClaim(resource, `${subject}: claim template "${template.metadata?.name ?? "?"}"`, template.spec?.storageClassName);
                    }
                } else if (resource.type === TYPES.persistentVolumeClaim) {
                    checkClaim(resource, subject, (resource.props as PersistentVolumeClaim).spec?.storageClassName);
                }
            }
        },
    };
}

export const productionStorageIsEncryptedGp3 = productionStoragePolicy(ENVIRONMENTS);

// ---------------------------------------------------------------------------------------------
// Containers: health, resources, and a security context that keeps them inside the container.

export const containerProbes: ResourceValidationPolicy = {
    name: "container-probes",
    description: "Every container has a readiness probe (gates traffic) and a liveness probe (restarts a hung process).",
    enforcementLevel: "mandatory",
    validateResource: forEachPodTemplate((template, subject, report) => {
        // Init containers run to completion before the pod starts; Kubernetes rejects probes on them.
        for (const container of template.spec?.containers ?? []) {
            const where = `${subject}: container "${container.name ?? "?"}"`;
            if (!container.readinessProbe) {
                report(`${where} has no readinessProbe, so its Services send it traffic before it can answer.`);
            }
            if (!container.livenessProbe) {
                report(`${where} has no livenessProbe, so a hung process keeps its place and is never restarted.`);
            }
            if (container.readinessProbe && container.livenessProbe && sameProbeCheck(container.readinessProbe, container.livenessProbe)) {
                report(
                    `${where} checks the same thing for readiness and liveness, so a busy container taken out of its Services ` +
                        `is soon restarted too; make liveness ask whether the process is stuck (another handler or endpoint).`,
                );
            }
        }
    }),
};

/** Two probes that ask the same question (same handler and target), whatever their timings. */
function sameProbeCheck(a: Probe, b: Probe): boolean {
    const handler = (probe: Probe) => JSON.stringify([probe.tcpSocket, probe.httpGet, probe.exec, probe.grpc]);
    return handler(a) === handler(b);
}

export const containerResources: ResourceValidationPolicy = {
    name: "container-resources",
    description: "Every container requests CPU and memory and limits memory.",
    enforcementLevel: "mandatory",
    validateResource: forEachContainer((container, _pod, where, report) => {
        const requests = container.resources?.requests ?? {};
        const limits = container.resources?.limits ?? {};
        const missing = [
            requests.cpu === undefined ? "resources.requests.cpu" : undefined,
            requests.memory === undefined ? "resources.requests.memory" : undefined,
            limits.memory === undefined ? "resources.limits.memory" : undefined,
        ].filter((field): field is string => field !== undefined);
        if (missing.length > 0) {
            report(
                `${where} sets no ${missing.join(", ")}: requests let the scheduler place the pod, ` +
                    `and the memory limit keeps it from starving its node.`,
            );
        }
    }),
};

// Advisory: a CPU limit throttles a pod even when its node is idle, which hurts latency; whether
// that is worth the isolation is a measurement, not a rule.
export const containerCpuLimit: ResourceValidationPolicy = {
    name: "container-cpu-limit",
    description: "Every container limits CPU, so one busy pod cannot take every core of its node.",
    enforcementLevel: "advisory",
    validateResource: forEachContainer((container, _pod, where, report) => {
        if (container.resources?.limits?.cpu === undefined) {
            report(`${where} sets no resources.limits.cpu, so one busy pod can take every core of its node.`);
        }
    }),
};

export const containerSecurityContext: ResourceValidationPolicy = {
    name: "container-security-context",
    description: `Every container is unprivileged, cannot escalate, drops ALL capabilities and adds back at most ${ALLOWED_CAPABILITIES.join(", ")}.`,
    enforcementLevel: "mandatory",
    validateResource: forEachContainer((container, _pod, where, report) => {
        const context: SecurityContext = container.securityContext ?? {};
        if (context.privileged === true) {
            report(`${where} is privileged: it gets every capability and the node's devices.`);
        }
        if (context.allowPrivilegeEscalation !== false) {
            report(
                `${where}: securityContext.allowPrivilegeEscalation is ${shown(context.allowPrivilegeEscalation)}, must be false ` +
                    `so no setuid binary can gain rights.`,
            );
        }
        if (!(context.capabilities?.drop ?? []).includes("ALL")) {
            report(`${where} does not drop ALL capabilities (securityContext.capabilities.drop), so it keeps the runtime's default set.`);
        }
        const extra = (context.capabilities?.add ?? []).filter((capability) => !ALLOWED_CAPABILITIES.includes(capability));
        if (extra.length > 0) {
            report(`${where} adds capabilities ${extra.join(", ")}; only ${ALLOWED_CAPABILITIES.join(", ")} may be added back.`);
        }
    }),
};

/** A seccomp profile that actually filters system calls. */
function isConfinedSeccomp(context: SecurityContext | undefined): boolean {
    const type = context?.seccompProfile?.type;
    return type === "RuntimeDefault" || type === "Localhost";
}

// Mandatory since the app meets the Pod Security Standards' restricted level: nginx runs as a
// non-root uid with a read-only root (its temp paths on emptyDirs) under RuntimeDefault seccomp.
export const containerHardening: ResourceValidationPolicy = {
    name: "container-hardening",
    description: "Containers run as non-root, with a read-only root filesystem and a seccomp profile.",
    enforcementLevel: "mandatory",
    validateResource: forEachContainer((container, pod, where, report) => {
        const context = container.securityContext;
        if (context?.readOnlyRootFilesystem !== true) {
            report(`${where} has a writable root filesystem (securityContext.readOnlyRootFilesystem is not true).`);
        }
        if ((context?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) !== true) {
            report(
                `${where} may run as root (runAsNonRoot is not true on it or its pod); ` +
                    `an image that runs as an unprivileged user removes the need for root.`,
            );
        }
        if (!isConfinedSeccomp(context) && !isConfinedSeccomp(pod.securityContext)) {
            report(`${where} has no seccomp profile (RuntimeDefault or Localhost) on it or its pod.`);
        }
    }),
};

// ---------------------------------------------------------------------------------------------
// Network exposure.

/**
 * "The app's port" is defined by the stack itself rather than by a number in the pack: a
 * LoadBalancer publishes exactly one port, and it forwards to a port that the containers of the
 * workload it selects declare. That catches a second published port (ssh, metrics, a debug
 * port), a targetPort that reaches something the app never declared, and a selector that matches
 * no workload, without the pack having to repeat `sticky:servicePort`.
 */
export const loadBalancerExposesOnlyAppPort: StackValidationPolicy = {
    name: "load-balancer-exposes-only-app-port",
    description: "A LoadBalancer Service publishes one port, forwarding to a port the containers it selects declare.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const workloads = args.resources
            .map((resource) => ({ resource, template: podTemplateOf(resource.type, resource.props) }))
            .filter((w): w is { resource: PolicyResource; template: PodTemplate } => w.template !== undefined);

        for (const resource of args.resources) {
            const service = resource.props as Service;
            if (resource.type !== TYPES.service || service.spec?.type !== "LoadBalancer") continue;
            const subject = `${describeObject(resource.type, service, resource.name)} (LoadBalancer)`;
            const ports = service.spec.ports ?? [];
            if (ports.length !== 1) {
                const listed = ports.map((p) => `${p.port ?? "?"}${p.name ? ` (${p.name})` : ""}`).join(", ");
                report(
                    `${subject} publishes ${ports.length} ports (${listed}); a load balancer publishes every one of them, ` +
                        `so it must carry only the app's port: serve the others from a ClusterIP Service.`,
                    resource.urn,
                );
            }

            const selector = service.spec.selector ?? {};
            const selected = workloads.filter(
                ({ template }) =>
                    Object.keys(selector).length > 0 &&
                    Object.entries(selector).every(([key, value]) => template.metadata?.labels?.[key] === value),
            );
            if (selected.length === 0) {
                report(
                    `${subject} selects no workload of this stack (selector "${formatLabels(selector)}"), ` +
                        `so nothing shows which port is the app's; select the app's pods.`,
                    resource.urn,
                );
                continue;
            }
            for (const port of ports) {
                const target = port.targetPort ?? port.port;
                const declared = selected.some(({ template }) =>
                    containersOf(template.spec).some((container) =>
                        (container.ports ?? []).some((p) => p.name === target || p.containerPort === target),
                    ),
                );
                if (!declared) {
                    const owners = selected.map(({ resource: w }) => describeObject(w.type, w.props, w.name)).join(", ");
                    report(
                        `${subject} forwards port ${port.port ?? "?"} to ${shown(target)}, which no container of ${owners} declares; ` +
                            `it may publish only the app's declared port.`,
                        resource.urn,
                    );
                }
            }
        }
    },
};

/**
 * The pods of every workload are selected by a NetworkPolicy of the stack that governs both
 * directions. A pod no policy selects accepts traffic on every port from every pod of the
 * cluster, and may connect anywhere; which traffic is allowed is then for the policy to say.
 */
export const workloadsHaveNetworkPolicy: StackValidationPolicy = {
    name: "workloads-have-network-policy",
    description: "The pods of every workload are selected by a NetworkPolicy of the stack with both Ingress and Egress rules.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const governing = args.resources
            .filter((resource) => resource.type === TYPES.networkPolicy)
            .map((resource) => (resource.props as NetworkPolicy).spec ?? {})
            .filter((spec) => ["Ingress", "Egress"].every((type) => (spec.policyTypes ?? []).includes(type)));
        for (const resource of args.resources) {
            const template = podTemplateOf(resource.type, resource.props);
            if (template === undefined) continue;
            const labels = template.metadata?.labels ?? {};
            // matchLabels only; an empty selector selects every pod of the namespace.
            const selected = governing.some((spec) =>
                Object.entries(spec.podSelector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value),
            );
            if (!selected) {
                report(
                    `${describeObject(resource.type, resource.props, resource.name)}: no NetworkPolicy of this stack with Ingress and Egress ` +
                        `selects its pods (labels "${formatLabels(labels)}"), so every pod of the cluster reaches every port of them ` +
                        `and they may connect anywhere; add one that admits only what the app serves.`,
                    resource.urn,
                );
            }
        }
    },
};

/** Every policy of the pack, in the order the CLI lists them. */
export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    statefulSetStorageFromClaimTemplates,
    statefulSetKeepsItsClaims,
    ebsStorageClassEncryptedGp3,
    ebsStorageClassExpandable,
    noHostPathVolumes,
    noHostpathClassOutsideDev,
    productionStorageIsEncryptedGp3,
    containerProbes,
    containerResources,
    containerCpuLimit,
    containerSecurityContext,
    containerHardening,
    loadBalancerExposesOnlyAppPort,
    workloadsHaveNetworkPolicy,
];

/** The level a policy runs at (the pack states one for each; "advisory" is the SDK's default). */
export function levelOf(policy: { enforcementLevel?: EnforcementLevel }): EnforcementLevel {
    return policy.enforcementLevel ?? "advisory";
}
