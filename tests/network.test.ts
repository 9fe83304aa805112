/**
 * environments/eks/network.ts's CIDR maths, as laws (pulumi-awsx checks its subnet maths the same
 * way): for any /16 VPC block and any zone count the environment accepts, every subnet is a /20
 * inside the VPC, one private and one public per zone, and no two overlap.
 */
import * as assert from "assert";
import fc from "fast-check";
import { subnetCidrs } from "../environments/eks/network";

/** An IPv4 CIDR as its first address (a 32-bit number) and prefix length. */
function range(cidr: string): { start: number; size: number; prefix: number } {
    const [address, prefixText] = cidr.split("/");
    const prefix = Number(prefixText);
    const start = address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
    return { start, size: 2 ** (32 - prefix), prefix };
}

const vpc = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([a, b]) => `${a}.${b}.0.0/16`);
const zoneCount = fc.integer({ min: 2, max: 6 });

describe("the VPC's subnets (environments/eks/network.ts)", () => {
    it("law: one private and one public /20 per zone, each inside the VPC, aligned", () => {
        fc.assert(
            fc.property(vpc, zoneCount, (vpcCidr, zones) => {
                const { privateCidrs, publicCidrs } = subnetCidrs(vpcCidr, zones);
                assert.strictEqual(privateCidrs.length, zones);
                assert.strictEqual(publicCidrs.length, zones);
                const block = range(vpcCidr);
                for (const subnet of [...privateCidrs, ...publicCidrs].map(range)) {
                    assert.strictEqual(subnet.prefix, 20);
                    assert.strictEqual(subnet.start % subnet.size, 0, "aligned on its size");
                    assert.ok(subnet.start >= block.start && subnet.start + subnet.size <= block.start + block.size, "inside the VPC");
                }
            }),
        );
    });

    it("law: no two subnets overlap", () => {
        fc.assert(
            fc.property(vpc, zoneCount, (vpcCidr, zones) => {
                const { privateCidrs, publicCidrs } = subnetCidrs(vpcCidr, zones);
                const ranges = [...privateCidrs, ...publicCidrs].map(range).sort((a, b) => a.start - b.start);
                ranges.slice(1).forEach((r, i) => assert.ok(ranges[i].start + ranges[i].size <= r.start, `${JSON.stringify(ranges[i])} overlaps ${JSON.stringify(r)}`));
            }),
        );
    });

    it("law: a zone's subnets do not move when zones are added after it (its index names them)", () => {
        fc.assert(
            fc.property(vpc, zoneCount, zoneCount, (vpcCidr, few, many) => {
                fc.pre(few <= many);
                const small = subnetCidrs(vpcCidr, few);
                const large = subnetCidrs(vpcCidr, many);
                assert.deepStrictEqual(large.privateCidrs.slice(0, few), small.privateCidrs);
                assert.deepStrictEqual(large.publicCidrs.slice(0, few), small.publicCidrs);
            }),
        );
    });
});
