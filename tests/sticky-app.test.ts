/**
 * The StickyApp component's resource graph, under mocks: the article's facts (names, ports,
 * selectors, claim template) and what the article left out (probes, limits, security,
 * disruption budget, spread, claim retention).
 */
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { webOnlyNetworkPolicySpec } from "../components/network-policy";
import { containerSecurityContext, KUBE_SCORE_DECLINED, kubeScoreIgnoreAnnotation, podSecurityContext, podSecurityLabels } from "../components/pod-security";
import { DEFAULT_RESOURCES, LIVENESS, livenessProbe, livenessServerConfig, READINESS, readinessProbe } from "../components/nginx";
import { APP_NAMESPACE, CLAIM_TEMPLATE, CONTAINER_PORT, DATA_PATH, STICKY_APP_TYPE } from "../components/sticky-app-contract";
import { LOAD_BALANCER_ADDRESS_KNOWN } from "../components/sticky-app";
import { POD_DRAIN, TERMINATION_GRACE_SECONDS } from "../core/drain";
import { AWAIT_ANNOTATION, TYPES } from "../core/kubernetes";
import { find, runStack, typeToken, type Registered, type StackRun } from "./harness";

const STATEFULSET = TYPES.statefulSet;
const SERVICE = TYPES.service;
const NETWORK_POLICY = TYPES.networkPolicy;
const PDB = typeToken(k8s.policy.v1.PodDisruptionBudget);
const CONFIG_MAP = typeToken(k8s.core.v1.ConfigMap);
const NAMESPACE_PATCH = typeToken(k8s.core.v1.NamespacePatch);

