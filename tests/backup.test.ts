/**
 * The file backup (tools/backup/), without a cluster: the tar reader on archives GNU tar writes
 * and on hand-built headers (pax, ustar prefix, base-256 sizes, damage), the manifest built and
 * read back, every refusal of a restore (a tampered archive, a manifest naming other claims, fewer
 * replicas, non-empty claims, a claim too small), the pod checks, the stack outputs read, and the
 * command lines' errors. The CLI itself runs as a user runs it for the refusals it makes before
 * asking any cluster (a bad line, no manifest, a tampered archive). The real copy out of and back
 * into pods is e2e/backup.e2e.ts.
 */
import * as assert from "assert";
import { createHash } from "crypto";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { APP_NAME, claimName, DATA_PATH, podName } from "../components/sticky-app-contract";
import { parseArgs, UsageError } from "../tools/backup/args";
import { POD_SCRIPT, stackApp } from "../tools/backup/cluster";
import {
    archiveProblems,
    claimBackup,
    compareEntries,
    dataEntries,
    MANIFEST_FILE,
    MANIFEST_FORMAT,
    parseManifest,
    planRestore,
    podProblem,
    Refusal,
    type Manifest,
    type TargetClaim,
} from "../tools/backup/manifest";
import { EMPTY_ARCHIVE, normalizeEntryPath, scanArchive, TarFormatError, TarScanner, type TarEntry } from "../tools/backup/tar";

/** The built CLI (bin/tools/backup/cli.js), which `npm run backup` and `npm run restore` run. */
const CLI = path.resolve(__dirname, "..", "tools", "backup", "cli.js");
const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

// ---- hand-built archives ----

/** One 512-byte tar header; `size` in octal unless `base256`. */
function header(name: string, options: { size?: number; type?: string; mode?: number; link?: string; prefix?: string; base256?: boolean; magic?: "gnu" | "ustar" } = {}): Buffer {
    const block = Buffer.alloc(512);
    block.write(name, 0, 100, "utf8");
    block.write(`${(options.mode ?? 0o644).toString(8).padStart(7, "0")}\0`, 100, "latin1");
    block.write("0001750\0", 108, "latin1");
    block.write("0001750\0", 116, "latin1");
    const size = options.size ?? 0;
    if (options.base256) {
        block[124] = 0x80;
        block.writeUIntBE(size, 124 + 12 - 6, 6);
    } else {
        block.write(`${size.toString(8).padStart(11, "0")}\0`, 124, "latin1");
    }
    block.write("15000000000\0", 136, "latin1");
    block.write(options.type ?? "0", 156, "latin1");
    if (options.link) block.write(options.link, 157, 100, "utf8");
    block.write(options.magic === "gnu" ? "ustar  \0" : "ustar\u000000", 257, "latin1");
    if (options.prefix) block.write(options.prefix, 345, 155, "utf8");
    block.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of block) sum += byte;
    block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    return block;
}

const padded = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
const file = (name: string, content: string, options: Parameters<typeof header>[1] = {}) => {
    const data = Buffer.from(content);
    return Buffer.concat([header(name, { ...options, size: data.length }), padded(data)]);
};
const archive = (...parts: Buffer[]) => Buffer.concat([...parts, EMPTY_ARCHIVE]);
const pax = (records: Record<string, string>) => {
    const body = Object.entries(records)
        .map(([key, value]) => {
            const text = ` ${key}=${value}\n`;
            let length = Buffer.byteLength(text) + 1;
            while (String(length).length + Buffer.byteLength(text) !== length) length = String(length).length + Buffer.byteLength(text);
            return `${length}${text}`;
        })
        .join("");
    return Buffer.concat([header("PaxHeaders/x", { type: "x", size: Buffer.byteLength(body) }), padded(Buffer.from(body))]);
};

