#!/usr/bin/env node
// What Docker Desktop adds to its Kubernetes, for the test cluster's real node:
//
// - LoadBalancer Services answer on this machine's loopback: for each TCP port of such a Service
//   it listens on 127.0.0.1:<port> and forwards every connection to the Service's ClusterIP,
//   where kube-proxy picks a pod (so connections spread over the pods, as they do behind
//   Docker Desktop's localhost:3333). Once it listens, the Service's status says
//   `ingress: [{hostname: localhost}]`, which is what Docker Desktop reports and what
//   `pulumi up` waits for.
// - The "hostpath" StorageClass (provisioner docker.io/hostpath, as on Docker Desktop) gets a
//   directory per claim on this machine's disk, <volumes>/<claim>/<volume>, mode 0777 as Docker
//   Desktop makes them, so nginx's unprivileged workers can read what `kubectl exec` writes as
//   root. Released volumes of a class with reclaimPolicy Delete are removed with their directory.
// - The "hostpath-expandable" class (provisioner local-cloud/expandable-hostpath, a stand-in for
//   a cloud class such as EBS gp3) gets the same directories, and this process is its external
//   resizer, as the CSI external-resizer is for a cloud driver: when a Bound claim asks for more
//   than its status.capacity, it marks the claim Resizing (condition, allocatedResources,
//   allocatedResourceStatuses ControllerResizeInProgress), grows the PersistentVolume's
//   spec.capacity, then sets the claim's status.capacity and clears the resize status, with the
//   Resizing and VolumeResizeSuccessful events. Both capacities are the volume's bytes as the
//   real resizer writes them (the largest binary unit that divides them: 2048Mi is written back
//   as "2Gi"); an EBS volume grows to whole GiB. A directory has no size, so nothing on disk
//   changes: the objects follow the real flow, the bytes were never limited.
//
// - What EKS Auto Mode runs in its cluster, beside Docker Desktop's: Services of
//   `loadBalancerClass: eks.amazonaws.com/nlb` answer on 127.0.0.1:<port> like the others, but as
//   an NLB with instance targets does: through the Service's NodePort on this node (the node's
//   kube-proxy answers NodePorts on 127.0.0.1), or its ClusterIP with `ip` targets (the annotation
//   service.beta.kubernetes.io/aws-load-balancer-nlb-target-type) or no NodePorts.
//   A Service of any other class is left alone, as the built-in service controller leaves it.
//   And the controller half of the EBS driver ebs.csi.eks.amazonaws.com: local-ebs.mjs.
//
// - A slow cloud, on request: while the ConfigMap kube-system/local-cloud has
//   `holdLoadBalancerAddresses: "true"`, LoadBalancer Services get no address (their ports still
//   listen). An AWS NLB takes minutes to get one; the e2e uses this to show that `pulumi up`
//   waits for the address rather than finishing with an empty url.
//
// Usage (test-cluster/node.sh starts it):
//   node local-cloud.mjs --server URL --ca FILE --cert FILE --key FILE --volumes DIR
//
// It polls the API every half second rather than watching: the cluster is tiny, and a poll loop
// recovers from an API server restart without any reconnect logic. Only Node's standard library.

