/**
 * `npm run release-pins`: checks the snapshot-controller pins (environments/eks/addon-versions.ts)
 * and the version window (versions.ts) against what AWS offers today, with the AWS CLI
 * (credentials with eks:DescribeAddonVersions and eks:DescribeClusterVersions; the region from
 * AWS_REGION or the CLI's config). It changes nothing. Everything else the cluster runs, Auto
 * Mode keeps current itself.
 *
 *   npm run release-pins                 # every row; exit 1 when a pin is not offered
 *
 * Per row and add-on: the pinned build must be listed by `aws eks describe-addon-versions
 * --kubernetes-version <row>` with a compatibility for that version; a different AWS default
 * is reported, not failed (moving is a reviewed pull request). Per calendar row:
 * `aws eks describe-cluster-versions` must give the same end of standard support (an
 * approximate one is reported when AWS has fixed it), and a version EKS offers that has no row
 * is reported. Run it before the first `pulumi up --stack prod`, before moving
 * sticky:kubernetesVersion, and when you want newer builds.
 *
 * The comparisons are pure functions of the CLI's JSON answers (exported for the tests, which
 * feed them answers in the CLI's shape); only `main` runs the CLI.
 */
import { spawnSync } from "child_process";
import { SNAPSHOT_CONTROLLER_PINS, type SnapshotControllerPin } from "../environments/eks/addon-versions";
import { compareVersions, EKS_VERSION_SUPPORT, type VersionSupport } from "../environments/eks/versions";

/** One line of the report. `fail`: the pin is wrong for AWS; `note`: something to review. */
export interface Finding {
    readonly level: "ok" | "note" | "fail";
    readonly subject: string;
    readonly message: string;
}

/** `aws eks describe-addon-versions --kubernetes-version V --addon-name A --output json`, as far as read here. */
export interface AddonVersionsAnswer {
    readonly addons: {
        readonly addonName: string;
        readonly addonVersions: {
            readonly addonVersion: string;
            readonly compatibilities: { readonly clusterVersion: string; readonly defaultVersion: boolean }[];
        }[];
    }[];
}

/** `vX.Y.Z-eksbuild.N` as numbers, for ordering builds. */
function buildNumbers(version: string): number[] {
    return (version.match(/\d+/g) ?? []).map(Number);
}

function compareBuilds(a: string, b: string): number {
    const x = buildNumbers(a);
    const y = buildNumbers(b);
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
        const d = (x[i] ?? 0) - (y[i] ?? 0);
        if (d !== 0) return d;
    }
    return 0;
}

/** Whether AWS offers `pinned` of `addon` for Kubernetes `version`, and what it would default to. */
export function checkAddonPin(version: string, addon: string, pinned: string, answer: AddonVersionsAnswer): Finding {
    const subject = `${version} ${addon} ${pinned}`;
    const builds = answer.addons.find((a) => a.addonName === addon)?.addonVersions ?? [];
    const compatible = builds.filter((b) => b.compatibilities.some((c) => c.clusterVersion === version));
    const defaultBuild = compatible.find((b) => b.compatibilities.some((c) => c.clusterVersion === version && c.defaultVersion))?.addonVersion;
    const newest = [...compatible].sort((a, b) => compareBuilds(b.addonVersion, a.addonVersion))[0]?.addonVersion;
    const pinnedBuild = builds.find((b) => b.addonVersion === pinned);
    if (pinnedBuild === undefined) {
        return { level: "fail", subject, message: `not offered by EKS for ${version} (CreateAddon would fail); AWS default: ${defaultBuild ?? "none"}, newest: ${newest ?? "none"}` };
    }
    if (!compatible.includes(pinnedBuild)) {
        const versions = pinnedBuild.compatibilities.map((c) => c.clusterVersion).join(", ") || "none";
        return { level: "fail", subject, message: `listed, but compatible only with Kubernetes ${versions}; AWS default for ${version}: ${defaultBuild ?? "none"}` };
    }
    if (defaultBuild !== undefined && defaultBuild !== pinned) {
        const direction = compareBuilds(defaultBuild, pinned) > 0 ? "newer" : "older";
        return { level: "note", subject, message: `compatible; AWS's default is ${direction}: ${defaultBuild} (newest ${newest})` };
    }
    return { level: "ok", subject, message: newest !== undefined && newest !== pinned ? `compatible, AWS's default (newest ${newest})` : "compatible, AWS's default" };
}

