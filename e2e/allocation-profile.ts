/**
 * Preloaded into the Node.js processes of one benchmarked Pulumi command (`NODE_OPTIONS=--require
 * .../allocation-profile.js`, set by bench-scale.ts's diagnostic pass only) when
 * STICKY_ALLOCATION_FILE names a file: the program process (the language host's `cmd/run`) runs
 * under V8's sampling heap profiler, counting what is collected too, and on exit appends one JSON
 * line: everything it allocated over its life by package and by function ({@link summarize}),
 * and its live heap then. The peak resident memory of a short program is mostly garbage not yet
 * collected, so what a program allocates, not what it keeps, is what tells two programs' peaks
 * apart. Nothing in the program reads it; without the variable it does nothing.
 */
import * as fs from "fs";
import * as inspector from "inspector";
import { packageOf } from "./peak-memory";

/** A node of the sampling heap profiler's call tree (the DevTools protocol's SamplingHeapProfileNode), as far as read here. */
export interface ProfileNode {
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    /** Bytes allocated by this function itself at this place in the tree (sampled, scaled to the whole). */
    readonly selfSize: number;
    readonly children: readonly ProfileNode[];
}

/** What a program allocated, in MB: the total, and the biggest shares by package and by function (`name file:line`). */
export interface AllocationSummary {
    readonly allocatedMB: number;
    readonly byPackage: Record<string, number>;
    readonly byFunction: Record<string, number>;
}

const MB = 1024 * 1024;

/**
 * The tree's allocations summed by the package of the allocating function (packageOf: the path
 * after the last node_modules/, "program" for the program's own files; a frame without a file is
 * "(native)", Node's own modules "node:") and by function, each with its `top` biggest entries.
 */
export function summarize(head: ProfileNode, top = 15): AllocationSummary {
    const byPackage = new Map<string, number>();
    const byFunction = new Map<string, number>();
    let total = 0;
    const add = (map: Map<string, number>, key: string, bytes: number) => map.set(key, (map.get(key) ?? 0) + bytes);
    const pending: ProfileNode[] = [head];
    while (pending.length > 0) {
        const node = pending.pop()!;
        const { functionName, url, lineNumber } = node.callFrame;
        if (node.selfSize > 0) {
            total += node.selfSize;
            const file = url.replace(/^file:\/\//, "");
            add(byPackage, file === "" ? "(native)" : file.startsWith("node:") ? "node:" : packageOf(file), node.selfSize);
            const shortFile = file.split(/[/\\]node_modules[/\\]/).pop()!.split(/[/\\]/).slice(-2).join("/");
            add(byFunction, `${functionName || "(anonymous)"}${file === "" ? "" : ` ${shortFile}:${lineNumber + 1}`}`, node.selfSize);
        }
        pending.push(...node.children);
    }
    const biggest = (map: Map<string, number>) =>
        Object.fromEntries([...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([key, bytes]) => [key, Math.round((bytes / MB) * 100) / 100]));
    return { allocatedMB: Math.round((total / MB) * 100) / 100, byPackage: biggest(byPackage), byFunction: biggest(byFunction) };
}

const file = process.env.STICKY_ALLOCATION_FILE;
// Only the program: the language host starts it as `node .../@pulumi/pulumi/cmd/run ...`.
if (file !== undefined && file !== "" && process.argv.some((a) => /cmd[/\\]run([/\\]index(\.js)?)?$/.test(a))) {
    const session = new inspector.Session();
    session.connect();
    // One sample per 16 KiB allocated on average; objects a GC has taken are counted too.
    session.post("HeapProfiler.startSampling", { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    process.on("exit", () => {
        // A session in the process itself answers synchronously, so this runs before the exit.
        session.post("HeapProfiler.stopSampling", (error, result) => {
            const entry = error
                ? { error: String(error) }
                : { ...summarize(result.profile.head as ProfileNode), heapUsedMB: Math.round((process.memoryUsage().heapUsed / MB) * 100) / 100, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) };
            fs.appendFileSync(file, `${JSON.stringify(entry)}\n`);
        });
    });
}
