/**
 * tools/eks-release-pins.ts: its comparisons on AWS CLI answers (tests/fixtures/aws, written
 * in the CLI's shape; see the README there), then the whole check with a stand-in for the CLI.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { SNAPSHOT_CONTROLLER_PINS } from "../environments/eks/addon-versions";
import { EKS_VERSION_SUPPORT } from "../environments/eks/versions";
import { checkAddonPin, checkAll, checkCalendar, report, type AddonVersionsAnswer } from "../tools/eks-release-pins";
import { ROOT } from "./harness";

const answer = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "fixtures", "aws", file), "utf8")) as T;
const coredns = answer<AddonVersionsAnswer>("describe-addon-versions-coredns-1.35.json");

describe("tools/eks-release-pins.ts (the pins against what AWS offers)", () => {
    it("judges an add-on pin by the compatibilities of its Kubernetes version, not by the default alone", () => {
        const table: [string, string, "ok" | "note" | "fail", RegExp][] = [
            ["1.35", "v1.14.2-eksbuild.6", "ok", /^compatible, AWS's default$/],
            ["1.35", "v1.14.2-eksbuild.4", "note", /^compatible; AWS's default is newer: v1\.14\.2-eksbuild\.6 \(newest v1\.14\.2-eksbuild\.6\)$/],
            ["1.36", "v1.14.2-eksbuild.4", "ok", /^compatible, AWS's default \(newest v1\.14\.2-eksbuild\.6\)$/],
            ["1.35", "v1.13.2-eksbuild.7", "fail", /^listed, but compatible only with Kubernetes 1\.34; AWS default for 1\.35: v1\.14\.2-eksbuild\.6$/],
            ["1.35", "v1.14.9-eksbuild.1", "fail", /^not offered by EKS for 1\.35 \(CreateAddon would fail\); AWS default: v1\.14\.2-eksbuild\.6, newest: v1\.14\.2-eksbuild\.6$/],
            ["1.37", "v1.14.2-eksbuild.6", "fail", /^listed, but compatible only with Kubernetes 1\.36, 1\.35; AWS default for 1\.37: none$/],
        ];
        for (const [version, pinned, level, message] of table) {
            const finding = checkAddonPin(version, "coredns", pinned, coredns);
            assert.strictEqual(finding.level, level, `${version} ${pinned}: ${finding.message}`);
            assert.match(finding.message, message);
            assert.strictEqual(finding.subject, `${version} coredns ${pinned}`);
        }
        assert.strictEqual(checkAddonPin("1.35", "vpc-cni", "v1.21.1-eksbuild.7", coredns).level, "fail", "an answer about another add-on offers nothing");
    });

    it("compares the calendar with describe-cluster-versions, in UTC days, and names a version without a row", () => {
        const findings = checkCalendar(EKS_VERSION_SUPPORT, answer("describe-cluster-versions.json"));
        assert.deepStrictEqual(
            findings.map((f) => [f.level, f.subject, f.message]),
            [
                ["ok", "1.34 end of standard support 2026-12-02", "as EKS says"],
                ["ok", "1.35 end of standard support 2027-03-27", "as EKS says"],
                ["note", "1.36 end of standard support 2027-08-02 (approximate)", "EKS confirms the day: mark it exact in versions.ts"],
                ["note", "1.37 (STANDARD_SUPPORT)", "EKS offers it and this project has no row for it: add its dates and pins to move to it"],
            ],
        );
        const moved = checkCalendar({ "1.35": { ...EKS_VERSION_SUPPORT["1.35"], endOfStandardSupport: "2027-03-28" } }, answer("describe-cluster-versions.json"));
        assert.deepStrictEqual([moved[0].level, moved[0].message], ["fail", "EKS says 2027-03-27: correct versions.ts"]);
        const gone = checkCalendar({ "1.30": { ...EKS_VERSION_SUPPORT["1.35"] } }, { clusterVersions: [] });
        assert.strictEqual(gone[0].message, "EKS lists no such version (any more): remove its row once no stack runs it");
    });

    it("fails the run on any failed finding only", () => {
        const note = { level: "note" as const, subject: "s", message: "m" };
        assert.strictEqual(report([note, { ...note, level: "ok" }]).status, 0);
        const failed = report([note, { ...note, level: "fail" }, { ...note, level: "fail" }]);
        assert.strictEqual(failed.status, 1);
        assert.match(failed.text, /2 pin\(s\) wrong for AWS: fix environments\/eks\/addon-versions\.ts or versions\.ts\n$/);
    });

    it("asks the CLI about the snapshot-controller pin of every row and the calendar, nothing else", () => {
        const asked: string[] = [];
        // A stand-in CLI that offers exactly the pins.
        const run = (args: string[]) => {
            asked.push(args.join(" "));
            if (args[1] === "describe-addon-versions") {
                const version = args[args.indexOf("--kubernetes-version") + 1];
                const addon = args[args.indexOf("--addon-name") + 1];
                const build = SNAPSHOT_CONTROLLER_PINS[version as keyof typeof SNAPSHOT_CONTROLLER_PINS].version;
                const offered: AddonVersionsAnswer = { addons: [{ addonName: addon, addonVersions: [{ addonVersion: build, compatibilities: [{ clusterVersion: version, defaultVersion: true }] }] }] };
                return { status: 0, stdout: JSON.stringify(offered) };
            }
            return { status: 0, stdout: fs.readFileSync(path.join(ROOT, "tests", "fixtures", "aws", "describe-cluster-versions.json"), "utf8") };
        };
        const findings = checkAll(run);
        const rows = Object.keys(SNAPSHOT_CONTROLLER_PINS).length;
        assert.strictEqual(findings.filter((f) => f.level === "fail").length, 0, JSON.stringify(findings.filter((f) => f.level === "fail")));
        assert.deepStrictEqual(
            asked.filter((a) => a.startsWith("eks describe-addon-versions")),
            Object.keys(SNAPSHOT_CONTROLLER_PINS).map((v) => `eks describe-addon-versions --kubernetes-version ${v} --addon-name snapshot-controller --output json`),
        );
        assert.deepStrictEqual(asked.filter((a) => !a.startsWith("eks describe-addon-versions")), ["eks describe-cluster-versions --output json"]);
        assert.strictEqual(findings.length, rows + 4);
    });

    it("stops with the CLI's failure rather than judging an empty answer", () => {
        assert.throws(() => checkAll(() => ({ status: 254, stdout: "" })), /^Error: aws eks describe-addon-versions --kubernetes-version 1\.35 --addon-name snapshot-controller failed \(exit 254\)$/);
    });
});
