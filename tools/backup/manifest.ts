/**
 * The file backup's manifest and every decision made on it, pure: what a backup records per
 * claim, whether a backup directory is intact (checked before a restore writes anything), which
 * claims a restore writes and which it refuses, and whether a claim read back matches. The CLI
 * (cli.ts) does the talking to the cluster; docs/backup-and-restore.md says what each refusal
 * protects.
 */
import { claimName, podName } from "../../components/sticky-app-contract";
import { quantityBytes } from "../../core/quantity";
import type { ArchiveScan, TarEntry } from "./tar";

export const MANIFEST_FILE = "manifest.json";
/** The manifest's format; a restore refuses any other. */
export const MANIFEST_FORMAT = "sticky-file-backup/1";

/** A claim's directory entries that are not its data: ext4's `lost+found` (on an EBS volume). */
export const NOT_DATA = ["lost+found"] as const;

/** One claim's copy. */
export interface ClaimBackup {
    readonly ordinal: number;
    readonly claim: string;
    readonly pod: string;
    /** The claim's StorageClass and size (`status.capacity`) when it was copied. */
    readonly storageClassName: string;
    readonly capacity: string;
    /** File name of the archive in the backup directory. */
    readonly archive: string;
    readonly archiveBytes: number;
    readonly archiveSha256: string;
    /** Regular files, and their bytes in all. */
    readonly fileCount: number;
    readonly bytes: number;
    /** When the copy of this claim started and how long it took. */
    readonly takenAt: string;
    readonly seconds: number;
    /** Every entry, with each file's sha256. */
    readonly entries: readonly TarEntry[];
}

export interface Manifest {
    readonly format: typeof MANIFEST_FORMAT;
    readonly createdAt: string;
    /** The stack copied from, and where its app ran. */
    readonly stack: string;
    readonly environment: string;
    readonly cluster: string;
    readonly namespace: string;
    readonly replicas: number;
    readonly claims: readonly ClaimBackup[];
}