import { readFileSync, mkdirSync, chmodSync, rmSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import { EBS_DRIVER, EBS_MAX_BYTES, localEbs, roundUpGiB } from "./local-ebs.mjs";

const PROVISIONER = "docker.io/hostpath";
/** Provisioned like PROVISIONER, and resized by this process (see the header). */
const EXPANDABLE_PROVISIONER = "local-cloud/expandable-hostpath";
const PROVISIONERS = new Set([PROVISIONER, EXPANDABLE_PROVISIONER]);
/** The load balancer class of EKS Auto Mode's NLBs. */
const NLB_CLASS = "eks.amazonaws.com/nlb";
const LOOPBACK = "127.0.0.1";
const POLL_MS = 500;

const { values: args } = parseArgs({
    options: {
        server: { type: "string" },
        ca: { type: "string" },
        cert: { type: "string" },
        key: { type: "string" },
        volumes: { type: "string" },
    },
});
for (const name of ["server", "ca", "cert", "key", "volumes"]) {
    if (!args[name]) {
        console.error(`local-cloud: --${name} is required`);
        process.exit(2);
    }
}
const volumesDir = path.resolve(args.volumes);
const agent = new https.Agent({
    ca: readFileSync(args.ca),
    cert: readFileSync(args.cert),
    key: readFileSync(args.key),
    keepAlive: true,
});

const log = (message) => console.log(`${new Date().toISOString()} ${message}`);

function api(method, urlPath, body, contentType = "application/json") {
    return new Promise((resolve, reject) => {
        const request = https.request(new URL(urlPath, args.server), {
            method,
            agent,
            headers: body === undefined ? {} : { "content-type": contentType },
            timeout: 10_000,
        });
        request.on("timeout", () => request.destroy(new Error(`${method} ${urlPath}: timed out`)));
        request.on("error", reject);
        request.on("response", (response) => {
            let text = "";
            response.setEncoding("utf8");
            response.on("data", (chunk) => (text += chunk));
            response.on("end", () => {
                const status = response.statusCode ?? 0;
                if (status >= 200 && status < 300) resolve(text ? JSON.parse(text) : undefined);
                else reject(Object.assign(new Error(`${method} ${urlPath}: ${status} ${text.slice(0, 300)}`), { status }));
            });
        });
        request.end(body === undefined ? undefined : JSON.stringify(body));
    });
}

// ---- LoadBalancer Services on 127.0.0.1 ----

/** key "namespace/name:port" -> { server, target: { host, port }, listening, error } */
const listeners = new Map();

function listen(key, port, target) {
    const entry = { target, listening: false, error: undefined, server: undefined };
    entry.server = net.createServer((client) => {
        const upstream = net.connect(entry.target.port, entry.target.host);
        client.pipe(upstream).pipe(client);
        const close = () => { client.destroy(); upstream.destroy(); };
        client.on("error", close);
        upstream.on("error", close);
    });
    entry.server.on("error", (err) => {
        // Reported once per Service by warnOnce; the next round tries again.
        entry.error = `cannot listen on ${LOOPBACK}:${port}: ${err.code ?? err.message}`;
    });
    entry.server.listen(port, LOOPBACK, () => {
        entry.listening = true;
        log(`${key}: listening on ${LOOPBACK}:${port} -> ${target.host}:${target.port}`);
    });
    listeners.set(key, entry);
    return entry;
}

/** The ConfigMap through which a test slows this cloud down (see the header). */
const SETTINGS = { namespace: "kube-system", name: "local-cloud" };

async function addressesHeld() {
    const settings = await api("GET", `/api/v1/namespaces/${SETTINGS.namespace}/configmaps/${SETTINGS.name}`).catch((err) => {
        if (err.status === 404) return undefined;
        throw err;
    });
    return settings?.data?.holdLoadBalancerAddresses === "true";
}

let holding = false;
async function syncLoadBalancers() {
    const held = await addressesHeld();
    if (held !== holding) log(held ? "holding load-balancer addresses (ConfigMap kube-system/local-cloud)" : "load-balancer addresses released");
    holding = held;
    const services = await api("GET", "/api/v1/services");
    const wanted = new Set();
    for (const svc of services.items) {
        if (svc.spec.type !== "LoadBalancer" || !svc.spec.clusterIP || svc.spec.clusterIP === "None") continue;
        const loadBalancerClass = svc.spec.loadBalancerClass;
        if (loadBalancerClass !== undefined && loadBalancerClass !== NLB_CLASS) continue; // another controller's
        const ipTargets = svc.metadata.annotations?.["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"] === "ip";
        const id = `${svc.metadata.namespace}/${svc.metadata.name}`;
        let ready = true;
        for (const p of svc.spec.ports ?? []) {
            if ((p.protocol ?? "TCP") !== "TCP") continue;
            const key = `${id}:${p.port}`;
            wanted.add(key);
            // An NLB's instance targets are the nodes' NodePorts; Docker Desktop's goes to the Service.
            const target = loadBalancerClass === NLB_CLASS && p.nodePort && !ipTargets
                ? { host: LOOPBACK, port: p.nodePort }
                : { host: svc.spec.clusterIP, port: p.port };
            const entry = listeners.get(key) ?? listen(key, p.port, target);
            entry.target = target; // a recreated Service gets a new ClusterIP
            if (entry.error) {
                await warnOnce(svc, entry);
                listeners.delete(key); // try again next round
            }
            ready &&= entry.listening;
        }
        const ingress = svc.status?.loadBalancer?.ingress ?? [];
        if (ready && !held && !(ingress.length === 1 && ingress[0].hostname === "localhost")) {
            await api("PATCH", `/api/v1/namespaces/${svc.metadata.namespace}/services/${svc.metadata.name}/status`,
                { status: { loadBalancer: { ingress: [{ hostname: "localhost" }] } } },
                "application/merge-patch+json");
            log(`${id}: status.loadBalancer.ingress = [{hostname: localhost}]`);
        }
    }
    for (const [key, entry] of listeners) {
        if (!wanted.has(key)) {
            entry.server.close();
            listeners.delete(key);
            log(`${key}: Service gone; stopped listening`);
        }
    }
}

const warned = new Set();
async function warnOnce(svc, entry) {
    const key = `${svc.metadata.uid}:${entry.error}`;
    if (warned.has(key)) return;
    warned.add(key);
    log(`${svc.metadata.namespace}/${svc.metadata.name}: ${entry.error} (retrying every ${POLL_MS} ms)`);
    await api("POST", `/api/v1/namespaces/${svc.metadata.namespace}/events`, {
        metadata: { generateName: `${svc.metadata.name}.` },
        involvedObject: { kind: "Service", apiVersion: "v1", namespace: svc.metadata.namespace, name: svc.metadata.name, uid: svc.metadata.uid },
        type: "Warning",
        reason: "LocalLoadBalancerFailed",
        message: `${entry.error}; the Service gets no load-balancer address until that port is free`,
        source: { component: "local-cloud" },
        firstTimestamp: new Date().toISOString(),
        lastTimestamp: new Date().toISOString(),
        count: 1,
    }).catch((err) => log(`could not record an event: ${err.message}`));
}

// ---- hostpath volumes ----

const ebs = localEbs({ api, log, event, volumesDir, bytes });
/**
 * Provisioners whose claims this process resizes: the largest volume each allows, and the bytes
 * of the volume it makes for a request (a directory takes any size; EBS grows to whole GiB).
 */
const RESIZED = new Map([
    [EXPANDABLE_PROVISIONER, { maxBytes: Infinity, volumeBytes: (requested) => Math.ceil(requested) }],
    [EBS_DRIVER, { maxBytes: EBS_MAX_BYTES, volumeBytes: roundUpGiB }],
]);

async function syncVolumes() {
    const classes = (await api("GET", "/apis/storage.k8s.io/v1/storageclasses")).items
        .filter((c) => PROVISIONERS.has(c.provisioner) || c.provisioner === EBS_DRIVER);
    const byName = new Map(classes.map((c) => [c.metadata.name, c]));

    const claims = await api("GET", "/api/v1/persistentvolumeclaims");
    for (const claim of claims.items) {
        const storageClass = byName.get(claim.spec.storageClassName ?? "");
        if (!storageClass) continue;
        if (claim.status?.phase === "Pending" && !claim.spec.volumeName) {
            await (storageClass.provisioner === EBS_DRIVER ? ebs.provision(claim, storageClass) : provision(claim, storageClass));
        } else if (claim.status?.phase === "Bound" && RESIZED.has(storageClass.provisioner) &&
            storageClass.allowVolumeExpansion === true) await resizeIfAsked(claim, RESIZED.get(storageClass.provisioner));
    }

    const volumes = await api("GET", "/api/v1/persistentvolumes");
    await ebs.sync(volumes.items);
    for (const pv of volumes.items) {
        if (!PROVISIONERS.has(pv.metadata.annotations?.["pv.kubernetes.io/provisioned-by"])) continue;
        if (pv.status?.phase !== "Released" || pv.spec.persistentVolumeReclaimPolicy !== "Delete") continue;
        const dir = pv.spec.hostPath?.path ?? "";
        if (dir.startsWith(volumesDir + path.sep)) rmSync(dir, { recursive: true, force: true });
        await api("DELETE", `/api/v1/persistentvolumes/${pv.metadata.name}`).catch(ignore404);
        log(`volume ${pv.metadata.name}: released with reclaimPolicy Delete; removed ${dir}`);
    }
}

async function provision(claim, storageClass) {
    const { namespace, name, uid } = claim.metadata;
    const volumeName = `pvc-${uid}`;
    const dir = path.join(volumesDir, name, volumeName);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777); // mkdir's mode is cut by the umask; Docker Desktop's dirs are 0777
    await api("POST", "/api/v1/persistentvolumes", {
        metadata: { name: volumeName, annotations: { "pv.kubernetes.io/provisioned-by": storageClass.provisioner } },
        spec: {
            capacity: { storage: claim.spec.resources.requests.storage },
            accessModes: claim.spec.accessModes,
            volumeMode: claim.spec.volumeMode ?? "Filesystem",
            persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? "Delete",
            storageClassName: storageClass.metadata.name,
            claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace, name, uid },
            hostPath: { path: dir, type: "Directory" },
        },
    }).then(
        () => log(`claim ${namespace}/${name}: provisioned ${volumeName} at ${dir}`),
        (err) => { if (err.status !== 409) throw err; },
    );
}

