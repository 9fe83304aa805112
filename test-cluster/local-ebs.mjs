// The controller half of EKS Auto Mode's EBS driver (ebs.csi.eks.amazonaws.com), for the test
// cluster: what the CSI external-provisioner, external-attacher, external-resizer and
// csi-snapshotter sidecars do against the API, with a "volume" that is a directory on this
// machine and a "snapshot" that is a copy of one. local-cloud.mjs runs it in its poll loop; the
// node half (the kubelet's NodePublishVolume, a bind mount) is local-csi-node from the toolchain.
//
// Layout under <volumes>/ebs.csi.eks.amazonaws.com/:
//   volumes/vol-<17 hex>        a volume (what local-csi-node mounts), and vol-<id>.json its facts
//                               (zone, size, type, encryption, tags, what it was made from)
//   snapshots/snap-<17 hex>     a snapshot, and snap-<id>.json its facts
//
// What it does, following the sidecars' own rules:
// - provisioner: a claim of a class with this provisioner gets a volume once the scheduler has
//   picked its node (WaitForFirstConsumer) or at once (Immediate), in that node's zone; the
//   PersistentVolume carries `csi` (driver, volume id, fstype) and node affinity on
//   topology.kubernetes.io/zone, as the driver's accessible topology makes the provisioner
//   write. The class's parameters are checked as the driver checks them (a wrong `type`,
//   `encrypted` or `tagSpecification_N` fails the claim with a ProvisioningFailed event).
//   A claim whose dataSource is a VolumeSnapshot gets a copy of the snapshot, once the snapshot
//   is ready, and not below its restore size. Sizes round up to whole GiB, as EBS does.
// - attacher: a VolumeAttachment for this driver is marked attached when its volume exists and
//   lies in the node's zone (an EBS volume attaches only in its own zone); otherwise attachError.
// - resizer: local-cloud.mjs's (same rules as for hostpath-expandable), with gp3's 64 TiB cap and
//   the volume grown to whole GiB, as EBS grows it.
// - snapshotter: a VolumeSnapshotContent of this driver with a volumeHandle (dynamic) is cut at
//   once (copy, status with snapshotHandle, readyToUse, restoreSize, creationTime, the
//   being-created annotation set and removed as the sidecar does); one with a snapshotHandle
//   (pre-provisioned) is checked: ready if that snapshot exists, a status error otherwise; a
//   deleted content has its snapshot removed (deletionPolicy Delete) and its finalizer taken off.
// Not copied: block devices, filesystems and size limits (a directory holds what it is given),
// IOPS and throughput, encryption itself (recorded, not done), the tags' {{ .PVCName }} templates,
// snapshot progress (a snapshot is ready at once), multi-attach, and EBS's API errors and limits.

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

export const EBS_DRIVER = "ebs.csi.eks.amazonaws.com";
export const ZONE_LABEL = "topology.kubernetes.io/zone";
const GIB = 2 ** 30;
/** gp3's largest volume, 64 TiB (EBS volume types, "Size"; the stack's sticky:storageSize limit, storage-rule.ts). */
export const EBS_MAX_BYTES = 64 * 2 ** 40;
/** The driver's `type` parameter values (aws-ebs-csi-driver docs/parameters.md). */
const VOLUME_TYPES = new Set(["gp3", "gp2", "io1", "io2", "sc1", "st1", "standard"]);
const SNAPSHOT_FINALIZER = "snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection";
const BEING_CREATED = "snapshot.storage.kubernetes.io/volumesnapshot-being-created";
const BEING_DELETED = "snapshot.storage.kubernetes.io/volumesnapshot-being-deleted";
const SNAPSHOT_API = "/apis/snapshot.storage.k8s.io/v1";

/** The directories local-csi-node and this module share (see the header). */
export function ebsDirs(volumesDir) {
    const root = path.join(volumesDir, EBS_DRIVER);
    return { volumes: path.join(root, "volumes"), snapshots: path.join(root, "snapshots") };
}

