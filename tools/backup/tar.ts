/**
 * Reads a tar stream as it goes by, without unpacking it: the entries (path, type, size, mode,
 * link target) and the sha256 of every regular file's bytes, plus the sha256 and length of the
 * whole stream. The backup keeps what it reads in the manifest; the restore reads the archive
 * again and compares, before anything is written, and reads the restored claim back the same way.
 *
 * It reads the formats the pods' `tar -c` writes: GNU (long names in `L`/`K` entries, sizes in
 * base-256 past 8 GiB), POSIX ustar (name prefix) and pax (`path`, `linkpath`, `size` records),
 * which covers GNU tar (Debian's nginx image, the test cluster's) and BusyBox tar (the Alpine
 * image). Pure: Node's crypto only, no Kubernetes, no files.
 */
import { createHash, type Hash } from "crypto";

const BLOCK = 512;

/** What an entry is, as tar records it; `other` for devices, FIFOs and the like. */
export type EntryType = "file" | "directory" | "symlink" | "hardlink" | "other";

/** One entry of an archive, as the manifest keeps it. */
export interface TarEntry {
    /** Relative to the archived directory, without a leading `./` or a trailing `/`. */
    readonly path: string;
    readonly type: EntryType;
    /** Bytes of content (0 for all but regular files). */
    readonly size: number;
    /** Permission bits, e.g. 0o644. */
    readonly mode: number;
    /** sha256 of the content, hex; regular files only. */
    readonly sha256?: string;
    /** Where a symlink points, or the path a hard link repeats. */
    readonly linkTarget?: string;
}

/** A whole archive, read. */
export interface ArchiveScan {
    /** Bytes of the stream, end-of-archive blocks and padding included. */
    readonly bytes: number;
    /** sha256 of the stream, hex. */
    readonly sha256: string;
    readonly entries: readonly TarEntry[];
}

/** An archive that is not one, or cut short. */
export class TarFormatError extends Error {}

/** The smallest valid archive: the end-of-archive marker alone (two zero blocks). */
export const EMPTY_ARCHIVE: Buffer = Buffer.alloc(2 * BLOCK);

const TYPES: Readonly<Record<string, EntryType>> = { "0": "file", "\0": "file", "7": "file", "5": "directory", "2": "symlink", "1": "hardlink" };

interface Header {
    name: string;
    mode: number;
    size: number;
    typeflag: string;
    linkname: string;
}

function text(block: Buffer, start: number, length: number): string {
    const field = block.subarray(start, start + length);
    const end = field.indexOf(0);
    return field.subarray(0, end === -1 ? length : end).toString("utf8");
}

/** A numeric field: octal text, or GNU's base-256 (high bit of the first byte set). */
function number(block: Buffer, start: number, length: number, what: string, offset: number): number {
    const field = block.subarray(start, start + length);
    if (field[0] & 0x80) {
        let value = field[0] & 0x7f;
        for (let i = 1; i < length; i++) value = value * 256 + field[i];
        return value;
    }
    const digits = text(block, start, length).trim();
    if (digits === "") return 0;
    if (!/^[0-7]+$/.test(digits)) throw new TarFormatError(`not a tar archive: the ${what} field of the header at byte ${offset} is ${JSON.stringify(digits)}`);
    return parseInt(digits, 8);
}

function parseHeader(block: Buffer, offset: number): Header {
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
    const recorded = number(block, 148, 8, "checksum", offset);
    if (recorded !== sum) throw new TarFormatError(`not a tar archive, or a damaged one: the header at byte ${offset} has checksum ${recorded}, its bytes sum to ${sum}`);
    const ustar = block.subarray(257, 263).toString("latin1") === "ustar\0"; // POSIX; GNU's magic is "ustar  \0" and has no prefix field
    const prefix = ustar ? text(block, 345, 155) : "";
    const name = text(block, 0, 100);
    return {
        name: prefix === "" ? name : `${prefix}/${name}`,
        mode: number(block, 100, 8, "mode", offset) & 0o7777,
        size: number(block, 124, 12, "size", offset),
        typeflag: String.fromCharCode(block[156]),
        linkname: text(block, 157, 100),
    };
}

/** pax extended header records: `<length> <key>=<value>\n`, one after another. */
function paxRecords(data: Buffer): Record<string, string> {
    const records: Record<string, string> = {};
    let at = 0;
    while (at < data.length) {
        const space = data.indexOf(0x20, at);
        const length = Number(data.subarray(at, space).toString("latin1"));
        if (space === -1 || !Number.isInteger(length) || length <= 0) throw new TarFormatError("not a tar archive: a pax header record has no length");
        const record = data.subarray(space + 1, at + length - 1).toString("utf8");
        const equals = record.indexOf("=");
        records[record.slice(0, equals)] = record.slice(equals + 1);
        at += length;
    }
    return records;
}

