/**
 * `npm run --silent version-window -- --stack prod`: whether a committed stack's
 * `sticky:kubernetesVersion` is inside the EKS version window today, by the same settings code
 * the program runs (settings.ts with environments/eks/versions.ts), from the committed stack
 * files alone: no AWS, no Pulumi engine. The drift workflow runs it every morning so that a
 * version nearing its end of standard support turns the check red before EKS upgrades the
 * control plane by itself.
 *
 *   npm run --silent version-window -- --stack prod [--today YYYY-MM-DD]
 *
 * Exits 0 inside the window (or for a stack that is not on EKS), 1 within the warning days or
 * past the end (printing the warning or the settings error), 2 on bad arguments.
 */
import * as path from "path";
import { calendarDate } from "../environments/eks/versions";
import { parseSettings } from "../stack/settings";
import { stackConfig } from "./stack-files";
import { ConfigProblemsError } from "../core/config-keys";

const USAGE = "usage: npm run --silent version-window -- --stack NAME [--today YYYY-MM-DD]";

/** The verdict on one stack's config on `today`: exit status and what to print. */
export function versionWindow(config: Record<string, string>, today: string): { status: number; lines: string[] } {
    const warnings: string[] = [];
    try {
        const settings = parseSettings((key) => config[key], undefined, { today, warn: (message) => warnings.push(message) });
        if (settings.environment.kind !== "eks") return { status: 0, lines: [`not an EKS stack (${settings.environment.kind}): no version window`] };
        if (warnings.length > 0) return { status: 1, lines: warnings };
        return { status: 0, lines: [`sticky:kubernetesVersion ${settings.environment.kubernetesVersion} is in EKS standard support on ${today}`] };
    } catch (error) {
        if (error instanceof ConfigProblemsError) return { status: 1, lines: [...error.problems] };
        throw error;
    }
}

function main(argv: string[]): void {
    const options: Record<string, string> = {};
    for (let i = 0; i < argv.length; i += 2) {
        if ((argv[i] !== "--stack" && argv[i] !== "--today") || argv[i + 1] === undefined) {
            process.stderr.write(`version-window: unexpected ${JSON.stringify(argv[i])}\n${USAGE}\n`);
            process.exit(2);
        }
        options[argv[i]] = argv[i + 1];
    }
    if (options["--stack"] === undefined) {
        process.stderr.write(`version-window: --stack is required\n${USAGE}\n`);
        process.exit(2);
    }
    const { status, lines } = versionWindow(stackConfig(path.resolve(__dirname, "..", ".."), options["--stack"]), options["--today"] ?? calendarDate(new Date()));
    (status === 0 ? process.stdout : process.stderr).write(`${lines.join("\n")}\n`);
    process.exit(status);
}

if (require.main === module) main(process.argv.slice(2));
