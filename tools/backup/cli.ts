/**
 * A file-level backup of the app's claims, through the Kubernetes API only, so it works on any
 * cluster the stack runs on (docs/backup-and-restore.md):
 *
 *   npm run backup -- --stack dev --to ../sticky-backup-2026-12-02
 *   npm run restore -- --stack prod --from ../sticky-backup-2026-12-02 [--force]
 *
 * backup: one tar archive per claim (`kubectl exec sticky-N -- tar -c`), streamed into DIR and
 * read as it arrives (each file's sha256), then DIR/manifest.json, written last: a directory
 * without a manifest is no backup. restore: checks the whole backup against its manifest, then
 * every target claim (pod running, claim of the same ordinal there, empty or --force), and only
 * then writes, claim by claim, reading each back to compare. Exits 0 when done, 1 when refused
 * or failed (saying what was written, if anything), 2 on a bad command line.
 */
import * as fs from "fs";
import * as path from "path";
import { APP_NAME, claimName, DATA_PATH, podName } from "../../components/sticky-app-contract";
import { parseArgs, USAGE, UsageError, type BackupArgs, type Command, type RestoreArgs } from "./args";
import { Cluster, readStackApp, type StackApp } from "./cluster";
import {
    archiveProblems,
    bytesText,
    claimBackup,
    compareEntries,
    dataEntries,
    MANIFEST_FILE,
    MANIFEST_FORMAT,
    parseManifest,
    planRestore,
    podProblem,
    podReady,
    Refusal,
    type ClaimBackup,
    type Manifest,
    type TargetClaim,
} from "./manifest";
import { EMPTY_ARCHIVE, TarScanner, type ArchiveScan } from "./tar";

/** The project: `pulumi stack output` runs here (bin/tools/backup/ -> the root). */
const ROOT = path.resolve(__dirname, "..", "..", "..");

const say = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

/** A claim as the cluster has it, with its pod checked; problems collected, not thrown. */
interface LiveClaim {
    readonly ordinal: number;
    readonly claim: string;
    readonly pod: string;
    readonly storageClassName: string;
    readonly capacity: string;
    readonly ready: boolean;
}

function liveClaims(cluster: Cluster, ordinals: readonly number[]): { claims: LiveClaim[]; problems: string[] } {
    const claims: LiveClaim[] = [];
    const problems: string[] = [];
    for (const ordinal of ordinals) {
        const claim = claimName(APP_NAME, ordinal);
        const pod = podName(APP_NAME, ordinal);
        const pvc = cluster.get("persistentvolumeclaim", claim);
        if (pvc === undefined) {
            problems.push(`claim ${claim} does not exist`);
            continue;
        }
        if (pvc.status?.phase !== "Bound") problems.push(`claim ${claim} is ${pvc.status?.phase ?? "not bound"}, not Bound`);
        const podObject = cluster.get("pod", pod);
        const problem = podProblem(podObject, claim, DATA_PATH);
        if (problem) problems.push(`pod ${pod} (claim ${claim}) ${problem}`);
        claims.push({
            ordinal,
            claim,
            pod,
            storageClassName: pvc.spec?.storageClassName ?? "",
            capacity: pvc.status?.capacity?.storage ?? pvc.spec?.resources?.requests?.storage ?? "",
            ready: podReady(podObject),
        });
    }
    return { claims, problems };
}

/** Copies a claim's files out with `tar -c`, into `file` and through a scanner at once. */
async function copyOut(cluster: Cluster, pod: string, file: string | undefined, progress: (bytes: number) => void): Promise<ArchiveScan> {
    const scanner = new TarScanner();
    const fd = file === undefined ? undefined : fs.openSync(file, "wx", 0o600);
    let bytes = 0;
    try {
        const result = await cluster.exec(pod, "archive", {
            output: (chunk) => {
                // A synchronous write holds the event loop, so kubectl waits on a full pipe: back-pressure for free.
                if (fd !== undefined) fs.writeSync(fd, chunk);
                scanner.push(chunk);
                bytes += chunk.length;
                progress(bytes);
            },
        });
        if (result.status !== 0) {
            throw new Error(`kubectl exec ${pod} -- tar -c exited ${result.status}${result.stderr ? `: ${result.stderr}` : ""}` +
                (/changed as we read it/.test(result.stderr) ? " (a file changed while it was copied: copy again when nothing writes)" : ""));
        }
        if (bytes === 0) {
            // An empty claim: the script archives nothing, and the backup holds the empty archive.
            if (fd !== undefined) fs.writeSync(fd, EMPTY_ARCHIVE);
            scanner.push(EMPTY_ARCHIVE);
        }
        return scanner.end();
    } finally {
        if (fd !== undefined) fs.closeSync(fd);
    }
}

/** Prints "... 120.0 MiB so far" every 5 s while a long copy runs. */
function ticker(claim: string): { update: (bytes: number) => void; stop: () => void } {
    let latest = 0;
    const timer = setInterval(() => say(`      ${claim}: ${bytesText(latest)} so far`), 5000);
    return { update: (bytes) => (latest = bytes), stop: () => clearInterval(timer) };
}

