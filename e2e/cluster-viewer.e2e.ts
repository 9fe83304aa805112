/**
 * The cluster viewer's rights, proven on the real test cluster: the Kubernetes objects the prod
 * stack creates for `sticky:clusterViewerArns` (environments/eks/cluster-viewer.ts: a ClusterRole
 * and binding for the viewer group, a ValidatingAdmissionPolicy and its binding) are deployed by
 * the real engine, then an identity in that group runs the real `pulumi` CLI against the dev stack.
 *
 * The identity: a client certificate signed by the test cluster's CA with O=<viewer group>, which
 * is how the API server puts a user in a group (x509 client-cert authentication) - the same group
 * membership an EKS access entry's `kubernetesGroups` gives an IAM role. No impersonation: the
 * requests are authenticated, authorized (RBAC) and admitted (the policy) as that user.
 *
 * Only the viewer's credentials differ: the stack, its config and its context name stay the same,
 * as in CI, where the preview job runs the committed stack with the preview role's credentials.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CLUSTER_VIEWER_GROUP } from "../environments/eks/cluster-viewer";
import { plannedChanges } from "./app-state";
import { devStackWorkspace, KUBECONFIG, type Result, ROOT, tearDown, TEST_CONTEXT, waitFor, Workspace } from "./workspace";

const VIEWER_USER = "e2e-preview";
const CA_DIR = path.join(ROOT, ".cluster", "kwok", "clusters", TEST_CONTEXT, "pki");

describe("cluster viewers on a real cluster: preview works, up is refused", function () {
    this.timeout(15 * 60 * 1000);
    let ws: Workspace;
    let viewerKubeconfig: string;
    let viewerProject: string;

    /**
     * Runs a command in the workspace as the viewer, whatever its exit status. The kubeconfig
     * file keeps its path and only its user changes: the Kubernetes provider records the
     * KUBECONFIG path as an input, so another path would show up as a provider diff.
     */
    const asViewer = (command: string, args: string[]): Result => {
        const kubeconfig = ws.env.KUBECONFIG!;
        const admin = fs.readFileSync(kubeconfig);
        fs.copyFileSync(viewerKubeconfig, kubeconfig);
        try {
            return ws.run(command, args);
        } finally {
            fs.writeFileSync(kubeconfig, admin);
        }
    };
    /** Pulumi in the viewer-objects project (a second project in the workspace, same backend). */
    const viewerPulumi = (...args: string[]) => {
        const result = spawnSync("pulumi", [...args, "--non-interactive"], { cwd: viewerProject, env: ws.env, encoding: "utf8", timeout: 600_000 });
        if (result.status !== 0) throw new Error(`pulumi ${args.join(" ")} (viewer objects) exited ${result.status}\n${result.stdout}\n${result.stderr}`);
        return result.stdout;
    };

    before(async () => {
        // The dev stack is created here and deployed in step 2, after step 1 has seen RBAC refuse the viewer.
        ws = await devStackWorkspace("sticky-viewer-e2e-", {
            leftovers: (ws) =>
                ws.kubectl("delete", "validatingadmissionpolicybinding,validatingadmissionpolicy,clusterrolebinding,clusterrole", "-l", "app.kubernetes.io/component=cluster-viewer", "--ignore-not-found"),
        });

        // The viewer: a key, and a certificate from the cluster's CA naming the group.
        const pki = path.join(ws.dir, ".viewer-pki");
        fs.mkdirSync(pki);
        const openssl = (...args: string[]) => ws.ok("openssl", args);
        openssl("genrsa", "-out", path.join(pki, "viewer.key"), "2048");
        openssl("req", "-new", "-key", path.join(pki, "viewer.key"), "-subj", `/CN=${VIEWER_USER}/O=${CLUSTER_VIEWER_GROUP}`, "-out", path.join(pki, "viewer.csr"));
        openssl(
            "x509", "-req", "-in", path.join(pki, "viewer.csr"), "-CA", path.join(CA_DIR, "ca.crt"), "-CAkey", path.join(CA_DIR, "ca.key"),
            "-CAcreateserial", "-days", "1", "-out", path.join(pki, "viewer.crt"),
        );
        // The workspace's own copy of the admin kubeconfig, and the viewer's: the same context
        // and cluster, with the viewer as the context's user.
        ws.env.KUBECONFIG = path.join(ws.dir, ".kubeconfig");
        fs.copyFileSync(KUBECONFIG, ws.env.KUBECONFIG);
        viewerKubeconfig = path.join(ws.dir, ".viewer-kubeconfig");
        fs.copyFileSync(KUBECONFIG, viewerKubeconfig);
        const config = (...args: string[]) => ws.ok("kubectl", ["--kubeconfig", viewerKubeconfig, "config", ...args]);
        config("set-credentials", VIEWER_USER, `--client-certificate=${path.join(pki, "viewer.crt")}`, `--client-key=${path.join(pki, "viewer.key")}`, "--embed-certs=true");
        config("set-context", TEST_CONTEXT, `--user=${VIEWER_USER}`);

        // A second Pulumi project that deploys exactly the prod stack's viewer objects.
        viewerProject = path.join(ws.dir, "viewer");
        fs.mkdirSync(viewerProject);
        fs.writeFileSync(path.join(viewerProject, "Pulumi.yaml"), "name: sticky-viewer\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: index.ts\n");
        fs.writeFileSync(path.join(viewerProject, "tsconfig.json"), JSON.stringify({ extends: "../tsconfig.json", include: ["index.ts"] }));
        fs.writeFileSync(
            path.join(viewerProject, "index.ts"),
            'import * as k8s from "@pulumi/kubernetes";\n' +
                'import { ClusterViewerAccess } from "../environments/eks/cluster-viewer";\n' +
                `const provider = new k8s.Provider("test-cluster", { context: ${JSON.stringify(TEST_CONTEXT)} });\n` +
                'new ClusterViewerAccess("sticky-cluster-viewer", {}, { provider });\n',
        );
    });

    // As the admin: the viewer objects go, then the app and the workspace.
    after(() =>
        tearDown(ws, () => {
            if (viewerProject) spawnSync("pulumi", ["destroy", "--yes", "--skip-preview", "--stack", "e2e", "--non-interactive"], { cwd: viewerProject, env: ws.env });
        }),
    );

    it("1. the API server knows the viewer by its certificate, and RBAC gives it nothing yet", () => {
        const whoami = JSON.parse(asViewer("kubectl", ["--context", TEST_CONTEXT, "auth", "whoami", "-o", "json"]).stdout);
        assert.strictEqual(whoami.status.userInfo.username, VIEWER_USER);
        assert.ok(whoami.status.userInfo.groups.includes(CLUSTER_VIEWER_GROUP), `groups: ${whoami.status.userInfo.groups}`);
        const list = asViewer("kubectl", ["--context", TEST_CONTEXT, "get", "statefulsets"]);
        assert.notStrictEqual(list.status, 0);
        assert.match(list.stderr, /forbidden: User "e2e-preview" cannot list resource "statefulsets"/);
    });

    it("2. the admin deploys the dev app and, with the real engine, the viewer objects", () => {
        ws.up();
        viewerPulumi("stack", "init", "e2e");
        viewerPulumi("up", "--yes", "--skip-preview", "--stack", "e2e");
        const policy = ws.get("validatingadmissionpolicy", "sticky-cluster-viewer-dry-run-only");
        assert.deepStrictEqual(policy.spec.validations.map((v: { expression: string }) => v.expression), ["has(request.dryRun) && request.dryRun == true"]);
        assert.strictEqual(ws.get("validatingadmissionpolicybinding", "sticky-cluster-viewer-dry-run-only").spec.policyName, "sticky-cluster-viewer-dry-run-only");
    });

    it("3. as the viewer, `pulumi preview --refresh` of a change works and shows the diff", async () => {
        ws.pulumi("config", "set", "sticky:replicas", "4", "--stack", "dev");
        // RBAC and the policy take effect within seconds (informer caches); wait for the read.
        await waitFor("the viewer's RBAC to apply", 30, () => (asViewer("kubectl", ["--context", TEST_CONTEXT, "get", "statefulset", "sticky"]).status === 0 ? true : undefined));
        const preview = asViewer("pulumi", ["preview", "--refresh", "--stack", "dev", "--json", "--non-interactive"]);
        assert.strictEqual(preview.status, 0, `preview as the viewer failed:\n${preview.stdout}\n${preview.stderr}`);
        assert.deepStrictEqual(plannedChanges(preview.stdout), ["update kubernetes:apps/v1:StatefulSet::sticky"]);
    });

    it("4. as the viewer, `pulumi up` is refused by the API server, and nothing changes", () => {
        const up = asViewer("pulumi", ["up", "--yes", "--skip-preview", "--stack", "dev", "--non-interactive"]);
        assert.notStrictEqual(up.status, 0, `up as the viewer succeeded:\n${up.stdout}`);
        assert.match(up.stdout + up.stderr, new RegExp(`members of ${CLUSTER_VIEWER_GROUP} may only dry-run changes`));
        assert.strictEqual(ws.get("statefulset", "sticky").spec.replicas, 3, "the StatefulSet kept its 3 replicas");
    });

    it("5. the same holds for kubectl: a server-side dry run passes, the real write does not, delete is not granted", () => {
        const scale = ["--context", TEST_CONTEXT, "patch", "statefulset", "sticky", "--type=merge", "-p", '{"spec":{"replicas":5}}'];
        const dryRun = asViewer("kubectl", [...scale, "--dry-run=server"]);
        assert.strictEqual(dryRun.status, 0, dryRun.stderr);
        const real = asViewer("kubectl", scale);
        assert.notStrictEqual(real.status, 0);
        assert.match(real.stderr, /sticky-cluster-viewer-dry-run-only.*denied request/);
        const remove = asViewer("kubectl", ["--context", TEST_CONTEXT, "delete", "service", "sticky", "--dry-run=server"]);
        assert.match(remove.stderr, /forbidden: User "e2e-preview" cannot delete resource "services"/);
        const loosen = asViewer("kubectl", ["--context", TEST_CONTEXT, "delete", "validatingadmissionpolicybinding", "sticky-cluster-viewer-dry-run-only"]);
        assert.match(loosen.stderr, /forbidden/);
        assert.strictEqual(ws.get("statefulset", "sticky").spec.replicas, 3);
    });

    it("6. the admin's `pulumi up` of the same change still goes through", () => {
        ws.up();
        assert.strictEqual(ws.get("statefulset", "sticky").spec.replicas, 4);
    });
});