const newId = (prefix) => `${prefix}-${randomBytes(9).toString("hex").slice(0, 17)}`;
const readFacts = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined);
const writeFacts = (file, facts) => writeFileSync(file, JSON.stringify(facts, null, 2) + "\n");
/** cp -a: a snapshot or restore keeps the owners and modes the pods wrote. */
const copyTree = (from, to) => execFileSync("cp", ["-a", `${from}/.`, `${to}/`]);
/** EBS makes and grows volumes in whole GiB. */
export const roundUpGiB = (bytes) => Math.ceil(bytes / GIB) * GIB;

/**
 * The problems the driver would answer CreateVolume with for this class's parameters, as
 * sentences naming the parameter, its value and what is allowed.
 */
export function classProblems(parameters = {}) {
    const problems = [];
    for (const [key, value] of Object.entries(parameters)) {
        if (key.startsWith("csi.storage.k8s.io/")) continue;
        if (key === "type") {
            if (!VOLUME_TYPES.has(value)) problems.push(`parameter type: "${value}" is not an EBS volume type (${[...VOLUME_TYPES].join(", ")})`);
        } else if (key === "encrypted") {
            if (value !== "true" && value !== "false") problems.push(`parameter encrypted: "${value}" must be "true" or "false"`);
        } else if (/^tagSpecification_\d+$/.test(key)) {
            if (!/^[^=]+=.*$/.test(value)) problems.push(`parameter ${key}: "${value}" must be key=value`);
        } else if (!["kmsKeyId", "iops", "iopsPerGB", "throughput", "blockExpress", "allowAutoIOPSPerGBIncrease", "fsType"].includes(key)) {
            problems.push(`parameter ${key}: not a parameter of ${EBS_DRIVER}`);
        }
    }
    return problems;
}

/** Volume tags from the class's tagSpecification_N parameters. */
function classTags(parameters = {}) {
    return Object.fromEntries(Object.entries(parameters)
        .filter(([key]) => /^tagSpecification_\d+$/.test(key))
        .map(([, value]) => [value.slice(0, value.indexOf("=")), value.slice(value.indexOf("=") + 1)]));
}

