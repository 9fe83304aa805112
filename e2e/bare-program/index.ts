/**
 * The bare Pulumi program of `npm run bench:scale`: the floor of any Pulumi stack doing the
 * sticky stack's job. It registers the objects the stack registers (bare-objects.json, rendered from
 * the stack under mocks) as plain resources of the Kubernetes SDK, at the top level, with the same
 * names, options and dependencies, and nothing else: no component, no settings, no stack
 * reference, no read of the cluster, no outputs. Whatever the stack costs above this program is
 * the stack's own.
 */
import * as fs from "fs";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BARE_OBJECTS_FILE, bareKey, type BareProgramInput } from "./objects";

type ResourceClass = new (name: string, args: any, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The classes the stack's objects are of, by type token (the SDK's own `__pulumiType`). */
const CLASSES = new Map<string, ResourceClass>(
    [
        k8s.core.v1.ConfigMap,
        k8s.core.v1.Service,
        k8s.core.v1.NamespacePatch,
        k8s.core.v1.PersistentVolumeClaimPatch,
        k8s.apps.v1.StatefulSet,
        k8s.policy.v1.PodDisruptionBudget,
        k8s.networking.v1.NetworkPolicy,
    ].map((resourceClass) => [(resourceClass as unknown as { __pulumiType: string }).__pulumiType, resourceClass as unknown as ResourceClass]),
);

const input: BareProgramInput = JSON.parse(fs.readFileSync(BARE_OBJECTS_FILE, "utf8"));
const provider = new k8s.Provider("local", { context: input.kubeContext });
const registered = new Map<string, pulumi.CustomResource>();
const byKey = (key: string): pulumi.CustomResource => {
    const resource = registered.get(key);
    // The list is in the stack's registration order, so what an object refers to comes before it.
    if (resource === undefined) throw new Error(`${BARE_OBJECTS_FILE}: ${key} is referred to before it is registered`);
    return resource;
};

for (const object of input.objects) {
    const resourceClass = CLASSES.get(object.type);
    if (resourceClass === undefined) throw new Error(`${BARE_OBJECTS_FILE}: ${object.name} is a ${object.type}, which this program has no class for`);
    let args = object.args;
    if (object.ownerUidFrom !== undefined) {
        const owner = byKey(object.ownerUidFrom) as k8s.core.v1.ConfigMap;
        const ownerReferences = (args.metadata.ownerReferences as object[]).map((reference) => ({ ...reference, uid: owner.metadata.uid }));
        args = { ...args, metadata: { ...args.metadata, ownerReferences } };
    }
    registered.set(
        bareKey(object),
        new resourceClass(object.name, args, {
            provider,
            deleteBeforeReplace: object.deleteBeforeReplace,
            retainOnDelete: object.retainOnDelete,
            deletedWith: object.deletedWith === undefined ? undefined : byKey(object.deletedWith),
            dependsOn: object.dependsOn.map(byKey),
        }),
    );
}
