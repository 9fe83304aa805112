/** Reading values at the property paths Pulumi's detailed diffs use: `spec.template.spec.containers[0].image`. */

/** Splits `a.b[0]["c.d"].e` into `["a", "b", 0, "c.d", "e"]`. */
export function splitPath(path: string): (string | number)[] {
    const parts: (string | number)[] = [];
    const pattern = /([^.[\]"]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
    for (const match of path.matchAll(pattern)) {
        if (match[1] !== undefined) parts.push(match[1]);
        else if (match[2] !== undefined) parts.push(Number(match[2]));
        else parts.push(JSON.parse(`"${match[3]}"`) as string);
    }
    return parts;
}

export function valueAt(root: unknown, path: string | (string | number)[]): unknown {
    let value: unknown = root;
    for (const part of typeof path === "string" ? splitPath(path) : path) {
        if (value === null || typeof value !== "object") return undefined;
        value = (value as Record<string | number, unknown>)[part];
    }
    return value;
}

/** The string Pulumi puts in a preview where a value is only known after the update. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A value as a reviewer reads it: strings quoted, unknowns named, long values shortened. */
export function show(value: unknown, max = 160): string {
    if (value === undefined) return "(none)";
    if (value === UNKNOWN) return "(known after the update)";
    const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value, (_k, v) => (v === UNKNOWN ? "(known after the update)" : v));
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Same value, compared as JSON (key order included, as both sides come from the same provider). */
export const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