/**
 * A path given on the command line, from where the user typed it: npm runs scripts in the
 * project's root and says where it was called from in INIT_CWD.
 */
const fromCaller = (given: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), given);

async function backup(args: BackupArgs): Promise<void> {
    const dir = fromCaller(args.to);
    if (fs.existsSync(dir) && (!fs.statSync(dir).isDirectory() || fs.readdirSync(dir).length > 0)) {
        throw new Refusal("backup refused, nothing was written", [`--to ${args.to}: ${fs.statSync(dir).isDirectory() ? "the directory is not empty" : "is not a directory"}; a backup goes into a new or empty directory, so it never mixes with another`]);
    }
    const app = readStackApp(ROOT, args.stack);
    const cluster = new Cluster(app);
    try {
        const ordinals = [...Array(app.replicas).keys()];
        const { claims, problems } = liveClaims(cluster, ordinals);
        if (problems.length > 0) throw new Refusal(`backup refused: not every claim of stack ${args.stack} can be copied, nothing was written`, problems);
        fs.mkdirSync(dir, { recursive: true });
        say(`backup of stack ${args.stack} (${app.environment}, ${app.cluster}, namespace default): ${claims.length} claims -> ${dir}`);
        const records: ClaimBackup[] = [];
        for (const [i, claim] of claims.entries()) {
            const started = new Date();
            const clock = process.hrtime.bigint();
            const tick = ticker(claim.claim);
            let scan: ArchiveScan;
            try {
                scan = await copyOut(cluster, claim.pod, path.join(dir, `${claim.claim}.tar`), tick.update);
            } catch (error) {
                throw new Refusal(`backup failed at ${claim.claim}: no manifest was written, so ${dir} is not a backup (delete it and run again)`, [(error as Error).message]);
            } finally {
                tick.stop();
            }
            const record = claimBackup({ ordinal: claim.ordinal, statefulSet: APP_NAME, storageClassName: claim.storageClassName, capacity: claim.capacity }, scan, started, seconds(clock));
            records.push(record);
            say(
                `  [${i + 1}/${claims.length}] ${record.claim} (pod ${record.pod}${claim.ready ? "" : ", not Ready"}, ${record.storageClassName} ${record.capacity}): ` +
                    `${record.fileCount} file${record.fileCount === 1 ? "" : "s"}, ${bytesText(record.bytes)}; archive ${bytesText(record.archiveBytes)} sha256 ${record.archiveSha256.slice(0, 12)}…; ${record.seconds.toFixed(1)} s`,
            );
        }
        const manifest: Manifest = {
            format: MANIFEST_FORMAT,
            createdAt: new Date().toISOString(),
            stack: args.stack,
            environment: app.environment,
            cluster: app.cluster,
            namespace: "default",
            replicas: app.replicas,
            claims: records,
        };
        // Written last, and renamed into place: a backup cut short has no manifest, and a restore refuses it.
        const part = path.join(dir, `${MANIFEST_FILE}.part`);
        fs.writeFileSync(part, `${JSON.stringify(manifest, null, 2)}\n`);
        fs.renameSync(part, path.join(dir, MANIFEST_FILE));
        const files = records.reduce((n, r) => n + r.fileCount, 0);
        const bytes = records.reduce((n, r) => n + r.bytes, 0);
        say(`done: ${path.join(dir, MANIFEST_FILE)} (${records.length} claims, ${files} files, ${bytesText(bytes)})`);
    } finally {
        cluster.close();
    }
}

/** Reads an archive from disk through the scanner; the error, not a throw, when it is unreadable or not a tar. */
async function scanFile(file: string): Promise<ArchiveScan | Error> {
    try {
        const scanner = new TarScanner();
        for await (const chunk of fs.createReadStream(file)) scanner.push(chunk as Buffer);
        return scanner.end();
    } catch (error) {
        return error as Error;
    }
}

