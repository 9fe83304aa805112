/**
 * The file backup on real containers (docs/backup-and-restore.md): the dev stack deployed by the
 * real engine, a distinct set of files written into each pod, `npm run backup`, then everything a
 * "Reset Kubernetes Cluster" loses is deleted (the stack's state, its objects, the claims, their
 * volumes and the volumes' directories), a fresh stack deployed on new, empty claims, and
 * `npm run restore`: every file is back, with its bytes and mode, owned by the pods' user, and
 * served through the load balancer on 127.0.0.1:3333. Then the refusals: a restore into claims
 * that hold data is refused without --force and changes nothing; a tampered archive is refused
 * even with --force and changes nothing; and --force on the intact backup replaces what the
 * claims hold with exactly the backup's files.
 *
 * The CLI runs as a user runs it (`npm run backup`, `npm run restore`, which build first), in the
 * workspace (a copy of the project) against its own state backend. The steps depend on each other
 * and run in order; mocha's --bail stops at the first failure.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { APP_NAME, claimName, DATA_PATH, podName } from "../components/sticky-app-contract";
import { APP_USER_ID } from "../components/pod-security";
import { LB_HOST, LB_PORT, sample } from "./app-requests";
import { appPods, appServing } from "./app-state";
import { httpGet, showTally, tally } from "./requests";
import { devStackWorkspace, type Result, ROOT, say, tearDown, TEST_CONTEXT, waitFor, Workspace } from "./workspace";

const ORDINALS = [0, 1, 2];
const PODS = ORDINALS.map((o) => podName(APP_NAME, o));
const CLAIMS = ORDINALS.map((o) => claimName(APP_NAME, o));
const STACK = "dev";
const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/**
 * What each pod gets: its own page, a file with spaces and accents in a sub-directory, a private
 * file, and random bytes to time: 64 MiB in sticky-0 (a rate a fixed cost per exec does not
 * hide), 4 MiB in the others.
 */
function filesFor(ordinal: number, nonce: string): Record<string, { content: Buffer; mode: string }> {
    return {
        "index.html": { content: Buffer.from(`backup of ${podName(APP_NAME, ordinal)} ${nonce}`), mode: "644" },
        "notes dir/ünïcödé näme ✓.txt": { content: Buffer.from(`unicode in ${podName(APP_NAME, ordinal)}\n`), mode: "644" },
        "private.txt": { content: Buffer.from(`only the pod's user reads this (${ordinal})\n`), mode: "600" },
        "blob.bin": { content: randomBytes((ordinal === 0 ? 64 : 4) * 1024 * 1024), mode: "644" },
    };
}

/** The umask that makes `cat >` create a file with each mode (the image has no chmod). */
const UMASK: Record<string, string> = { "644": "022", "600": "077" };

/** Writes a file into a pod's claim through `kubectl exec -i` (the bytes on stdin), with its mode. */
function writeInto(ws: Workspace, pod: string, name: string, content: Buffer, mode: string): void {
    const script = 'umask "$3"; f="$1/$2"; mkdir -p "${f%/*}" && cat > "$f"';
    const args = ["--context", TEST_CONTEXT, "exec", "-i", pod, "--", "sh", "-c", script, "sh", DATA_PATH, name, UMASK[mode]];
    const result = spawnSync("kubectl", args, { cwd: ws.dir, env: ws.env, input: content, encoding: "utf8", timeout: 60_000 });
    assert.strictEqual(result.status, 0, `writing ${name} into ${pod}: ${result.error ?? result.stderr}`);
}

/** A GET of `urlPath` from one pod's own address. */
function getFrom(ip: string, urlPath: string): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve) => {
        const request = http.get({ host: ip, port: 80, path: urlPath, agent: false, timeout: 5000 }, (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
        });
        request.on("timeout", () => request.destroy(new Error("timeout")));
        request.on("error", () => resolve({ status: 0, body: Buffer.alloc(0) }));
    });
}

const urlOf = (name: string) => `/${name.split("/").map(encodeURIComponent).join("/")}`;