describe("StickyApp", () => {
    let run: StackRun;
    let statefulSet: Registered;
    let spec: any;
    let container: any;

    before(async () => {
        run = await runStack("dev");
        statefulSet = find(run, STATEFULSET);
        spec = statefulSet.inputs.spec;
        container = spec.template.spec.containers[0];
    });

    it("registers one component holding the StatefulSet, both Services, the budget, the policy, the probe's config and the namespace labels", () => {
        assert.strictEqual(STICKY_APP_TYPE, "sticky:app:StickyApp", "<project>:<module>:<Type>, the parent in every child's URN");
        const component = find(run, STICKY_APP_TYPE, "sticky");
        const children = run.resources.filter((r) => r.parent === component.urn).map((r) => `${r.type}::${r.name}`);
        assert.deepStrictEqual(children.sort(), [
            `${STATEFULSET}::sticky`,
            `${CONFIG_MAP}::sticky-lifetime`,
            `${CONFIG_MAP}::sticky-liveness`,
            `${NAMESPACE_PATCH}::sticky-namespace`,
            `${SERVICE}::sticky-headless`,
            `${SERVICE}::sticky-public`,
            `${NETWORK_POLICY}::sticky`,
            `${PDB}::sticky`,
        ].sort());
    });

    it("names the StatefulSet `sticky`, with no random suffix, so a replacement adopts the same claims", () => {
        assert.strictEqual(statefulSet.inputs.metadata.name, "sticky");
        assert.strictEqual(statefulSet.deleteBeforeReplace, true);
    });

    it("runs 3 replicas of a pinned nginx, port 80 named web", () => {
        assert.strictEqual(spec.replicas, 3);
        assert.strictEqual(container.image, "docker.io/library/nginx:1.30.1-alpine");
        assert.deepStrictEqual(CONTAINER_PORT, { name: "web", number: 80 });
        assert.deepStrictEqual(container.ports, [{ name: CONTAINER_PORT.name, containerPort: CONTAINER_PORT.number }]);
    });

    it("asks for one 1Gi ReadWriteOnce claim per pod, named sticky-data, mounted where nginx serves from", () => {
        assert.strictEqual(CLAIM_TEMPLATE, "sticky-data");
        assert.strictEqual(DATA_PATH, "/usr/share/nginx/html");
        assert.deepStrictEqual(spec.volumeClaimTemplates, [
            {
                metadata: { name: CLAIM_TEMPLATE, labels: { app: "sticky" } },
                spec: { accessModes: ["ReadWriteOnce"], storageClassName: "hostpath", resources: { requests: { storage: "1Gi" } } },
            },
        ]);
        assert.deepStrictEqual(container.volumeMounts[0], { name: CLAIM_TEMPLATE, mountPath: DATA_PATH });
    });

    it("keeps claims when the StatefulSet is deleted or scaled down", () => {
        assert.deepStrictEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
    });

    it("governs its pods with a headless Service, not the LoadBalancer (the article's mistake)", () => {
        const headless = find(run, SERVICE, "sticky-headless");
        assert.strictEqual(spec.serviceName, "sticky-headless");
        assert.strictEqual(headless.inputs.metadata.name, "sticky-headless");
        assert.strictEqual(headless.inputs.spec.clusterIP, "None");
        assert.deepStrictEqual(headless.inputs.spec.selector, { app: "sticky" });
    });

    it("creates the StatefulSet beside its headless Service, not after it (it needs only the name)", () => {
        const headless = find(run, SERVICE, "sticky-headless");
        assert.ok(!statefulSet.dependencies.includes(headless.urn), "the StatefulSet waits for the headless Service");
    });

    it("waits for the load balancer's address, not for the provider's 10-second Endpoints settle", () => {
        const service = find(run, SERVICE, "sticky-public");
        assert.deepStrictEqual(service.inputs.metadata.annotations, { [AWAIT_ANNOTATION]: LOAD_BALANCER_ADDRESS_KNOWN });
        assert.strictEqual(AWAIT_ANNOTATION, "pulumi.com/waitFor");
        // Presence of the first ingress entry, whether it carries a hostname or an IP.
        assert.strictEqual(LOAD_BALANCER_ADDRESS_KNOWN, "jsonpath={.status.loadBalancer.ingress[0]}");
        for (const other of run.resources.filter((r) => r.type.startsWith("kubernetes:") && r !== service)) {
            assert.strictEqual(other.inputs.metadata?.annotations?.[AWAIT_ANNOTATION], undefined, `${other.name} overrides its await`);
        }
    });

    it("exposes port 3333 on a LoadBalancer named `sticky`, to the pods' `web` port", () => {
        const service = find(run, SERVICE, "sticky-public");
        assert.strictEqual(service.inputs.metadata.name, "sticky");
        assert.strictEqual(service.inputs.spec.type, "LoadBalancer");
        assert.deepStrictEqual(service.inputs.spec.ports, [{ name: CONTAINER_PORT.name, port: 3333, targetPort: CONTAINER_PORT.name, protocol: "TCP" }]);
    });

    it("selects exactly the pods it labels, everywhere", () => {
        const labels = spec.template.metadata.labels;
        assert.deepStrictEqual(labels, { app: "sticky" });
        assert.deepStrictEqual(spec.selector.matchLabels, labels);
        assert.deepStrictEqual(find(run, SERVICE, "sticky-public").inputs.spec.selector, labels);
        assert.deepStrictEqual(find(run, PDB).inputs.spec.selector.matchLabels, labels);
    });

    it("is ready while nginx answers its own readiness endpoint, so the article's empty volume (nginx answers 403 on /) still counts as ready", () => {
        assert.deepStrictEqual(container.readinessProbe, readinessProbe(CONTAINER_PORT.name));
        assert.strictEqual(container.readinessProbe.httpGet.path, READINESS.path);
        assert.notStrictEqual(container.readinessProbe.httpGet.path, "/");
        // The mounted server block answers it, as it answers liveness.
        const config = find(run, CONFIG_MAP, "sticky-liveness").inputs.data[LIVENESS.fileName];
        assert.ok(config.includes(`location = ${READINESS.path} {`), config);
    });

    it("keeps serving for the preStop sleep when stopped, inside a grace that covers the sleep and nginx's graceful stop", () => {
        assert.deepStrictEqual(container.lifecycle, { preStop: { sleep: { seconds: POD_DRAIN.preStopSeconds } } });
        assert.strictEqual(spec.template.spec.terminationGracePeriodSeconds, TERMINATION_GRACE_SECONDS);
        assert.ok(TERMINATION_GRACE_SECONDS > POD_DRAIN.preStopSeconds + POD_DRAIN.gracefulStopSeconds);
        // No stop signal of its own: the images' STOPSIGNAL (SIGQUIT) is nginx's graceful stop.
        assert.strictEqual(container.lifecycle.stopSignal, undefined);
    });

    it("rolls on to the next pod only after the new one has stayed ready for minReadySeconds", () => {
        assert.strictEqual(spec.minReadySeconds, POD_DRAIN.minReadySeconds);
        assert.deepStrictEqual(spec.updateStrategy, { type: "RollingUpdate" });
    });

    it("keeps every node in the load balancer while pods roll (externalTrafficPolicy Cluster)", () => {
        assert.strictEqual(find(run, SERVICE, "sticky-public").inputs.spec.externalTrafficPolicy, "Cluster");
    });

    it("is live while nginx answers its own endpoint, and restarts only after a minute without an answer", () => {
        // The probe's timing and the server block are pinned in pod-hardening.test.ts.
        assert.deepStrictEqual(container.livenessProbe, livenessProbe(CONTAINER_PORT.name));
        // The endpoint the probe asks for is the one the mounted server block answers, on the web port.
        const config = find(run, CONFIG_MAP, "sticky-liveness").inputs;
        assert.strictEqual(config.data[LIVENESS.fileName], livenessServerConfig(CONTAINER_PORT.number));
        const mount = container.volumeMounts.find((m: any) => m.name === "liveness");
        assert.deepStrictEqual(mount, { name: "liveness", mountPath: `${LIVENESS.mountDir}/${LIVENESS.fileName}`, subPath: LIVENESS.fileName, readOnly: true });
        const volume = spec.template.spec.volumes.find((v: any) => v.name === "liveness");
        assert.strictEqual(config.metadata.name, undefined, "auto-named: new content, new name, pods roll");
        assert.deepStrictEqual(volume.configMap, { name: "sticky-liveness-0a1b2c3d" });
    });

    it("sets requests and limits for CPU, memory and ephemeral storage", () => {
        assert.deepStrictEqual(container.resources, DEFAULT_RESOURCES);
    });

    it("runs as a non-root uid and gid above 10000 with no capability, binding the web port through the safe sysctl", () => {
        // The contexts' values are pinned in pod-hardening.test.ts; here: the pods use them, for port 80.
        assert.deepStrictEqual(spec.template.spec.securityContext, podSecurityContext(CONTAINER_PORT.number));
        assert.deepStrictEqual(container.securityContext, containerSecurityContext());
        assert.strictEqual(spec.template.spec.automountServiceAccountToken, false);
        const mounts = container.volumeMounts.map((m: any) => m.mountPath);
        assert.deepStrictEqual(mounts, [DATA_PATH, "/var/cache/nginx", "/var/run", `${LIVENESS.mountDir}/${LIVENESS.fileName}`]);
    });

    it("declines two kube-score checks with kube-score's own annotation, and keeps the pull policy explicit", () => {
        const { "kube-score/ignore": declined } = statefulSet.inputs.metadata.annotations;
        assert.deepStrictEqual({ "kube-score/ignore": declined }, kubeScoreIgnoreAnnotation());
        assert.deepStrictEqual(Object.keys(KUBE_SCORE_DECLINED), ["container-image-pull-policy", "statefulset-has-host-podantiaffinity"]);
        assert.strictEqual(container.imagePullPolicy, "IfNotPresent");
        assert.strictEqual(spec.template.metadata.annotations, undefined, "the pod template is not where they go");
    });

    it("admits TCP to the web port from anywhere and nothing else, in or out", () => {
        const policy = find(run, NETWORK_POLICY, "sticky").inputs;
        assert.strictEqual(policy.metadata.name, "sticky");
        assert.deepStrictEqual(policy.spec, {
            podSelector: { matchLabels: { app: "sticky" } },
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ ports: [{ protocol: "TCP", port: CONTAINER_PORT.number }] }],
        });
        assert.ok(!("egress" in policy.spec), "no egress field (not []): with Egress in policyTypes, nothing out");
        assert.strictEqual((policy.spec.ingress[0] as { from?: unknown }).from, undefined, "no source restriction: a LoadBalancer's clients are anyone");
        assert.deepStrictEqual(policy.spec, webOnlyNetworkPolicySpec({ podLabels: { app: "sticky" }, port: CONTAINER_PORT.number }));
    });

    it("labels the namespace it deploys into to enforce the restricted Pod Security level, without owning it", () => {
        const patch = find(run, NAMESPACE_PATCH, "sticky-namespace").inputs;
        assert.strictEqual(patch.metadata.name, APP_NAMESPACE);
        assert.strictEqual(APP_NAMESPACE, "default");
        assert.deepStrictEqual(patch.metadata.labels, podSecurityLabels());
        assert.strictEqual(statefulSet.inputs.metadata.namespace, undefined, "the objects stay where they (and their claims) are");
        assert.strictEqual(run.resources.filter((r) => r.type === typeToken(k8s.core.v1.Namespace)).length, 0, "no Namespace is created or owned");
    });

    it("starts pods in parallel rather than one by one", () => {
        assert.strictEqual(spec.podManagementPolicy, "Parallel");
    });

    it("spreads pods over zones and nodes without refusing a one-node laptop", () => {
        const constraints = spec.template.spec.topologySpreadConstraints;
        assert.deepStrictEqual(
            constraints.map((c: any) => [c.topologyKey, c.whenUnsatisfiable, c.maxSkew]),
            [
                ["topology.kubernetes.io/zone", "ScheduleAnyway", 1],
                ["kubernetes.io/hostname", "ScheduleAnyway", 1],
            ],
        );
    });

    it("lets voluntary disruptions take one pod at a time", () => {
        assert.deepStrictEqual(find(run, PDB).inputs.spec.maxUnavailable, 1);
    });

    it("outputs the URL, pod and claim names and storage class", () => {
        assert.deepStrictEqual(run.outputs.podNames, ["sticky-0", "sticky-1", "sticky-2"]);
        assert.deepStrictEqual(run.outputs.claimNames, ["sticky-data-sticky-0", "sticky-data-sticky-1", "sticky-data-sticky-2"]);
        assert.strictEqual(run.outputs.url, "http://localhost:3333");
        assert.strictEqual(run.outputs.storageClassName, "hostpath");
    });

    it("follows config: replicas, image, size and port", async () => {
        const changed = await runStack("dev", {
            "sticky:replicas": "2",
            "sticky:image": "registry.example/nginx:9.9",
            "sticky:storageSize": "5Gi",
            "sticky:servicePort": "8080",
        });
        const s = find(changed, STATEFULSET).inputs.spec;
        assert.strictEqual(s.replicas, 2);
        assert.strictEqual(s.template.spec.containers[0].image, "registry.example/nginx:9.9");
        assert.strictEqual(s.volumeClaimTemplates[0].spec.resources.requests.storage, "5Gi");
        assert.strictEqual(find(changed, SERVICE, "sticky-public").inputs.spec.ports[0].port, 8080);
        assert.deepStrictEqual(changed.outputs.claimNames, ["sticky-data-sticky-0", "sticky-data-sticky-1"]);
        assert.strictEqual(changed.outputs.url, "http://localhost:8080");
    });
});
