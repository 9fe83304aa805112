/**
 * The hardening on the real test cluster: the dev stack deployed with `pulumi up`, then what the
 * API server and the node do with it. The namespace enforces the Pod Security Standards'
 * `restricted` level; the API server admits the app's pods and refuses one that breaks the level
 * (so the check can fail); nginx runs as uid 10101 and still binds port 80 (the sysctl); its
 * liveness endpoint answers; `kubectl exec` still writes into the hostpath volume; `pulumi
 * destroy` takes the labels off again.
 *
 * The NetworkPolicy is only checked as an object here: the test cluster's bridge CNI, like Docker
 * Desktop's networking, enforces no NetworkPolicy (EKS with the VPC CNI's agent does).
 *
 * Steps run in order and stop at the first failure; a missing toolchain or cluster fails the run.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as http from "http";
import { APP_USER_ID, POD_SECURITY_LEVEL, POD_SECURITY_VERSION } from "../components/pod-security";
import { LIVENESS } from "../components/nginx";
import { APP_NAMESPACE, DATA_PATH } from "../components/sticky-app-contract";
import { appPods, appReady } from "./app-state";
import { devStackWorkspace, type Result, tearDown, TEST_CONTEXT, waitFor, Workspace } from "./workspace";

const ENFORCE = "pod-security.kubernetes.io/enforce";
const PROBE_POD = "sticky-pod-security-probe";
/** The probe pod step 2 may leave when it fails (it is created only by a dry run otherwise). */
const removeProbePod = (ws: Workspace) => ws.run("kubectl", ["--context", TEST_CONTEXT, "delete", "pod", PROBE_POD, "--ignore-not-found"]);

/** One GET with a Host header, on a new connection. */
function get(host: string, port: number, path: string, hostHeader?: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve) => {
        const request = http.get(
            { host, port, path, agent: false, timeout: 3000, headers: hostHeader ? { Host: hostHeader } : {} },
            (response) => {
                let body = "";
                response.setEncoding("utf8");
                response.on("data", (chunk) => (body += chunk));
                response.on("end", () => resolve({ status: response.statusCode ?? 0, body: body.trim() }));
            },
        );
        request.on("timeout", () => request.destroy(new Error("timeout")));
        request.on("error", (error: NodeJS.ErrnoException) => resolve({ status: 0, body: error.code ?? error.message }));
    });
}

/** `kubectl create -f -` with a manifest on stdin, whatever its exit status. */
function create(ws: Workspace, manifest: object, ...flags: string[]): Result {
    const result = spawnSync("kubectl", ["--context", TEST_CONTEXT, "create", "-f", "-", ...flags], {
        cwd: ws.dir,
        env: ws.env,
        input: JSON.stringify(manifest),
        encoding: "utf8",
    });
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, seconds: 0 };
}

