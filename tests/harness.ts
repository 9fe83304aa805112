/**
 * Runs the real program (index.ts) under Pulumi's mocks, with a stack's configuration exactly as
 * `pulumi up --stack X` would feed it (Pulumi.yaml defaults overlaid by Pulumi.X.yaml), and
 * records every resource it registers or reads, with its inputs and resource options.
 *
 * No engine, cluster or cloud is involved: the mocks play the part of the providers, returning
 * each resource's inputs plus the few outputs the program reads (a load balancer address, an
 * EKS cluster's kubeconfig, a list of zones).
 */
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EnvironmentRegistry } from "../environments/definition";
import { TYPES } from "../core/kubernetes";
import { projectDefaults as readProjectDefaults, stackConfig as readStackConfig } from "../tools/stack-files";

export const ROOT = path.resolve(__dirname, "..", "..");
const PROJECT = "sticky";

/**
 * A resource class's type token as its SDK registers it (`__pulumiType`; the SDKs mark it
 * internal, so their typings leave it out): `typeToken(k8s.core.v1.ConfigMap)`.
 */
export function typeToken(resourceClass: object): string {
    const token = (resourceClass as { __pulumiType?: unknown }).__pulumiType;
    if (typeof token !== "string") throw new Error(`not a Pulumi resource class (no __pulumiType): ${String(resourceClass).slice(0, 80)}`);
    return token;
}

/** One resource the program registered (or read, for `.get`). */
export interface Registered {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly inputs: Record<string, any>;
    /** The parent's URN, or "" for the stack itself. */
    readonly parent: string;
    /** The provider reference (`<urn>::<id>`), or "" for the default provider. */
    readonly provider: string;
    readonly protect: boolean;
    readonly deleteBeforeReplace: boolean;
    /** The URN of the resource this one is deleted with (`deletedWith`), or "". */
    readonly deletedWith: string;
    /** `retainOnDelete`: Pulumi drops it from the stack without deleting it. */
    readonly retainOnDelete: boolean;
    /** The `import` option: the id of an existing cloud resource to adopt, or "". */
    readonly importId: string;
    /** URNs this resource depends on, explicitly (`dependsOn`) or through its inputs. */
    readonly dependencies: readonly string[];
    /** The `customTimeouts` option (`{ create, update }`, each "" when unset); undefined for a read. */
    readonly customTimeouts?: { readonly create: string; readonly update: string };
    /** True for a resource read from the cluster (`Resource.get`), never created. */
    readonly read: boolean;
    /**
     * The URNs the engine would match this resource against in a stack's state besides its own
     * (its `aliases`, each collapsed as the engine does; see {@link engineUrn}). Those inherited
     * from a parent's aliases are the engine's to add and are not listed.
     */
    readonly aliases: readonly string[];
}

const ROOT_STACK_PARENT = "pulumi:pulumi:Stack$";

/**
 * A URN as the engine writes it. Under mocks the SDK builds URNs itself and puts the root stack's
 * type in front of every top-level resource's type (`...::pulumi:pulumi:Stack$aws:ec2/vpc:Vpc::x`);
 * the engine leaves it out (`...::aws:ec2/vpc:Vpc::x`), and so does its alias matching
 * (pkg/resource/deploy/step_generator.go, `collapseAliasToUrn`: a root-stack parent counts as none).
 */
export function engineUrn(urn: string): string {
    return urn.replace(`::${ROOT_STACK_PARENT}`, "::");
}

/** A protobuf string field: "" when unset. */
const orUnset = (value: string, fallback: string) => (value === "" ? fallback : value);

/** The URN one alias stands for, as the engine's `collapseAliasToUrn` collapses it. */
function aliasUrn(alias: any, type: string, name: string, parentUrn: string, stack: string): string {
    if (alias.hasUrn()) return engineUrn(alias.getUrn());
    const spec = alias.getSpec();
    const parent: string = spec.getNoparent() ? "" : orUnset(spec.getParenturn(), parentUrn);
    // A URN is `urn:pulumi:<stack>::<project>::<qualified type>::<name>`.
    const parentIsRoot = parent === "" || parent.split("::")[2] === "pulumi:pulumi:Stack";
    const parentEngineUrn = engineUrn(parent);
    const prefix = parentIsRoot
        ? `urn:pulumi:${orUnset(spec.getStack(), stack)}::${orUnset(spec.getProject(), PROJECT)}::`
        : `${parentEngineUrn.slice(0, parentEngineUrn.lastIndexOf("::"))}$`;
    return `${prefix}${orUnset(spec.getType(), type)}::${orUnset(spec.getName(), name)}`;
}

