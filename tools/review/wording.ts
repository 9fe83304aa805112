/** How the review writes names and lists: `code`, "a, b and c", plurals. Pure. */
import { parseUrn } from "./preview";

export const code = (text: string | number) => `\`${String(text).replace(/`/g, "'")}\``;
export const list = (items: string[]) =>
    items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
export const capitalized = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
export function shortType(type: string): string {
    return type.split(":").pop() ?? type;
}
export const names = (items: string[]) => list(items.map(code));

/** Who said something, from its URN: the program, the stack, or a resource by kind and name. */
export function subjectOfUrn(urn: string | undefined): string {
    if (!urn) return "the stack";
    if (urn.includes("::pulumi:pulumi:Stack::")) return "the program";
    const { type, name } = parseUrn(urn);
    return `${shortType(type)} ${code(name)}`;
}