/** A restore (or backup) that will not go ahead, with every reason; nothing was changed. */
export class Refusal extends Error {
    constructor(
        readonly summary: string,
        readonly problems: readonly string[],
    ) {
        super(`${summary}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
}

/** The archive's file name for a claim. */
export const archiveName = (claim: string): string => `${claim}.tar`;

/** The record of one claim's copy, from what its archive was read to hold. */
export function claimBackup(
    claim: { ordinal: number; statefulSet: string; storageClassName: string; capacity: string },
    scan: ArchiveScan,
    takenAt: Date,
    seconds: number,
): ClaimBackup {
    const files = scan.entries.filter((e) => e.type === "file");
    const name = claimName(claim.statefulSet, claim.ordinal);
    return {
        ordinal: claim.ordinal,
        claim: name,
        pod: podName(claim.statefulSet, claim.ordinal),
        storageClassName: claim.storageClassName,
        capacity: claim.capacity,
        archive: archiveName(name),
        archiveBytes: scan.bytes,
        archiveSha256: scan.sha256,
        fileCount: files.length,
        bytes: files.reduce((sum, e) => sum + e.size, 0),
        takenAt: takenAt.toISOString(),
        seconds: Math.round(seconds * 1000) / 1000,
        entries: scan.entries,
    };
}

// ---- reading a manifest back ----

const SHA256 = /^[0-9a-f]{64}$/;
const ENTRY_TYPES = ["file", "directory", "symlink", "hardlink", "other"];

/**
 * A manifest read from its JSON, every field checked: the restore trusts nothing it did not
 * check. Claim names must be the app's names for their ordinals (`statefulSet`'s), so a restore
 * writes where the backup came from and nowhere else.
 */
export function parseManifest(json: string, statefulSet: string, where = MANIFEST_FILE): Manifest {
    let data: any;
    try {
        data = JSON.parse(json);
    } catch (error) {
        throw new Refusal(`${where} is not JSON`, [String((error as Error).message)]);
    }
    const problems: string[] = [];
    const need = (ok: boolean, problem: string) => void (ok || problems.push(problem));
    if (data === null || typeof data !== "object") throw new Refusal(`${where} is not a backup manifest`, ["it is not a JSON object"]);
    if (data.format !== MANIFEST_FORMAT) {
        throw new Refusal(`${where} is not a manifest this tool reads`, [`format = ${JSON.stringify(data.format)}: must be "${MANIFEST_FORMAT}"`]);
    }
    for (const field of ["createdAt", "stack", "environment", "cluster", "namespace"]) need(typeof data[field] === "string", `${field} = ${JSON.stringify(data[field])}: must be a string`);
    need(Number.isInteger(data.replicas) && data.replicas > 0, `replicas = ${JSON.stringify(data.replicas)}: must be a positive whole number`);
    if (!Array.isArray(data.claims) || data.claims.length === 0) {
        problems.push(`claims = ${JSON.stringify(data.claims)}: must be a list of at least one claim`);
        throw new Refusal(`${where} is not a complete backup manifest`, problems);
    }
    const seen = new Set<number>();
    data.claims.forEach((c: any, i: number) => {
        const at = `claims[${i}]`;
        if (c === null || typeof c !== "object") return void problems.push(`${at}: must be an object`);
        if (!Number.isInteger(c.ordinal) || c.ordinal < 0) return void problems.push(`${at}.ordinal = ${JSON.stringify(c.ordinal)}: must be a pod ordinal (0, 1, ...)`);
        if (seen.has(c.ordinal)) problems.push(`${at}.ordinal = ${c.ordinal}: a second claim for that ordinal`);
        seen.add(c.ordinal);
        const claim = claimName(statefulSet, c.ordinal);
        need(c.claim === claim, `${at}.claim = ${JSON.stringify(c.claim)}: ordinal ${c.ordinal}'s claim is "${claim}"`);
        need(c.pod === podName(statefulSet, c.ordinal), `${at}.pod = ${JSON.stringify(c.pod)}: ordinal ${c.ordinal}'s pod is "${podName(statefulSet, c.ordinal)}"`);
        // The archive is read from the backup directory: a plain file name, never a path.
        need(c.archive === archiveName(claim), `${at}.archive = ${JSON.stringify(c.archive)}: must be "${archiveName(claim)}"`);
        need(typeof c.archiveSha256 === "string" && SHA256.test(c.archiveSha256), `${at}.archiveSha256: must be 64 hex digits`);
        for (const field of ["archiveBytes", "fileCount", "bytes"]) need(Number.isInteger(c[field]) && c[field] >= 0, `${at}.${field} = ${JSON.stringify(c[field])}: must be a whole number`);
        for (const field of ["storageClassName", "capacity", "takenAt"]) need(typeof c[field] === "string", `${at}.${field}: must be a string`);
        if (!Array.isArray(c.entries)) return void problems.push(`${at}.entries: must be a list`);
        c.entries.forEach((e: any, j: number) => {
            const where = `${at}.entries[${j}]`;
            if (e === null || typeof e !== "object" || typeof e.path !== "string" || !ENTRY_TYPES.includes(e.type) || !Number.isInteger(e.size) || !Number.isInteger(e.mode)) {
                return void problems.push(`${where}: must have a path, a type (${ENTRY_TYPES.join(", ")}), a size and a mode`);
            }
            if (e.type === "file") need(typeof e.sha256 === "string" && SHA256.test(e.sha256), `${where} (${e.path}): a file needs its sha256`);
        });
    });
    if (problems.length > 0) throw new Refusal(`${where} is not a valid backup manifest`, problems);
    return { ...data, claims: [...data.claims].sort((a: ClaimBackup, b: ClaimBackup) => a.ordinal - b.ordinal) } as Manifest;
}

// ---- checks before a restore writes anything ----

/**
 * Why an entry path must not be extracted: absolute, or climbing out of the claim with `..`.
 * tar refuses most of these itself; checking first means a bad archive is refused whole, before
 * any claim is touched, rather than half extracted.
 */
export function unsafePath(path: string): string | undefined {
    if (path.startsWith("/")) return "is absolute";
    if (path.split("/").includes("..")) return "climbs out of the claim (..)";
    if (path.includes("\0")) return "holds a NUL byte";
    return undefined;
}

