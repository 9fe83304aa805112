/**
 * tools/eks-release-pins.ts: its comparisons on AWS CLI answers (tests/fixtures/aws, written
 * in the CLI's shape; see the README there), then the whole check with a stand-in for the CLI.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ADDON_NAMES, RELEASE_PINS } from "../environments/eks/addon-versions";
import { AMI_TYPES, releaseImageParameter } from "../environments/eks/ami-types";
import { EKS_VERSION_SUPPORT } from "../environments/eks/versions";
import { checkAddonPin, checkAll, checkAmiRelease, checkCalendar, report, type AddonVersionsAnswer } from "../tools/eks-release-pins";
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

    it("judges the node AMI release by SSM: published for the type, not newer than recommended", () => {
        const recommended = answer<{ Parameter: { Value: string } }>("ssm-get-parameter-release-version.json").Parameter.Value;
        const table: [string, boolean, string | undefined, "ok" | "note" | "fail", RegExp][] = [
            ["1.35.9-20261118", true, recommended, "ok", /^published, AWS's recommended release$/],
            ["1.35.8-20260930", true, recommended, "note", /^published; AWS recommends a newer release: 1\.35\.9-20261118/],
            ["1.35.8-20260930", false, recommended, "fail", /^no such AMI release for AL2023_x86_64_STANDARD in SSM \(\/aws\/service\/eks\/optimized-ami\/1\.35\/amazon-linux-2023\/x86_64\/standard\/amazon-eks-node-al2023-x86_64-standard-1\.35-v20260930\/image_id\)$/],
            ["1.35.10-20261202", true, recommended, "fail", /^newer than AWS's recommended release 1\.35\.9-20261118$/],
            ["1.36.4-20260930", true, recommended, "fail", /^not a 1\.35 release version/],
            ["20260930", true, recommended, "fail", /^not a 1\.35 release version/],
            ["1.35.8-20260930", true, undefined, "note", /SSM has no recommended release for this AMI type/],
        ];
        for (const [pinned, published, rec, level, message] of table) {
            const finding = checkAmiRelease("1.35", "AL2023_x86_64_STANDARD", pinned, published, rec);
            assert.strictEqual(finding.level, level, `${pinned}: ${finding.message}`);
            assert.match(finding.message, message);
        }
        assert.strictEqual(
            releaseImageParameter("1.36", "AL2023_ARM_64_NVIDIA", "1.36.4-20260930"),
            "/aws/service/eks/optimized-ami/1.36/amazon-linux-2023/arm64/nvidia/amazon-eks-node-al2023-arm64-nvidia-1.36-v20260930/image_id",
        );
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

    it("asks the CLI about every pinned add-on and AMI type of every row, and the calendar", () => {
        const asked: string[] = [];
        // A stand-in CLI that offers exactly the pins, and knows every SSM parameter.
        const run = (args: string[]) => {
            asked.push(args.join(" "));
            if (args[1] === "describe-addon-versions") {
                const version = args[args.indexOf("--kubernetes-version") + 1];
                const addon = args[args.indexOf("--addon-name") + 1] as (typeof ADDON_NAMES)[number];
                const build = RELEASE_PINS[version as keyof typeof RELEASE_PINS][addon];
                const offered: AddonVersionsAnswer = { addons: [{ addonName: addon, addonVersions: [{ addonVersion: build, compatibilities: [{ clusterVersion: version, defaultVersion: true }] }] }] };
                return { status: 0, stdout: JSON.stringify(offered) };
            }
            if (args[1] === "describe-cluster-versions") return { status: 0, stdout: fs.readFileSync(path.join(ROOT, "tests", "fixtures", "aws", "describe-cluster-versions.json"), "utf8") };
            const name = args[args.indexOf("--name") + 1];
            const version = name.split("/")[5];
            return { status: 0, stdout: JSON.stringify({ Parameter: { Value: RELEASE_PINS[version as keyof typeof RELEASE_PINS].nodeAmiRelease } }) };
        };
        const findings = checkAll(run);
        const rows = Object.keys(RELEASE_PINS).length;
        const amiTypes = Object.keys(AMI_TYPES).length;
        assert.strictEqual(findings.filter((f) => f.level === "fail").length, 0, JSON.stringify(findings.filter((f) => f.level === "fail")));
        assert.strictEqual(asked.filter((a) => a.startsWith("eks describe-addon-versions")).length, rows * ADDON_NAMES.length);
        assert.strictEqual(asked.filter((a) => a.startsWith("ssm get-parameter")).length, rows * amiTypes * 2);
        assert.ok(asked.every((a) => a.endsWith("--output json")), "JSON answers only");
        assert.strictEqual(findings.length, rows * (ADDON_NAMES.length + amiTypes) + 4);
    });

    it("stops with the CLI's failure rather than judging an empty answer", () => {
        assert.throws(() => checkAll(() => ({ status: 254, stdout: "" })), /^Error: aws eks describe-addon-versions --kubernetes-version 1\.35 --addon-name kube-proxy failed \(exit 254\)$/);
    });
});
