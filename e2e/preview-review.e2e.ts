/**
 * The pull-request review, fed by the real engine: the dev stack is deployed on the test cluster,
 * then changed in each way a pull request may change it, and `pulumi preview --json` (the event
 * stream CI uses; the digest for two of them) is rendered by the review. Each case asserts the
 * verdict and the sentences about pods, claims and volumes.
 *
 * Nothing is applied after the first `pulumi up`: every case is a preview, and the cluster's
 * objects keep their resourceVersions throughout (checked at the end).
 *
 * STICKY_WRITE_FIXTURES=1 copies each real preview into tests/fixtures/previews/ (the unit tests'
 * fixtures, and the example in docs/pull-request-review.md).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parsePreview } from "../tools/review/preview";
import { renderReview, reviewPreview, VERDICT_TITLES, type Review, type Verdict } from "../tools/review/review";
import { devStackWorkspace, localImages, ROOT, tearDown, TEST_CONTEXT, Workspace } from "./lib";

const FIXTURES = path.join(ROOT, "tests", "fixtures", "previews");
/** The cases kept as unit-test fixtures (the others stay in the run's workspace). */
const FIXTURE_CASES = ["no-change", "image", "image-digest", "fewer-replicas", "storage-size", "bad-config", "mandatory-policy"];
/** A second class on the test cluster, for the class change: the same provisioner, Retain. */
const OTHER_CLASS = "hostpath-retain";
const removeOtherClass = (ws: Workspace) => ws.run("kubectl", ["--context", TEST_CONTEXT, "delete", "storageclass", OTHER_CLASS, "--ignore-not-found"]);

interface Captured {
    readonly json: string;
    readonly stderr: string;
    readonly status: number;
    readonly review: Review;
    readonly markdown: string;
}

