/**
 * Preloaded into the Node.js processes of a benchmarked Pulumi command (`NODE_OPTIONS=--require
 * .../peak-memory.js`, set by bench-scale.ts only) when STICKY_PEAK_MEMORY_FILE names a file:
 * on exit, each process appends one JSON line with its command line and its peak resident memory
 * (`process.resourceUsage().maxRSS`, KiB). Nothing in the program reads it or changes with it;
 * without the variable it does nothing.
 */
import * as fs from "fs";

const file = process.env.STICKY_PEAK_MEMORY_FILE;
if (file !== undefined && file !== "") {
    process.on("exit", () => {
        fs.appendFileSync(file, `${JSON.stringify({ argv: process.argv.slice(1), maxRssKiB: process.resourceUsage().maxRSS })}\n`);
    });
}
