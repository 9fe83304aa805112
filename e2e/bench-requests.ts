/**
 * What the service's users see during each day-two change, before and after the pods' drain
 * settings (core/drain.ts), on the test cluster's real node (npm run bench:requests
 * [-- --before REV] [-- --only before|after]): requests every 50 ms on new connections through
 * the load balancer and through the Service's cluster IP, for the whole of each change, counted
 * as sent, failed (no answer or a 5xx) and the longest gap between two answers.
 *
 * "Before" is the product as it was at REV (default: the commit before the pods got their
 * preStop sleep), its files laid over a copy of this tree; "after" is this tree. Both run the
 * same changes in the same order on the same cluster, on the expandable class (so the storage
 * size change grows the claims): image, the liveness ConfigMap's text, the container's
 * resources, scale down and up, storage size, every pod evicted in turn, and last the article's
 * demo, every pod deleted at once, which goes down by design.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { type DayTwoChange, deleteEveryPod, evictEachPod, imageChange, livenessConfigChange, resourcesChange, scaleDown, scaleUp, settled, storageSizeChange, uncordon } from "./day-two";
import { requestTargets, whileRequesting } from "./app-requests";
import { type RequestFigures } from "./requests";
import { devStackWorkspace, ROOT, tearDown, type Workspace } from "./workspace";

const CHANGES: readonly DayTwoChange[] = [imageChange, livenessConfigChange, resourcesChange, scaleDown, scaleUp, storageSizeChange, evictEachPod, deleteEveryPod];
/** What a stack run reads of the product: laid over the copy for the "before" side. */
const PRODUCT = ["index.ts", "Pulumi.yaml", "components", "core", "environments", "stack", "policy"];

const git = (...args: string[]) => execFileSync("git", ["-C", ROOT, ...args], { encoding: "utf8" }).trim();

/** The commit before the one that gave the pods their preStop sleep, or HEAD while it is not committed. */
function defaultBefore(): string {
    const first = git("log", "--reverse", "--format=%H", "-S", "stopLifecycle", "--", "components/nginx.ts").split("\n")[0];
    return first ? `${first}^` : "HEAD";
}

/** Lays the product files of `revision` over the workspace's copy. */
function checkOut(ws: Workspace, revision: string): void {
    const archive = path.join(ws.dir, ".tmp", "before.tar");
    execFileSync("git", ["-C", ROOT, "archive", "--output", archive, revision, ...PRODUCT]);
    execFileSync("tar", ["-xf", archive, "-C", ws.dir]);
    fs.rmSync(archive);
}

interface Row {
    readonly change: string;
    readonly side: string;
    readonly seconds: number;
    readonly figures: Map<string, RequestFigures>;
}

async function side(name: string, revision: string | undefined): Promise<Row[]> {
    const ws = await devStackWorkspace(`sticky-bench-requests-${name}-`, { config: { "sticky:storageClassName": "hostpath-expandable" }, leftovers: uncordon });
    const rows: Row[] = [];
    try {
        if (revision) checkOut(ws, revision);
        ws.up();
        await settled(ws, "sticky-0..2 ready and behind the Service");
        const targets = requestTargets(ws);
        for (const change of CHANGES) {
            process.stderr.write(`${name}: ${change.name}...`);
            const { seconds, figures } = await whileRequesting(targets, () => change.run(ws));
            const shown = [...figures].map(([target, f]) => `${target} ${f.failed}/${f.sent} failed, gap ${(f.longestGapMs / 1000).toFixed(2)} s${f.failed ? ` (${f.failures})` : ""}`);
            process.stderr.write(` ${seconds.toFixed(0)} s; ${shown.join("; ")}\n`);
            rows.push({ change: change.name, side: name, seconds, figures });
        }
    } finally {
        await tearDown(ws, uncordon);
    }
    return rows;
}

async function main(): Promise<void> {
    const option = (name: string) => {
        const i = process.argv.indexOf(`--${name}`);
        return i >= 0 ? process.argv[i + 1] : undefined;
    };
    const before = option("before") ?? defaultBefore();
    const only = option("only");
    const beforeLabel = `before (${git("rev-parse", "--short", before)})`;
    const rows: Row[] = [];
    if (only !== "after") rows.push(...(await side("before", before)));
    if (only !== "before") rows.push(...(await side("after", undefined)));

    const cell = (f: RequestFigures | undefined) => (f ? `${f.sent} / ${f.failed} / ${(f.longestGapMs / 1000).toFixed(1)} s` : "");
    console.log(`Requests during each change, every 50 ms on new connections, test cluster (one node), ${new Date().toISOString().slice(0, 10)}`);
    console.log("sent / failed / longest gap between two answers; \"after\" is this tree, \"before\" its product files at the commit named");
    console.log("");
    console.log("| change | side | load balancer | cluster IP | change took | failures |");
    console.log("|---|---|---|---|---|---|");
    for (const change of CHANGES) {
        for (const row of rows.filter((r) => r.change === change.name)) {
            const failures = [...row.figures].filter(([, f]) => f.failed > 0).map(([target, f]) => `${target}: ${f.failures}`).join("; ");
            const label = row.side === "before" ? beforeLabel : "after";
            console.log(`| ${change.name} | ${label} | ${cell(row.figures.get("load balancer"))} | ${cell(row.figures.get("cluster IP"))} | ${row.seconds.toFixed(0)} s | ${failures || "none"} |`);
        }
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
