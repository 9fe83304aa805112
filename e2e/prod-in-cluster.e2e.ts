/**
 * Prod's in-cluster half, for real: `pulumi up --stack prod` by the real engine, with prod's own
 * settings (Pulumi.prod.yaml over Pulumi.yaml's defaults, `sticky:protect` on), onto the test
 * cluster with what it has of an Auto Mode cluster (test-cluster/, docs/test-cluster.md). Only
 * the AWS half is stood in (e2e/prod-in-cluster/resources.ts, in place of
 * environments/eks/resources.ts in the workspace): what the stack makes inside the cluster is
 * environments/eks/in-cluster.ts as prod runs it, and the app, the plan, the policy pack and the
 * review are the committed ones.
 *
 * In order (mocha's --bail stops at the first failure):
 * 1. up: the gp3 claims bound on `ebs.csi.eks.amazonaws.com` in the node's zone, the NodePool and
 *    NodeClass accepted by their CRDs, the app served through the `eks.amazonaws.com/nlb` stand-in;
 * 2. a storage grow 1Gi -> 2Gi, reviewed, then carried out by the resizer under the running pods;
 * 3. a rollout of the pod template (image, liveness ConfigMap and resources together) with
 *    requests on both ways in throughout (the one full rollout of the e2e: zero-downtime.e2e.ts
 *    keeps scaling and draining on dev, the demo an image upgrade);
 * 4. as the viewer group (a client certificate naming it, as an access entry's group does):
 *    `preview` of a NodePool change and `preview --refresh` succeed with nothing forbidden, `up`
 *    is refused by the admission policy, and kubectl's writes likewise;
 * 5. a snapshot of sticky-2's claim the way docs/prod-on-eks.md tells an operator to take one;
 * 6. the stack destroyed the documented way, then made again with `sticky:restoreFrom`: sticky-2
 *    from the `snap-` id through the pre-provisioned VolumeSnapshotContent and VolumeSnapshot,
 *    sticky-1 from the `vol-` id through a static PersistentVolume; each serves its bytes.
 *
 * STICKY_WRITE_FIXTURES=1 copies the reviewed previews into tests/fixtures/previews/
 * (`prod-in-cluster-*`).
 */
import * as assert from "assert";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { APP_NAME, claimName, DATA_PATH } from "../components/sticky-app-contract";
import { CLUSTER_VIEWER_GROUP } from "../environments/eks/cluster-viewer";
import { NODE_POOL } from "../environments/eks/node-pool";
import { VOLUME_SNAPSHOT_CLASS } from "../environments/eks/snapshots";
import { EBS_CSI_PROVISIONER } from "../environments/eks/storage-rule";
import { VERDICT_TITLES, type Verdict } from "../tools/review/model";
import { parsePreview } from "../tools/review/preview";
import { expectNoFailedRequest, LB_HOST, LB_PORT, requestTargets } from "./app-requests";
import { imageChange, livenessConfigChange, resourcesChange, rolledTogether } from "./day-two";
import { appPods, appServing } from "./app-state";
import { CONTEXT_ENV, EBS_DIR_ENV } from "./prod-in-cluster/resources";
import { httpGet } from "./requests";
import { capturePreview, type Captured } from "./review-capture";
import { emptyWorkspace, KUBECONFIG, localImages, type Result, ROOT, say, TEST_CONTEXT, waitFor, type Workspace } from "./workspace";

