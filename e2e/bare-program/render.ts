/**
 * The bare program's bare-objects.json from what the stack registers under mocks: the benchmark's
 * side of the bare program (the program itself loads only objects.ts).
 */
import type { Registered } from "../../tests/harness";
import { kubernetesObjects } from "../kubectl-path";
import { bareKey, type BareObject, type BareProgramInput } from "./objects";

/**
 * Every Kubernetes object `resources` registers (reads left out), in registration order, with the
 * resource options the stack gave it and the dependencies it had: its own and, for a resource
 * under a component, the component's (ClaimGrowth's patches wait for the StatefulSet that way),
 * each to another of the objects. The StatefulSet's owner reference names the ConfigMap whose
 * uid the program fills in.
 */
export function bareProgramInput(resources: readonly Registered[], kubeContext: string): BareProgramInput {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const registered = resources.filter((r) => r.type.startsWith("kubernetes:") && !r.read);
    const objectKeys = new Map(registered.map((r) => [r.urn, bareKey(r)]));
    const args = kubernetesObjects(resources);
    const keyOfObject = (kind: string, name: string): string => {
        const index = args.findIndex((item) => item.kind === kind && item.metadata?.name === name);
        if (index < 0) throw new Error(`no ${kind} ${name} among the stack's objects`);
        return bareKey(registered[index]);
    };
    const objects = registered.map((resource, index): BareObject => {
        const dependencies = new Set<string>();
        for (let at: Registered | undefined = resource; at !== undefined; at = byUrn.get(at.parent)) {
            for (const urn of at.dependencies) {
                const key = objectKeys.get(urn);
                if (key !== undefined && urn !== resource.urn) dependencies.add(key);
            }
        }
        const owner = args[index].metadata?.ownerReferences?.[0];
        return {
            type: resource.type,
            name: resource.name,
            args: args[index],
            deleteBeforeReplace: resource.deleteBeforeReplace,
            retainOnDelete: resource.retainOnDelete,
            ...(resource.deletedWith === "" ? {} : { deletedWith: objectKeys.get(resource.deletedWith) ?? missing(resource, resource.deletedWith) }),
            dependsOn: [...dependencies],
            ...(owner === undefined ? {} : { ownerUidFrom: keyOfObject(owner.kind, owner.name) }),
        };
    });
    return { kubeContext, objects };
}

function missing(resource: Registered, urn: string): never {
    throw new Error(`${resource.name} is deleted with ${urn}, which is not one of the stack's Kubernetes objects`);
}

/**
 * The same objects in namespace `namespace` (the namespace patch patches that namespace instead)
 * with the LoadBalancer Service on `port`: a copy of the bare program that can run beside the
 * stack's own deployment, so one command of each can take turns on the same machine at the same
 * moment (bench:scale's `--paired`).
 */
export function inNamespace(input: BareProgramInput, namespace: string, port: number): BareProgramInput {
    const objects = input.objects.map((object): BareObject => {
        const metadata = object.type === "kubernetes:core/v1:NamespacePatch" ? { ...object.args.metadata, name: namespace } : { ...object.args.metadata, namespace };
        const spec =
            object.type === "kubernetes:core/v1:Service" && object.args.spec?.type === "LoadBalancer"
                ? { ...object.args.spec, ports: (object.args.spec.ports as { port: number }[]).map((p) => ({ ...p, port })) }
                : object.args.spec;
        return { ...object, args: { ...object.args, metadata, ...(spec === undefined ? {} : { spec }) } };
    });
    return { ...input, objects };
}
