/**
 * Container image references (the distribution project's grammar, reference/regexp.go), in the
 * one form a deploy may name: pinned, by a tag other than `latest` or by a sha256 digest. Pure.
 */

/** A lowercase path component: letters and digits, joined by `.`, `_`, `__` or runs of `-`. */
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
/** A registry host (a DNS name or an IPv4 address, or `[IPv6]`), with an optional port. */
const DOMAIN = "(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?";
const NAME = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;

/** The parts of a reference: `name[:tag][@digest]`. */
export interface ImageReference {
    readonly name: string;
    readonly tag?: string;
    readonly digest?: string;
}

/** Splits a reference into name, tag and digest, without checking them. */
export function splitImageReference(reference: string): ImageReference {
    const at = reference.indexOf("@");
    const [named, digest] = at < 0 ? [reference, undefined] : [reference.slice(0, at), reference.slice(at + 1)];
    // A tag follows the last ":" after the last "/" (a ":" before it is a registry's port).
    const colon = named.lastIndexOf(":");
    const tagged = colon > named.lastIndexOf("/");
    return { name: tagged ? named.slice(0, colon) : named, tag: tagged ? named.slice(colon + 1) : undefined, digest };
}

/**
 * Why `reference` is not a pinned image reference, in a phrase; undefined when it is one.
 * Pinned: a well-formed name with a tag other than `latest`, or a sha256 digest (with or without a tag).
 */
export function imageReferenceProblem(reference: string): string | undefined {
    if (reference.trim() === "") return "is empty";
    if (/\s/.test(reference)) return "contains spaces";
    const { name, tag, digest } = splitImageReference(reference);
    if (!NAME.test(name)) {
        return name.toLowerCase() !== name && NAME.test(name.toLowerCase()) ? `the repository ${JSON.stringify(name)} has capitals (it must be lowercase)` : `${JSON.stringify(name)} is not a repository name`;
    }
    if (tag !== undefined && !TAG.test(tag)) return `the tag ${JSON.stringify(tag)} is not one (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`;
    if (digest !== undefined) return SHA256.test(digest) ? undefined : `the digest ${JSON.stringify(digest)} is not "sha256:" and 64 lowercase hexadecimal digits`;
    if (tag === undefined) return "has no tag or digest, so it means whatever \"latest\" is on the day of each pull";
    if (tag === "latest") return "is tagged \"latest\", which moves: each pull may bring another image";
    return undefined;
}