const STACK = "prod";
/** The test cluster's node's zone (test-cluster/node.sh), the first of the three this stack is given (prod's count). */
const ZONE = "eu-west-1a";
const ZONES = [ZONE, "eu-west-1b", "eu-west-1c"];
const ZONE_LABEL = "topology.kubernetes.io/zone";
/** The prod stack's gp3 class (Pulumi.yaml's storageClassName default for eks). */
const GP3 = "gp3";
const EBS_DIR = path.join(path.dirname(KUBECONFIG), "volumes", EBS_CSI_PROVISIONER);
const CLAIMS = [0, 1, 2].map((ordinal) => claimName(APP_NAME, ordinal));
const GiB = 2 ** 30;
/** A viewer as CI's preview role is one: a principal in sticky:clusterViewerArns (the access entry is AWS's half). */
const VIEWER_ARN = "arn:aws:iam::123456789012:role/sticky-preview";
const VIEWER_USER = "e2e-preview";
const CA_DIR = path.join(ROOT, ".cluster", "kwok", "clusters", TEST_CONTEXT, "pki");
/** The VolumeSnapshot step 5 takes, named as docs/prod-on-eks.md's loop names them. */
const SNAPSHOT = "before-change-2";
/** The steps a captured preview plans that change something, as `op type::name`, each once (a refresh reports some twice). */
const planned = (captured: Captured) => [
    ...new Set(parsePreview(captured.json).steps.filter((s) => !["same", "read", "refresh"].includes(s.op)).map((s) => `${s.op} ${s.type}::${s.name}`)),
];
/** A refusal by RBAC or by the admission policy, in kubectl's and the provider's words. */
const FORBIDDEN = /is forbidden|forbidden: User/i;

/**
 * Everything the stack makes outside the app's label, and what this file makes: the classes, the
 * node objects, the viewer objects, the restored volumes' objects, the snapshot, and the volumes
 * the claims leave behind (Retain). Nothing waits on a finalizer for long.
 */
function leftovers(ws: Workspace): void {
    const kubectl = (...args: string[]) => ws.run("kubectl", ["--context", TEST_CONTEXT, ...args]);
    kubectl("delete", "volumesnapshot", SNAPSHOT, ...CLAIMS.map((c) => `restored-${c}`), "--ignore-not-found", "--wait=false");
    // The contents behind them are Retain: they outlive their snapshots, and the snapshot-controller's finalizer with them.
    const contents = JSON.parse(kubectl("get", "volumesnapshotcontents", "-o", "json").stdout || '{"items":[]}').items as any[];
    const ours = contents.filter((c) => [SNAPSHOT, ...CLAIMS.map((claim) => `restored-${claim}`)].includes(c.spec.volumeSnapshotRef?.name)).map((c) => c.metadata.name);
    if (ours.length > 0) {
        kubectl("delete", "volumesnapshotcontent", ...ours, "--ignore-not-found", "--wait=false");
        for (const name of ours) kubectl("patch", "volumesnapshotcontent", name, "--type", "merge", "-p", '{"metadata":{"finalizers":null}}');
    }
    kubectl("delete", "nodepool", NODE_POOL, "--ignore-not-found");
    kubectl("delete", "nodeclass", NODE_POOL, "--ignore-not-found");
    kubectl("delete", "configmap", "amazon-vpc-cni", "-n", "kube-system", "--ignore-not-found");
    kubectl("delete", "storageclass", GP3, "--ignore-not-found");
    kubectl("delete", "volumesnapshotclass", VOLUME_SNAPSHOT_CLASS, "--ignore-not-found");
    kubectl("delete", "validatingadmissionpolicybinding,validatingadmissionpolicy,clusterrolebinding,clusterrole", "-l", "app.kubernetes.io/component=cluster-viewer", "--ignore-not-found");
}

/** The PersistentVolumes on the EBS driver that back the app's claims (Retain keeps them past their claims). */
function releaseVolumes(ws: Workspace): void {
    const volumes = (ws.get("persistentvolumes").items as any[]).filter((pv) => pv.spec.csi?.driver === EBS_CSI_PROVISIONER && CLAIMS.includes(pv.spec.claimRef?.name));
    if (volumes.length > 0) ws.kubectl("delete", "persistentvolume", ...volumes.map((pv) => pv.metadata.name), "--wait=false");
}

