/**
 * core/quantity.ts: storage quantities as a table, and the laws the claim-size plan and the
 * review rely on, as properties: a quantity reads as its number times its unit, the same size
 * written in two units compares the same, and comparison agrees with the bytes.
 */
import * as assert from "assert";
import fc from "fast-check";
import { canonicalBytes, compareQuantities, isStorageQuantity, quantityBytes } from "../core/quantity";

const BINARY = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 } as const;
const DECIMAL = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 } as const;
const UNITS = { "": 1, ...BINARY, ...DECIMAL } as const;
const unit = fc.constantFrom(...(Object.keys(UNITS) as (keyof typeof UNITS)[]));

describe("quantities (core/quantity.ts)", () => {
    for (const [quantity, bytes] of [
        ["1Gi", 2 ** 30],
        ["1024Mi", 2 ** 30],
        ["1.5Gi", 1.5 * 2 ** 30],
        ["500M", 5e8],
        ["10G", 1e10],
        ["2048", 2048],
        [".5Ki", 512],
    ] as const) {
        it(`${quantity} is ${bytes} bytes`, () => assert.strictEqual(quantityBytes(quantity), bytes));
    }
    for (const notOne of ["1GB", "0.5.1Gi", "-1Gi", "1 Gi", "", "Gi", "1gi", "+1Gi"]) {
        it(`${JSON.stringify(notOne)} is not a quantity`, () => assert.strictEqual(quantityBytes(notOne), undefined));
    }
    it("a positive quantity is a storage size; zero is not", () => {
        assert.deepStrictEqual(["1Gi", "0.5Gi", "0Gi", "0", "1GB"].map(isStorageQuantity), [true, true, false, false, false]);
    });

    it("law: a whole number with a unit is that number times the unit, and a storage size when positive", () => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 100_000 }), unit, (n, u) => {
                assert.strictEqual(quantityBytes(`${n}${u}`), n * UNITS[u]);
                assert.strictEqual(isStorageQuantity(`${n}${u}`), n > 0);
            }),
        );
    });

    it("law: the same size written in the next binary unit down compares the same (1Gi and 1024Mi)", () => {
        const steps = [["Mi", "Ki"], ["Gi", "Mi"], ["Ti", "Gi"]] as const;
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 4096 }), fc.constantFrom(...steps), (n, [big, small]) => {
                assert.strictEqual(compareQuantities(`${n}${big}`, `${n * 1024}${small}`), "same");
            }),
        );
    });

    it("law: comparison agrees with the bytes, and reverses when the sides swap", () => {
        const quantity = fc.tuple(fc.integer({ min: 1, max: 10_000 }), unit).map(([n, u]) => `${n}${u}`);
        fc.assert(
            fc.property(quantity, quantity, (a, b) => {
                const [x, y] = [quantityBytes(a)!, quantityBytes(b)!];
                const expected = y > x ? "grows" : y < x ? "shrinks" : "same";
                assert.strictEqual(compareQuantities(a, b), expected);
                assert.strictEqual(compareQuantities(b, a), expected === "grows" ? "shrinks" : expected === "shrinks" ? "grows" : "same");
            }),
        );
    });

    it("anything but a quantity compares as unknown", () => assert.strictEqual(compareQuantities("1Gi", "1GB"), "unknown"));

    // apimachinery v0.34.12: resource.NewQuantity(bytes, resource.BinarySI).String(), read off for each row.
    for (const [bytes, written] of [
        [2 * 2 ** 30, "2Gi"],
        [1536 * 2 ** 20, "1536Mi"],
        [2e9, "1953125Ki"],
        [512, "512"],
        [1024, "1Ki"],
        [1500, "1500"],
        [3 * 2 ** 40, "3Ti"],
    ] as const) {
        it(`${bytes} bytes are written back as ${written}`, () => assert.strictEqual(canonicalBytes(bytes), written));
    }

    it("law: the written form reads back as the same bytes, and only the unit that divides is used", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 2 ** 52 }), (bytes) => {
                const written = canonicalBytes(bytes);
                assert.strictEqual(quantityBytes(written), bytes);
                const number = Number(/^\d+/.exec(written)![0]);
                assert.ok(number % 1024 !== 0 || written.endsWith("Ei"), `${written}: a smaller number fits a bigger unit`);
            }),
        );
    });

    it("refuses what is not a whole positive number of bytes", () => {
        for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => canonicalBytes(bad), /not a whole positive number of bytes/);
    });
});
