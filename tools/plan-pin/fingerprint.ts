/**
 * The fingerprint of a stack's state, as `pulumi stack export` prints it: what a saved plan was
 * made against, so that the deploy can refuse to apply the plan to any other state.
 *
 * A Pulumi update plan checks the steps and the new inputs, not the state it starts from: a plan
 * saved for `12 -> 20` applies `31 => 20` when the state has moved to 31 in between
 * (e2e/plan-pin.e2e.ts shows it on the real engine). The fingerprint closes that gap: the preview
 * records it beside the plan, the deploy recomputes it (after its own refresh) and refuses when it
 * differs.
 *
 * It is a sha256 of the exported deployment normalized to what the plan depends on. Left out is
 * only what a refresh rewrites when nothing changed, so that an unchanged prod refreshed by the
 * deploy keeps its fingerprint (e2e/refresh.e2e.ts checks that on the dev stack):
 *  - the manifest (the time and the CLI version of the last write);
 *  - each resource's `created` and `modified` timestamps;
 *  - the empty lists of `propertyDependencies` (an update writes them, a refresh drops them);
 *  - the state of read resources (`external`: re-read on every run, never planned);
 *  - of a Kubernetes object, its `status`, `metadata.resourceVersion` and
 *    `metadata.managedFields` (the server's bookkeeping; controllers rewrite them at will).
 * Everything else counts, secrets as their ciphertext (never decrypted here): a secret
 * re-encrypted with the same value reads as a change, which fails closed.
 *
 * The same digest serves every backend. On Pulumi Cloud the stack's version would also tell
 * whether the state was written, but the deploy's own refresh writes a new version even when it
 * finds nothing, and a version cannot say which resource changed.
 */
import { createHash } from "crypto";

/** What a pin file holds: its `kind` says so to anyone who opens the artifact. */
export const PIN_KIND = "sticky-state-fingerprint";

export interface StatePin {
    readonly kind: typeof PIN_KIND;
    /** What the file is, in a sentence, for whoever opens the artifact. */
    readonly holds: string;
    readonly stack: string;
    /** The commit whose plan this pins, when the caller names one. */
    readonly commit?: string;
    /** `sha256:<hex>` of the normalized deployment. */
    readonly digest: string;
    /** `sha256:<hex>` of each normalized resource, by URN: lets a refusal name what changed. */
    readonly resources: Readonly<Record<string, string>>;
    /** Operations a crashed update left pending: any at all means the state is not settled. */
    readonly pendingOperations: number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** A resource's keys a refresh rewrites with nothing changed. */
const RESOURCE_TIMESTAMPS = ["created", "modified"];
/** A Kubernetes object's server-side bookkeeping, under `metadata`. */
const KUBERNETES_METADATA_BOOKKEEPING = ["resourceVersion", "managedFields"];

export class ExportError extends Error {}

/** The resource as the fingerprint sees it: see the module's comment for what is left out. */
function normalizeResource(resource: JsonObject): JsonObject {
    const kept: JsonObject = {};
    for (const [key, value] of Object.entries(resource)) {
        if (RESOURCE_TIMESTAMPS.includes(key)) continue;
        kept[key] = value;
    }
    if (isObject(kept.propertyDependencies)) {
        const nonEmpty = Object.entries(kept.propertyDependencies).filter(([, urns]) => !Array.isArray(urns) || urns.length > 0);
        if (nonEmpty.length > 0) kept.propertyDependencies = Object.fromEntries(nonEmpty);
        else delete kept.propertyDependencies;
    }
    if (resource.external === true) {
        // A read resource: its inputs and outputs are whatever the last read returned.
        delete kept.inputs;
        delete kept.outputs;
    }
    if (typeof resource.type === "string" && resource.type.startsWith("kubernetes:") && isObject(kept.outputs)) {
        const outputs: JsonObject = { ...kept.outputs };
        delete outputs.status;
        if (isObject(outputs.metadata)) {
            const metadata: JsonObject = { ...outputs.metadata };
            for (const key of KUBERNETES_METADATA_BOOKKEEPING) delete metadata[key];
            outputs.metadata = metadata;
        }
        kept.outputs = outputs;
    }
    return kept;
}

/** JSON with every object's keys sorted: the same state always gives the same bytes. */
export function canonicalJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
    if (isObject(value)) {
        return `{${Object.keys(value)
            .sort()
            .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
            .join(",")}}`;
    }
    return JSON.stringify(value);
}

