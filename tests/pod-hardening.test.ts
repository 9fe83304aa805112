/**
 * The pod spec's hardening pieces (components/pod-hardening.ts), value by value: what the
 * restricted Pod Security level, the probes' timing and the resource budget are. The component
 * test (sticky-app.test.ts) then checks that StickyApp's pods use these very pieces.
 */
import * as assert from "assert";
import { APP_USER_ID, containerSecurityContext, kubeScoreIgnoreAnnotation, podSecurityContext, podSecurityLabels } from "../components/pod-security";
import { DEFAULT_RESOURCES, LIVENESS, livenessProbe, livenessServerConfig, READINESS, readinessProbe, stopLifecycle } from "../components/nginx";
import { POD_DRAIN } from "../core/drain";

describe("pod hardening", () => {
    it("runs as a non-root uid and gid above 10000, binding the web port through the safe, namespaced sysctl", () => {
        assert.strictEqual(APP_USER_ID, 10101);
        assert.deepStrictEqual(podSecurityContext(80), {
            runAsNonRoot: true,
            runAsUser: 10101,
            runAsGroup: 10101,
            fsGroup: 10101,
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
            sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "80" }],
        });
        assert.deepStrictEqual(podSecurityContext(8080).sysctls, [{ name: "net.ipv4.ip_unprivileged_port_start", value: "8080" }]);
    });

    it("gives the container no capability, no privilege escalation and a read-only root", () => {
        assert.deepStrictEqual(containerSecurityContext(), {
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
        });
    });

    it("is ready while nginx answers GET /readyz for Host sticky-liveness, every 5 s, 1 s to answer, out after 2 misses", () => {
        assert.deepStrictEqual(READINESS, { host: "sticky-liveness", path: "/readyz" });
        assert.deepStrictEqual(readinessProbe("web"), {
            httpGet: { path: "/readyz", port: "web", httpHeaders: [{ name: "Host", value: "sticky-liveness" }] },
            periodSeconds: 5,
            timeoutSeconds: 1,
            failureThreshold: 2,
        });
        assert.notStrictEqual(READINESS.path, LIVENESS.path, "two checks, not one asked twice");
    });

    it("stops after the kubelet's own preStop sleep, with no shell or binary in the image", () => {
        assert.deepStrictEqual(stopLifecycle(), { preStop: { sleep: { seconds: POD_DRAIN.preStopSeconds } } });
        assert.strictEqual(POD_DRAIN.preStopSeconds, 20);
    });

    it("is live while nginx answers GET /healthz for Host sticky-liveness, restarting only after a minute without an answer", () => {
        assert.deepStrictEqual(LIVENESS, { host: "sticky-liveness", path: "/healthz", fileName: "sticky-liveness.conf", mountDir: "/etc/nginx/conf.d" });
        const probe = livenessProbe("web");
        assert.deepStrictEqual(probe, {
            httpGet: { path: "/healthz", port: "web", httpHeaders: [{ name: "Host", value: "sticky-liveness" }] },
            initialDelaySeconds: 10,
            periodSeconds: 10,
            timeoutSeconds: 5,
            failureThreshold: 6,
        });
        // Plain numbers here (the helpers return no Outputs), whatever the Probe input type allows.
        const seconds = (value: unknown) => value as number;
        assert.ok(seconds(probe.timeoutSeconds) > seconds(readinessProbe("web").timeoutSeconds), "a slow answer counts against readiness first");
        assert.ok(seconds(probe.periodSeconds) * seconds(probe.failureThreshold) >= 60, "a minute of no answer, not a busy spell");
    });

    it("answers the liveness and readiness endpoints from an nginx server block of its own, on the web port", () => {
        const config = livenessServerConfig(80);
        assert.match(config, /^ {4}listen 80;$/m);
        assert.match(config, /^ {4}server_name sticky-liveness;$/m);
        assert.match(config, /location = \/healthz \{\n\s+default_type text\/plain;\n\s+return 200 "ok\\n";\n\s+\}/);
        assert.match(config, /location = \/readyz \{\n\s+default_type text\/plain;\n\s+return 200 "ready\\n";\n\s+\}/);
        assert.doesNotMatch(config, /root |alias /, "reads no file, so a slow volume restarts nothing");
        assert.match(livenessServerConfig(8080), /listen 8080;/);
    });

    it("requests and limits CPU, memory and ephemeral storage", () => {
        assert.deepStrictEqual(DEFAULT_RESOURCES, {
            requests: { cpu: "10m", memory: "32Mi", "ephemeral-storage": "64Mi" },
            limits: { cpu: "250m", memory: "64Mi", "ephemeral-storage": "128Mi" },
        });
    });

    it("labels a namespace to enforce the restricted level pinned to v1.34, warning and auditing at latest", () => {
        assert.deepStrictEqual(podSecurityLabels(), {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "v1.34",
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/warn-version": "latest",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/audit-version": "latest",
        });
    });

    it("declines two kube-score checks in kube-score's own annotation", () => {
        assert.deepStrictEqual(kubeScoreIgnoreAnnotation(), { "kube-score/ignore": "container-image-pull-policy,statefulset-has-host-podantiaffinity" });
    });
});
