/**
 * The EKS version window (environments/eks/versions.ts) as tables, and what settings.ts makes of
 * it on a given day: refused from the end of standard support, warned about 60 days before.
 * Every date is fixed here; nothing reads the clock.
 */
import * as assert from "assert";
import { allowedVersionsShown, daysBetween, EKS_VERSION_SUPPORT, nextMinor, supportStatus, WARNING_DAYS } from "../environments/eks/versions";
import { versionWindow } from "../tools/eks-version-window";
import { stackConfig } from "../tools/stack-files";
import { parseSettings } from "../stack/settings";
import { ProgramFailed, ROOT, runStack } from "./harness";
import { ConfigProblemsError } from "../core/config-keys";

const eks = { "sticky:environment": "eks", "aws:region": "eu-west-1" };

/** Parses an eks stack on `today`, returning its problems (none: []) and its warnings. */
function onDay(today: string | undefined, config: Record<string, string>): { problems: readonly string[]; warnings: string[] } {
    const warnings: string[] = [];
    try {
        parseSettings((key) => ({ ...eks, ...config })[key], undefined, { today, warn: (m) => warnings.push(m) });
        return { problems: [], warnings };
    } catch (error) {
        assert.ok(error instanceof ConfigProblemsError, `expected a ConfigProblemsError, got ${error}`);
        return { problems: error.problems, warnings };
    }
}

describe("EKS version window", () => {
    it("counts whole UTC days and refuses what is not a date", () => {
        const table: [string, string, number][] = [
            ["2026-12-02", "2026-12-02", 0],
            ["2026-12-01", "2026-12-02", 1],
            ["2026-12-02", "2027-03-27", 115],
            ["2027-03-27", "2026-12-02", -115],
            ["2028-02-28", "2028-03-01", 2], // a leap year
        ];
        for (const [from, to, days] of table) assert.strictEqual(daysBetween(from, to), days, `${from} -> ${to}`);
        for (const bad of ["2026-13-01", "2026-02-30", "02/12/2026", ""]) {
            assert.throws(() => daysBetween(bad, "2026-12-02"), new RegExp(`not a calendar date \\(YYYY-MM-DD\\): ${JSON.stringify(bad)}`), bad);
        }
    });

    it("puts each version in its state on a day: ended from its end date, ending within 60 days", () => {
        const table: [string, string, string, number | undefined][] = [
            ["1.34", "2026-12-01", "ending", 1],
            ["1.34", "2026-12-02", "ended", 0], // extended support is billed from 00:00 UTC of the day
            ["1.34", "2027-01-15", "ended", -44],
            ["1.35", "2026-12-02", "supported", 115],
            ["1.35", "2027-01-26", "ending", WARNING_DAYS], // 60 days left: the first day of warnings
            ["1.35", "2027-01-25", "supported", 61],
            ["1.35", "2027-03-26", "ending", 1],
            ["1.36", "2026-12-02", "supported", 243],
            ["1.29", "2026-12-02", "unknown", undefined],
        ];
        for (const [version, today, state, daysLeft] of table) {
            const status = supportStatus(version, today);
            assert.strictEqual(status.state, state, `${version} on ${today}`);
            if (status.state !== "unknown") assert.strictEqual(status.daysLeft, daysLeft, `${version} on ${today}`);
        }
    });

    it("names the versions still open on a day, with their ends", () => {
        assert.strictEqual(allowedVersionsShown(["1.35", "1.36"], "2026-12-02"), "1.35 (standard support until 2027-03-27), 1.36 (until about 2027-08-02)");
        assert.strictEqual(allowedVersionsShown(["1.35", "1.36"], "2027-04-01"), "1.36 (standard support until about 2027-08-02)");
        assert.match(allowedVersionsShown(["1.35", "1.36"], "2027-09-01"), /^none: every version with pins has left standard support/);
        assert.deepStrictEqual(["1.34", "1.9", "1.36"].map(nextMinor), ["1.35", "1.10", "1.37"]);
    });

    it("has every calendar date well formed, the end 14 months after the EKS release", () => {
        for (const [version, support] of Object.entries(EKS_VERSION_SUPPORT)) {
            const months = daysBetween(support.eksRelease, support.endOfStandardSupport) / 30.44;
            assert.ok(months > 13.5 && months < 14.5, `${version}: ${months.toFixed(1)} months of standard support`);
        }
    });
});