/** A directory tree like a claim's, archived by this machine's GNU tar the way the pod script does (`./name` per top-level entry). */
function gnuTarArchive(): { archive: Buffer; files: Record<string, string> } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sticky-backup-test-"));
    try {
        const long = `${"ü".repeat(60)} with spaces and a name past 100 bytes.txt`;
        const files: Record<string, string> = { "index.html": "<h1>sticky-0</h1>\n", "a dir/ñ café.txt": "unicode\n", [`a dir/${long}`]: "x".repeat(5000), "-starts-with-dash": "" };
        for (const [name, content] of Object.entries(files)) {
            fs.mkdirSync(path.join(dir, path.dirname(name)), { recursive: true });
            fs.writeFileSync(path.join(dir, name), content);
        }
        fs.chmodSync(path.join(dir, "index.html"), 0o600);
        fs.symlinkSync("index.html", path.join(dir, ".link"));
        fs.mkdirSync(path.join(dir, "lost+found"));
        return { archive: execFileSync("sh", ["-c", POD_SCRIPT, "sh", dir, "archive"], { maxBuffer: 1 << 24 }), files };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("file backup: the tar reader", () => {
    it("reads GNU tar's archive of a claim: every file with its sha256, the long unicode name, the symlink, and no lost+found", () => {
        const { archive: tar, files } = gnuTarArchive();
        const scan = scanArchive(tar);
        assert.strictEqual(scan.sha256, sha256(tar));
        assert.strictEqual(scan.bytes, tar.length);
        const byPath = new Map(scan.entries.map((e) => [e.path, e]));
        for (const [name, content] of Object.entries(files)) {
            assert.deepStrictEqual({ type: byPath.get(name)?.type, size: byPath.get(name)?.size, sha256: byPath.get(name)?.sha256 }, { type: "file", size: Buffer.byteLength(content), sha256: sha256(content) }, name);
        }
        assert.strictEqual(byPath.get("index.html")?.mode, 0o600);
        assert.deepStrictEqual(byPath.get(".link"), { path: ".link", type: "symlink", size: 0, mode: byPath.get(".link")?.mode, linkTarget: "index.html" });
        assert.strictEqual(byPath.get("a dir")?.type, "directory");
        assert.ok(![...byPath.keys()].some((p) => p.startsWith("lost+found")), "lost+found is not data");
    });

    it("gives the same scan whether the stream comes in one piece or byte by byte", () => {
        const { archive: tar } = gnuTarArchive();
        const scanner = new TarScanner();
        for (let i = 0; i < tar.length; i += 7) scanner.push(tar.subarray(i, i + 7));
        assert.deepStrictEqual(scanner.end(), scanArchive(tar));
    });

    it("reads pax paths and sizes, a ustar name prefix and a GNU base-256 size", () => {
        const scan = scanArchive(
            archive(
                pax({ path: "päx/long name.txt" }),
                file("ignored-by-pax", "pax!"),
                file("name.txt", "prefixed", { prefix: "some/dir" }),
                Buffer.concat([header("big.bin", { size: 3, base256: true, magic: "gnu" }), padded(Buffer.from("abc"))]),
                header("dir/", { type: "5", mode: 0o755 }),
                header("hard", { type: "1", link: "name.txt" }),
            ),
        );
        assert.deepStrictEqual(scan.entries, [
            { path: "päx/long name.txt", type: "file", size: 4, mode: 0o644, sha256: sha256("pax!") },
            { path: "some/dir/name.txt", type: "file", size: 8, mode: 0o644, sha256: sha256("prefixed") },
            { path: "big.bin", type: "file", size: 3, mode: 0o644, sha256: sha256("abc") },
            { path: "dir", type: "directory", size: 0, mode: 0o755 },
            { path: "hard", type: "hardlink", size: 0, mode: 0o644, linkTarget: "name.txt" },
        ]);
    });

    it("an empty claim's archive is the end-of-archive marker, with no entries", () => {
        assert.deepStrictEqual(scanArchive(EMPTY_ARCHIVE).entries, []);
    });

    const broken: { name: string; bytes: () => Buffer; message: RegExp }[] = [
        { name: "cut inside a file", bytes: () => archive(file("a", "x".repeat(1000))).subarray(0, 900), message: /cut short: it ends after 900 bytes, inside an entry/ },
        { name: "cut before the end-of-archive marker", bytes: () => file("a", "x"), message: /cut short: it ends after 1024 bytes, without the end-of-archive marker/ },
        {
            name: "a damaged header",
            bytes: () => {
                const bytes = archive(file("a", "x"));
                bytes[3] ^= 0xff;
                return bytes;
            },
            message: /a damaged one: the header at byte 0 has checksum/,
        },
        { name: "not a tar at all", bytes: () => Buffer.from("<html>not a tar</html>".padEnd(2048, "!")), message: /not a tar archive/ },
    ];
    for (const c of broken) it(`refuses an archive: ${c.name}`, () => assert.throws(() => scanArchive(c.bytes()), (e: Error) => e instanceof TarFormatError && c.message.test(e.message)));

    it("normalizes entry paths as tar writes them", () => {
        assert.deepStrictEqual(["./a", "./a/b/", ".", "./", "a//"].map(normalizeEntryPath), ["a", "a/b", ".", ".", "a"]);
    });
});

// ---- the manifest ----

const CLAIM = { statefulSet: APP_NAME, storageClassName: "hostpath", capacity: "1Gi" };
const tarOf = (ordinal: number) => archive(file("./index.html", `<h1>sticky-${ordinal}</h1>\n`), header("./a dir/", { type: "5", mode: 0o755 }), file("./a dir/ü.txt", "unicode"));

function manifestOf(ordinals: number[]): { manifest: Manifest; archives: Map<number, Buffer> } {
    const archives = new Map(ordinals.map((o) => [o, tarOf(o)]));
    const claims = ordinals.map((o) => claimBackup({ ...CLAIM, ordinal: o }, scanArchive(archives.get(o)!), new Date("2026-12-02T17:00:00Z"), 0.25));
    return {
        manifest: { format: MANIFEST_FORMAT, createdAt: "2026-12-02T17:00:01.000Z", stack: "dev", environment: "local", cluster: "context sticky-test", namespace: "default", replicas: ordinals.length, claims },
        archives,
    };
}

const target = (ordinal: number, occupiedBy: string[] = [], capacity = "1Gi"): TargetClaim => ({ ordinal, claim: claimName(APP_NAME, ordinal), storageClassName: "gp3", capacity, occupiedBy });

describe("file backup: the manifest", () => {
    it("records each claim: names from the contract, class, size, file count, bytes, the archive's and each file's sha256, the time", () => {
        const { manifest, archives } = manifestOf([0]);
        const record = manifest.claims[0];
        assert.deepStrictEqual(
            { ...record, entries: record.entries.map((e) => e.path) },
            {
                ordinal: 0,
                claim: "sticky-data-sticky-0",
                pod: "sticky-0",
                storageClassName: "hostpath",
                capacity: "1Gi",
                archive: "sticky-data-sticky-0.tar",
                archiveBytes: archives.get(0)!.length,
                archiveSha256: sha256(archives.get(0)!),
                fileCount: 2,
                bytes: Buffer.byteLength("<h1>sticky-0</h1>\n") + Buffer.byteLength("unicode"),
                takenAt: "2026-12-02T17:00:00.000Z",
                seconds: 0.25,
                entries: ["index.html", "a dir", "a dir/ü.txt"],
            },
        );
        assert.strictEqual(record.claim, claimName(APP_NAME, 0));
        assert.strictEqual(record.entries[0].sha256, sha256("<h1>sticky-0</h1>\n"));
    });

    it("reads back what it wrote, claims in ordinal order", () => {
        const { manifest } = manifestOf([0, 1, 2]);
        const reversed = { ...manifest, claims: [...manifest.claims].reverse() };
        assert.deepStrictEqual(parseManifest(JSON.stringify(reversed), APP_NAME), manifest);
    });

    const bad: { name: string; change: (m: any) => void; problem: string }[] = [
        { name: "another format", change: (m) => (m.format = "sticky-file-backup/0"), problem: 'format = "sticky-file-backup/0": must be "sticky-file-backup/1"' },
        { name: "a claim name that is not its ordinal's", change: (m) => (m.claims[1].claim = "sticky-data-sticky-0"), problem: 'claims[1].claim = "sticky-data-sticky-0": ordinal 1\'s claim is "sticky-data-sticky-1"' },
        { name: "an archive path outside the directory", change: (m) => (m.claims[0].archive = "../../etc/passwd"), problem: 'claims[0].archive = "../../etc/passwd": must be "sticky-data-sticky-0.tar"' },
        { name: "two claims for one ordinal", change: (m) => (m.claims[1].ordinal = 0), problem: "claims[1].ordinal = 0: a second claim for that ordinal" },
        { name: "a file without its checksum", change: (m) => delete m.claims[0].entries[0].sha256, problem: "claims[0].entries[0] (index.html): a file needs its sha256" },
        { name: "a negative ordinal", change: (m) => (m.claims[0].ordinal = -1), problem: "claims[0].ordinal = -1: must be a pod ordinal (0, 1, ...)" },
        { name: "a malformed archive checksum", change: (m) => (m.claims[0].archiveSha256 = "abc"), problem: "claims[0].archiveSha256: must be 64 hex digits" },
    ];
    for (const c of bad) {
        it(`refuses a manifest with ${c.name}, naming the field`, () => {
            const { manifest } = manifestOf([0, 1]);
            const data = JSON.parse(JSON.stringify(manifest));
            c.change(data);
            assert.throws(() => parseManifest(JSON.stringify(data), APP_NAME), (e: Error) => e instanceof Refusal && e.problems.includes(c.problem));
        });
    }

    it("refuses a manifest that is not JSON, or has no claims", () => {
        assert.throws(() => parseManifest("{", APP_NAME), /manifest.json is not JSON/);
        const { manifest } = manifestOf([0]);
        assert.throws(() => parseManifest(JSON.stringify({ ...manifest, claims: [] }), APP_NAME), (e: Error) => e instanceof Refusal && /claims = \[\]: must be a list of at least one claim/.test(e.message));
    });
});

describe("file backup: checks before a restore writes anything", () => {
    it("an intact archive has no problems", () => {
        const { manifest, archives } = manifestOf([0]);
        assert.deepStrictEqual(archiveProblems(manifest.claims[0], scanArchive(archives.get(0)!)), []);
    });

    it("a tampered archive (one byte of a file changed) is refused by its sha256 and by the file's", () => {
        const { manifest, archives } = manifestOf([0]);
        const tampered = Buffer.from(archives.get(0)!);
        tampered[512] = "H".charCodeAt(0); // the first byte of index.html's content
        const problems = archiveProblems(manifest.claims[0], scanArchive(tampered));
        assert.strictEqual(problems.length, 2, problems.join("\n"));
        assert.match(problems[0], /^sticky-data-sticky-0.tar \(sticky-data-sticky-0\): sha256 [0-9a-f]{16}… of 3584 bytes, the manifest says [0-9a-f]{16}… of 3584 bytes$/);
        assert.match(problems[1], /"index.html" differs: expected file 18 bytes sha256 [0-9a-f]{12}… mode 0644, found file 18 bytes sha256 [0-9a-f]{12}… mode 0644/);
    });

    it("an archive that is not readable, or cut short, is refused with the reason", () => {
        const { manifest, archives } = manifestOf([0]);
        assert.deepStrictEqual(archiveProblems(manifest.claims[0], new Error("ENOENT: no such file")), ["sticky-data-sticky-0.tar (sticky-data-sticky-0): ENOENT: no such file"]);
        let cut: Error | undefined;
        try {
            scanArchive(archives.get(0)!.subarray(0, 700));
        } catch (error) {
            cut = error as Error;
        }
        assert.match(archiveProblems(manifest.claims[0], cut!)[0], /cut short/);
    });

    it("an entry that would land outside the claim is refused, even when the manifest lists it", () => {
        const evil = archive(file("../../etc/cron.d/x", "evil"), file("/abs", "evil"));
        const record = claimBackup({ ...CLAIM, ordinal: 0 }, scanArchive(evil), new Date(), 0);
        assert.deepStrictEqual(
            archiveProblems(record, scanArchive(evil)).map((p) => p.replace(/^.*?: /, "")),
            ['entry "../../etc/cron.d/x" climbs out of the claim (..)', 'entry "/abs" is absolute'],
        );
    });

    it("compares entries: missing, extra and changed ones, in sentences", () => {
        const a: TarEntry = { path: "a", type: "file", size: 1, mode: 0o644, sha256: "0".repeat(64) };
        const b: TarEntry = { path: "b", type: "file", size: 1, mode: 0o644, sha256: "1".repeat(64) };
        assert.deepStrictEqual(compareEntries([a, b], [a, b]), []);
        assert.deepStrictEqual(compareEntries([a, b], [{ ...a, mode: 0o600 }, { path: ".", type: "directory", size: 0, mode: 0o777 }, { ...b, path: "c" }]), [
            '"a" differs: expected file 1 bytes sha256 000000000000… mode 0644, found file 1 bytes sha256 000000000000… mode 0600',
            '"b" is missing (expected file 1 bytes sha256 111111111111… mode 0644)',
            '"c" is not in the backup (found file 1 bytes sha256 111111111111… mode 0644)',
        ]);
    });
});

describe("file backup: what a restore writes, and what it refuses", () => {
    const { manifest } = manifestOf([0, 1, 2]);

    it("into a fresh stack of the same replicas: every claim, none overwritten, none left out", () => {
        const plan = planRestore(manifest, [target(0), target(1), target(2)], false);
        assert.deepStrictEqual(plan.writes.map((w) => [w.record.claim, w.target.claim]), [0, 1, 2].map((o) => [claimName(APP_NAME, o), claimName(APP_NAME, o)]));
        assert.deepStrictEqual([plan.untouched, plan.overwritten], [[], []]);
    });

    it("into more replicas: the backup's ordinals, the others left as they are", () => {
        const plan = planRestore(manifest, [0, 1, 2, 3, 4].map((o) => target(o)), false);
        assert.deepStrictEqual(plan.writes.map((w) => w.target.ordinal), [0, 1, 2]);
        assert.deepStrictEqual(plan.untouched.map((t) => t.claim), ["sticky-data-sticky-3", "sticky-data-sticky-4"]);
    });

    it("into fewer replicas: refused, naming the claims that would be dropped and the fix", () => {
        assert.throws(
            () => planRestore(manifest, [target(0), target(1)], true),
            (e: Error) =>
                e instanceof Refusal &&
                e.summary === "restore refused, nothing was written" &&
                e.problems[0] === "the backup holds sticky-data-sticky-2, but the stack has 2 replicas (claims for ordinals 0 to 1); restoring would drop that claim's files. Set sticky:replicas to at least 3 and run pulumi up, then restore again.",
        );
    });

    it("into claims that hold data: refused without --force, naming each claim and what it holds", () => {
        assert.throws(
            () => planRestore(manifest, [target(0, ["index.html"]), target(1), target(2, ["a", "b", "c", "d", "e", "f"])], false),
            (e: Error) =>
                e instanceof Refusal &&
                JSON.stringify(e.problems) ===
                    JSON.stringify([
                        'sticky-data-sticky-0 is not empty ("index.html"): nothing was overwritten. Pass --force to replace what it holds with the backup\'s files.',
                        'sticky-data-sticky-2 is not empty ("a", "b", "c", "d", "e" and 1 more): nothing was overwritten. Pass --force to replace what it holds with the backup\'s files.',
                    ]),
        );
    });

    it("into claims that hold data, with --force: those are emptied first", () => {
        const plan = planRestore(manifest, [target(0, ["index.html"]), target(1), target(2)], true);
        assert.deepStrictEqual(plan.overwritten.map((t) => t.claim), ["sticky-data-sticky-0"]);
        assert.strictEqual(plan.writes.length, 3);
    });

    it("a claim that only has ext4's lost+found is empty", () => {
        assert.deepStrictEqual(dataEntries(["lost+found", ""]), []);
        assert.deepStrictEqual(dataEntries(["lost+found", "index.html"]), ["index.html"]);
        assert.strictEqual(planRestore(manifest, [0, 1, 2].map((o) => target(o, dataEntries(["lost+found"]))), false).overwritten.length, 0);
    });

    it("into a claim smaller than the backup's files: refused, naming both sizes", () => {
        assert.throws(
            () => planRestore(manifest, [target(0, [], "10"), target(1), target(2)], false),
            (e: Error) => e instanceof Refusal && e.problems[0] === `sticky-data-sticky-0 holds 10; the backup's files for it are ${manifest.claims[0].bytes} bytes. Grow the claim first (sticky:storageSize).`,
        );
    });
});

describe("file backup: the pods", () => {
    const claim = claimName(APP_NAME, 1);
    const pod = (change: (p: any) => void = () => undefined) => {
        const p: any = {
            metadata: { name: podName(APP_NAME, 1) },
            spec: { volumes: [{ name: "sticky-data", persistentVolumeClaim: { claimName: claim } }], containers: [{ name: "nginx", volumeMounts: [{ name: "sticky-data", mountPath: DATA_PATH }] }] },
            status: { phase: "Running", containerStatuses: [{ state: { running: {} } }], conditions: [{ type: "Ready", status: "False" }] },
        };
        change(p);
        return p;
    };

    it("a running pod that mounts the claim can be copied, Ready or not", () => assert.strictEqual(podProblem(pod(), claim, DATA_PATH), undefined));
    it("a missing pod", () => assert.strictEqual(podProblem(undefined, claim, DATA_PATH), "does not exist"));
    it("a pending pod, with the container's reason", () => {
        const problem = podProblem(pod((p) => Object.assign(p.status, { phase: "Pending", containerStatuses: [{ state: { waiting: { reason: "ContainerCreating" } } }] })), claim, DATA_PATH);
        assert.strictEqual(problem, "is Pending (ContainerCreating), not running: kubectl exec needs its container running (kubectl describe pod sticky-1)");
    });
    it("a pod being deleted", () => assert.match(podProblem(pod((p) => (p.metadata.deletionTimestamp = "2026-12-02T17:00:00Z")), claim, DATA_PATH)!, /^is being deleted/));
    it("a pod that mounts another claim, or the claim elsewhere", () => {
        assert.strictEqual(podProblem(pod(), claimName(APP_NAME, 2), DATA_PATH), `does not mount claim sticky-data-sticky-2 at ${DATA_PATH}`);
        assert.strictEqual(podProblem(pod((p) => (p.spec.containers[0].volumeMounts[0].mountPath = "/data")), claim, DATA_PATH), `does not mount claim ${claim} at ${DATA_PATH}`);
    });
});

describe("file backup: the stack's outputs", () => {
    const names = { podNames: ["sticky-0", "sticky-1"], claimNames: ["sticky-data-sticky-0", "sticky-data-sticky-1"] };

    it("a local stack: its kube context", () => {
        assert.deepStrictEqual(stackApp("dev", { environment: "local", ...names, kubeContext: "docker-desktop" }), {
            stack: "dev",
            environment: "local",
            replicas: 2,
            cluster: "context docker-desktop",
            kubeContext: "docker-desktop",
        });
    });

    it("an EKS stack: its kubeconfig, an object or a string", () => {
        const kubeconfig = { apiVersion: "v1", clusters: [] };
        assert.deepStrictEqual(stackApp("prod", { environment: "eks", ...names, clusterName: "sticky-prod", kubeconfig }), {
            stack: "prod",
            environment: "eks",
            replicas: 2,
            cluster: "cluster sticky-prod",
            kubeconfig: JSON.stringify(kubeconfig),
        });
        assert.strictEqual(stackApp("prod", { ...names, kubeconfig: "apiVersion: v1" }).kubeconfig, "apiVersion: v1");
    });

    const refused: { name: string; outputs: Record<string, unknown>; message: RegExp }[] = [
        { name: "a stack with nothing deployed", outputs: {}, message: /stack s has no app deployed:\n {2}- its outputs have no podNames and claimNames \(found: none\); run pulumi up --stack s first/ },
        { name: "other names than the contract's", outputs: { podNames: ["web-0"], claimNames: ["data-web-0"], kubeContext: "x" }, message: /outputs name other pods or claims than this project makes/ },
        { name: "no cluster named", outputs: { ...names }, message: /do not say which cluster it runs on/ },
        { name: "a kubeconfig still secret", outputs: { ...names, kubeconfig: "[secret]" }, message: /no kubeContext output and no readable kubeconfig output/ },
    ];
    for (const c of refused) it(`refuses ${c.name}`, () => assert.throws(() => stackApp("s", c.outputs), (e: Error) => e instanceof Refusal && c.message.test(e.message)));
});

describe("file backup: command lines", () => {
    it("takes backup's and restore's flags, in both spellings", () => {
        assert.deepStrictEqual(parseArgs("backup", ["--stack", "dev", "--to", "/tmp/b"]), { command: "backup", stack: "dev", to: "/tmp/b" });
        assert.deepStrictEqual(parseArgs("restore", ["--stack=org/sticky/prod", "--from=/tmp/b", "--force"]), { command: "restore", stack: "org/sticky/prod", from: "/tmp/b", force: true });
        assert.deepStrictEqual(parseArgs("restore", ["--from", "b", "--stack", "dev"]), { command: "restore", stack: "dev", from: "b", force: false });
    });

    const bad: { command: "backup" | "restore"; argv: string[]; message: string }[] = [
        { command: "backup", argv: [], message: "missing --stack (the Pulumi stack whose claims to copy, e.g. dev) and --to (a new or empty directory for the archives and manifest.json)" },
        { command: "backup", argv: ["--stack", "--to", "x"], message: "--stack needs a value: the Pulumi stack whose claims to copy, e.g. dev (got the flag --to)" },
        { command: "backup", argv: ["--stack", "dev", "--to"], message: "--to needs a value: a new or empty directory for the archives and manifest.json" },
        { command: "backup", argv: ["--stack", "dev", "--from", "x"], message: "--from is restore's; a backup writes to --to DIR" },
        { command: "backup", argv: ["--stack", "dev", "--to", "x", "--force"], message: "--force is restore's; a backup never overwrites (--to must be new or empty)" },
        { command: "restore", argv: ["--stack", "dev", "--to", "x"], message: "--to is backup's; a restore reads from --from DIR" },
        { command: "restore", argv: ["--stack", "dev", "--from", "x", "--forse"], message: "unknown option --forse: allowed are --stack NAME (the Pulumi stack whose claims receive the files, e.g. dev or prod); --from DIR (a directory npm run backup wrote (it holds manifest.json)); --force (replace what non-empty claims hold)" },
        { command: "restore", argv: ["--stack", "dev", "--from", "x", "--force=yes"], message: '--force takes no value (got "yes")' },
        { command: "restore", argv: ["--stack", "dev", "--stack", "prod", "--from", "x"], message: "--stack is given twice; give it once" },
        { command: "restore", argv: ["dev"], message: 'unexpected argument "dev": restore takes only flags: --stack NAME (the Pulumi stack whose claims receive the files, e.g. dev or prod); --from DIR (a directory npm run backup wrote (it holds manifest.json)); --force (replace what non-empty claims hold)' },
        { command: "backup", argv: ["--stack", "my stack", "--to", "x"], message: '--stack = "my stack": must be a Pulumi stack name, e.g. dev or my-org/sticky/prod (letters, digits, "-", "_", ".")' },
        { command: "backup", argv: ["--stack", "dev", "--to="], message: '--to = "": must not be empty: a new or empty directory for the archives and manifest.json' },
    ];
    for (const c of bad) {
        it(`${c.command} ${c.argv.join(" ") || "(nothing)"}: ${c.message.slice(0, 60)}…`, () => {
            assert.throws(() => parseArgs(c.command, c.argv), (e: Error) => e instanceof UsageError && e.message === c.message);
        });
    }
});

describe("file backup: the CLI's refusals before any cluster is asked", () => {
    /** Runs the built CLI as `npm run restore` does, with no pulumi or kubectl on PATH: a refusal here must come before either is needed. */
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, PATH: "/nonexistent" } });
    const backupDir = () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sticky-backup-cli-"));
        const { manifest, archives } = manifestOf([0, 1]);
        for (const [ordinal, bytes] of archives) fs.writeFileSync(path.join(dir, manifest.claims[ordinal].archive), bytes);
        fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest));
        return dir;
    };

    it("a bad command line: exit 2, the error and the usage", () => {
        const result = cli("restore", "--stack", "dev");
        assert.deepStrictEqual([result.status, result.stdout], [2, ""]);
        assert.strictEqual(result.stderr, "restore: missing --from (a directory npm run backup wrote (it holds manifest.json))\nusage: npm run restore -- --stack NAME --from DIR [--force]\n");
        assert.strictEqual(cli("copy").status, 2);
    });

    it("a directory without manifest.json: exit 1, nothing written", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sticky-backup-cli-"));
        try {
            const result = cli("restore", "--stack", "dev", "--from", dir);
            assert.strictEqual(result.status, 1);
            assert.match(result.stderr, /no manifest\.json there; it is not a backup \(or one cut short: the manifest is written last\)/);
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    });

    it("a tampered archive and a missing one: exit 1, each named, before the stack is looked up", () => {
        const dir = backupDir();
        try {
            const tar = path.join(dir, "sticky-data-sticky-1.tar");
            const bytes = fs.readFileSync(tar);
            bytes[512] ^= 1;
            fs.writeFileSync(tar, bytes);
            fs.rmSync(path.join(dir, "sticky-data-sticky-0.tar"));
            const result = cli("restore", "--stack", "dev", "--from", dir);
            assert.strictEqual(result.status, 1, result.stderr);
            assert.match(result.stderr, /^restore: restore refused: the backup in .* does not match its manifest, nothing was written:\n/);
            assert.match(result.stderr, /sticky-data-sticky-0.tar \(sticky-data-sticky-0\): ENOENT/);
            assert.match(result.stderr, /sticky-data-sticky-1.tar \(sticky-data-sticky-1\): sha256 .* the manifest says/);
            assert.doesNotMatch(result.stderr, /pulumi|kubectl/, "refused before any tool was run");
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    });

    it("an intact backup gets past the checks to the stack lookup (which fails here with no pulumi on PATH)", () => {
        const dir = backupDir();
        try {
            const result = cli("restore", "--stack", "dev", "--from", dir);
            assert.strictEqual(result.status, 1);
            assert.match(result.stdout, /2 claims, 4 files, every archive and file matches the manifest's sha256/);
            assert.match(result.stderr, /cannot read stack dev's outputs/);
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    });
});