const sha256 = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

/** The deployment inside `pulumi stack export`'s output (`{ version, deployment }`), checked. */
function deploymentOf(exported: unknown): JsonObject {
    if (!isObject(exported) || !isObject(exported.deployment)) {
        throw new ExportError("not the output of `pulumi stack export`: no `deployment` object");
    }
    if (exported.version !== 3) {
        throw new ExportError(`\`pulumi stack export\` version ${JSON.stringify(exported.version)}: only version 3 is understood`);
    }
    const resources = exported.deployment.resources ?? [];
    if (!Array.isArray(resources) || !resources.every(isObject) || !resources.every((r) => typeof r.urn === "string")) {
        throw new ExportError("the exported deployment's `resources` is not a list of resources with a `urn`");
    }
    return exported.deployment;
}

/** The fingerprint of an exported stack (`pulumi stack export`, parsed). */
export function fingerprint(exported: unknown, stack: string, commit?: string): StatePin {
    const deployment = deploymentOf(exported);
    const resources = ((deployment.resources ?? []) as JsonObject[]).map(normalizeResource);
    const pending = Array.isArray(deployment.pending_operations) ? deployment.pending_operations : [];
    const perResource: Record<string, string> = {};
    for (const resource of resources) {
        // A URN can appear twice (a replacement's old copy, `delete: true`): both count.
        const urn = resource.delete === true ? `${String(resource.urn)} (pending delete)` : String(resource.urn);
        perResource[urn] = sha256(canonicalJson(resource));
    }
    const digest = sha256(
        canonicalJson({
            resources: [...resources].sort((a, b) => canonicalJson(a).localeCompare(canonicalJson(b))),
            pending_operations: pending,
            secrets_providers: deployment.secrets_providers ?? null,
        }),
    );
    return {
        kind: PIN_KIND,
        holds: `the sha256 of stack ${stack}'s state${commit ? ` that the plan for ${commit} was made against` : ""} (tools/plan-pin): the deploy refuses the plan when the state differs`,
        stack,
        ...(commit ? { commit } : {}),
        digest,
        resources: perResource,
        pendingOperations: pending.length,
    };
}

/** A pin file read back, checked: anything else is refused rather than trusted. */
export function parsePin(text: string): StatePin {
    let pin: unknown;
    try {
        pin = JSON.parse(text);
    } catch (error) {
        throw new ExportError(`the pin file is not JSON: ${(error as Error).message}`);
    }
    if (!isObject(pin) || pin.kind !== PIN_KIND || typeof pin.digest !== "string" || typeof pin.stack !== "string" || !isObject(pin.resources)) {
        throw new ExportError(`the pin file is not a ${PIN_KIND} (tools/plan-pin record writes one)`);
    }
    return pin as unknown as StatePin;
}

/**
 * Why `current` is not the state `pinned` was recorded from, one sentence each; empty when it is.
 * `expect` names the stack and commit the caller is about to deploy.
 */
export function pinProblems(pinned: StatePin, current: StatePin, expect: { stack: string; commit?: string }): string[] {
    const problems: string[] = [];
    if (pinned.stack !== expect.stack) problems.push(`the pin is for stack ${pinned.stack}, not ${expect.stack}`);
    if (expect.commit !== undefined && pinned.commit !== expect.commit) {
        problems.push(`the pin is for commit ${pinned.commit ?? "(none named)"}, not ${expect.commit}`);
    }
    if (current.pendingOperations > 0) problems.push(`the state has ${current.pendingOperations} pending operation(s) from an interrupted update`);
    if (pinned.digest === current.digest) return problems;
    const urns = [...new Set([...Object.keys(pinned.resources), ...Object.keys(current.resources)])].sort();
    const changed: string[] = [];
    for (const urn of urns) {
        const before = pinned.resources[urn];
        const after = current.resources[urn];
        if (before === after) continue;
        changed.push(before === undefined ? `added ${urn}` : after === undefined ? `gone ${urn}` : `changed ${urn}`);
    }
    problems.push(
        `the state is not the one the plan was made against (pinned ${pinned.digest}, now ${current.digest})` +
            (changed.length > 0 ? `: ${changed.join("; ")}` : ": the stack's secrets provider or pending operations differ"),
    );
    return problems;
}