describe("settings: sticky:kubernetesVersion on a given day", () => {
    const table: { name: string; today: string | undefined; version?: string; problems: (string | RegExp)[]; warnings: (string | RegExp)[] }[] = [
        { name: "the default, 115 days before its end: nothing to say", today: "2026-12-02", problems: [], warnings: [] },
        {
            name: "1.34 on the day it leaves standard support: refused, naming the date, the allowed versions and the next step",
            today: "2026-12-02",
            version: "1.34",
            problems: [
                'sticky:kubernetesVersion = "1.34": left EKS standard support on 2026-12-02 (today is 2026-12-02); under support type STANDARD ' +
                    "EKS upgrades a running cluster's control plane to 1.35 by itself, and a new cluster would start in extended support. " +
                    "Allowed today: 1.35 (standard support until 2027-03-27), 1.36 (until about 2027-08-02). A running cluster moves one minor " +
                    "version at a time: set 1.35 (docs/prod-on-eks.md#the-version-window)",
            ],
            warnings: [],
        },
        {
            name: "1.35 within 60 days of its end: deployed, with a warning naming the date and the version to set",
            today: "2027-02-01",
            problems: [],
            warnings: [
                'sticky:kubernetesVersion = "1.35" leaves EKS standard support on 2027-03-27, in 54 days: set 1.36 and deploy before then ' +
                    "(docs/prod-on-eks.md#the-version-window). From that day EKS upgrades this cluster's control plane by itself, " +
                    "and Auto Mode its nodes, leaving the snapshot-controller add-on behind.",
            ],
        },
        { name: "1.35 on its last day: still a warning", today: "2027-03-26", problems: [], warnings: [/in 1 days: set 1\.36/] },
        { name: "1.35 from its end: refused", today: "2027-03-27", problems: [/^sticky:kubernetesVersion = "1.35": left EKS standard support on 2027-03-27 .* Allowed today: 1\.36 \(standard support until about 2027-08-02\)/], warnings: [] },
        { name: "1.36 on an approximate end says so", today: "2027-07-01", version: "1.36", problems: [], warnings: [/leaves EKS standard support on about 2027-08-02, in 32 days: set 1\.37/] },
        {
            name: "without a date only the pins are checked: 1.34 has none",
            today: undefined,
            version: "1.34",
            problems: ['sticky:kubernetesVersion = "1.34": has no snapshot-controller pin in environments/eks/addon-versions.ts; must be one of 1.35, 1.36'],
            warnings: [],
        },
        {
            name: "a version EKS never had on this calendar: the key's own error",
            today: "2026-12-02",
            version: "1.29",
            problems: [
                'sticky:kubernetesVersion = "1.29": must be one of 1.35, 1.36: the EKS versions with a snapshot-controller pin in environments/eks/addon-versions.ts ' +
                    "(add a row there, and its dates to environments/eks/versions.ts, to allow another)",
            ],
            warnings: [],
        },
    ];
    for (const c of table) {
        it(c.name, () => {
            const { problems, warnings } = onDay(c.today, c.version === undefined ? {} : { "sticky:kubernetesVersion": c.version });
            const matches = (actual: readonly string[], expected: (string | RegExp)[]) => {
                assert.strictEqual(actual.length, expected.length, JSON.stringify(actual));
                expected.forEach((e, i) => (typeof e === "string" ? assert.strictEqual(actual[i], e) : assert.match(actual[i], e)));
            };
            matches(problems, c.problems);
            matches(warnings, c.warnings);
        });
    }
});

describe("the drift workflow's version check (tools/eks-version-window.ts) on the committed prod stack", () => {
    const prod = stackConfig(ROOT, "prod");
    const table: [string, number, RegExp][] = [
        ["2026-12-02", 0, /^sticky:kubernetesVersion 1\.35 is in EKS standard support on 2026-12-02$/],
        ["2027-01-25", 0, /is in EKS standard support on 2027-01-25$/],
        ["2027-01-26", 1, /^sticky:kubernetesVersion = "1\.35" leaves EKS standard support on 2027-03-27, in 60 days: set 1\.36/],
        ["2027-03-27", 1, /^sticky:kubernetesVersion = "1\.35": left EKS standard support on 2027-03-27/],
    ];
    for (const [today, status, line] of table) {
        it(`${today}: exit ${status}`, () => {
            const verdict = versionWindow(prod, today);
            assert.strictEqual(verdict.status, status, verdict.lines.join("\n"));
            assert.strictEqual(verdict.lines.length, 1);
            assert.match(verdict.lines[0], line);
        });
    }

    it("has nothing to say about the dev stack", () => {
        assert.deepStrictEqual(versionWindow(stackConfig(ROOT, "dev"), "2030-01-01"), { status: 0, lines: ["not an EKS stack (local): no version window"] });
    });
});

describe("the program on the day a version leaves standard support", () => {
    it("refuses to deploy prod, before registering any resource", async () => {
        const failure = await runStack("prod", {}, { today: "2027-03-27" }).then(
            () => assert.fail("prod on 1.35 deployed on 2027-03-27"),
            (error: unknown) => error,
        );
        assert.ok(failure instanceof ProgramFailed, String(failure));
        assert.match(failure.message, /sticky:kubernetesVersion = "1\.35": left EKS standard support on 2027-03-27 \(today is 2027-03-27\)/);
        assert.deepStrictEqual(failure.resources.filter((r) => !r.type.startsWith("pulumi:")), []);
    });
});
