/**
 * What the test cluster has of an EKS Auto Mode cluster, each piece by itself (no Pulumi): the
 * zone-labelled node, the EBS driver's stand-in (test-cluster/local-ebs.mjs in local-cloud, and
 * local-csi-node), the real snapshot-controller and VolumeSnapshot CRDs, Karpenter's real
 * NodePool CRD, the NodeClass stand-in and the NLB class. docs/test-cluster.md says what each
 * copies and what it does not.
 *
 * One claim goes the whole way: provisioned in the node's zone, attached, mounted by a pod,
 * served through an `eks.amazonaws.com/nlb` Service, grown under the running pod, snapshotted by
 * the snapshot-controller, and restored into a second claim that holds the same bytes.
 */
import * as assert from "assert";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { httpGet } from "./requests";
import { KUBECONFIG, localImages, TEST_CONTEXT, waitFor, Workspace } from "./workspace";

const NAMESPACE = "auto-mode-e2e";
const DRIVER = "ebs.csi.eks.amazonaws.com";
const ZONE_LABEL = "topology.kubernetes.io/zone";
const NODE = "sticky-node";
/** Ports no other e2e file uses, so a leftover of one never meets another. */
const NLB_PORT = 3336;
const OTHER_CLASS_PORT = 3337;
/** Where local-ebs.mjs keeps a volume's facts (zone, size, type, tags). */
const EBS_VOLUMES = path.join(path.dirname(KUBECONFIG), "volumes", DRIVER, "volumes");
const GIB = 2 ** 30;

const pod = (name: string, claim: string, image: string) => `
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${NAMESPACE}, labels: { app: ${name} } }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: nginx
    image: ${image}
    imagePullPolicy: Never
    ports: [{ containerPort: 8080 }]
    volumeMounts:
    - { name: data, mountPath: /data }
    - { name: conf, mountPath: /etc/nginx/conf.d }
  volumes:
  - { name: data, persistentVolumeClaim: { claimName: ${claim} } }
  - { name: conf, configMap: { name: serve-data } }`;

/** A class on the driver as prod's gp3 class is (WaitForFirstConsumer, expandable), a writer pod, two Services. */
const baseObjects = (image: string) => `
apiVersion: v1
kind: Namespace
metadata: { name: ${NAMESPACE} }
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: { name: e2e-auto-ebs }
provisioner: ${DRIVER}
volumeBindingMode: WaitForFirstConsumer
allowVolumeExpansion: true
reclaimPolicy: Delete
parameters: { type: gp3, encrypted: "true", tagSpecification_1: "sticky/e2e=auto-mode" }
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata: { name: e2e-auto-ebs }
driver: ${DRIVER}
deletionPolicy: Delete
---
apiVersion: v1
kind: ConfigMap
metadata: { name: serve-data, namespace: ${NAMESPACE} }
data:
  data.conf: |
    server { listen 8080; root /data; index page.txt; default_type text/plain; }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data, namespace: ${NAMESPACE} }
spec: { storageClassName: e2e-auto-ebs, accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
---
${pod("writer", "data", image)}
---
apiVersion: v1
kind: Service
metadata: { name: nlb, namespace: ${NAMESPACE} }
spec:
  type: LoadBalancer
  loadBalancerClass: eks.amazonaws.com/nlb
  selector: { app: writer }
  ports: [{ port: ${NLB_PORT}, targetPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: other-class, namespace: ${NAMESPACE} }
spec:
  type: LoadBalancer
  loadBalancerClass: example.com/not-here
  selector: { app: writer }
  ports: [{ port: ${OTHER_CLASS_PORT}, targetPort: 8080 }]
`;

/** A NodePool and NodeClass as prod's are shaped; `budget` and `networkPolicy` are what the refusals change. */
const nodePool = (budget: string, networkPolicy = "DefaultAllow") => `
apiVersion: eks.amazonaws.com/v1
kind: NodeClass
metadata: { name: e2e-valid }
spec: { role: e2e-node-role, subnetSelectorTerms: [{ id: subnet-0123 }], networkPolicy: ${networkPolicy} }
---
apiVersion: karpenter.sh/v1
kind: NodePool
metadata: { name: e2e-valid }
spec:
  template:
    spec:
      nodeClassRef: { group: eks.amazonaws.com, kind: NodeClass, name: e2e-valid }
      requirements:
      - { key: karpenter.sh/capacity-type, operator: In, values: [on-demand] }
      - { key: ${ZONE_LABEL}, operator: In, values: [eu-west-1a] }
      expireAfter: 480h
  disruption:
    consolidationPolicy: WhenEmpty
    consolidateAfter: 5m
    budgets: [${budget}]
  limits: { cpu: "16", memory: 64Gi }
`;