describe("pull-request review of real previews (dev stack on the test cluster)", function () {
    this.timeout(15 * 60 * 1000);
    let ws: Workspace;
    let pack: string;
    let images: ReturnType<typeof localImages>;
    let initialVersions: string[];

    const versions = () =>
        (ws.get("statefulset,service,poddisruptionbudget,pvc", "-l", "app=sticky").items as any[]).map(
            (i) => `${i.kind}/${i.metadata.name}@${i.metadata.resourceVersion}`,
        );

    /** Previews the dev stack as CI does, keeps what it printed, and reviews it. */
    function preview(name: string, options: { digest?: boolean; extra?: string[]; stack?: string } = {}): Captured {
        if (options.digest) delete ws.env.PULUMI_ENABLE_STREAMING_JSON_PREVIEW;
        else ws.env.PULUMI_ENABLE_STREAMING_JSON_PREVIEW = "true";
        const result = ws.run("pulumi", ["preview", "--stack", options.stack ?? "dev", "--json", "--non-interactive", "--policy-pack", pack, ...(options.extra ?? [])]);
        delete ws.env.PULUMI_ENABLE_STREAMING_JSON_PREVIEW;
        const review = reviewPreview({ preview: parsePreview(result.stdout), stderr: result.stderr, exitStatus: result.status });
        const markdown = renderReview(review);
        const out = path.join(ws.dir, "previews");
        fs.mkdirSync(out, { recursive: true });
        for (const dir of process.env.STICKY_WRITE_FIXTURES && FIXTURE_CASES.includes(name) ? [out, FIXTURES] : [out]) {
            // The workspace's paths differ on every run; the fixtures name neither them nor the pack's copy.
            const scrub = (text: string) => text.split(ws.dir).join("<workspace>");
            fs.writeFileSync(path.join(dir, `dev-${name}.json`), scrub(result.stdout));
            fs.writeFileSync(path.join(dir, `dev-${name}.stderr`), scrub(result.stderr));
            fs.writeFileSync(path.join(dir, `dev-${name}.status`), `${result.status}\n`);
        }
        fs.writeFileSync(path.join(out, `dev-${name}.md`), markdown);
        return { json: result.stdout, stderr: result.stderr, status: result.status, review, markdown };
    }

    const expectVerdict = (captured: Captured, verdict: Verdict) => {
        assert.strictEqual(captured.review.verdict, verdict, `verdict of:\n${captured.markdown}\n--- stderr\n${captured.stderr}`);
        assert.ok(captured.markdown.split("\n", 1)[0].includes(VERDICT_TITLES[verdict]), "the verdict is the first line");
    };

    const setConfig = (key: string, value: string) => ws.pulumi("config", "set", key, value, "--stack", "dev");
    const resetConfig = (key: string) => ws.pulumi("config", "rm", key, "--stack", "dev");

    before(async () => {
        ws = await devStackWorkspace("sticky-review-", { leftovers: removeOtherClass });
        images = localImages();
        pack = ws.policyPackForEngine();
        ws.up();
        initialVersions = versions();
        if (process.env.STICKY_WRITE_FIXTURES) fs.mkdirSync(FIXTURES, { recursive: true });
    });

    after(() => tearDown(ws, removeOtherClass));

    it("no change: no changes, and no mandatory violation", () => {
        const captured = preview("no-change");
        assert.strictEqual(captured.status, 0, captured.stderr);
        expectVerdict(captured, "none");
        assert.match(captured.markdown, /No pod, claim, volume, class or cluster changes\./);
        assert.ok(!(captured.review.policies ?? []).some((p) => p.level === "mandatory"), captured.markdown);
        assert.match(captured.markdown, /#### Policies\n\n(No violations \(`sticky@[^`]+`\)\.|- \*\*advisory\*\*)/);
    });

    it("the digest (plain `pulumi preview --json`) of no change reads the same, and says it carries no policy results", () => {
        const captured = preview("no-change-digest", { digest: true });
        expectVerdict(captured, "none");
        assert.strictEqual(captured.review.policies, undefined);
        assert.match(captured.markdown, /Not in this output: `pulumi preview --json` prints no policy results/);
    });

    it("an image change: pods restart one at a time, each with its own claim", () => {
        setConfig("sticky:image", images["nginx-previous"]);
        const captured = preview("image");
        const digest = preview("image-digest", { digest: true });
        resetConfig("sticky:image");
        setConfig("sticky:image", images.nginx);
        assert.strictEqual(captured.status, 0, captured.stderr);
        for (const c of [captured, digest]) {
            expectVerdict(c, "safe");
            assert.match(c.markdown, /Pods restart one at a time \(rolling update: `sticky-2`, then `sticky-1`, then `sticky-0`\); each comes back with its own claim\./);
            assert.ok(c.markdown.includes(`\`spec.containers[0].image\`: ${JSON.stringify(images.nginx)} → ${JSON.stringify(images["nginx-previous"])}`), c.markdown);
            assert.doesNotMatch(c.markdown, /\*\*(Replaced|Deleted|deleted)\*\*/);
        }
    });

    it("fewer replicas: sticky-2 stops, its claim is kept for a scale back up", () => {
        setConfig("sticky:replicas", "2");
        const captured = preview("fewer-replicas");
        resetConfig("sticky:replicas");
        assert.strictEqual(captured.status, 0, captured.stderr);
        expectVerdict(captured, "safe");
        assert.match(captured.markdown, /Scales down from 3 to 2: `sticky-2` stops, highest ordinal first\./);
        assert.match(captured.markdown, /Their claims are kept \(whenScaled: Retain\) and adopted again if replicas go back up: `sticky-data-sticky-2`\./);
    });

    /**
     * A claim template change. The sentences follow the planned steps: a StatefulSet replacement
     * stops every pod and leaves existing claims as they are; claims patched by the preview grow.
     */
    function expectClaimTemplateChange(captured: Captured, field: string, from: string, to: string): void {
        const planned = parsePreview(captured.json).steps.filter((s) => s.op !== "same" && s.op !== "read").map((s) => `${s.op} ${s.type}`);
        const replaced = planned.some((p) => /^(replace|create-replacement|delete-replaced) kubernetes:apps\/v1:StatefulSet$/.test(p));
        const claimsPatched = planned.some((p) => /PersistentVolumeClaim/.test(p));
        if (captured.status !== 0) {
            // A provider whose dry run refuses the replacement (pulumi-kubernetes#4328) fails part-way;
            // the review must still show what had been planned.
            expectVerdict(captured, "failed");
            assert.match(captured.markdown, /It had planned 1 change before it stopped/);
        } else {
            expectVerdict(captured, replaced ? "at-risk" : "safe");
        }
        if (replaced) {
            assert.match(captured.markdown, /\*\*Replaced\*\*(?: \([^)]*\))?: the StatefulSet is deleted and created again, so all 3 pods \(`sticky-0`, `sticky-1` and `sticky-2`\) stop together/);
            assert.match(captured.markdown, /Claims kept and adopted by the new StatefulSet \(same names\): `sticky-data-sticky-0`, `sticky-data-sticky-1` and `sticky-data-sticky-2`\./);
        }
        const template = `Claim template \`sticky-data\` \`${field}\`: ${JSON.stringify(from)} → ${JSON.stringify(to)}.`;
        assert.ok(captured.markdown.includes(template), `${template}\n${captured.markdown}`);
        if (claimsPatched) {
            assert.match(captured.markdown, /Grows from/);
        } else {
            assert.ok(
                captured.markdown.includes(
                    `**Existing claims do not get this**: \`sticky-data-sticky-0\`, \`sticky-data-sticky-1\` and \`sticky-data-sticky-2\` keep ${JSON.stringify(from)}`,
                ),
                captured.markdown,
            );
        }
    }

    it("a storage size change: what happens to the pods, and whether the existing claims grow", () => {
        setConfig("sticky:storageSize", "2Gi");
        const captured = preview("storage-size");
        resetConfig("sticky:storageSize");
        expectClaimTemplateChange(captured, "spec.resources.requests.storage", "1Gi", "2Gi");
    });

    it("a storage class change: existing claims and their volumes stay on the old class", () => {
        const manifest = JSON.stringify({
            apiVersion: "storage.k8s.io/v1",
            kind: "StorageClass",
            metadata: { name: OTHER_CLASS },
            provisioner: "docker.io/hostpath",
            reclaimPolicy: "Retain",
            volumeBindingMode: "Immediate",
        });
        fs.writeFileSync(path.join(ws.dir, "class.json"), manifest);
        ws.kubectl("apply", "-f", path.join(ws.dir, "class.json"));
        setConfig("sticky:storageClassName", OTHER_CLASS);
        const captured = preview("storage-class");
        resetConfig("sticky:storageClassName");
        expectClaimTemplateChange(captured, "spec.storageClassName", "hostpath", OTHER_CLASS);
        assert.match(captured.markdown, /\(and their volumes stay where they are\)/);
    });

    it("a bad config value: preview failed, with the program's error naming key, value and what is allowed", () => {
        setConfig("sticky:servicePort", "70000");
        const captured = preview("bad-config");
        resetConfig("sticky:servicePort");
        assert.notStrictEqual(captured.status, 0);
        expectVerdict(captured, "failed");
        assert.match(captured.markdown, /sticky:servicePort = "70000": must be a TCP port, 1 to 65535/);
        assert.match(captured.markdown, /Nothing was planned before the preview stopped\.|No pod, claim, volume, class or cluster changes\./);
    });

    it("a mandatory policy violation (the dev config under a stack named staging, on the laptop class): preview failed, the violation listed first", () => {
        // Every policy the dev stack could break is mandatory and passes; the pack tells dev from
        // the rest by the stack name, so the same program and config under another name breaks one.
        ws.pulumi("stack", "init", "staging");
        ws.pulumi("config", "set", "sticky:environment", "local", "--stack", "staging");
        ws.pulumi("config", "set", "sticky:kubeContext", TEST_CONTEXT, "--stack", "staging");
        ws.pulumi("config", "set", "sticky:image", images.nginx, "--stack", "staging");
        const captured = preview("mandatory-policy", { stack: "staging" });
        ws.pulumi("stack", "rm", "staging", "--yes", "--force");
        ws.pulumi("stack", "select", "dev");
        assert.notStrictEqual(captured.status, 0, "a mandatory violation fails the preview");
        expectVerdict(captured, "failed");
        assert.strictEqual(captured.review.policies?.[0]?.level, "mandatory");
        assert.strictEqual(captured.review.policies?.[0]?.policy, "no-hostpath-class-outside-dev");
        assert.match(captured.markdown, /- \d+ mandatory policy violations?: [^\n]*`no-hostpath-class-outside-dev`/);
        assert.match(captured.markdown, /- \*\*mandatory\*\* `no-hostpath-class-outside-dev` \(sticky\) on StatefulSet `sticky`: /);
    });

    it("the CLI prints the same review from the saved files, and the cluster never changed", () => {
        const dir = path.join(ws.dir, "previews");
        const cli = ws.ok("node", [path.join(ROOT, "bin", "scripts", "review", "cli.js"), path.join(dir, "dev-fewer-replicas.json"), path.join(dir, "dev-fewer-replicas.stderr"), "--exit-status", "0"]);
        const review = reviewPreview({ preview: parsePreview(fs.readFileSync(path.join(dir, "dev-fewer-replicas.json"), "utf8")), stderr: "", exitStatus: 0 });
        assert.strictEqual(cli.stdout, renderReview(review));
        assert.deepStrictEqual(versions(), initialVersions, "every preview left the app's objects as they were");
    });
});