describe("prod's in-cluster half on the test cluster: the real engine, prod's settings, storage, snapshots, restore and viewers", function () {
    this.timeout(15 * 60 * 1000);
    let ws: Workspace;
    let pack: string;
    let images: ReturnType<typeof localImages>;
    let viewerKubeconfig: string;
    /** The bytes written into sticky-1 and sticky-2 (step 1), served again after the restore (step 6). */
    const pages = new Map([
        ["sticky-1", `sticky-1 ${randomBytes(24 * 1024).toString("base64")}`],
        ["sticky-2", `sticky-2 ${randomBytes(24 * 1024).toString("base64")}`],
    ]);
    /** What step 5 found to restore from. */
    let snapshotId: string;
    let volumeId: string;

    const setConfig = (key: string, value: string, ...flags: string[]) => ws.pulumi("config", "set", ...flags, key, value, "--stack", STACK);
    const preview = (file: string, fixture: boolean, options: { run?: (command: string, args: string[]) => Result; extra?: string[] } = {}) =>
        capturePreview(ws, { pack, stack: STACK, file: `prod-in-cluster-${file}`, fixture, ...options });
    const expectVerdict = (captured: Captured, verdict: Verdict) => {
        assert.strictEqual(captured.review.verdict, verdict, `verdict of:\n${captured.markdown}\n--- stderr\n${captured.stderr}`);
        assert.ok(captured.markdown.split("\n", 1)[0].includes(VERDICT_TITLES[verdict]), "the verdict is the first line");
    };
    const ebsFacts = (id: string) => JSON.parse(fs.readFileSync(path.join(EBS_DIR, "volumes", `${id}.json`), "utf8"));
    const volumeOf = (claim: string) => ws.get("persistentvolume", ws.get("persistentvolumeclaim", claim).spec.volumeName);
    /** Each pod's page, asked of the pod itself (its IP, port 80). */
    const served = async (pod: string) => {
        const ip = appPods(ws).find((p) => p.name === pod)?.ip;
        assert.ok(ip, `${pod} has an IP`);
        return httpGet(ip, 80);
    };

    /**
     * Runs a command as the viewer, whatever its exit status. The kubeconfig file keeps its path
     * and only its user changes: the provider reads the KUBECONFIG path, so another path would be
     * a provider diff.
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

    before(async () => {
        ws = await emptyWorkspace("sticky-prod-in-cluster-", (ws) => {
            leftovers(ws);
            releaseVolumes(ws);
        });
        images = localImages();
        // The stand-in for the AWS half, in place of the real module (the definition names the path).
        fs.mkdirSync(path.join(ws.dir, "e2e", "prod-in-cluster"), { recursive: true });
        fs.copyFileSync(path.join(ROOT, "e2e", "prod-in-cluster", "resources.ts"), path.join(ws.dir, "e2e", "prod-in-cluster", "resources.ts"));
        fs.writeFileSync(
            path.join(ws.dir, "environments", "eks", "resources.ts"),
            '// The e2e\'s stand-in for the AWS half (e2e/prod-in-cluster.e2e.ts).\nexport { deploy } from "../../e2e/prod-in-cluster/resources";\n',
        );
        // The workspace's own kubeconfig (the viewer's replaces its contents for a while), and the viewer's.
        ws.env.KUBECONFIG = path.join(ws.dir, ".kubeconfig");
        fs.copyFileSync(KUBECONFIG, ws.env.KUBECONFIG);
        ws.env[EBS_DIR_ENV] = EBS_DIR;
        ws.env[CONTEXT_ENV] = TEST_CONTEXT;
        viewerKubeconfig = makeViewer(ws);
        pack = ws.policyPackForEngine();

        ws.stack = STACK;
        ws.pulumi("stack", "init", STACK);
        setConfig("sticky:image", images.nginx);
        ZONES.forEach((zone, i) => setConfig(`sticky:availabilityZones[${i}]`, zone, "--path"));
        setConfig("sticky:clusterViewerArns[0]", VIEWER_ARN, "--path");
    });

    after(async () => {
        if (!ws) return;
        // Protected resources stop a destroy: the state forgets the protection first.
        ws.run("pulumi", ["state", "unprotect", "--all", "--yes", "--stack", STACK, "--non-interactive"]);
        ws.run("pulumi", ["destroy", "--yes", "--skip-preview", "--stack", STACK, "--non-interactive"]);
        leftovers(ws);
        await ws.removeApp();
        releaseVolumes(ws);
        ws.remove();
    });

    it("1. up: each claim bound on the EBS driver in the node's zone, gp3 and encrypted; NodePool and NodeClass accepted; served through the NLB", async () => {
        // Before the viewer objects exist the API server knows the viewer by its certificate, and RBAC gives it nothing.
        const whoami = JSON.parse(asViewer("kubectl", ["--context", TEST_CONTEXT, "auth", "whoami", "-o", "json"]).stdout);
        assert.deepStrictEqual([whoami.status.userInfo.username, whoami.status.userInfo.groups.includes(CLUSTER_VIEWER_GROUP)], [VIEWER_USER, true]);
        assert.match(asViewer("kubectl", ["--context", TEST_CONTEXT, "get", "nodepools"]).stderr, /forbidden: User "e2e-preview" cannot list resource "nodepools"/);

        const result = ws.up();
        say(`pulumi up --stack prod: ${result.seconds.toFixed(1)} s`);
        await waitFor("sticky-0..2 Ready and behind the Service", 180, () => appServing(ws));
        for (const claim of CLAIMS) {
            const pvc = ws.get("persistentvolumeclaim", claim);
            assert.strictEqual(pvc.status.phase, "Bound", claim);
            assert.strictEqual(pvc.spec.storageClassName, GP3);
            const pv = volumeOf(claim);
            assert.strictEqual(pv.spec.csi.driver, EBS_CSI_PROVISIONER, `${claim} is on Auto Mode's driver`);
            assert.match(pv.spec.csi.volumeHandle, /^vol-[0-9a-f]{17}$/);
            assert.strictEqual(pv.spec.persistentVolumeReclaimPolicy, "Retain");
            assert.deepStrictEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions, [{ key: ZONE_LABEL, operator: "In", values: [ZONE] }]);
            const facts = ebsFacts(pv.spec.csi.volumeHandle);
            assert.deepStrictEqual([facts.zone, facts.type, facts.encrypted, facts.sizeBytes], [ZONE, "gp3", true, GiB]);
            assert.match(facts.tags["sticky-incarnation"], /^sticky-test-\d{8}T\d{6}Z$/, "tagged with the cluster's incarnation");
        }
        const pool = ws.get("nodepool", NODE_POOL);
        assert.deepStrictEqual(pool.spec.template.spec.nodeClassRef, { group: "eks.amazonaws.com", kind: "NodeClass", name: NODE_POOL });
        assert.ok(pool.spec.template.spec.requirements.some((r: any) => r.key === ZONE_LABEL && r.values.join() === ZONES.join()));
        assert.strictEqual(ws.get("nodeclass", NODE_POOL).spec.networkPolicy, "DefaultAllow");
        const service = ws.get("service", "sticky");
        assert.strictEqual(service.spec.loadBalancerClass, "eks.amazonaws.com/nlb");
        assert.ok(service.status.loadBalancer.ingress?.length, "the NLB stand-in gave the Service an address");
        const outputs = JSON.parse(ws.pulumi("stack", "output", "--json", "--stack", STACK).stdout);
        assert.deepStrictEqual(outputs.availabilityZones, ZONES);

        for (const [pod, page] of pages) ws.kubectl("exec", pod, "--", "sh", "-c", `printf '%s' '${page}' > ${DATA_PATH}/index.html`);
        const answers = new Map<string, number>();
        for (let i = 0; i < 60; i++) {
            const answer = await httpGet(LB_HOST, LB_PORT);
            const who = answer.status === 200 ? answer.body.split(" ", 1)[0] : String(answer.status);
            answers.set(who, (answers.get(who) ?? 0) + 1);
        }
        say(`60 requests through the NLB stand-in at ${LB_HOST}:${LB_PORT}: ${[...answers].map(([who, n]) => `${who} ${n}`).join(", ")}`);
        assert.deepStrictEqual([...answers.keys()].sort(), ["403", "sticky-1", "sticky-2"], "both pages and sticky-0's empty volume, and nothing else");
    });

    it("2. a grow 1Gi -> 2Gi: the review says the claims grow in place; up waits for the resizer, no pod restarts, requests throughout", async () => {
        setConfig("sticky:storageSize", "2Gi");
        const captured = preview("storage-size", true);
        // The provider built here fails a claim-template change's dry run part-way (pulumi-kubernetes#4328).
        expectVerdict(captured, captured.status === 0 ? "safe" : "failed");
        assert.match(captured.markdown, /StorageClass "gp3" allows volume expansion/);
        assert.doesNotMatch(captured.markdown, FORBIDDEN);

        const before = appPods(ws);
        let capacities: string[] = [];
        await expectNoFailedRequest(requestTargets(ws), "grow 1Gi -> 2Gi", async () => {
            const result = await ws.upAsync();
            // Read the moment up returns: the patches' await is the capacity, not the request.
            capacities = CLAIMS.map((c) => ws.get("persistentvolumeclaim", c).status.capacity.storage);
            say(`pulumi up (grow): ${result.seconds.toFixed(1)} s`);
        });
        assert.deepStrictEqual(capacities, ["2Gi", "2Gi", "2Gi"], "each claim's capacity when up returned");
        const after = appPods(ws);
        assert.deepStrictEqual(after.map((p) => [p.name, p.uid, p.restarts]), before.map((p) => [p.name, p.uid, p.restarts]), "the same pods, none restarted");
        for (const claim of CLAIMS) {
            const pv = volumeOf(claim);
            assert.strictEqual(pv.spec.capacity.storage, "2Gi");
            assert.strictEqual(ebsFacts(pv.spec.csi.volumeHandle).sizeBytes, 2 * GiB, `${claim}'s EBS stand-in volume grew`);
        }
    });

    it("3. a rollout of the pod template (image, liveness ConfigMap and resources in one up), requests on the NLB and the cluster IP throughout: no failed request", async () => {
        const before = appPods(ws);
        await expectNoFailedRequest(requestTargets(ws), "image + liveness ConfigMap + resources", () =>
            rolledTogether("template", [imageChange, livenessConfigChange, resourcesChange]).run(ws),
        );
        const after = appPods(ws);
        assert.ok(after.every((p) => !before.some((b) => b.uid === p.uid)), "every pod is a new one");
        assert.ok(after.every((p) => p.image === images["nginx-previous"]), "on the other image");
        for (const [pod, page] of pages) assert.strictEqual((await served(pod)).body, page, `${pod} kept its page through the rollout`);
    });

    it("4. as the viewer group: preview of a NodePool change and preview --refresh succeed, nothing forbidden; up and kubectl's writes are refused", async () => {
        await waitFor("the viewer's RBAC to apply", 30, () => (asViewer("kubectl", ["--context", TEST_CONTEXT, "get", "nodepool", NODE_POOL]).status === 0 ? true : undefined));
        setConfig("sticky:nodeCpuLimit", "32");
        const captured = preview("node-limits", true, { run: asViewer });
        assert.strictEqual(captured.status, 0, `preview as the viewer failed:\n${captured.json}${captured.stderr}`);
        assert.doesNotMatch(captured.stderr, FORBIDDEN);
        assert.deepStrictEqual(planned(captured), [`update kubernetes:karpenter.sh/v1:NodePool::${NODE_POOL}`]);
        expectVerdict(captured, "safe");
        assert.match(captured.markdown, /NodePool/);

        const refreshed = preview("node-limits-refresh", false, { run: asViewer, extra: ["--refresh"] });
        assert.strictEqual(refreshed.status, 0, `preview --refresh as the viewer failed:\n${refreshed.stderr}`);
        assert.doesNotMatch(refreshed.stderr, FORBIDDEN);
        assert.deepStrictEqual(planned(refreshed), [`update kubernetes:karpenter.sh/v1:NodePool::${NODE_POOL}`]);

        const refused = asViewer("pulumi", ["up", "--yes", "--skip-preview", "--stack", STACK, "--non-interactive"]);
        assert.notStrictEqual(refused.status, 0, `up as the viewer succeeded:\n${refused.stdout}`);
        assert.match(refused.stdout + refused.stderr, new RegExp(`members of ${CLUSTER_VIEWER_GROUP} may only dry-run changes`));
        assert.strictEqual(ws.get("nodepool", NODE_POOL).spec.limits.cpu, "16", "the NodePool kept its limit");

        const patch = ["--context", TEST_CONTEXT, "patch", "nodepool", NODE_POOL, "--type=merge", "-p", '{"spec":{"limits":{"cpu":"64"}}}'];
        assert.strictEqual(asViewer("kubectl", [...patch, "--dry-run=server"]).status, 0, "a server-side dry run passes");
        assert.match(asViewer("kubectl", patch).stderr, /sticky-cluster-viewer-dry-run-only.*denied request/);
        assert.match(asViewer("kubectl", ["--context", TEST_CONTEXT, "delete", "persistentvolumeclaim", CLAIMS[2], "--dry-run=server"]).stderr, FORBIDDEN);
        ws.pulumi("config", "rm", "sticky:nodeCpuLimit", "--stack", STACK);
    });

    it("5. a snapshot of sticky-2's claim, taken as docs/prod-on-eks.md says: ready on ebs-retain, an EBS snapshot id", async () => {
        // The runbook's command, for ordinal 2.
        const snapshot = { apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshot", metadata: { name: SNAPSHOT }, spec: { source: { persistentVolumeClaimName: CLAIMS[2] } } };
        const file = path.join(ws.dir, "snapshot.json");
        fs.writeFileSync(file, JSON.stringify(snapshot));
        ws.kubectl("apply", "-f", file);
        const content = await waitFor("the snapshot ready", 60, () => {
            const taken = ws.get("volumesnapshot", SNAPSHOT);
            return taken.status?.readyToUse ? ws.get("volumesnapshotcontent", taken.status.boundVolumeSnapshotContentName) : undefined;
        });
        assert.strictEqual(content.spec.volumeSnapshotClassName, VOLUME_SNAPSHOT_CLASS, "the default class");
        assert.strictEqual(content.spec.deletionPolicy, "Retain");
        snapshotId = content.status.snapshotHandle;
        assert.match(snapshotId, /^snap-[0-9a-f]{17}$/);
        volumeId = volumeOf(CLAIMS[1]).spec.csi.volumeHandle;
        say(`sticky-2's snapshot ${snapshotId} (${content.metadata.name}); sticky-1's volume ${volumeId}`);
    });

    it("6. destroyed the documented way, then restored by sticky:restoreFrom: sticky-2 from the snap- id, sticky-1 from the vol- id, byte for byte, served", async () => {
        // docs/prod-on-eks.md: protect off and up, then destroy. The claims and their volumes stay.
        setConfig("sticky:protect", "false");
        ws.up();
        ws.pulumi("destroy", "--yes", "--skip-preview", "--stack", STACK);
        assert.deepStrictEqual(ws.get("statefulsets", "-l", "app=sticky").items, [], "the app is gone");
        // A new cluster has none of the old one's claims or PersistentVolumes, only the EBS volumes and snapshots.
        await ws.removeApp();
        releaseVolumes(ws);
        ws.kubectl("delete", "volumesnapshot", SNAPSHOT);
        await waitFor("no VolumeAttachment of the old volumes", 120, () =>
            (ws.get("volumeattachments").items as any[]).some((a) => a.spec.attacher === EBS_CSI_PROVISIONER) ? undefined : true,
        );
        assert.ok(fs.existsSync(path.join(EBS_DIR, "volumes", volumeId)), "the volume outlived its claim (Retain)");
        assert.ok(fs.existsSync(path.join(EBS_DIR, "snapshots", snapshotId)), "the snapshot outlived its VolumeSnapshot (ebs-retain)");

        ws.pulumi("config", "rm", "sticky:protect", "--stack", STACK);
        setConfig("sticky:restoreFrom[0]", `2=${snapshotId}`, "--path");
        setConfig("sticky:restoreFrom[1]", `1=${volumeId}`, "--path");
        const captured = preview("restore", true);
        assert.strictEqual(captured.status, 0, captured.stderr);
        assert.match(captured.markdown, new RegExp(`Restored from \`${snapshotId}\``));
        assert.match(captured.markdown, new RegExp(`Restored from \`${volumeId}\` \\(volume \`restored-${CLAIMS[1]}\`, pre-bound\\)`));

        const result = ws.up();
        say(`pulumi up (restore): ${result.seconds.toFixed(1)} s`);
        await waitFor("sticky-0..2 Ready and behind the Service", 180, () => appServing(ws));
        const fromSnapshot = ws.get("persistentvolumeclaim", CLAIMS[2]);
        assert.deepStrictEqual(fromSnapshot.spec.dataSource, { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: `restored-${CLAIMS[2]}` });
        const content = ws.get("volumesnapshotcontent", `restored-${CLAIMS[2]}`);
        assert.strictEqual(content.spec.source.snapshotHandle, snapshotId);
        assert.strictEqual(content.status.readyToUse, true, "the snapshot-controller and the driver accepted the pre-provisioned content");
        assert.strictEqual(ebsFacts(volumeOf(CLAIMS[2]).spec.csi.volumeHandle).fromSnapshot, snapshotId, "a new volume made from the snapshot");
        const fromVolume = ws.get("persistentvolumeclaim", CLAIMS[1]);
        assert.strictEqual(fromVolume.spec.volumeName, `restored-${CLAIMS[1]}`);
        assert.strictEqual(volumeOf(CLAIMS[1]).spec.csi.volumeHandle, volumeId, "the same EBS volume, through a static PersistentVolume");
        assert.strictEqual(ws.get("volumeattachments").items.filter((a: any) => a.spec.source.persistentVolumeName === `restored-${CLAIMS[1]}` && a.status?.attached).length, 1, "attached in its zone");

        for (const [pod, page] of pages) assert.strictEqual((await served(pod)).body, page, `${pod} serves its bytes again`);
        assert.strictEqual((await served("sticky-0")).status, 403, "sticky-0 starts empty");
        const outputs = JSON.parse(ws.pulumi("stack", "output", "--json", "--stack", STACK).stdout);
        assert.deepStrictEqual(outputs.restoredFrom, { [CLAIMS[1]]: volumeId, [CLAIMS[2]]: snapshotId });
        const again = ws.run("pulumi", ["preview", "--expect-no-changes", "--stack", STACK, "--non-interactive"]);
        assert.strictEqual(again.status, 0, `the next run changes nothing:\n${again.stdout}${again.stderr}`);
    });
});

/**
 * The viewer: a key and a certificate from the test cluster's CA naming the viewer group (how the
 * API server puts a user in a group, as an EKS access entry's `kubernetesGroups` does for an IAM
 * role), and a kubeconfig with the same context and cluster and the viewer as its user.
 */
function makeViewer(ws: Workspace): string {
    const pki = path.join(ws.dir, ".viewer-pki");
    fs.mkdirSync(pki);
    const openssl = (...args: string[]) => ws.ok("openssl", args);
    openssl("genrsa", "-out", path.join(pki, "viewer.key"), "2048");
    openssl("req", "-new", "-key", path.join(pki, "viewer.key"), "-subj", `/CN=${VIEWER_USER}/O=${CLUSTER_VIEWER_GROUP}`, "-out", path.join(pki, "viewer.csr"));
    openssl(
        "x509", "-req", "-in", path.join(pki, "viewer.csr"), "-CA", path.join(CA_DIR, "ca.crt"), "-CAkey", path.join(CA_DIR, "ca.key"),
        "-CAcreateserial", "-days", "1", "-out", path.join(pki, "viewer.crt"),
    );
    const kubeconfig = path.join(ws.dir, ".viewer-kubeconfig");
    fs.copyFileSync(KUBECONFIG, kubeconfig);
    const config = (...args: string[]) => ws.ok("kubectl", ["--kubeconfig", kubeconfig, "config", ...args]);
    config("set-credentials", VIEWER_USER, `--client-certificate=${path.join(pki, "viewer.crt")}`, `--client-key=${path.join(pki, "viewer.key")}`, "--embed-certs=true");
    config("set-context", TEST_CONTEXT, `--user=${VIEWER_USER}`);
    return kubeconfig;
}