async function restore(args: RestoreArgs): Promise<void> {
    const dir = fromCaller(args.from);
    const manifestFile = path.join(dir, MANIFEST_FILE);
    if (!fs.existsSync(manifestFile)) {
        throw new Refusal("restore refused, nothing was written", [`--from ${args.from}: no ${MANIFEST_FILE} there; it is not a backup (or one cut short: the manifest is written last)`]);
    }
    const manifest = parseManifest(fs.readFileSync(manifestFile, "utf8"), APP_NAME, manifestFile);

    // 1. The backup, whole, before the cluster is even asked: every archive as the manifest says.
    const problems: string[] = [];
    for (const record of manifest.claims) problems.push(...archiveProblems(record, await scanFile(path.join(dir, record.archive))));
    if (problems.length > 0) throw new Refusal(`restore refused: the backup in ${dir} does not match its manifest, nothing was written`, problems);
    const files = manifest.claims.reduce((n, r) => n + r.fileCount, 0);
    say(`backup ${dir}: stack ${manifest.stack} (${manifest.cluster}), ${manifest.createdAt}; ${manifest.claims.length} claims, ${files} files, every archive and file matches the manifest's sha256`);

    // 2. The target: its claims and pods, and what the claims hold now.
    const app: StackApp = readStackApp(ROOT, args.stack);
    const cluster = new Cluster(app);
    try {
        const backedUp = new Set(manifest.claims.map((c) => c.ordinal));
        const ordinals = [...Array(app.replicas).keys()].filter((o) => backedUp.has(o));
        const { claims, problems: liveProblems } = liveClaims(cluster, ordinals);
        if (liveProblems.length > 0) throw new Refusal(`restore refused: not every claim of stack ${args.stack} can be written, nothing was written`, liveProblems);
        const targets: TargetClaim[] = [];
        for (let ordinal = 0; ordinal < app.replicas; ordinal++) {
            const live = claims.find((c) => c.ordinal === ordinal);
            if (live === undefined) {
                targets.push({ ordinal, claim: claimName(APP_NAME, ordinal), storageClassName: "", capacity: "", occupiedBy: [] });
                continue;
            }
            let listing = "";
            const result = await cluster.exec(live.pod, "list", { output: (chunk) => (listing += chunk.toString("utf8")) });
            if (result.status !== 0) throw new Refusal("restore refused, nothing was written", [`listing ${live.claim} in pod ${live.pod} failed (exit ${result.status}): ${result.stderr}`]);
            targets.push({ ordinal, claim: live.claim, storageClassName: live.storageClassName, capacity: live.capacity, occupiedBy: dataEntries(listing.split("\n")) });
        }
        const plan = planRestore(manifest, targets, args.force);
        say(
            `restore into stack ${args.stack} (${app.environment}, ${app.cluster}, namespace default): ${plan.writes.length} claims` +
                (plan.overwritten.length > 0 ? `; --force: ${plan.overwritten.map((t) => t.claim).join(", ")} emptied first` : "; every claim is empty") +
                (plan.untouched.length > 0 ? `; ${plan.untouched.map((t) => t.claim).join(", ")} not in the backup, left as they are` : ""),
        );

        // 3. Claim by claim: empty it if forced, extract, read back, compare.
        for (const [i, { record, target }] of plan.writes.entries()) {
            const clock = process.hrtime.bigint();
            const pod = podName(APP_NAME, target.ordinal);
            const done = plan.writes.slice(0, i).map((w) => w.target.claim);
            const failed = (what: string) =>
                new Refusal(`restore failed at ${target.claim}`, [what, done.length > 0 ? `already restored: ${done.join(", ")}` : "no claim was restored before it", `run the restore again with --force once the cause is fixed`]);
            if (plan.overwritten.includes(target)) {
                const cleared = await cluster.exec(pod, "clear");
                if (cleared.status !== 0) throw failed(`emptying it in pod ${pod} failed (exit ${cleared.status}): ${cleared.stderr}`);
            }
            if (record.entries.length > 0) {
                const extracted = await cluster.exec(pod, "extract", { input: fs.createReadStream(path.join(dir, record.archive)) });
                if (extracted.status !== 0) throw failed(`kubectl exec ${pod} -- tar -x exited ${extracted.status}: ${extracted.stderr}`);
            }
            let back: ArchiveScan;
            try {
                back = await copyOut(cluster, pod, undefined, () => undefined);
            } catch (error) {
                throw failed(`reading it back failed: ${(error as Error).message}`);
            }
            const differences = compareEntries(record.entries, back.entries);
            if (differences.length > 0) throw failed(`read back, ${target.claim} differs from the backup: ${differences.join("; ")}`);
            say(
                `  [${i + 1}/${plan.writes.length}] ${target.claim} (pod ${pod}, ${target.storageClassName} ${target.capacity}) <- ${record.archive}: ` +
                    `${record.fileCount} file${record.fileCount === 1 ? "" : "s"}, ${bytesText(record.bytes)} written, read back identical; ${seconds(clock).toFixed(1)} s`,
            );
        }
        say(`done: ${plan.writes.length} claims restored from ${dir}`);
    } finally {
        cluster.close();
    }
}

async function main(argv: readonly string[]): Promise<number> {
    const command = argv[0] as Command;
    if (command !== "backup" && command !== "restore") {
        process.stderr.write(`backup: the first argument must be backup or restore (got ${JSON.stringify(argv[0])})\n${USAGE.backup}\n${USAGE.restore}\n`);
        return 2;
    }
    if (argv.includes("--help") || argv.includes("-h")) {
        say(USAGE[command]);
        return 0;
    }
    let args: BackupArgs | RestoreArgs;
    try {
        args = parseArgs(command, argv.slice(1));
    } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        process.stderr.write(`${command}: ${error.message}\n${USAGE[command]}\n`);
        return 2;
    }
    try {
        await (args.command === "backup" ? backup(args) : restore(args));
        return 0;
    } catch (error) {
        process.stderr.write(`${command}: ${error instanceof Refusal ? error.message : (error as Error).stack ?? String(error)}\n`);
        return 1;
    }
}

void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