export interface StackRun {
    readonly resources: Registered[];
    /** The stack's outputs, resolved to plain values. */
    readonly outputs: Record<string, any>;
    /** The stack's outputs as the engine receives them (secrets still wrapped). */
    readonly rawOutputs: Record<string, any>;
    /** Provider function calls, e.g. `aws:index/getAvailabilityZones:getAvailabilityZones`. */
    readonly calls: string[];
    /** Registrations and reads as sent to the engine and answered, in order (`Recording.requests`). */
    readonly requests: string[];
}

/** The project's declared config keys with their defaults, as fully qualified `sticky:key`. */
export function projectDefaults(): Record<string, string> {
    return readProjectDefaults(ROOT);
}

/** The config `pulumi up --stack <stack>` gives the program: defaults, then the stack file. */
export function stackConfig(stack: string): Record<string, string> {
    return readStackConfig(ROOT, stack);
}

/**
 * Results of provider functions, by token, for a test to set (and reset) around a run: what a
 * cloud would answer today, e.g. the newest EKS add-on build. Calls not listed echo their inputs.
 */
export const mockedCalls: Record<string, (inputs: Record<string, any>) => Record<string, any>> = {};

/** What the mocked world holds besides the program's own resources. */
export interface MockWorld {
    /** The stack's outputs from its previous deployment (what a stack reference to itself reads). */
    readonly previousOutputs?: Record<string, unknown>;
    /** Milliseconds the engine takes to answer that read (default 0): a slow read shows what the program sends meanwhile. */
    readonly historyReadMs?: number;
    /** Local-cluster classes (read with `.get`) that allow volume expansion. */
    readonly expandableClasses?: readonly string[];
    /** The claim template size of the live StatefulSet, for a read of it (`.get`). */
    readonly liveClaimSize?: string;
    /** Run as `pulumi preview` does (outputs missing from a provider's answer are unknown). */
    readonly preview?: boolean;
    /** The day the program runs on (`YYYY-MM-DD`); TEST_DAY unless a test moves it. */
    readonly today?: string;
    /** PersistentVolumes in the cluster by name, as a read (`.get`) of one returns them. */
    readonly persistentVolumes?: Readonly<Record<string, Record<string, unknown>>>;
}

/** The fixed day every mocked run happens on, so the version window never shifts under the tests. */
export const TEST_DAY = "2026-12-02";

/** The name the mocked provider gives an object registered without one: its resource name and a fixed suffix. */
export function autoName(resourceName: string): string {
    return `${resourceName}-0a1b2c3d`;
}

