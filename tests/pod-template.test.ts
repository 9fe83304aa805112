/**
 * components/pod-template.ts: a mount brings its volume (the pod's volumes are the mounted ones,
 * each once), every container carries its own resources, and a sidecar is one more container in
 * the list: the path docs/changing-the-app.md ("Adding a sidecar") describes.
 */
import * as assert from "assert";
import { DEFAULT_RESOURCES, LIVENESS } from "../components/nginx";
import { claimMount, nginxContainer, podContainersAndVolumes, podTemplate, type PodContainer } from "../components/pod-template";
import { CLAIM_TEMPLATE, DATA_PATH } from "../components/sticky-app-contract";

const LIVENESS_CONFIG = "sticky-liveness-1234";
const nginx = () => nginxContainer("docker.io/library/nginx:1.30.1-alpine", DEFAULT_RESOURCES, LIVENESS_CONFIG);

/** A log shipper beside nginx: reads nginx's claim, writes to a scratch volume of its own. */
function logShipper(): PodContainer {
    return {
        name: "log-shipper",
        image: "docker.io/fluent/fluent-bit:4.2.0",
        resources: { requests: { cpu: "5m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
        mounts: [
            { ...claimMount("/data"), readOnly: true },
            { volume: { name: "shipper-buffer", emptyDir: { sizeLimit: "16Mi" } }, mountPath: "/buffer" },
        ],
    };
}

describe("the pod template (components/pod-template.ts)", () => {
    it("nginx's mounts bring the pod's volumes, in order, the claim from the claim template", () => {
        const { containers, volumes } = podContainersAndVolumes([nginx()]);
        assert.deepStrictEqual(containers[0].volumeMounts, [
            { name: CLAIM_TEMPLATE, mountPath: DATA_PATH },
            { name: "cache", mountPath: "/var/cache/nginx" },
            { name: "run", mountPath: "/var/run" },
            { name: "liveness", mountPath: `${LIVENESS.mountDir}/${LIVENESS.fileName}`, subPath: LIVENESS.fileName, readOnly: true },
        ]);
        assert.deepStrictEqual(volumes.map((v) => v.name), ["cache", "run", "liveness"], "the claim is the StatefulSet's, not a pod volume");
        assert.deepStrictEqual(volumes[2].configMap, { name: LIVENESS_CONFIG });
        assert.strictEqual((containers[0] as { mounts?: unknown }).mounts, undefined, "Kubernetes gets volumeMounts, not the mounts");
    });

    it("a sidecar: its own resources and mounts, its volume added once, the claim shared by name", () => {
        const template = podTemplate({ labels: { app: "sticky" }, containers: [nginx(), logShipper()] });
        const spec = template.spec as { containers: any[]; volumes: any[] };
        assert.deepStrictEqual(spec.containers.map((c) => c.name), ["nginx", "log-shipper"]);
        assert.deepStrictEqual(spec.containers.map((c) => c.resources), [DEFAULT_RESOURCES, logShipper().resources]);
        assert.deepStrictEqual(spec.containers[1].volumeMounts, [
            { name: CLAIM_TEMPLATE, mountPath: "/data", readOnly: true },
            { name: "shipper-buffer", mountPath: "/buffer" },
        ]);
        assert.deepStrictEqual(spec.volumes.map((v) => v.name), ["cache", "run", "liveness", "shipper-buffer"]);
    });

    it("containers that share a volume mount the same one; it is in the pod once", () => {
        const shared = { name: "shared", emptyDir: {} };
        const one = (name: string): PodContainer => ({ name, image: "busybox:1.37", resources: DEFAULT_RESOURCES, mounts: [{ volume: shared, mountPath: "/shared" }] });
        assert.deepStrictEqual(podContainersAndVolumes([one("a"), one("b")]).volumes, [shared]);
    });

    it("refuses two volumes under one name, and two containers under one name, naming them", () => {
        const other = { ...logShipper(), mounts: [{ volume: { name: "cache", emptyDir: {} }, mountPath: "/cache" }] };
        assert.throws(() => podContainersAndVolumes([nginx(), other]), {
            message: 'volume "cache" of container "log-shipper" is another than the "cache" of container "nginx": a pod has one volume by a name; mount the same one, or name yours otherwise',
        });
        assert.throws(() => podContainersAndVolumes([nginx(), nginx()]), { message: 'container "nginx" is in the pod twice: give each container a name of its own' });
    });
});
