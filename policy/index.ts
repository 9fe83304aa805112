/**
 * The sticky policy pack, as the Pulumi CLI loads it:
 *
 *   pulumi preview --stack prod --policy-pack policy
 *
 * The policies live in policies.ts, where the tests reach them without starting the policy
 * server that constructing a PolicyPack starts.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("sticky", {
    description: "The sticky app's storage contract and production safety: per-pod claims on a named class, encrypted gp3 with Retain in prod, no node-local storage outside dev, confined containers, one published port.",
    policies,
});