describe("Pod Security and hardening on a real cluster (pulumi up --stack dev)", function () {
    this.timeout(15 * 60 * 1000);
    let ws: Workspace;

    before(async () => {
        ws = await devStackWorkspace("sticky-e2e-podsec-", { leftovers: removeProbePod });
        ws.ok("bash", ["tools/dev-up.sh", "--yes", "--skip-preview"], 900);
        await waitFor("StatefulSet sticky 3/3 ready", 300, () => appReady(ws));
    });

    after(() => tearDown(ws, removeProbePod));

    it("1. the app's namespace enforces the restricted level, pinned, and warns and audits at latest", () => {
        const labels = ws.get("namespace", APP_NAMESPACE).metadata.labels;
        console.log(`      namespace ${APP_NAMESPACE}: ${Object.entries(labels).filter(([k]) => k.startsWith("pod-security")).map(([k, v]) => `${k.replace("pod-security.kubernetes.io/", "")}=${v}`).join(", ")}`);
        assert.strictEqual(labels[ENFORCE], POD_SECURITY_LEVEL);
        assert.strictEqual(POD_SECURITY_LEVEL, "restricted");
        assert.strictEqual(labels[`${ENFORCE}-version`], POD_SECURITY_VERSION);
        assert.strictEqual(labels["pod-security.kubernetes.io/warn"], "restricted");
        assert.strictEqual(labels["pod-security.kubernetes.io/audit"], "restricted");
        const pods = ws.get("pods", "-l", "app=sticky").items as any[];
        assert.deepStrictEqual(pods.map((p) => p.metadata.namespace), [APP_NAMESPACE, APP_NAMESPACE, APP_NAMESPACE]);
    });

    it("2. the API server admits the app's pod spec under it, and refuses a pod that breaks it", () => {
        // The app's own pod template, as a bare pod (labels dropped, so no Service selects it): a
        // server-side dry run goes through admission, Pod Security included, and stores nothing.
        const template = ws.get("statefulset", "sticky").spec.template;
        const appPod = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: PROBE_POD },
            spec: { ...template.spec, volumes: template.spec.volumes.filter((v: any) => !v.persistentVolumeClaim) },
        };
        appPod.spec.containers = appPod.spec.containers.map((c: any) => ({ ...c, volumeMounts: c.volumeMounts.filter((m: any) => m.mountPath !== DATA_PATH) }));
        const admitted = create(ws, appPod, "--dry-run=server");
        assert.strictEqual(admitted.status, 0, `the app's pod spec is admitted:\n${admitted.stderr}`);
        assert.doesNotMatch(admitted.stderr, /violate/i, "no Pod Security warning either");

        // The same pod as the article wrote it (root, capabilities, no seccomp): refused, for real.
        const rootPod = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: PROBE_POD },
            spec: { containers: [{ name: "nginx", image: template.spec.containers[0].image, ports: [{ containerPort: 80 }] }] },
        };
        const refused = create(ws, rootPod);
        console.log(`      a root pod: ${refused.stderr.trim().split("\n")[0]}`);
        assert.notStrictEqual(refused.status, 0, "the API server refuses the pod");
        assert.match(refused.stderr, new RegExp(`violates PodSecurity "restricted:${POD_SECURITY_VERSION}"`));
        assert.match(refused.stderr, /allowPrivilegeEscalation != false/);
        assert.match(refused.stderr, /runAsNonRoot != true/);
        assert.match(refused.stderr, /seccompProfile/);
        assert.strictEqual(ws.run("kubectl", ["--context", TEST_CONTEXT, "get", "pod", PROBE_POD]).status, 1, "nothing was created");

        // One field off the app's spec is enough: a capability restricted does not allow.
        const withChown = JSON.parse(JSON.stringify(appPod));
        withChown.spec.containers[0].securityContext.capabilities.add = ["CHOWN"];
        const chown = create(ws, withChown, "--dry-run=server");
        assert.notStrictEqual(chown.status, 0);
        assert.match(chown.stderr, /unrestricted capabilities.*"CHOWN"/);
    });

    it("3. nginx runs as uid and gid 10101 with no capability, yet listens on port 80 and serves", async () => {
        for (const pod of appPods(ws)) {
            const status = ws.kubectl("exec", pod.name, "--", "cat", "/proc/1/status").stdout;
            const uid = /^Uid:\s+(.*)$/m.exec(status)?.[1].split(/\s+/);
            const gid = /^Gid:\s+(.*)$/m.exec(status)?.[1].split(/\s+/);
            const capEff = /^CapEff:\s+(\S+)$/m.exec(status)?.[1];
            console.log(`      ${pod.name} (${pod.ip}): nginx master uid ${uid?.join("/")}, gid ${gid?.join("/")}, CapEff ${capEff}`);
            assert.deepStrictEqual(uid, Array(4).fill(String(APP_USER_ID)), "real, effective, saved and fs uid");
            assert.deepStrictEqual(gid, Array(4).fill(String(APP_USER_ID)));
            assert.strictEqual(capEff, "0000000000000000", "no effective capability");
            const sysctl = ws.kubectl("exec", pod.name, "--", "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start").stdout.trim();
            assert.strictEqual(sysctl, "80", "the pod's network namespace lets uid 10101 bind 80");
            const page = await get(pod.ip, 80, "/");
            assert.strictEqual(page.status, 403, "nginx on port 80 serves the empty volume (403), as in the article");
        }
    });

    it("4. the liveness endpoint answers from nginx itself; no pod has been restarted", async () => {
        for (const pod of appPods(ws)) {
            const live = await get(pod.ip, 80, LIVENESS.path, LIVENESS.host);
            assert.deepStrictEqual(live, { status: 200, body: "ok" }, `${pod.name} answers its liveness probe`);
            // Without the Host name it is the image's own server: the endpoint is not the site's.
            assert.strictEqual((await get(pod.ip, 80, LIVENESS.path)).status, 404);
        }
        // Over two liveness periods (and past the initial delay), no restart.
        await new Promise((resolve) => setTimeout(resolve, 21_000));
        const restarts = appPods(ws).map((p) => p.restarts);
        console.log(`      restarts after 21 s: ${restarts.join(", ")}`);
        assert.deepStrictEqual(restarts, [0, 0, 0]);
    });

    it("5. kubectl exec still writes into the hostpath volume as uid 10101, and nginx serves it", async () => {
        ws.kubectl("exec", "sticky-2", "--", "sh", "-c", `echo hello > ${DATA_PATH}/index.html`);
        const listing = ws.kubectl("exec", "sticky-2", "--", "ls", "-ln", `${DATA_PATH}/index.html`).stdout.trim();
        console.log(`      ${listing}`);
        assert.match(listing, new RegExp(`^-\\S+\\s+\\d+\\s+${APP_USER_ID}\\s+${APP_USER_ID}\\s`));
        const ip = ws.get("pod", "sticky-2").status.podIP;
        assert.deepStrictEqual(await get(ip, 80, "/"), { status: 200, body: "hello" });
    });

    it("6. the NetworkPolicy is in place (not enforced here: the bridge CNI has no policy engine)", () => {
        const policy = ws.get("networkpolicy", "sticky");
        assert.deepStrictEqual(policy.spec.policyTypes, ["Ingress", "Egress"]);
        assert.deepStrictEqual(policy.spec.ingress, [{ ports: [{ protocol: "TCP", port: 80 }] }]);
        assert.deepStrictEqual(policy.spec.egress ?? [], [], "no egress rule: nothing out");
    });

    it("7. pulumi destroy takes the labels off the namespace and leaves the namespace", () => {
        ws.pulumi("destroy", "--yes", "--skip-preview", "--stack", "dev");
        const namespace = ws.get("namespace", APP_NAMESPACE);
        assert.strictEqual(namespace.status.phase, "Active");
        const left = Object.keys(namespace.metadata.labels ?? {}).filter((k) => k.startsWith("pod-security.kubernetes.io/"));
        assert.deepStrictEqual(left, []);
    });
});