/** `ls -ln` of a file in a pod: mode letters and owner uid. */
function lsOf(ws: Workspace, pod: string, name: string): { mode: string; uid: number } {
    const line = ws.kubectl("exec", pod, "--", "ls", "-ln", `${DATA_PATH}/${name}`).stdout.trim();
    const [mode, , uid] = line.split(/\s+/);
    return { mode, uid: Number(uid) };
}

const MODE_LETTERS: Record<string, string> = { "644": "-rw-r--r--", "600": "-rw-------" };

/** Each pod serves its own files, byte for byte (HTTP from the pod's own address), with their modes and the pods' user as owner. */
async function expectFilesServed(ws: Workspace, files: Map<string, Record<string, { content: Buffer; mode: string }>>): Promise<void> {
    for (const pod of appPods(ws)) {
        for (const [name, file] of Object.entries(files.get(pod.name)!)) {
            const answer = await getFrom(pod.ip, urlOf(name));
            assert.strictEqual(answer.status, 200, `${pod.name} serves ${name}`);
            assert.strictEqual(sha256(answer.body), sha256(file.content), `${pod.name}'s ${name} has the bytes written`);
            assert.deepStrictEqual(lsOf(ws, pod.name, name), { mode: MODE_LETTERS[file.mode], uid: APP_USER_ID }, `${pod.name}'s ${name}: mode and owner`);
        }
    }
}

/** Through the load balancer: every pod's page, and nothing else (no 403 from an empty claim). */
async function expectAllPagesThroughTheService(pages: string[]): Promise<void> {
    const answers = await sample(30);
    const counts = tally(answers);
    say(`30 requests to http://${LB_HOST}:${LB_PORT}/ -> ${showTally(counts)}`);
    for (const page of pages) assert.ok((counts.get(`200 ${page}`) ?? 0) > 0, `"${page}" is served through the load balancer: ${showTally(counts)}`);
    assert.strictEqual([...counts.values()].reduce((a, b) => a + b, 0), pages.reduce((n, page) => n + (counts.get(`200 ${page}`) ?? 0), 0), `every answer is one of the pages: ${showTally(counts)}`);
}

/** The restore's "[i/3] claim ... ; 1.2 s" lines, as claim -> seconds. */
function secondsPerClaim(output: string): Map<string, number> {
    return new Map([...output.matchAll(/\] (sticky-data-sticky-\d+) .*; ([0-9.]+) s$/gm)].map((m) => [m[1], Number(m[2])]));
}