/** `aws eks describe-cluster-versions --output json`, as far as read here. */
export interface ClusterVersionsAnswer {
    readonly clusterVersions: { readonly clusterVersion: string; readonly endOfStandardSupportDate?: string; readonly status?: string }[];
}

/** The calendar in versions.ts against the one EKS holds. */
export function checkCalendar(calendar: Record<string, VersionSupport>, answer: ClusterVersionsAnswer): Finding[] {
    const findings: Finding[] = [];
    // EKS answers with a timestamp in the account's view (2027-03-26T17:00:00-07:00 is 2027-03-27 UTC).
    const utcDay = (timestamp: string) => new Date(timestamp).toISOString().slice(0, 10);
    for (const [version, support] of Object.entries(calendar)) {
        const live = answer.clusterVersions.find((v) => v.clusterVersion === version);
        const subject = `${version} end of standard support ${support.endOfStandardSupport}${support.approximate ? " (approximate)" : ""}`;
        if (live?.endOfStandardSupportDate === undefined) {
            findings.push({ level: "note", subject, message: "EKS lists no such version (any more): remove its row once no stack runs it" });
            continue;
        }
        const day = utcDay(live.endOfStandardSupportDate);
        if (day !== support.endOfStandardSupport) findings.push({ level: "fail", subject, message: `EKS says ${day}: correct versions.ts` });
        else if (support.approximate) findings.push({ level: "note", subject, message: "EKS confirms the day: mark it exact in versions.ts" });
        else findings.push({ level: "ok", subject, message: "as EKS says" });
    }
    for (const live of answer.clusterVersions) {
        if (!(live.clusterVersion in calendar) && compareVersions(live.clusterVersion, Object.keys(calendar).sort(compareVersions).at(-1) ?? "0.0") > 0) {
            findings.push({ level: "note", subject: `${live.clusterVersion} (${live.status ?? "offered"})`, message: "EKS offers it and this project has no row for it: add its dates and pins to move to it" });
        }
    }
    return findings;
}

/** The report, one line per finding, and the exit status: 1 when anything failed. */
export function report(findings: readonly Finding[]): { text: string; status: number } {
    const lines = findings.map((f) => `${f.level.padEnd(4)}  ${f.subject.padEnd(48)}  ${f.message}`);
    const failed = findings.filter((f) => f.level === "fail").length;
    const summary = failed > 0 ? `${failed} pin(s) wrong for AWS: fix environments/eks/addon-versions.ts or versions.ts` : "every pin is offered by AWS";
    return { text: `${lines.join("\n")}\n${summary}\n`, status: failed > 0 ? 1 : 0 };
}

/** Every check, with `aws` answering through `run` (the real CLI in main, a stand-in in tests). */
export function checkAll(run: (args: string[]) => { status: number; stdout: string }, pins: Record<string, SnapshotControllerPin> = SNAPSHOT_CONTROLLER_PINS): Finding[] {
    const json = <T>(args: string[]): T => {
        const result = run([...args, "--output", "json"]);
        if (result.status !== 0) throw new Error(`aws ${args.join(" ")} failed (exit ${result.status})`);
        return JSON.parse(result.stdout) as T;
    };
    const findings: Finding[] = [];
    for (const [version, row] of Object.entries(pins)) {
        const answer = json<AddonVersionsAnswer>(["eks", "describe-addon-versions", "--kubernetes-version", version, "--addon-name", "snapshot-controller"]);
        findings.push(checkAddonPin(version, "snapshot-controller", row.version, answer));
    }
    findings.push(...checkCalendar(EKS_VERSION_SUPPORT, json<ClusterVersionsAnswer>(["eks", "describe-cluster-versions"])));
    return findings;
}

function main(): void {
    const run = (args: string[]) => {
        const result = spawnSync("aws", args, { encoding: "utf8" });
        if (result.error) {
            process.stderr.write(`release-pins: cannot run the AWS CLI (${result.error.message}); install it and set credentials\n`);
            process.exit(2);
        }
        return { status: result.status ?? 1, stdout: result.stdout };
    };
    const { text, status } = report(checkAll(run));
    process.stdout.write(text);
    process.exit(status);
}

if (require.main === module) main();
