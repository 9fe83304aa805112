/** The median of some figures: the middle one, or the mean of the middle two for an even count. */
export function median(values: readonly number[]): number {
    if (values.length === 0) throw new Error("median of no figures");
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