describe("the test cluster's Auto Mode pieces: zone, EBS driver stand-in, snapshot-controller, NodePool CRD, NLB class", function () {
    this.timeout(5 * 60 * 1000);
    let ws: Workspace;
    const page = randomBytes(48 * 1024).toString("base64");

    const kubectl = (...args: string[]) => ws.run("kubectl", ["--context", TEST_CONTEXT, ...args]);
    const apply = (name: string, yaml: string) => {
        const file = path.join(ws.dir, `${name}.yaml`);
        fs.writeFileSync(file, yaml);
        return kubectl("apply", "-f", file);
    };
    const applyOk = (name: string, yaml: string) => {
        const applied = apply(name, yaml);
        assert.strictEqual(applied.status, 0, applied.stderr);
    };
    /** Everything this file makes; it never waits on a finalizer for long (a hung cleanup holds the cluster). */
    const clean = () => {
        kubectl("delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=false");
        // A pre-provisioned content keeps the snapshot-controller's finalizer while its snapshot is
        // bound (Retain); once it is being deleted, none can be added again.
        kubectl("delete", "volumesnapshotcontent", "e2e-missing", "--ignore-not-found", "--wait=false");
        kubectl("patch", "volumesnapshotcontent", "e2e-missing", "--type", "merge", "-p", '{"metadata":{"finalizers":null}}');
        kubectl("wait", "--for=delete", `namespace/${NAMESPACE}`, "--timeout=120s");
        kubectl("delete", "storageclass,volumesnapshotclass", "e2e-auto-ebs", "--ignore-not-found", "--wait=false");
        kubectl("delete", "nodepool,nodeclass", "e2e-valid", "--ignore-not-found", "--wait=false");
    };
    const claim = (name: string) => ws.get("pvc", name, "-n", NAMESPACE);
    const volumeFacts = (pvName: string) =>
        JSON.parse(fs.readFileSync(path.join(EBS_VOLUMES, `${ws.get("pv", pvName).spec.csi.volumeHandle}.json`), "utf8"));
    const exec = (name: string, script: string) => ws.kubectl("exec", "-n", NAMESPACE, name, "--", "sh", "-c", script).stdout;
    const running = (name: string) => (ws.get("pod", name, "-n", NAMESPACE).status.phase === "Running" ? true : undefined);

    before(() => {
        ws = new Workspace("sticky-auto-mode-");
        clean();
    });

    after(() => {
        if (!ws) return;
        clean();
        ws.remove();
    });

    it("labels the node with its zone; the kubelet has the driver's node plugin, with that zone", () => {
        const node = ws.get("node", NODE);
        assert.ok(node.metadata.labels[ZONE_LABEL], `node ${NODE} has no ${ZONE_LABEL} label`);
        assert.strictEqual(node.metadata.labels["eks.amazonaws.com/compute-type"], "auto");
        const driver = ws.get("csinode", NODE).spec.drivers?.find((d: { name: string }) => d.name === DRIVER);
        assert.ok(driver, `CSINode ${NODE} lists no ${DRIVER}`);
        assert.deepStrictEqual(driver.topologyKeys, [ZONE_LABEL]);
    });

    it("binds a claim of a class on ebs.csi.eks.amazonaws.com in the node's zone, attaches it, and a pod mounts it", async () => {
        applyOk("base", baseObjects(localImages().nginx));
        await waitFor("pod writer running", 90, () => running("writer"));
        const bound = claim("data");
        assert.strictEqual(bound.status.phase, "Bound");
        const pv = ws.get("pv", bound.spec.volumeName);
        assert.strictEqual(pv.spec.csi.driver, DRIVER);
        assert.match(pv.spec.csi.volumeHandle, /^vol-[0-9a-f]{17}$/);
        const zone = ws.get("node", NODE).metadata.labels[ZONE_LABEL];
        assert.deepStrictEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms, [{ matchExpressions: [{ key: ZONE_LABEL, operator: "In", values: [zone] }] }]);
        const facts = volumeFacts(pv.metadata.name);
        assert.deepStrictEqual([facts.zone, facts.type, facts.encrypted, facts.tags], [zone, "gp3", true, { "sticky/e2e": "auto-mode" }]);
        const attachments = ws.get("volumeattachments").items.filter((a: any) => a.spec.source.persistentVolumeName === pv.metadata.name);
        assert.deepStrictEqual(attachments.map((a: any) => [a.spec.attacher, a.spec.nodeName, a.status?.attached]), [[DRIVER, NODE, true]]);
        exec("writer", `printf %s '${page}' > /data/page.txt`);
        assert.strictEqual(exec("writer", "cat /data/page.txt"), page);
    });

    it("answers a Service of class eks.amazonaws.com/nlb on loopback with the volume's bytes, and leaves another class alone", async () => {
        let answer = await httpGet("127.0.0.1", NLB_PORT);
        for (let tries = 0; answer.status !== 200 && tries < 30; tries++) {
            await new Promise((resolve) => setTimeout(resolve, 1000));
            answer = await httpGet("127.0.0.1", NLB_PORT);
        }
        assert.strictEqual(answer.status, 200, answer.body);
        assert.strictEqual(answer.body, page);
        assert.deepStrictEqual(ws.get("service", "nlb", "-n", NAMESPACE).status.loadBalancer.ingress, [{ hostname: "localhost" }]);
        assert.deepStrictEqual(ws.get("service", "other-class", "-n", NAMESPACE).status.loadBalancer, {});
        assert.deepStrictEqual(await httpGet("127.0.0.1", OTHER_CLASS_PORT), { status: 0, body: "ECONNREFUSED" });
    });

    it("grows the claim under the running pod", async () => {
        const before = ws.get("pod", "writer", "-n", NAMESPACE).metadata.uid;
        ws.kubectl("patch", "pvc", "data", "-n", NAMESPACE, "-p", '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}');
        await waitFor("claim data at 2Gi", 60, () => (claim("data").status.capacity?.storage === "2Gi" ? true : undefined));
        const bound = claim("data");
        assert.strictEqual(ws.get("pv", bound.spec.volumeName).spec.capacity.storage, "2Gi");
        assert.strictEqual(volumeFacts(bound.spec.volumeName).sizeBytes, 2 * GIB);
        const events = ws.get("events", "-n", NAMESPACE, "--field-selector", "involvedObject.name=data").items.map((e: { reason: string }) => e.reason);
        assert.ok(events.includes("VolumeResizeSuccessful"), `events of claim data: ${events}`);
        const after = ws.get("pod", "writer", "-n", NAMESPACE);
        assert.deepStrictEqual([after.metadata.uid, after.status.phase], [before, "Running"]);
        assert.strictEqual(exec("writer", "cat /data/page.txt"), page);
    });

    it("snapshots the claim through the snapshot-controller, and a claim restored from it has the bytes", async () => {
        applyOk("snapshot", `
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: { name: data-snap, namespace: ${NAMESPACE} }
spec: { volumeSnapshotClassName: e2e-auto-ebs, source: { persistentVolumeClaimName: data } }
`);
        const snapshot = await waitFor("VolumeSnapshot data-snap ready", 60, () => {
            const s = ws.get("volumesnapshot", "data-snap", "-n", NAMESPACE);
            return s.status?.readyToUse === true ? s : undefined;
        });
        // The content is the snapshot-controller's (it names dynamic ones snapcontent-<snapshot uid>).
        assert.strictEqual(snapshot.status.boundVolumeSnapshotContentName, `snapcontent-${snapshot.metadata.uid}`);
        const content = ws.get("volumesnapshotcontent", snapshot.status.boundVolumeSnapshotContentName);
        assert.match(content.status.snapshotHandle, /^snap-[0-9a-f]{17}$/);
        assert.deepStrictEqual([content.spec.driver, content.status.restoreSize], [DRIVER, 2 * GIB]);
        assert.strictEqual(snapshot.status.restoreSize, "2Gi");

        applyOk("restore", `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: restored, namespace: ${NAMESPACE} }
spec:
  storageClassName: e2e-auto-ebs
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 2Gi } }
  dataSource: { apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: data-snap }
---
${pod("reader", "restored", localImages().nginx)}
`);
        await waitFor("pod reader running", 90, () => running("reader"));
        assert.strictEqual(volumeFacts(claim("restored").spec.volumeName).fromSnapshot, content.status.snapshotHandle);
        assert.strictEqual(exec("reader", "cat /data/page.txt"), page);
    });

    it("does not make a pre-provisioned snapshot of a handle that does not exist ready", async () => {
        applyOk("missing", `
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotContent
metadata: { name: e2e-missing }
spec:
  deletionPolicy: Retain
  driver: ${DRIVER}
  source: { snapshotHandle: snap-00000000000000000 }
  volumeSnapshotClassName: e2e-auto-ebs
  volumeSnapshotRef: { namespace: ${NAMESPACE}, name: missing }
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: { name: missing, namespace: ${NAMESPACE} }
spec: { volumeSnapshotClassName: e2e-auto-ebs, source: { volumeSnapshotContentName: e2e-missing } }
`);
        const error = await waitFor("an error on VolumeSnapshot missing", 60, () => ws.get("volumesnapshot", "missing", "-n", NAMESPACE).status?.error);
        assert.match(error.message, /snap-00000000000000000 does not exist/);
        assert.notStrictEqual(ws.get("volumesnapshot", "missing", "-n", NAMESPACE).status.readyToUse, true);
    });

    it("refuses a NodePool its CRD's validation rules reject, and a NodeClass outside the stand-in's schema; takes valid ones", () => {
        const refusedPool = apply("bad-pool", nodePool(`{ nodes: "1", schedule: "0 9 * * mon-fri" }`));
        assert.notStrictEqual(refusedPool.status, 0);
        assert.match(refusedPool.stderr, /'schedule' must be set with 'duration'/);
        const refusedClass = apply("bad-class", nodePool(`{ nodes: "1" }`, "Allow"));
        assert.notStrictEqual(refusedClass.status, 0);
        assert.match(refusedClass.stderr, /spec\.networkPolicy: Unsupported value: "Allow"/);
        applyOk("pool", nodePool(`{ nodes: "1" }`));
        assert.strictEqual(ws.get("nodepool", "e2e-valid").spec.disruption.budgets[0].nodes, "1");
    });
});
