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

const BINARY_SUFFIXES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"] as const;

/**
 * A whole number of bytes as Kubernetes writes it back in a claim's `status.capacity` when the
 * size is binary (apimachinery's `NewQuantity(bytes, BinarySI).String()`): the largest binary
 * suffix that divides it (2147483648 is "2Gi", 1610612736 "1536Mi"); a number not a multiple of
 * 1024 is written plain ("1500"). Checked against apimachinery v0.34.12's canonical form.
 */
export function canonicalBytes(bytes: number): string {
    if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new Error(`canonicalBytes(${bytes}): not a whole positive number of bytes`);
    let value = bytes;
    let suffix = 0;
    while (suffix < BINARY_SUFFIXES.length - 1 && value % 1024 === 0) {
        value /= 1024;
        suffix += 1;
    }
    return `${value}${BINARY_SUFFIXES[suffix]}`;
}