describe("file backup and restore on real containers (npm run backup, npm run restore)", function () {
    let ws: Workspace;
    let backupDir: string;
    const nonce = randomBytes(4).toString("hex");
    const files = new Map(PODS.map((pod, i) => [pod, filesFor(i, nonce)]));
    const pages = PODS.map((pod) => files.get(pod)!["index.html"].content.toString());
    let volumesBefore: { name: string; dir: string; uid: string }[] = [];

    /** `npm run backup`/`restore` (or the built CLI, `node bin/tools/backup/cli.js`, once it is built) in the workspace. */
    const cli = (how: "npm" | "node", command: "backup" | "restore", ...args: string[]): Result =>
        how === "npm" ? ws.run("npm", ["run", "--silent", command, "--", ...args]) : ws.run("node", ["bin/tools/backup/cli.js", command, ...args]);

    before(async () => {
        ws = await devStackWorkspace("sticky-e2e-backup-");
        backupDir = path.join(ws.dir, "backups", "dev-1");
    });
    after(async () => tearDown(ws));

    it("1. the dev stack deployed, and distinct files written into each pod (a page, a unicode name in a sub-directory, a private file, 64 or 4 MiB)", async () => {
        const up = ws.up();
        say(`pulumi up --stack dev: ${up.seconds.toFixed(1)} s`);
        await waitFor("sticky-0..2 Ready and behind the Service", 300, () => appServing(ws));
        for (const pod of PODS) for (const [name, file] of Object.entries(files.get(pod)!)) writeInto(ws, pod, name, file.content, file.mode);
        await expectFilesServed(ws, files);
        await expectAllPagesThroughTheService(pages);
        volumesBefore = CLAIMS.map((claim) => {
            const pvc = ws.get("pvc", claim);
            return { name: pvc.spec.volumeName, uid: pvc.metadata.uid, dir: ws.get("pv", pvc.spec.volumeName).spec.hostPath.path };
        });
    });

    it("2. npm run backup writes one archive per claim and a manifest whose checksums are those of the files written", () => {
        const result = cli("npm", "backup", "--stack", STACK, "--to", backupDir);
        assert.strictEqual(result.status, 0, `npm run backup failed:\n${result.stdout}\n${result.stderr}`);
        for (const line of result.stdout.trim().split("\n")) say(line);
        say(`npm run backup (build included): ${result.seconds.toFixed(1)} s`);
        const manifest = JSON.parse(fs.readFileSync(path.join(backupDir, "manifest.json"), "utf8"));
        assert.strictEqual(manifest.stack, STACK);
        assert.deepStrictEqual(manifest.claims.map((c: any) => [c.ordinal, c.claim, c.pod, c.storageClassName, c.capacity]), ORDINALS.map((o) => [o, CLAIMS[o], PODS[o], "hostpath", "1Gi"]));
        for (const record of manifest.claims) {
            const written = files.get(record.pod)!;
            const recorded = new Map((record.entries as any[]).filter((e) => e.type === "file").map((e) => [e.path, e]));
            assert.deepStrictEqual([...recorded.keys()].sort(), Object.keys(written).sort(), `${record.claim}: the files written, and no other`);
            for (const [name, file] of Object.entries(written)) {
                assert.strictEqual(recorded.get(name).sha256, sha256(file.content), `${record.claim} ${name}: sha256`);
                assert.strictEqual(recorded.get(name).mode, parseInt(file.mode, 8), `${record.claim} ${name}: mode`);
            }
            const archive = fs.readFileSync(path.join(backupDir, record.archive));
            assert.deepStrictEqual([archive.length, sha256(archive)], [record.archiveBytes, record.archiveSha256], `${record.archive}: size and sha256`);
            assert.strictEqual(record.fileCount, 4);
            say(`figure: ${record.claim}: ${record.bytes} bytes in ${record.fileCount} files, archive ${record.archiveBytes} bytes, ${record.seconds} s (${(record.bytes / 1048576 / record.seconds).toFixed(1)} MiB/s)`);
        }
    });

    it('3. what "Reset Kubernetes Cluster" loses is gone: the stack (destroyed and removed), its claims, their volumes and the volumes\' directories', async () => {
        ws.pulumi("destroy", "--yes", "--skip-preview", "--stack", STACK);
        // `stack rm` deletes the stack's file too; the fresh stack starts from the committed one.
        ws.pulumi("stack", "rm", STACK, "--yes");
        fs.copyFileSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), path.join(ws.dir, `Pulumi.${STACK}.yaml`));
        // destroy keeps the claims (Retain); a reset cluster has none. The hostpath class deletes a released volume and its directory.
        ws.kubectl("delete", "pvc", ...CLAIMS, "--wait=false");
        await waitFor("the claims, their volumes and directories gone", 120, () => {
            const claimsLeft = (ws.get("pvc", "-l", "app=sticky").items as any[]).length;
            const volumesLeft = (ws.get("pv").items as any[]).filter((pv) => volumesBefore.some((v) => v.name === pv.metadata.name)).length;
            const dirsLeft = volumesBefore.filter((v) => fs.existsSync(v.dir)).length;
            return claimsLeft + volumesLeft + dirsLeft === 0 ? true : undefined;
        });
        say(`deleted: ${CLAIMS.join(", ")}, volumes ${volumesBefore.map((v) => v.name).join(", ")} and their directories`);
    });

    it("4. a fresh stack comes up on new, empty claims: every pod answers 403", async () => {
        ws.initDevStack();
        const up = ws.up();
        say(`pulumi up of a new dev stack: ${up.seconds.toFixed(1)} s`);
        await waitFor("sticky-0..2 Ready and behind the Service", 300, () => appServing(ws));
        for (const [i, claim] of CLAIMS.entries()) assert.notStrictEqual(ws.get("pvc", claim).metadata.uid, volumesBefore[i].uid, `${claim} is a new claim`);
        for (const pod of appPods(ws)) assert.strictEqual((await httpGet(pod.ip, 80)).status, 403, `${pod.name} serves an empty claim`);
    });

    it("5. npm run restore puts every file back (bytes, mode, the pods' user as owner), each claim read back, all served through the load balancer", async () => {
        const result = cli("npm", "restore", "--stack", STACK, "--from", backupDir);
        assert.strictEqual(result.status, 0, `npm run restore failed:\n${result.stdout}\n${result.stderr}`);
        for (const line of result.stdout.trim().split("\n")) say(line);
        say(`npm run restore (build included): ${result.seconds.toFixed(1)} s`);
        const perClaim = secondsPerClaim(result.stdout);
        assert.deepStrictEqual([...perClaim.keys()], CLAIMS, "a progress line per claim, in order");
        for (const [claim, seconds] of perClaim) say(`figure: ${claim}: restored and read back in ${seconds} s`);
        assert.match(result.stdout, /read back identical/);
        await expectFilesServed(ws, files);
        await expectAllPagesThroughTheService(pages);
    });

    it("6. into claims that hold data, without --force: refused, naming each claim, and nothing changes", async () => {
        // Changed since the backup: sticky-0's page, and a new file in sticky-1.
        writeInto(ws, PODS[0], "index.html", Buffer.from(`changed after the restore ${nonce}`), "644");
        writeInto(ws, PODS[1], "new since the backup.txt", Buffer.from("keep me"), "644");
        const result = cli("node", "restore", "--stack", STACK, "--from", backupDir);
        say(result.stderr.trim().split("\n").join("\n      "));
        assert.strictEqual(result.status, 1, result.stdout);
        assert.match(result.stderr, /restore refused, nothing was written/);
        for (const claim of CLAIMS) assert.match(result.stderr, new RegExp(`${claim} is not empty \\(.*\\): nothing was overwritten. Pass --force`));
        const pods = appPods(ws);
        assert.strictEqual((await getFrom(pods[0].ip, "/")).body.toString(), `changed after the restore ${nonce}`, "sticky-0 keeps its changed page");
        assert.strictEqual((await getFrom(pods[1].ip, urlOf("new since the backup.txt"))).body.toString(), "keep me", "sticky-1 keeps its new file");
    });

    it("7. a tampered archive: refused even with --force, naming the archive, and nothing changes", async () => {
        const tampered = path.join(ws.dir, "backups", "tampered");
        fs.cpSync(backupDir, tampered, { recursive: true });
        const archive = path.join(tampered, `${CLAIMS[2]}.tar`);
        const bytes = fs.readFileSync(archive);
        const at = bytes.indexOf(Buffer.from("backup of sticky-2"));
        assert.ok(at > 0, "the page is in the archive");
        bytes[at] = "B".charCodeAt(0);
        fs.writeFileSync(archive, bytes);
        const result = cli("node", "restore", "--stack", STACK, "--from", tampered, "--force");
        say(result.stderr.trim().split("\n").join("\n      "));
        assert.strictEqual(result.status, 1, result.stdout);
        assert.match(result.stderr, /does not match its manifest, nothing was written/);
        assert.match(result.stderr, new RegExp(`${CLAIMS[2]}.tar \\(${CLAIMS[2]}\\): sha256 .*the manifest says`));
        assert.match(result.stderr, /"index.html" differs/);
        const pods = appPods(ws);
        assert.strictEqual((await getFrom(pods[0].ip, "/")).body.toString(), `changed after the restore ${nonce}`, "sticky-0 keeps its changed page");
        assert.strictEqual((await getFrom(pods[2].ip, "/")).body.toString(), pages[2], "sticky-2 keeps its page");
    });

    it("8. --force on the intact backup: each claim holds exactly the backup's files again", async () => {
        const result = cli("node", "restore", "--stack", STACK, "--from", backupDir, "--force");
        assert.strictEqual(result.status, 0, `${result.stdout}\n${result.stderr}`);
        say(result.stdout.trim().split("\n")[1]);
        await expectFilesServed(ws, files);
        const pods = appPods(ws);
        assert.strictEqual((await getFrom(pods[1].ip, urlOf("new since the backup.txt"))).status, 404, "the file added since the backup is gone");
        await expectAllPagesThroughTheService(pages);
    });
});
