/**
 * "The kubectl path": what `kubectl` does to deploy the same objects the program registers, for
 * the benchmarks that time Pulumi beside it (bench-deploy.ts, bench-scale.ts). The objects are
 * rendered from the program itself under mocks (tests/harness.ts), so both sides create the same
 * things, with the same names.
 */
import * as fs from "fs";
import * as path from "path";
import { autoName, runStack, type MockWorld, type Registered } from "../tests/harness";
import { localImages, TEST_CONTEXT, waitFor, Workspace } from "./workspace";

/** The objects kubectl applies, split as the program creates them (see {@link kubectlApply}). */
export interface Manifests {
    /** The ConfigMap that owns the StatefulSet, applied first. */
    readonly owner: Record<string, any>;
    /** Everything else; the StatefulSet's owner reference still lacks the ConfigMap's uid. */
    readonly rest: Record<string, any>[];
}

/**
 * The Kubernetes objects among `resources` (what a mocked run registered; reads left out), each
 * with a name: an auto-named object gets the name the mocks gave it, which is the name the
 * objects referring to it carry (the liveness ConfigMap, mounted by the StatefulSet).
 */
export function kubernetesObjects(resources: readonly Registered[]): Record<string, any>[] {
    return resources
        .filter((r) => r.type.startsWith("kubernetes:") && !r.read)
        .map((r) => (r.inputs.metadata?.name ? r.inputs : { ...r.inputs, metadata: { ...r.inputs.metadata, name: autoName(r.name) } }));
}

/** The objects of a mocked run, the StatefulSet's owner apart. */
export function manifestsOf(resources: readonly Registered[]): Manifests {
    const items = kubernetesObjects(resources);
    const owned = items.filter((item) => item.metadata?.ownerReferences?.length);
    if (owned.length !== 1 || owned[0].metadata.ownerReferences[0].kind !== "ConfigMap") {
        throw new Error(`expected one object owned by a ConfigMap (the StatefulSet), found ${owned.length}`);
    }
    const ownerName = owned[0].metadata.ownerReferences[0].name;
    const owner = items.find((item) => item.kind === "ConfigMap" && item.metadata?.name === ownerName);
    if (owner === undefined) throw new Error(`no ConfigMap ${ownerName} among the rendered objects`);
    return { owner, rest: items.filter((item) => item !== owner) };
}

/**
 * The dev stack's objects for the test cluster, as the program registers them with `overrides`
 * (stack config) in the mocked `world`; unless `overrides` names one, the image is the one the
 * pulumi side uses (Workspace.initDevStack): the node cannot pull any.
 */
export async function renderDevStack(overrides: Record<string, string> = {}, world: MockWorld = {}): Promise<Registered[]> {
    const image = overrides["sticky:image"] ?? localImages().nginx;
    const run = await runStack("dev", { "sticky:kubeContext": TEST_CONTEXT, ...overrides, "sticky:image": image }, world);
    return run.resources;
}

/** {@link manifestsOf} the dev stack rendered with `overrides` (see {@link renderDevStack}). */
export async function renderManifests(overrides: Record<string, string> = {}, world: MockWorld = {}): Promise<Manifests> {
    return manifestsOf(await renderDevStack(overrides, world));
}

/**
 * The objects besides the owner, the StatefulSet's owner reference filled with the live
 * ConfigMap's uid: the same dependency the program has (the StatefulSet waits for its owner).
 */
export function withOwnerUid(ws: Workspace, manifests: Manifests): Record<string, any>[] {
    const uid = ws.get("configmap", manifests.owner.metadata.name).metadata.uid;
    return manifests.rest.map((item) =>
        item.metadata?.ownerReferences
            ? { ...item, metadata: { ...item.metadata, ownerReferences: item.metadata.ownerReferences.map((o: object) => ({ ...o, uid })) } }
            : item,
    );
}

/** Writes `items` as a kubectl List into the workspace; returns the file's path. */
export function writeList(ws: Workspace, name: string, items: Record<string, any>[]): string {
    const file = path.join(ws.dir, name);
    fs.writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 2));
    return file;
}

/**
 * Like `pulumi up`: the owner ConfigMap, then the rest with its uid, the rollout, the address;
 * returns the seconds it took. `applyFlags` go to both applies (`--force-conflicts` to take a
 * claim's size over from the controller that made the claim, as the program's patches do).
 */
export async function kubectlApply(ws: Workspace, manifests: Manifests, applyFlags: string[] = []): Promise<number> {
    const started = Date.now();
    ws.kubectl("apply", "--server-side", ...applyFlags, "-f", writeList(ws, "owner.json", [manifests.owner]));
    ws.kubectl("apply", "--server-side", ...applyFlags, "-f", writeList(ws, "manifests.json", withOwnerUid(ws, manifests)));
    ws.ok("kubectl", ["--context", TEST_CONTEXT, "rollout", "status", "statefulset/sticky", "--timeout=600s"], 650);
    await waitFor("the LoadBalancer address", 600, () =>
        ws.get("service", "sticky").status.loadBalancer.ingress?.length ? true : undefined,
    );
    return (Date.now() - started) / 1000;
}

/** `kubectl diff` of the same objects, which must find nothing to change (exit status 0). */
export function kubectlDiff(ws: Workspace, manifests: Manifests): number {
    const file = writeList(ws, "diff.json", [manifests.owner, ...withOwnerUid(ws, manifests)]);
    const diff = ws.run("kubectl", ["--context", TEST_CONTEXT, "diff", "--server-side", "-f", file]);
    if (diff.status !== 0) throw new Error(`kubectl diff found changes (exit ${diff.status}):\n${diff.stdout}${diff.stderr}`);
    return diff.seconds;
}