// ---- volume expansion (the external resizer's part) ----

const UNITS = { "": 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
    k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
function bytes(quantity) {
    const match = /^(\d+(?:\.\d+)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(quantity ?? "");
    return match ? Number(match[1]) * UNITS[match[2] ?? ""] : NaN;
}

const BINARY_SUFFIXES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
/**
 * A volume's bytes as the external resizer writes them into the volume and the claim (the
 * driver's answer as resource.NewQuantity(bytes, BinarySI)): the largest binary unit that divides
 * them, "2Gi", "1536Mi", "1953125Ki", else plain bytes (core/quantity.ts canonicalBytes).
 */
function quantityOf(volumeBytes) {
    let value = volumeBytes;
    let suffix = 0;
    while (suffix < BINARY_SUFFIXES.length - 1 && value % 1024 === 0) {
        value /= 1024;
        suffix += 1;
    }
    return `${value}${BINARY_SUFFIXES[suffix]}`;
}

async function resizeIfAsked(claim, { maxBytes, volumeBytes }) {
    const { namespace, name } = claim.metadata;
    const wanted = claim.spec.resources.requests.storage;
    const has = claim.status?.capacity?.storage;
    if (!(bytes(wanted) > bytes(has))) return;
    if (bytes(wanted) > maxBytes) {
        const message = `resize volume ${claim.spec.volumeName} to ${wanted}: above the largest volume the driver makes (${maxBytes / 2 ** 40} TiB)`;
        if (!warned.has(message)) {
            warned.add(message);
            await event({ ...claim, kind: "PersistentVolumeClaim", apiVersion: "v1" }, "Warning", "VolumeResizeFailed", message, RESIZER);
        }
        return;
    }
    const claimPath = `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${name}`;
    const volumeName = claim.spec.volumeName;
    const now = () => new Date().toISOString();
    const mergePatch = (urlPath, body) => api("PATCH", urlPath, body, "application/merge-patch+json");

    log(`claim ${namespace}/${name}: asks for ${wanted}, has ${has}; expanding ${volumeName}`);
    await mergePatch(`${claimPath}/status`, {
        status: {
            conditions: [{ type: "Resizing", status: "True", lastTransitionTime: now(), lastProbeTime: null }],
            allocatedResources: { storage: wanted },
            allocatedResourceStatuses: { storage: "ControllerResizeInProgress" },
        },
    });
    const claimObject = { ...claim, kind: "PersistentVolumeClaim", apiVersion: "v1" };
    await event(claimObject, "Normal", "Resizing", `External resizer is resizing volume ${volumeName}`, RESIZER);
    // ControllerExpandVolume: a cloud grows the disk here. A directory has no size to grow.
    const grownBytes = volumeBytes(bytes(wanted));
    const capacity = quantityOf(grownBytes);
    const pv = await mergePatch(`/api/v1/persistentvolumes/${volumeName}`, { spec: { capacity: { storage: capacity } } });
    ebs.resized(pv, grownBytes);
    // No node expansion for a directory (a block volume would now be FileSystemResizePending,
    // for the kubelet to grow its filesystem): the resize is finished.
    await mergePatch(`${claimPath}/status`, {
        status: { capacity: { storage: capacity }, conditions: null, allocatedResourceStatuses: null },
    });
    await event(claimObject, "Normal", "VolumeResizeSuccessful", `resize volume ${volumeName} from ${has} to ${capacity} succeeded`, RESIZER);
    log(`claim ${namespace}/${name}: ${volumeName} expanded to ${capacity} (asked ${wanted})`);
}

const RESIZER = "local-cloud (external resizer)";

/** Records an event on an object (kind and apiVersion set; cluster-scoped ones go to default). */
function event(object, type, reason, message, component) {
    const { namespace, name, uid } = object.metadata;
    return api("POST", `/api/v1/namespaces/${namespace ?? "default"}/events`, {
        metadata: { generateName: `${name}.` },
        involvedObject: { kind: object.kind, apiVersion: object.apiVersion, namespace, name, uid },
        type,
        reason,
        message,
        source: { component },
        firstTimestamp: new Date().toISOString(),
        lastTimestamp: new Date().toISOString(),
        count: 1,
    }).catch((err) => log(`could not record an event: ${err.message}`));
}

function ignore404(err) {
    if (err.status !== 404) throw err;
}

// ---- main loop ----

let lastError = "";
async function loop() {
    for (;;) {
        try {
            await syncLoadBalancers();
            await syncVolumes();
            lastError = "";
        } catch (err) {
            // Say it once, not twice a second, while the API server is away.
            if (err.message !== lastError) log(`sync failed (will retry): ${err.message}`);
            lastError = err.message;
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
}

process.on("SIGTERM", () => process.exit(0));
log(`local-cloud: API ${args.server}, volumes in ${volumesDir}`);
loop();