const describe = (e: TarEntry) => `${e.type}${e.type === "file" ? ` ${e.size} bytes sha256 ${e.sha256?.slice(0, 12)}…` : ""}${e.linkTarget !== undefined ? ` -> ${e.linkTarget}` : ""} mode ${e.mode.toString(8).padStart(4, "0")}`;

/**
 * How `actual` differs from `expected`, entry by entry (path, type, size, content, link target,
 * mode), as sentences; empty when they are the same. `.` (the claim's root, which belongs to the
 * volume) is never compared.
 */
export function compareEntries(expected: readonly TarEntry[], actual: readonly TarEntry[], limit = 20): string[] {
    const key = (e: TarEntry) => [e.type, e.size, e.sha256 ?? "", e.linkTarget ?? "", e.mode].join("\u0000");
    const before = new Map(expected.filter((e) => e.path !== ".").map((e) => [e.path, e]));
    const after = new Map(actual.filter((e) => e.path !== ".").map((e) => [e.path, e]));
    const differences: string[] = [];
    for (const [path, e] of before) {
        const a = after.get(path);
        if (a === undefined) differences.push(`${JSON.stringify(path)} is missing (expected ${describe(e)})`);
        else if (key(a) !== key(e)) differences.push(`${JSON.stringify(path)} differs: expected ${describe(e)}, found ${describe(a)}`);
    }
    for (const [path, a] of after) if (!before.has(path)) differences.push(`${JSON.stringify(path)} is not in the backup (found ${describe(a)})`);
    return differences.length > limit ? [...differences.slice(0, limit), `... and ${differences.length - limit} more`] : differences;
}

/**
 * Whether an archive on disk is the one the manifest describes: its length and sha256, every
 * entry and every file's sha256, and no entry that would land outside the claim. Empty when it is.
 */
export function archiveProblems(record: ClaimBackup, scan: ArchiveScan | Error): string[] {
    const name = `${record.archive} (${record.claim})`;
    if (scan instanceof Error) return [`${name}: ${scan.message}`];
    const problems: string[] = [];
    if (scan.sha256 !== record.archiveSha256 || scan.bytes !== record.archiveBytes) {
        problems.push(`${name}: sha256 ${scan.sha256.slice(0, 16)}… of ${scan.bytes} bytes, the manifest says ${record.archiveSha256.slice(0, 16)}… of ${record.archiveBytes} bytes`);
    }
    for (const difference of compareEntries(record.entries, scan.entries)) problems.push(`${name}: ${difference}`);
    for (const entry of scan.entries) {
        const unsafe = unsafePath(entry.path);
        if (unsafe) problems.push(`${name}: entry ${JSON.stringify(entry.path)} ${unsafe}`);
    }
    return problems;
}

/** A claim of the stack a restore writes into, as the cluster has it now. */
export interface TargetClaim {
    readonly ordinal: number;
    readonly claim: string;
    readonly storageClassName: string;
    readonly capacity: string;
    /** Its top-level entries that are data (not {@link NOT_DATA}). */
    readonly occupiedBy: readonly string[];
}

export interface RestorePlan {
    /** Backup records to write, in ordinal order, with the target claim each goes into. */
    readonly writes: readonly { readonly record: ClaimBackup; readonly target: TargetClaim }[];
    /** The target's claims the backup has nothing for; left as they are. */
    readonly untouched: readonly TargetClaim[];
    /** Claims that have data now and will be emptied first (only with `force`). */
    readonly overwritten: readonly TargetClaim[];
}

const listed = (names: readonly string[], max = 5) =>
    names.length <= max ? names.map((n) => JSON.stringify(n)).join(", ") : `${names.slice(0, max).map((n) => JSON.stringify(n)).join(", ")} and ${names.length - max} more`;

/** Top-level names of a claim's directory that are data: all but {@link NOT_DATA}. */
export function dataEntries(names: readonly string[]): string[] {
    return names.filter((name) => name !== "" && !(NOT_DATA as readonly string[]).includes(name));
}

/**
 * What a restore of `manifest` into a stack with `targets` (its claims, one per ordinal it has)
 * does, or a {@link Refusal} with every reason it will not:
 *
 * - every ordinal of the backup needs a claim of the same ordinal in the target: a backup of 4
 *   claims into 3 replicas is refused, because the fourth claim's files would have no pod to
 *   serve them and be silently dropped. A target with more replicas is fine: the extra claims
 *   have no copy and are left as they are (as a scale-up leaves them).
 * - a claim must hold at least the backup's bytes for it (a lower bound: the file system needs
 *   a little more).
 * - a claim with data in it is refused unless `force` (then it is emptied first, and afterwards
 *   holds exactly the backup's files).
 */
