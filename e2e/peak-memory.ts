/**
 * Preloaded into the Node.js processes of a benchmarked Pulumi command (`NODE_OPTIONS=--require
 * .../peak-memory.js`, set by bench-scale.ts only) when STICKY_PEAK_MEMORY_FILE names a file:
 * on exit, each process appends one JSON line with its command line, its peak resident memory
 * (`process.resourceUsage().maxRSS`, KiB), its heap at exit and the modules it loaded, counted
 * by package (`@pulumi/kubernetes`, `typescript`, ...; the program's own files as "program"),
 * so two programs' memory can be told apart by what they load. Nothing in the program reads it
 * or changes with it; without the variable it does nothing.
 */
import * as fs from "fs";

/** The package a loaded file belongs to: the path after its last node_modules/, or "program". */
export function packageOf(file: string): string {
    const parts = file.split(/[/\\]node_modules[/\\]/);
    if (parts.length === 1) return "program";
    const [first, second] = parts[parts.length - 1].split(/[/\\]/);
    return first.startsWith("@") ? `${first}/${second}` : first;
}

const file = process.env.STICKY_PEAK_MEMORY_FILE;
if (file !== undefined && file !== "") {
    process.on("exit", () => {
        const modules: Record<string, number> = {};
        for (const loaded of Object.keys(require.cache)) modules[packageOf(loaded)] = (modules[packageOf(loaded)] ?? 0) + 1;
        const { heapUsed, external } = process.memoryUsage();
        const entry = { argv: process.argv.slice(1), maxRssKiB: process.resourceUsage().maxRSS, heapUsedKiB: Math.round(heapUsed / 1024), externalKiB: Math.round(external / 1024), modules };
        fs.appendFileSync(file, `${JSON.stringify(entry)}\n`);
    });
}