/** Outputs the mocked providers compute, keyed by resource type. */
function mockState(type: string, name: string, inputs: Record<string, any>, id: string | undefined, world: MockWorld): Record<string, any> {
    switch (type) {
        case TYPES.statefulSet:
            return id !== undefined
                ? { metadata: { name: id }, spec: { volumeClaimTemplates: [{ spec: { resources: { requests: { storage: world.liveClaimSize } } } }] } }
                : inputs;
        case "pulumi:pulumi:StackReference":
            return { name: inputs.name, outputs: world.previousOutputs ?? {}, secretOutputNames: [] };
        case TYPES.service:
            return inputs.spec?.type === "LoadBalancer"
                ? { ...inputs, status: { loadBalancer: { ingress: [{ hostname: "localhost" }] } } }
                : inputs;
        case typeToken(k8s.core.v1.ConfigMap):
            // Auto-naming, as the provider does: the resource name and a random suffix.
            return { ...inputs, metadata: { ...inputs.metadata, name: inputs.metadata?.name ?? autoName(name) } };
        case TYPES.storageClass:
            // A read (`.get`) of a local cluster's built-in class: report it as it exists there.
            if (id === undefined) return inputs;
            return (world.expandableClasses ?? []).includes(id)
                ? { metadata: { name: id }, provisioner: "docker.io/hostpath", allowVolumeExpansion: true }
                : { metadata: { name: id }, provisioner: "docker.io/hostpath" };
        case typeToken(k8s.core.v1.PersistentVolume):
            return id !== undefined ? { metadata: { name: id }, ...(world.persistentVolumes?.[id] ?? {}) } : inputs;
        case typeToken(aws.iam.Role):
            // An auto-named role's name is its resource name and a suffix; the mock leaves the suffix out.
            return { ...inputs, name: inputs.name ?? name, arn: `arn:aws:iam::123456789012:role/${name}` };
        case typeToken(eks.Cluster):
            return {
                ...inputs,
                kubeconfigJson: JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name }] }),
                // pulumi-eks names the cluster `name` when given, else `<name>-eksCluster-<random>`.
                // createdAt: the cluster's incarnation (environments/eks/backup.ts) is made from it.
                eksCluster: { name: inputs.name ?? `${name}-eksCluster-1234567`, createdAt: "2026-12-02T16:31:05.123Z", vpcConfig: { clusterSecurityGroupId: "sg-cluster-1234567" } },
                // The node role pulumi-eks makes with `autoMode` (its name: `<name>-nodeRole-<random>`).
                autoModeNodeRoleName: `${name}-nodeRole-1234567`,
                core: {},
            };
        default:
            return inputs;
    }
}

// `waitForRPCs` is internal to @pulumi/pulumi; the Node runtime uses it the same way before
// exiting. Without it a test could read the list while resources were still registering.
export const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };
const { deserializeProperties, specialSigKey, specialSecretSig } = require("@pulumi/pulumi/runtime/rpc") as {
    deserializeProperties: (struct: unknown) => Record<string, any>;
    specialSigKey: string;
    specialSecretSig: string;
};

/** A recorded value that is a secret arrives in Pulumi's secret envelope; this opens it. */
export function unwrapSecret(value: any): { secret: boolean; value: any } {
    if (value && typeof value === "object" && value[specialSigKey] === specialSecretSig) {
        return { secret: true, value: value.value };
    }
    return { secret: false, value };
}

/** The program failed; `resources` is what it had registered by then. */
export class ProgramFailed extends Error {
    constructor(
        readonly cause: Error,
        readonly resources: Registered[],
    ) {
        super(cause.message);
        this.name = "ProgramFailed";
    }
}

/** What the mocked engine saw; filled in as the program runs. */
export interface Recording {
    readonly resources: Registered[];
    readonly calls: string[];
    rawOutputs: Record<string, any>;
    /** Every registration and read as it reached the engine and as it was answered, in order: "sent <type>", "answered <type>". */
    readonly requests: string[];
}

/**
 * Points Pulumi's runtime at mocked providers for stack `stack` with `config`, and records
 * every resource registered or read from then on. Call before loading the program.
 */
