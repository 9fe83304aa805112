/**
 * environments/eks/zones.ts, the zone plan, as laws (properties): the zones a cluster was created
 * in are kept for the stack's life, in their recorded order, whatever order the config lists them
 * in; any removal or addition is refused, naming the zones; and a new stack takes the configured
 * zones, or the first `count` of a lookup that is asked only then.
 */
import * as assert from "assert";
import fc from "fast-check";
import { planZones, ZoneChangeError } from "../environments/eks/zones";

const REGION = "eu-west-1";
/** Distinct zones of the region, 2 to 6 of them, in some order. */
const zones = fc.uniqueArray(fc.constantFrom(..."abcdef"), { minLength: 2, maxLength: 6 }).map((letters) => letters.map((l) => `${REGION}${l}`));
const claimNames = fc.constantFrom([], ["sticky-data-sticky-0", "sticky-data-sticky-1"]);

/** A lookup that fails the test if it is asked. */
const noLookup = () => assert.fail("the lookup is asked only for a stack with no zones recorded or configured");

describe("the zone plan (environments/eks/zones.ts)", () => {
    it("law: a new stack takes the configured zones as given, without a lookup", () => {
        fc.assert(
            fc.property(zones, claimNames, (configured, claims) => {
                assert.deepStrictEqual(planZones({ configured, count: configured.length, claimNames: claims }, noLookup), { zones: configured, source: "configured" });
            }),
        );
    });

    it("law: a new stack without configured zones takes the first `count` the lookup gives", () => {
        fc.assert(
            fc.property(zones, fc.integer({ min: 2, max: 6 }), (found, count) => {
                fc.pre(count <= found.length);
                assert.deepStrictEqual(planZones({ configured: [], count, recorded: [], claimNames: [] }, () => found), { zones: found.slice(0, count), source: "lookup" });
            }),
        );
    });

    it("law: recorded zones are kept, in their order, whether config lists them in any order or gives only their count", () => {
        fc.assert(
            fc.property(zones, claimNames, fc.boolean(), fc.integer(), (recorded, claims, byCount, seed) => {
                const shuffled = [...recorded].sort((a, b) => ((a.charCodeAt(a.length - 1) * 31 + seed) % 7) - ((b.charCodeAt(b.length - 1) * 31 + seed) % 7));
                const inputs = byCount ? { configured: [], count: recorded.length } : { configured: shuffled, count: recorded.length };
                assert.deepStrictEqual(planZones({ ...inputs, recorded, claimNames: claims }, noLookup), { zones: recorded, source: "recorded" });
            }),
        );
    });

    it("law: taking recorded zones away is refused, naming each zone taken away", () => {
        const names = (error: unknown, removed: readonly string[]) => error instanceof ZoneChangeError && removed.every((z) => error.message.includes(JSON.stringify(z)));
        fc.assert(
            fc.property(zones, fc.integer({ min: 1, max: 5 }), claimNames, (recorded, drop, claims) => {
                fc.pre(drop < recorded.length);
                // Listed by name: the first `drop` recorded zones left out.
                const configured = recorded.slice(drop);
                assert.throws(() => planZones({ configured, count: configured.length, recorded, claimNames: claims }, noLookup), (e: unknown) => names(e, recorded.slice(0, drop)));
                // By count alone: a smaller count takes the last recorded zones away.
                const count = recorded.length - drop;
                assert.throws(() => planZones({ configured: [], count, recorded, claimNames: claims }, noLookup), (e: unknown) => names(e, recorded.slice(count)));
            }),
        );
    });

    it("law: adding a zone to a cluster is refused (EKS refuses subnets outside its creation zones)", () => {
        fc.assert(
            fc.property(zones, (all) => {
                const [added, ...recorded] = all;
                fc.pre(recorded.length >= 1);
                assert.throws(() => planZones({ configured: [...recorded, added], count: all.length, recorded, claimNames: [] }, noLookup), (error: Error) => error instanceof ZoneChangeError && error.message.includes(`adds ${JSON.stringify(added)}`));
                assert.throws(() => planZones({ configured: [], count: all.length, recorded, claimNames: [] }, noLookup), (error: Error) => error instanceof ZoneChangeError && error.message.includes("adds zones (1 more)"));
            }),
        );
    });
});
