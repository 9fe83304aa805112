/**
 * `npm run kube-score` without kube-score: the manifests it renders, how it reads kube-score's
 * answers, and the rule that a declined check has its reason in docs/architecture.md. (kube-score itself runs in `.ci/run`, where
 * the script also proves that the gate turns red when a fix is taken back.)
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { KUBE_SCORE_DECLINED } from "../components/pod-security";
import { counted, declinedChecks, DECLINES_DOC, MUTANTS, parseJsonOutput, renderStack, toYaml, undocumentedDeclines } from "./kube-score";
import * as yaml from "js-yaml";
import { ROOT } from "./harness";

const ARCHITECTURE = fs.readFileSync(path.join(ROOT, DECLINES_DOC), "utf8");

describe("npm run kube-score: rendering", () => {
    it("renders the dev stack's own Kubernetes objects, not the class it only reads", async () => {
        const manifests = await renderStack("dev");
        assert.deepStrictEqual(manifests.map((m) => `${m.apiVersion} ${m.kind}/${m.metadata.name}`).sort(), [
            "apps/v1 StatefulSet/sticky",
            "networking.k8s.io/v1 NetworkPolicy/sticky",
            "policy/v1 PodDisruptionBudget/sticky",
            "v1 ConfigMap/sticky-lifetime",
            "v1 ConfigMap/sticky-liveness",
            "v1 Namespace/default",
            "v1 Service/sticky",
            "v1 Service/sticky-headless",
        ]);
    });

    it("renders prod's gp3 class too, and the same app objects", async () => {
        const manifests = await renderStack("prod");
        const names = manifests.map((m) => `${m.kind}/${m.metadata.name}`);
        assert.ok(names.includes("StorageClass/gp3"));
        assert.ok(names.includes("StatefulSet/sticky") && names.includes("NetworkPolicy/sticky"));
        assert.ok(!names.some((n) => n.startsWith("undefined")));
    });

    it("writes YAML that reads back as the same objects, one document each", async () => {
        const manifests = await renderStack("dev");
        const documents = yaml.loadAll(toYaml(manifests));
        assert.deepStrictEqual(documents, manifests);
    });

    it("finds the checks declined with kube-score/ignore", async () => {
        assert.deepStrictEqual(declinedChecks(await renderStack("dev")), Object.keys(KUBE_SCORE_DECLINED).sort());
        assert.deepStrictEqual(
            declinedChecks([{ metadata: {} }, { metadata: { annotations: { "kube-score/ignore": " b, a ,," } } }]),
            ["a", "b"],
        );
    });

    it("takes a fix back in each self-check (and leaves the rendered set alone)", async () => {
        const manifests = await renderStack("dev");
        const before = JSON.stringify(manifests);
        for (const mutant of MUTANTS) assert.notDeepStrictEqual(mutant.mutate(manifests), manifests, mutant.name);
        assert.strictEqual(JSON.stringify(manifests), before);
    });
});

describe("npm run kube-score: reading kube-score", () => {
    const output = JSON.stringify([
        {
            type_meta: { kind: "StatefulSet" },
            object_meta: { name: "sticky" },
            checks: [
                { check: { id: "pod-networkpolicy" }, grade: 1, skipped: false, comments: [{ path: "", summary: "no policy" }] },
                { check: { id: "container-image-pull-policy" }, grade: 1, skipped: true, comments: [] },
                { check: { id: "pod-probes" }, grade: 10, skipped: false },
            ],
        },
    ]);

    it("reads grades and check ids from the JSON output, and leaves skipped (ignored) checks out", () => {
        const findings = parseJsonOutput(output);
        assert.deepStrictEqual(
            counted(findings).map((f) => [f.object, f.check, f.grade, f.comments]),
            [
                ["StatefulSet/sticky", "pod-networkpolicy", "CRITICAL", ["no policy"]],
                ["StatefulSet/sticky", "pod-probes", "OK", []],
            ],
        );
        assert.strictEqual(findings.length, 3);
    });
});

describe(`npm run kube-score: a declined check needs its reason in ${DECLINES_DOC}`, () => {
    it("its table names every check the component declines, with a reason", () => {
        assert.deepStrictEqual(undocumentedDeclines(ARCHITECTURE, Object.keys(KUBE_SCORE_DECLINED)), []);
    });

    const doc = [
        "What the component adds to the article, and why:",
        "",
        "| | why |",
        "|---|---|",
        "| `IfNotPresent` (kube-score/ignore: container-image-pull-policy) | the image is pinned to a version |",
        "| x (kube-score/ignore: pod-probes) | |",
        "",
        "| (kube-score/ignore: pod-networkpolicy) | outside the table, does not count |",
    ].join("\n");

    it("accepts a row that names the check and gives a reason", () => {
        assert.deepStrictEqual(undocumentedDeclines(doc, ["container-image-pull-policy"]), []);
    });

    it("rejects a check no row names, and a row without a reason", () => {
        assert.deepStrictEqual(undocumentedDeclines(doc, ["pod-networkpolicy", "pod-probes"]), [
            'pod-networkpolicy is declined (kube-score/ignore) but no row of docs/architecture.md\'s table names "kube-score/ignore: pod-networkpolicy"',
            'pod-probes: docs/architecture.md\'s row gives no reason (its second column is "")',
        ]);
    });

    it("rejects everything when the table is gone", () => {
        assert.strictEqual(undocumentedDeclines("# nothing here", ["a"]).length, 1);
    });
});
