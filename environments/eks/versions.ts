/**
 * The EKS version window: when each Kubernetes version leaves EKS standard support, and what
 * that means for a stack on a given day. Pure (no Pulumi import, no clock): the caller passes
 * "today", so settings, the drift check and the tests agree on one date.
 *
 * Why it matters with `upgradePolicy.supportType: STANDARD` (cluster.ts): at a version's end of
 * standard support EKS upgrades the control plane to the next version by itself, leaving the
 * managed node groups and the add-ons behind (the next upgrade is then blocked until they
 * match). So a stack must move before the date, not after.
 */

/** A calendar date, `YYYY-MM-DD`, read as UTC (EKS bills and retires versions by UTC days). */
export type CalendarDate = string;

export interface VersionSupport {
    /** The day the version became available on EKS. */
    readonly eksRelease: CalendarDate;
    /**
     * The first day the version is no longer in standard support: from this day (00:00 UTC) EKS
     * bills extended support, or, under STANDARD, upgrades the control plane.
     */
    readonly endOfStandardSupport: CalendarDate;
    /** True while AWS gives only a month for the end (the date is then EKS release + 14 months). */
    readonly approximate: boolean;
    /** Where the dates were read, and when. */
    readonly source: string;
}

/**
 * The EKS release calendar for the versions this project has run or can run. Read 2026-12-02:
 * - 1.34 and 1.35: the Amazon EKS User Guide's release calendar (kubernetes-versions), in the
 *   newest stored copy found, confirmed by endoflife.date's EKS page.
 * - 1.36: EKS release 2026-06-02 from a public write-up of the 1.36 launch (2026-08-16); the guide's
 *   calendar with 1.36 in it was not found, so its end is EKS release + 14 months, approximate.
 * - 1.37 (upstream since 2026-08-26) had no EKS release in any stored source: its request on
 *   aws/containers-roadmap (#2864) was still open. Add it here, with its dates, when EKS has it.
 * `aws eks describe-cluster-versions` prints the dates EKS itself holds (`endOfStandardSupportDate`);
 * tools/eks-release-pins.ts compares them with this table.
 */
export const EKS_VERSION_SUPPORT = {
    "1.34": {
        eksRelease: "2025-10-02",
        endOfStandardSupport: "2026-12-02",
        approximate: false,
        source: "Amazon EKS User Guide, Kubernetes release calendar (read 2026-12-02)",
    },
    "1.35": {
        eksRelease: "2026-01-27",
        endOfStandardSupport: "2027-03-27",
        approximate: false,
        source: "Amazon EKS User Guide, Kubernetes release calendar; endoflife.date/amazon-eks (read 2026-12-02)",
    },
    "1.36": {
        eksRelease: "2026-06-02",
        endOfStandardSupport: "2027-08-02",
        approximate: true,
        source: "EKS release date from a public 1.36 launch write-up (2026-08-16); end = release + 14 months (read 2026-12-02)",
    },
} as const satisfies Record<string, VersionSupport>;

/** Days before the end of standard support from which every run warns (EKS announces ends 60 days ahead). */
export const WARNING_DAYS = 60;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whole days from `from` to `to` (negative when `to` is earlier); throws on a malformed date. */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
    const utc = (date: CalendarDate) => {
        const match = DATE.exec(date);
        const time = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
        if (!match || Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== date) {
            throw new Error(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
        }
        return time;
    };
    return Math.round((utc(to) - utc(from)) / 86_400_000);
}

/** Today's date in UTC, from a clock reading: for the program's edge (index.ts), never for pure code. */
export function calendarDate(now: Date): CalendarDate {
    return now.toISOString().slice(0, 10);
}

/** Where a version stands on a day. */
export type SupportStatus =
    | { readonly state: "unknown" }
    | { readonly state: "supported"; readonly support: VersionSupport; readonly daysLeft: number }
    | { readonly state: "ending"; readonly support: VersionSupport; readonly daysLeft: number }
    | { readonly state: "ended"; readonly support: VersionSupport; readonly daysLeft: number };

/** The status of `version` on `today`: ended on and after its end date, ending within WARNING_DAYS of it. */
export function supportStatus(version: string, today: CalendarDate): SupportStatus {
    const support = (EKS_VERSION_SUPPORT as Record<string, VersionSupport>)[version];
    if (support === undefined) return { state: "unknown" };
    const daysLeft = daysBetween(today, support.endOfStandardSupport);
    if (daysLeft <= 0) return { state: "ended", support, daysLeft };
    if (daysLeft <= WARNING_DAYS) return { state: "ending", support, daysLeft };
    return { state: "supported", support, daysLeft };
}

/** `2027-03-27`, or `about 2027-08-02` for an approximate end. */
export function endShown(support: VersionSupport): string {
    return `${support.approximate ? "about " : ""}${support.endOfStandardSupport}`;
}

/**
 * The versions of `candidates` still in standard support on `today`, each with its end date, for
 * messages: `1.35 (standard support until 2027-03-27), 1.36 (until about 2027-08-02)`.
 */
export function allowedVersionsShown(candidates: readonly string[], today: CalendarDate): string {
    const open = candidates.flatMap((version) => {
        const status = supportStatus(version, today);
        return status.state === "supported" || status.state === "ending" ? [{ version, support: status.support }] : [];
    });
    if (open.length === 0) return "none: every version with pins has left standard support; add the next version's row";
    return open.map(({ version, support }, i) => `${version} (${i === 0 ? "standard support " : ""}until ${endShown(support)})`).join(", ");
}

/**
 * The version to move to from `version`: the next minor version, which is also the one EKS
 * upgrades a control plane to at the end of standard support (EKS moves one minor at a time).
 */
export function nextMinor(version: string): string {
    const [major, minor] = version.split(".").map(Number);
    return `${major}.${minor + 1}`;
}

/** Orders `1.9` before `1.10`; negative when `a` is older. */
export function compareVersions(a: string, b: string): number {
    const [aMajor, aMinor] = a.split(".").map(Number);
    const [bMajor, bMinor] = b.split(".").map(Number);
    return aMajor - bMajor || aMinor - bMinor;
}
