/**
 * What the bare program (index.ts beside this file) registers: a list the benchmark writes into
 * the program's folder before each run. Types and the file's name only, so the program loads
 * nothing else.
 */

/** One Kubernetes object, registered as a plain resource of its SDK class. */
export interface BareObject {
    /** The type token the stack registered it with, e.g. `kubernetes:apps/v1:StatefulSet`. */
    readonly type: string;
    /** The resource name; with the type, unique among the objects (see {@link bareKey}). */
    readonly name: string;
    /** The object, as the stack registered it (apiVersion, kind, metadata, spec...). */
    readonly args: Record<string, any>;
    readonly deleteBeforeReplace: boolean;
    readonly retainOnDelete: boolean;
    /** The object it is deleted with (`deletedWith`), by {@link bareKey}, if any. */
    readonly deletedWith?: string;
    /** The objects it waits for, by {@link bareKey}, as the stack's resource does (its own and its parents' dependencies). */
    readonly dependsOn: readonly string[];
    /** The object, by {@link bareKey}, whose live uid goes into this one's `metadata.ownerReferences` (the StatefulSet's owner). */
    readonly ownerUidFrom?: string;
}

/** The whole file. */
export interface BareProgramInput {
    /** The kube context the provider is pinned to, as the stack's is. */
    readonly kubeContext: string;
    readonly objects: readonly BareObject[];
}

/**
 * The file's name, in the program's folder (its working directory when Pulumi runs it). Not
 * `objects.json`: Node resolves `require("./objects")` to a .json file before a .ts one.
 */
export const BARE_OBJECTS_FILE = "bare-objects.json";

/** How objects refer to each other: type and name (names repeat across types, as in a URN). */
export const bareKey = (object: { readonly type: string; readonly name: string }): string => `${object.type}::${object.name}`;