export function planRestore(manifest: Manifest, targets: readonly TargetClaim[], force: boolean): RestorePlan {
    const byOrdinal = new Map(targets.map((t) => [t.ordinal, t]));
    const problems: string[] = [];
    const writes: { record: ClaimBackup; target: TargetClaim }[] = [];
    const missing = manifest.claims.filter((c) => !byOrdinal.has(c.ordinal));
    if (missing.length > 0) {
        const highest = Math.max(...manifest.claims.map((c) => c.ordinal));
        problems.push(
            `the backup holds ${missing.map((c) => c.claim).join(", ")}, but the stack has ${targets.length} replica${targets.length === 1 ? "" : "s"} ` +
                `(claims for ordinals ${targets.length === 0 ? "none" : `0 to ${targets.length - 1}`}); restoring would drop ${missing.length === 1 ? "that claim's" : "those claims'"} files. ` +
                `Set sticky:replicas to at least ${highest + 1} and run pulumi up, then restore again.`,
        );
    }
    const overwritten: TargetClaim[] = [];
    for (const record of manifest.claims) {
        const target = byOrdinal.get(record.ordinal);
        if (target === undefined) continue;
        const capacity = quantityBytes(target.capacity);
        if (capacity !== undefined && record.bytes > capacity) {
            problems.push(`${target.claim} holds ${target.capacity}; the backup's files for it are ${record.bytes} bytes. Grow the claim first (sticky:storageSize).`);
        }
        if (target.occupiedBy.length > 0) {
            if (force) overwritten.push(target);
            else problems.push(`${target.claim} is not empty (${listed(target.occupiedBy)}): nothing was overwritten. Pass --force to replace what it holds with the backup's files.`);
        }
        writes.push({ record, target });
    }
    if (problems.length > 0) throw new Refusal("restore refused, nothing was written", problems);
    const restored = new Set(manifest.claims.map((c) => c.ordinal));
    return { writes, untouched: targets.filter((t) => !restored.has(t.ordinal)), overwritten };
}

// ---- the pods ----

/**
 * Why `kubectl exec` into a pod cannot copy its claim, or undefined when it can: the pod must
 * exist, not be going away, run its container, and mount `claim` at `dataPath` (so the copy
 * reads and writes that claim and no other). Ready is not required: a pod can run and be out of
 * the Service (a failed readiness probe) and still have its files copied.
 */
export function podProblem(pod: any, claim: string, dataPath: string): string | undefined {
    if (pod === undefined || pod === null) return "does not exist";
    const name = pod.metadata?.name;
    if (pod.metadata?.deletionTimestamp) return `is being deleted (since ${pod.metadata.deletionTimestamp}); wait for its replacement`;
    const phase = pod.status?.phase ?? "Unknown";
    const containers: any[] = pod.status?.containerStatuses ?? [];
    const running = containers.length > 0 && containers.every((c) => c.state?.running);
    if (phase !== "Running" || !running) {
        const waiting = containers.map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).filter(Boolean);
        return `is ${phase}${waiting.length > 0 ? ` (${waiting.join(", ")})` : ""}, not running: kubectl exec needs its container running (kubectl describe pod ${name})`;
    }
    const volume = (pod.spec?.volumes ?? []).find((v: any) => v.persistentVolumeClaim?.claimName === claim);
    const mounted = volume && (pod.spec?.containers ?? []).some((c: any) => (c.volumeMounts ?? []).some((m: any) => m.name === volume.name && m.mountPath === dataPath && !m.subPath));
    if (!mounted) return `does not mount claim ${claim} at ${dataPath}`;
    return undefined;
}

/** Whether a running pod is also Ready (for the progress lines). */
export function podReady(pod: any): boolean {
    return (pod?.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
}

// ---- figures ----

/** 1536 -> "1.5 KiB". */
export function bytesText(bytes: number): string {
    const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}
