/**
 * The pieces of the app's pod spec that decide how far a compromised or stuck container can
 * reach: who it runs as, what the kernel lets it do, and the Pod Security level its namespace
 * enforces. Plain data, no resources: the pod template (pod-template.ts) puts them together, and
 * the tests, the policy pack and kube-score (`npm run kube-score`) read the result.
 *
 * The target is the Pod Security Standards' `restricted` level, which the app's namespace
 * enforces (see {@link podSecurityLabels}), and no CRITICAL finding from kube-score that is not
 * either fixed here or declined in {@link KUBE_SCORE_DECLINED}, with its reason.
 */
import type * as k8s from "@pulumi/kubernetes";

/**
 * The user and group nginx runs as. Not 0: the restricted level refuses root. Not the image's
 * own `nginx` user (101): a uid below 10000 can be an account on the node too (kube-score's
 * `container-security-context-user-group-id`), and with no user namespace a container's uid is
 * the node's. nginx needs no name for it: a master that does not start as root never switches
 * users, so the image's `user nginx;` line is ignored (nginx says so once, as a warning).
 */
export const APP_USER_ID = 10101;

/**
 * The lowest port the pod's network namespace lets an unprivileged process bind: nginx listens
 * on 80 as uid 10101 without NET_BIND_SERVICE. `net.ipv4.ip_unprivileged_port_start` is one of
 * the namespaced sysctls Kubernetes calls safe (allowed by the baseline and restricted levels,
 * and by every kubelet since 1.22 without an allow-list); it changes this pod's namespace only.
 */
const UNPRIVILEGED_PORT_SYSCTL = "net.ipv4.ip_unprivileged_port_start";

/**
 * Who the pod's processes are, for nginx and for every `kubectl exec` shell alike.
 *
 * `fsGroup` makes each claim's volume group-writable for {@link APP_USER_ID} where the volume
 * plugin manages ownership (an EBS volume: a fresh ext4 root is root's and 0755), so
 * `kubectl exec sticky-2 -- sh -c 'echo hello > ...'` still works as in the article.
 * `OnRootMismatch`: the recursive chown runs once (the first mount after this change), not on
 * every pod start of a large volume. Host-path volumes (Docker Desktop's `hostpath` class, the
 * test cluster's) ignore fsGroup: those provisioners make each volume's directory 0777.
 */
export function podSecurityContext(webPort: number): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: APP_USER_ID,
        runAsGroup: APP_USER_ID,
        fsGroup: APP_USER_ID,
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
        sysctls: [{ name: UNPRIVILEGED_PORT_SYSCTL, value: String(webPort) }],
    };
}

/** No capability at all (the sysctl replaces NET_BIND_SERVICE), no escalation, a read-only root. */
export function containerSecurityContext(): k8s.types.input.core.v1.SecurityContext {
    return {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
    };
}

/**
 * kube-score checks the component declines, each with the reason. They go on the StatefulSet as
 * kube-score's own `kube-score/ignore` annotation; the table of what the component adds in
 * docs/architecture.md gives each its reason too, and `npm run kube-score` (and a unit test) fail when one is missing.
 */
export const KUBE_SCORE_DECLINED: Readonly<Record<string, string>> = {
    "container-image-pull-policy":
        "the image is pinned to a version (`IfNotPresent`); `Always` re-checks the registry on every pod start, so a registry outage stops restarts, and breaks clusters that run locally built images (the test cluster)",
    "statefulset-has-host-podantiaffinity":
        "the topology spread constraints above spread pods over nodes and zones without refusing a one-node laptop, which required anti-affinity would; kube-score does not read them",
};

/** The `kube-score/ignore` annotation for {@link KUBE_SCORE_DECLINED}. */
export function kubeScoreIgnoreAnnotation(): Record<string, string> {
    return { "kube-score/ignore": Object.keys(KUBE_SCORE_DECLINED).join(",") };
}

/** The Pod Security Standards level the app's pods meet, and that their namespace enforces. */
export const POD_SECURITY_LEVEL = "restricted";
/**
 * The version of the level's rules that is enforced: pinned, so a cluster upgrade cannot start
 * refusing pods on its own; `warn` and `audit` follow the cluster's latest rules, so a coming
 * change shows up as a warning on `pulumi up` first.
 */
export const POD_SECURITY_VERSION = "v1.34";

/** The namespace labels of the Pod Security admission controller. */
export function podSecurityLabels(): Record<string, string> {
    const prefix = "pod-security.kubernetes.io";
    return {
        [`${prefix}/enforce`]: POD_SECURITY_LEVEL,
        [`${prefix}/enforce-version`]: POD_SECURITY_VERSION,
        [`${prefix}/warn`]: POD_SECURITY_LEVEL,
        [`${prefix}/warn-version`]: "latest",
        [`${prefix}/audit`]: POD_SECURITY_LEVEL,
        [`${prefix}/audit-version`]: "latest",
    };
}