export function localEbs({ api, log, event, volumesDir, bytes }) {
    const dirs = ebsDirs(volumesDir);
    mkdirSync(dirs.volumes, { recursive: true });
    mkdirSync(dirs.snapshots, { recursive: true });
    const volumeFacts = (id) => readFacts(path.join(dirs.volumes, `${id}.json`));
    const snapshotFacts = (id) => readFacts(path.join(dirs.snapshots, `${id}.json`));
    const mergePatch = (urlPath, body) => api("PATCH", urlPath, body, "application/merge-patch+json");
    const reported = new Set();
    /** An event once per object and message (the loop runs twice a second). */
    const failOnce = (object, reason, message) => {
        const key = `${object.metadata.uid}:${message}`;
        if (reported.has(key)) return;
        reported.add(key);
        log(`${object.kind ?? "object"} ${object.metadata.namespace ?? ""}/${object.metadata.name}: ${reason}: ${message}`);
        return event(object, "Warning", reason, message, `${EBS_DRIVER} (local-cloud)`);
    };

    async function nodeZone(nodeName) {
        const node = await api("GET", `/api/v1/nodes/${nodeName}`);
        return node.metadata.labels?.[ZONE_LABEL];
    }

    // ---- provisioner ----

    async function provision(claim, storageClass) {
        const claimObject = { ...claim, kind: "PersistentVolumeClaim", apiVersion: "v1" };
        const problems = classProblems(storageClass.parameters);
        if (problems.length > 0) return failOnce(claimObject, "ProvisioningFailed", `class ${storageClass.metadata.name}: ${problems.join("; ")}`);
        let nodeName = claim.metadata.annotations?.["volume.kubernetes.io/selected-node"];
        if (!nodeName) {
            if (storageClass.volumeBindingMode === "WaitForFirstConsumer") return; // the scheduler has not picked a node yet
            nodeName = (await api("GET", "/api/v1/nodes")).items[0]?.metadata.name;
        }
        const zone = nodeName && await nodeZone(nodeName);
        if (!zone) return failOnce(claimObject, "ProvisioningFailed", `node ${nodeName} has no ${ZONE_LABEL} label; an EBS volume needs a zone`);

        const requested = bytes(claim.spec.resources.requests.storage);
        let size = roundUpGiB(requested);
        let source;
        const dataSource = claim.spec.dataSourceRef ?? claim.spec.dataSource;
        if (dataSource) {
            if (dataSource.kind !== "VolumeSnapshot" || dataSource.apiGroup !== "snapshot.storage.k8s.io") {
                return failOnce(claimObject, "ProvisioningFailed", `dataSource ${dataSource.kind}: ${EBS_DRIVER} restores only from a VolumeSnapshot`);
            }
            const namespace = dataSource.namespace ?? claim.metadata.namespace;
            const snapshot = await api("GET", `${SNAPSHOT_API}/namespaces/${namespace}/volumesnapshots/${dataSource.name}`).catch(ignore404);
            if (!snapshot?.status?.readyToUse) return; // the provisioner waits for a ready snapshot
            const content = await api("GET", `${SNAPSHOT_API}/volumesnapshotcontents/${snapshot.status.boundVolumeSnapshotContentName}`);
            if (content.spec.driver !== EBS_DRIVER) {
                return failOnce(claimObject, "ProvisioningFailed", `VolumeSnapshot ${dataSource.name} is of driver ${content.spec.driver}, not ${EBS_DRIVER}`);
            }
            const handle = content.status.snapshotHandle;
            const facts = snapshotFacts(handle);
            if (!facts) return failOnce(claimObject, "ProvisioningFailed", `snapshot ${handle} does not exist`);
            if (requested < facts.sizeBytes) {
                return failOnce(claimObject, "ProvisioningFailed", `requested volume size ${requested} is less than the size ${facts.sizeBytes} for the source snapshot ${dataSource.name}`);
            }
            source = { snapshot: handle, dir: path.join(dirs.snapshots, handle) };
            size = Math.max(size, facts.sizeBytes);
        }
        if (size > EBS_MAX_BYTES) return failOnce(claimObject, "ProvisioningFailed", `requested ${claim.spec.resources.requests.storage} is above gp3's 64 TiB`);

        const volumeId = newId("vol");
        const dir = path.join(dirs.volumes, volumeId);
        mkdirSync(dir);
        if (source) copyTree(source.dir, dir);
        else execFileSync("chmod", ["0777", dir]); // an empty filesystem's root as the pods' uid can write it: see local-cloud's hostpath
        const parameters = storageClass.parameters ?? {};
        writeFacts(path.join(dirs.volumes, `${volumeId}.json`), {
            zone, sizeBytes: size, type: parameters.type ?? "gp3", encrypted: parameters.encrypted === "true",
            kmsKeyId: parameters.kmsKeyId, tags: classTags(parameters), fromSnapshot: source?.snapshot,
            claim: `${claim.metadata.namespace}/${claim.metadata.name}`,
        });
        const { namespace, name, uid } = claim.metadata;
        await api("POST", "/api/v1/persistentvolumes", {
            metadata: { name: `pvc-${uid}`, annotations: { "pv.kubernetes.io/provisioned-by": EBS_DRIVER } },
            spec: {
                capacity: { storage: `${size / GIB}Gi` },
                accessModes: claim.spec.accessModes,
                volumeMode: claim.spec.volumeMode ?? "Filesystem",
                persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? "Delete",
                storageClassName: storageClass.metadata.name,
                mountOptions: storageClass.mountOptions,
                claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace, name, uid },
                csi: { driver: EBS_DRIVER, volumeHandle: volumeId, fsType: parameters["csi.storage.k8s.io/fstype"] ?? "ext4" },
                nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE_LABEL, operator: "In", values: [zone] }] }] } },
            },
        }).then(
            () => log(`claim ${namespace}/${name}: provisioned ${volumeId} in ${zone}${source ? ` from ${source.snapshot}` : ""}`),
            (err) => {
                rmSync(dir, { recursive: true, force: true });
                rmSync(`${dir}.json`, { force: true });
                if (err.status !== 409) throw err;
            },
        );
    }

    async function deleteReleased(volumes) {
        for (const pv of volumes) {
            if (pv.spec.csi?.driver !== EBS_DRIVER || pv.metadata.annotations?.["pv.kubernetes.io/provisioned-by"] !== EBS_DRIVER) continue;
            if (pv.status?.phase !== "Released" || pv.spec.persistentVolumeReclaimPolicy !== "Delete") continue;
            const id = pv.spec.csi.volumeHandle;
            rmSync(path.join(dirs.volumes, id), { recursive: true, force: true });
            rmSync(path.join(dirs.volumes, `${id}.json`), { force: true });
            await api("DELETE", `/api/v1/persistentvolumes/${pv.metadata.name}`).catch(ignore404);
            log(`volume ${pv.metadata.name}: released with reclaimPolicy Delete; deleted ${id}`);
        }
    }

    // ---- attacher ----

    async function syncAttachments(volumes) {
        const byName = new Map(volumes.map((pv) => [pv.metadata.name, pv]));
        const attachments = await api("GET", "/apis/storage.k8s.io/v1/volumeattachments");
        for (const attachment of attachments.items) {
            if (attachment.spec.attacher !== EBS_DRIVER || attachment.status?.attached || attachment.metadata.deletionTimestamp) continue;
            const pv = byName.get(attachment.spec.source.persistentVolumeName);
            const id = pv?.spec.csi?.volumeHandle;
            const facts = id && volumeFacts(id);
            const zone = await nodeZone(attachment.spec.nodeName);
            let error;
            if (!facts) error = `volume ${id ?? attachment.spec.source.persistentVolumeName} does not exist`;
            else if (facts.zone !== zone) error = `volume ${id} is in ${facts.zone}, node ${attachment.spec.nodeName} in ${zone}: an EBS volume attaches only in its own zone`;
            const urlPath = `/apis/storage.k8s.io/v1/volumeattachments/${attachment.metadata.name}/status`;
            if (error) {
                if (attachment.status?.attachError?.message !== error) {
                    await mergePatch(urlPath, { status: { attached: false, attachError: { message: error, time: new Date().toISOString() } } });
                    log(`attachment ${attachment.metadata.name}: ${error}`);
                }
                continue;
            }
            await mergePatch(urlPath, { status: { attached: true, attachError: null } });
            log(`attachment ${attachment.metadata.name}: ${id} attached to ${attachment.spec.nodeName}`);
        }
    }

    // ---- snapshotter ----

    async function syncSnapshotContents() {
        const contents = await api("GET", `${SNAPSHOT_API}/volumesnapshotcontents`).catch((err) => {
            if (err.status === 404) return { items: [] }; // no snapshot CRDs
            throw err;
        });
        for (const content of contents.items) {
            if (content.spec.driver !== EBS_DRIVER) continue;
            const contentPath = `${SNAPSHOT_API}/volumesnapshotcontents/${content.metadata.name}`;
            const annotations = content.metadata.annotations ?? {};
            if (content.metadata.deletionTimestamp) {
                const shouldDelete = (content.spec.source.snapshotHandle && !content.spec.volumeSnapshotRef?.uid) ||
                    (!(BEING_CREATED in annotations) && BEING_DELETED in annotations);
                if (!shouldDelete) continue;
                const handle = content.status?.snapshotHandle;
                if (content.spec.deletionPolicy === "Delete" && handle) {
                    rmSync(path.join(dirs.snapshots, handle), { recursive: true, force: true });
                    rmSync(path.join(dirs.snapshots, `${handle}.json`), { force: true });
                    log(`content ${content.metadata.name}: deleted snapshot ${handle}`);
                }
                const finalizers = content.metadata.finalizers ?? [];
                if (finalizers.includes(SNAPSHOT_FINALIZER)) {
                    await api("PATCH", contentPath, [
                        { op: "test", path: "/metadata/finalizers", value: finalizers },
                        { op: "replace", path: "/metadata/finalizers", value: finalizers.filter((f) => f !== SNAPSHOT_FINALIZER) },
                    ], "application/json-patch+json").catch(ignoreConflict);
                }
                continue;
            }
            if (content.status?.readyToUse) {
                if (BEING_CREATED in annotations) await mergePatch(contentPath, { metadata: { annotations: { [BEING_CREATED]: null } } });
                continue;
            }
            const volumeId = content.spec.source.volumeHandle;
            if (volumeId && !content.status) await cutSnapshot(content, contentPath, volumeId);
            else if (content.spec.source.snapshotHandle) await checkSnapshot(content, contentPath, content.spec.source.snapshotHandle);
        }
    }

    async function cutSnapshot(content, contentPath, volumeId) {
        const facts = volumeFacts(volumeId);
        const contentObject = { ...content, kind: "VolumeSnapshotContent", apiVersion: "snapshot.storage.k8s.io/v1" };
        if (!facts) {
            const message = `Failed to create snapshot: volume ${volumeId} does not exist`;
            await mergePatch(`${contentPath}/status`, { status: { readyToUse: false, error: { message, time: new Date().toISOString() } } });
            return failOnce(contentObject, "SnapshotCreationFailed", message);
        }
        await mergePatch(contentPath, { metadata: { annotations: { [BEING_CREATED]: "yes" } } });
        const handle = newId("snap");
        const dir = path.join(dirs.snapshots, handle);
        mkdirSync(dir);
        copyTree(path.join(dirs.volumes, volumeId), dir);
        writeFacts(path.join(dirs.snapshots, `${handle}.json`), { sizeBytes: facts.sizeBytes, fromVolume: volumeId, zone: facts.zone, content: content.metadata.name });
        const now = Date.now();
        await api("PATCH", `${contentPath}/status`, [{
            op: "add", path: "/status",
            value: { snapshotHandle: handle, readyToUse: true, creationTime: now * 1e6, restoreSize: facts.sizeBytes },
        }], "application/json-patch+json");
        await mergePatch(contentPath, { metadata: { annotations: { [BEING_CREATED]: null } } });
        log(`content ${content.metadata.name}: cut ${handle} of ${volumeId}`);
    }

    async function checkSnapshot(content, contentPath, handle) {
        const facts = snapshotFacts(handle);
        if (!facts) {
            const message = `Failed to check and update snapshot content: snapshot ${handle} does not exist`;
            if (content.status?.error?.message !== message) {
                await mergePatch(`${contentPath}/status`, { status: { readyToUse: false, error: { message, time: new Date().toISOString() } } });
                await failOnce({ ...content, kind: "VolumeSnapshotContent", apiVersion: "snapshot.storage.k8s.io/v1" }, "SnapshotContentCheckandUpdateFailed", message);
            }
            return;
        }
        await api("PATCH", `${contentPath}/status`, [{
            op: "add", path: "/status",
            value: { snapshotHandle: handle, readyToUse: true, creationTime: Date.now() * 1e6, restoreSize: facts.sizeBytes },
        }], "application/json-patch+json");
        log(`content ${content.metadata.name}: pre-provisioned ${handle} is ready`);
    }

    return {
        provision,
        /** Called after local-cloud's resize of a claim of this driver: the volume's facts follow. */
        resized(pv, sizeBytes) {
            const id = pv?.spec.csi?.volumeHandle;
            const facts = id && volumeFacts(id);
            if (facts) writeFacts(path.join(dirs.volumes, `${id}.json`), { ...facts, sizeBytes });
        },
        async sync(volumes) {
            await deleteReleased(volumes);
            await syncAttachments(volumes);
            await syncSnapshotContents();
        },
    };
}

function ignore404(err) {
    if (err.status !== 404) throw err;
}

function ignoreConflict(err) {
    if (err.status !== 409 && err.status !== 422) throw err;
}