/** `./a/b/` -> `a/b`; `./` and `.` -> `.` (the archived directory itself). */
export function normalizeEntryPath(raw: string): string {
    let path = raw;
    while (path.startsWith("./")) path = path.slice(2);
    while (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
    return path === "" ? "." : path;
}

type State =
    | { readonly kind: "header" }
    | { readonly kind: "content"; remaining: number; readonly padding: number; readonly hash?: Hash; readonly entry?: Omit<TarEntry, "sha256">; readonly meta?: Buffer[]; readonly metaType?: string }
    | { readonly kind: "padding"; remaining: number }
    | { readonly kind: "end" };

/**
 * Feed it the stream with {@link push}, then {@link end} gives the scan. Content bytes are hashed
 * as they arrive and never kept, so an archive of any size goes through in constant memory.
 */
export class TarScanner {
    private readonly whole = createHash("sha256");
    private bytes = 0;
    private buffer: Buffer = Buffer.alloc(0);
    private state: State = { kind: "header" };
    private readonly entries: TarEntry[] = [];
    /** From `L`/`K` entries and pax `x` headers, for the next entry only. */
    private next: { path?: string; linkTarget?: string; size?: number } = {};

    push(chunk: Buffer): void {
        this.whole.update(chunk);
        this.bytes += chunk.length;
        this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
        while (this.buffer.length > 0 && this.step()) {
            // step consumes what it can
        }
    }

    end(): ArchiveScan {
        if (this.state.kind !== "end") {
            throw new TarFormatError(`the archive is cut short: it ends after ${this.bytes} bytes, ${this.state.kind === "header" ? "without the end-of-archive marker" : "inside an entry"}`);
        }
        return { bytes: this.bytes, sha256: this.whole.digest("hex"), entries: this.entries };
    }

    /** One step on the buffered bytes; false when it needs more. */
    private step(): boolean {
        const state = this.state;
        switch (state.kind) {
            case "end":
                // After the marker: the rest of the record, zero padding; nothing to read.
                this.buffer = Buffer.alloc(0);
                return false;
            case "padding": {
                const take = Math.min(state.remaining, this.buffer.length);
                state.remaining -= take;
                this.buffer = this.buffer.subarray(take);
                if (state.remaining === 0) this.state = { kind: "header" };
                return true;
            }
            case "content": {
                const take = Math.min(state.remaining, this.buffer.length);
                const piece = this.buffer.subarray(0, take);
                state.hash?.update(piece);
                state.meta?.push(Buffer.from(piece));
                state.remaining -= take;
                this.buffer = this.buffer.subarray(take);
                if (state.remaining === 0) {
                    this.finish(state);
                    this.state = state.padding > 0 ? { kind: "padding", remaining: state.padding } : { kind: "header" };
                }
                return true;
            }
            case "header": {
                if (this.buffer.length < BLOCK) return false;
                const offset = this.bytes - this.buffer.length;
                const block = this.buffer.subarray(0, BLOCK);
                this.buffer = this.buffer.subarray(BLOCK);
                if (block.every((byte) => byte === 0)) {
                    this.state = { kind: "end" };
                    return true;
                }
                this.begin(parseHeader(block, offset));
                return true;
            }
        }
    }

    private begin(header: Header): void {
        const size = this.next.size ?? header.size;
        const padding = (BLOCK - (size % BLOCK)) % BLOCK;
        if (["L", "K", "x", "g"].includes(header.typeflag)) {
            this.state = { kind: "content", remaining: header.size, padding: (BLOCK - (header.size % BLOCK)) % BLOCK, meta: [], metaType: header.typeflag };
            if (header.size === 0) this.afterEmpty();
            return;
        }
        const type = TYPES[header.typeflag] ?? "other";
        const entry = {
            path: normalizeEntryPath(this.next.path ?? header.name),
            type,
            size: type === "file" ? size : 0,
            mode: header.mode,
            ...(type === "symlink" || type === "hardlink" ? { linkTarget: this.next.linkTarget ?? header.linkname } : {}),
        };
        this.next = {};
        this.state = { kind: "content", remaining: size, padding, entry, hash: type === "file" ? createHash("sha256") : undefined };
        if (size === 0) this.afterEmpty();
    }

    /** An entry with no content bytes is finished as soon as its header is read. */
    private afterEmpty(): void {
        const state = this.state;
        if (state.kind === "content") {
            this.finish(state);
            this.state = { kind: "header" };
        }
    }

    private finish(state: Extract<State, { kind: "content" }>): void {
        if (state.entry) {
            this.entries.push(state.hash ? { ...state.entry, sha256: state.hash.digest("hex") } : state.entry);
            return;
        }
        const data = Buffer.concat(state.meta ?? []);
        if (state.metaType === "L") this.next.path = text(data, 0, data.length);
        else if (state.metaType === "K") this.next.linkTarget = text(data, 0, data.length);
        else if (state.metaType === "x") {
            const records = paxRecords(data);
            if (records.path !== undefined) this.next.path = records.path;
            if (records.linkpath !== undefined) this.next.linkTarget = records.linkpath;
            if (records.size !== undefined) this.next.size = Number(records.size);
        }
        // "g" (pax global headers) say nothing the manifest keeps.
    }
}

/** Scans a whole archive held in memory (tests, small archives). */
export function scanArchive(archive: Buffer): ArchiveScan {
    const scanner = new TarScanner();
    scanner.push(archive);
    return scanner.end();
}
