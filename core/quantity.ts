/**
 * Kubernetes storage quantities (k8s.io/apimachinery/pkg/api/resource), in the one form this
 * project reads and writes: a plain positive number with an optional binary or decimal suffix
 * ("1Gi", "500Mi", "10G", "1.5Gi"). Settings validate against it, the claim-size plan compares
 * with it, and the review reads planned sizes with it. Pure: no Pulumi, no Kubernetes client.
 */

const UNITS: Readonly<Record<string, number>> = {
    "": 1,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
    k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

const QUANTITY = /^(\d+(?:\.\d+)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/** Whether `value` is a storage quantity of this form and more than zero. */
export function isStorageQuantity(value: string): boolean {
    const match = QUANTITY.exec(value);
    return match !== null && Number(match[1]) > 0;
}

/**
 * Bytes in a storage quantity, or `undefined` when `value` is not one. A float is exact enough
 * to compare sizes: two quantities a byte apart below 8 PiB compare right.
 */
export function quantityBytes(value: string): number | undefined {
    const match = QUANTITY.exec(value);
    return match === null ? undefined : Number(match[1]) * UNITS[match[2] ?? ""];
}

/** How `after` compares with `before`; "unknown" when either is not a quantity. */
export function compareQuantities(before: string, after: string): "grows" | "shrinks" | "same" | "unknown" {
    const [a, b] = [quantityBytes(before), quantityBytes(after)];
    if (a === undefined || b === undefined) return "unknown";
    return b > a ? "grows" : b < a ? "shrinks" : "same";
}