export async function installMocks(stack: string, config: Record<string, string>, world: MockWorld = {}): Promise<Recording> {
    const recording: Recording = { resources: [], calls: [], rawOutputs: {}, requests: [] };

    await pulumi.runtime.setMocks(
        {
            newResource: ({ type, name, inputs, id }) => {
                // `id` is set only for reads (`.get`); the mock monitor passes "" for new resources.
                const readId = id === "" ? undefined : id;
                return { id: readId ?? `${name}-id`, state: mockState(type, name, inputs, readId, world) };
            },
            call: ({ token, inputs }) => {
                recording.calls.push(token);
                const mocked = mockedCalls[token];
                if (mocked) return mocked(inputs);
                if (token === "aws:index/getAvailabilityZones:getAvailabilityZones") {
                    return { ...inputs, names: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], zoneIds: ["euw1-az1", "euw1-az2", "euw1-az3"] };
                }
                return inputs;
            },
        },
        PROJECT,
        stack,
        world.preview ?? false,
        "organization", // what a file backend reports
    );
    // setAllConfig replaces the whole map: no key leaks from one run into the next.
    pulumi.runtime.setAllConfig(config);

    // Record each request's resource options as the engine would receive them.
    const monitor = (pulumi.runtime as any).getMonitor();
    const record = (method: "registerResource" | "readResource") => {
        const original = monitor[method].bind(monitor);
        monitor[method] = (req: any, callback: (err: unknown, res: any) => void) => {
            recording.requests.push(`sent ${req.getType()}`);
            const slow = method === "readResource" && req.getType() === "pulumi:pulumi:StackReference" ? (world.historyReadMs ?? 0) : 0;
            const send = (answer: (err: unknown, res: any) => void) => (slow > 0 ? setTimeout(() => original(req, answer), slow) : original(req, answer));
            return send((err: unknown, res: any) => {
                recording.requests.push(`answered ${req.getType()}`);
                if (!err) {
                    const read = method === "readResource";
                    recording.resources.push({
                        type: req.getType(),
                        name: req.getName(),
                        urn: res.getUrn(),
                        inputs: deserializeProperties(read ? req.getProperties() : req.getObject()),
                        parent: req.getParent(),
                        provider: req.getProvider(),
                        protect: read ? false : req.getProtect(),
                        deleteBeforeReplace: read ? false : req.getDeletebeforereplace(),
                        deletedWith: read ? "" : req.getDeletedwith(),
                        retainOnDelete: read ? false : req.getRetainondelete() === true,
                        importId: read ? "" : req.getImportid(),
                        dependencies: req.getDependenciesList(),
                        read,
                        customTimeouts: read ? undefined : { create: req.getCustomtimeouts()?.getCreate() ?? "", update: req.getCustomtimeouts()?.getUpdate() ?? "" },
                        aliases: read ? [] : req.getAliasesList().map((a: any) => aliasUrn(a, req.getType(), req.getName(), req.getParent(), stack)),
                    });
                }
                callback(err, res);
            });
        };
    };
    record("registerResource");
    record("readResource");
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: (err: unknown, res: any) => void) => {
        if (req.getUrn().includes("::pulumi:pulumi:Stack::")) recording.rawOutputs = deserializeProperties(req.getOutputs());
        return registerOutputs(req, callback);
    };
    return recording;
}

/**
 * Runs index.ts as stack `stack` of this project with `config`, returning what it registered.
 * When the program throws (bad config, say), throws a `ProgramFailed` carrying its message and
 * what had been registered before it failed. `environments` replaces the registry's list, as a
 * test adding an environment does; by default the program runs as Pulumi runs it.
 */
export async function runProgram(stack: string, config: Record<string, string>, world: MockWorld = {}, environments?: EnvironmentRegistry): Promise<StackRun> {
    const recording = await installMocks(stack, config, world);
    const { resources, calls, requests } = recording;
    const program: (environments?: EnvironmentRegistry, now?: Date) => Promise<Record<string, unknown>> = require("../index");
    const now = new Date(`${world.today ?? TEST_DAY}T12:00:00Z`);
    let outputs: Record<string, any>;
    try {
        outputs = (await pulumi.runtime.runInPulumiStack(() => program(environments, now))) ?? {};
    } catch (error) {
        await waitForRPCs();
        throw new ProgramFailed(error as Error, resources);
    }
    await waitForRPCs();
    return { resources, outputs, rawOutputs: recording.rawOutputs, calls, requests };
}

/** Runs the program with a committed stack file, as `pulumi up --stack <stack>` would. */
export function runStack(stack: string, overrides: Record<string, string> = {}, world: MockWorld = {}): Promise<StackRun> {
    return runProgram(stack, { ...stackConfig(stack), ...overrides }, world);
}

/** The one resource of `type` named `name`; fails the test when there is not exactly one. */
export function find(run: StackRun, type: string, name?: string): Registered {
    const matches = run.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    if (matches.length !== 1) {
        const seen = run.resources.map((r) => `${r.type}::${r.name}`).join(", ");
        throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${matches.length} among: ${seen}`);
    }
    return matches[0];
}

/** The URN part of a provider reference (`<urn>::<id>`). */
export function providerUrn(reference: string): string {
    return reference.slice(0, reference.lastIndexOf("::"));
}
