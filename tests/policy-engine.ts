/**
 * A fake engine for the policy pack (policy/): the arguments the policy SDK would build for each
 * resource, and the violations each policy reports. No policy server is started.
 */
import type {
    EnforcementLevel,
    PolicyResource,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import { levelOf, policies, stackOf } from "../policy/policies";
import type { Registered } from "./harness";

/** A resource as a policy sees it. `props` are inputs for resource policies, outputs for stack ones. */
export interface FakeResource {
    readonly type: string;
    readonly props: object;
    readonly name?: string;
    readonly stack?: string;
}

const urnOf = (r: FakeResource) => `urn:pulumi:${r.stack ?? "prod"}::sticky::${r.type}::${r.name ?? "sticky"}`;

const noOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

// The SDK's type-matching helpers take resource classes; the pack matches on type tokens instead,
// so the fakes never need them.
const typeHelpers = { isType: () => false, asType: () => undefined };

/** What the SDK tells both kinds of policy about a resource. */
function described(r: FakeResource) {
    return { type: r.type, props: r.props as Record<string, unknown>, urn: urnOf(r), name: r.name ?? "sticky", opts: noOptions, ...typeHelpers };
}

function resourceArgs(r: FakeResource): ResourceValidationArgs {
    return {
        ...described(r),
        stackTags: new Map(),
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: (reason?: string) => {
            throw new Error(`policy marked itself not applicable: ${reason}`);
        },
    };
}

function policyResource(r: FakeResource): PolicyResource {
    return { ...described(r), dependencies: [], propertyDependencies: {} };
}

/** Every message a resource policy reports for one resource. */
export async function check(policy: ResourceValidationPolicy, resource: FakeResource): Promise<string[]> {
    const messages: string[] = [];
    const validations = ([] as ResourceValidation[]).concat(policy.validateResource ?? []);
    for (const validate of validations) await validate(resourceArgs(resource), (message) => messages.push(message));
    return messages;
}

/** Every message a stack policy reports for a set of resources, with the URN it names. */
export async function checkStack(policy: StackValidationPolicy, resources: FakeResource[]): Promise<{ message: string; urn?: string }[]> {
    const reported: { message: string; urn?: string }[] = [];
    await policy.validateStack(
        { resources: resources.map(policyResource), stackTags: new Map(), getConfig: <T extends object>() => ({}) as T, notApplicable: () => { throw new Error("not applicable"); } },
        (message, urn) => reported.push({ message, urn }),
    );
    return reported;
}

export const messagesOf = (reported: { message: string }[]) => reported.map((r) => r.message);

export interface Finding {
    readonly policy: string;
    readonly level: EnforcementLevel;
    readonly message: string;
}

const isStackPolicy = (policy: ResourceValidationPolicy | StackValidationPolicy): policy is StackValidationPolicy =>
    "validateStack" in policy;

/** Inputs as props for both kinds of policy: under mocks, a resource's outputs are its inputs. */
export const asFake = (r: Registered): FakeResource => ({ type: r.type, props: r.inputs, name: r.name, stack: stackOf(r.urn) });

/**
 * What the engine would report for a stack: each resource to every resource policy, all of them
 * to every stack policy. `pack` is the policy pack's list unless a test passes another.
 */
export async function evaluatePack(resources: FakeResource[], pack: (ResourceValidationPolicy | StackValidationPolicy)[] = policies): Promise<Finding[]> {
    const findings: Finding[] = [];
    for (const policy of pack) {
        const level = levelOf(policy);
        const messages = isStackPolicy(policy)
            ? messagesOf(await checkStack(policy, resources))
            : (await Promise.all(resources.map((resource) => check(policy, resource)))).flat();
        findings.push(...messages.map((message) => ({ policy: policy.name, level, message })));
    }
    return findings;
}
