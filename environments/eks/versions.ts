/**
 * The EKS version window: when each version leaves standard support, and what that means on a
 * given day. Pure, no clock: the caller passes "today". Under `supportType: STANDARD` EKS
 * upgrades the control plane by itself at that date, so a stack moves before it.
 */

/** A calendar date, `YYYY-MM-DD`, read as UTC (EKS bills and retires versions by UTC days). */
export type CalendarDate = string;

export interface VersionSupport {
    /** The day the version became available on EKS. */
    readonly eksRelease: CalendarDate;
    /** The first day out of standard support (00:00 UTC): extended support, or under STANDARD an upgrade. */
    readonly endOfStandardSupport: CalendarDate;
    /** True while AWS gives only a month for the end (the date is then EKS release + 14 months). */
    readonly approximate: boolean;
    /** Where the dates were read, and when. */
    readonly source: string;
}

/**
 * The EKS release calendar, read 2026-12-02 (each row's `source`); 1.37 had no EKS release
 * then (aws/containers-roadmap#2864). `npm run release-pins` compares it with
 * `aws eks describe-cluster-versions`.
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

/** For messages: `1.35 (standard support until 2027-03-27), 1.36 (until about 2027-08-02)`. */
export function allowedVersionsShown(candidates: readonly string[], today: CalendarDate): string {
    const open = candidates.flatMap((version) => {
        const status = supportStatus(version, today);
        return status.state === "supported" || status.state === "ending" ? [{ version, support: status.support }] : [];
    });
    if (open.length === 0) return "none: every version with pins has left standard support; add the next version's row";
    return open.map(({ version, support }, i) => `${version} (${i === 0 ? "standard support " : ""}until ${endShown(support)})`).join(", ");
}

/** The next minor version: where to move, and what EKS upgrades to at the end of support. */
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
