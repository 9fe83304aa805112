/**
 * The pull-request review, fed by the real engine: today's program (the dev stack) is deployed on
 * the test cluster, then changed in each way a pull request may change it, and `pulumi preview
 * --json` (the event stream CI uses; the digest for two of them) is rendered by the review. Each
 * case asserts the verdict and the sentences about pods, claims, volumes and clients.
 *
 * Two deployments. On `hostpath` (no volume expansion) nothing is applied after the first `pulumi
 * up` but a protect-only one (state, no object): every case is a preview, and the app's objects
 * keep their resourceVersions throughout (checked at the end). On `hostpath-expandable` the size
 * change is previewed, applied (the grow), and the next preview (the patches dropped) reviewed.
 *
 * STICKY_WRITE_FIXTURES=1 copies each real preview into tests/fixtures/previews/ (the unit tests'
 * fixtures, and the example in docs/pull-request-review.md).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parsePreview } from "../tools/review/preview";
import { renderReview } from "../tools/review/markdown";
import { type Verdict, VERDICT_TITLES } from "../tools/review/model";
import { reviewPreview } from "../tools/review/review";
import { objectVersions, settledVersions } from "./app-state";
import { capturePreview, type Captured, PREVIEW_FIXTURES } from "./review-capture";
import { devStackWorkspace, localImages, ROOT, tearDown, TEST_CONTEXT, Workspace } from "./workspace";

/** The cases kept as unit-test fixtures (the others stay in the run's workspace). */
const FIXTURE_CASES = [
    "no-change",
    "image",
    "image-digest",
    "fewer-replicas",
    "storage-size",
    "size-and-image",
    "port",
    "protect-off",
    "bad-config",
    "mandatory-policy",
    "storage-size-expandable",
    "after-grow",
];
/** The test cluster's class that allows volume expansion (its local-cloud resizes the claims). */
const EXPANDABLE_CLASS = "hostpath-expandable";
/** A second class on the test cluster, for the class change: the same provisioner, Retain. */
const OTHER_CLASS = "hostpath-retain";
const removeOtherClass = (ws: Workspace) => ws.run("kubectl", ["--context", TEST_CONTEXT, "delete", "storageclass", OTHER_CLASS, "--ignore-not-found"]);

/** Previews the dev stack (or `stack`) in `ws` as CI does, keeps what it printed, and reviews it. */
function previewIn(ws: Workspace, pack: string, name: string, options: { digest?: boolean; extra?: string[]; stack?: string } = {}): Captured {
    return capturePreview(ws, { ...options, pack, stack: options.stack ?? "dev", file: `dev-${name}`, fixture: FIXTURE_CASES.includes(name) });
}

const expectVerdict = (captured: Captured, verdict: Verdict) => {
    assert.strictEqual(captured.review.verdict, verdict, `verdict of:\n${captured.markdown}\n--- stderr\n${captured.stderr}`);
    assert.ok(captured.markdown.split("\n", 1)[0].includes(VERDICT_TITLES[verdict]), "the verdict is the first line");
};

/** The `op type` of each step that changes something (what the engine planned). */
const plannedOps = (captured: Captured) => parsePreview(captured.json).steps.filter((s) => s.op !== "same" && s.op !== "read").map((s) => `${s.op} ${s.type}`);

/**
 * A claim template change, as the engine plans it for today's program: the StatefulSet is
 * re-created around its running pods (orphan propagation), the claims are adopted, and existing
 * claims either grow (patches planned) or keep their size. The provider built here fails the
 * replacement's dry run part-way (pulumi-kubernetes#4328): then the verdict is "failed", and the
 * sentences about what was planned must still be right.
 */
function expectReCreatedAroundPods(captured: Captured): void {
    const replaced = plannedOps(captured).some((p) => /^(replace|create-replacement|delete-replaced) kubernetes:apps\/v1:StatefulSet$/.test(p));
    assert.ok(replaced, `the engine planned a StatefulSet replacement:\n${plannedOps(captured).join("\n")}`);
    expectVerdict(captured, captured.status === 0 ? "safe" : "failed");
    if (captured.status !== 0) assert.match(captured.markdown, /It had planned \d+ changes? before it stopped/);
    assert.match(
        captured.markdown,
        /Re-created around its running pods \([^)]*\): the deployed object carries `pulumi\.com\/deletionPropagationPolicy: orphan`, so deleting it leaves `sticky-0`, `sticky-1` and `sticky-2` running, and the new StatefulSet \(same name and selector\) adopts them \(the old one is deleted first: deleteBeforeReplace\)/,
    );
    assert.match(captured.markdown, /Claims kept and adopted by the new StatefulSet \(same names, same cluster\): `sticky-data-sticky-0`, `sticky-data-sticky-1` and `sticky-data-sticky-2`\./);
    assert.doesNotMatch(captured.markdown, /stop together|service is down/);
}

describe("pull-request review of real previews (dev stack on the test cluster)", function () {
    this.timeout(15 * 60 * 1000);
    let ws: Workspace;
    let pack: string;
    let images: ReturnType<typeof localImages>;
    let initialVersions: string[];

    const KINDS = "statefulset,service,poddisruptionbudget,pvc";
    const versions = () => objectVersions(ws, KINDS);

    const preview = (name: string, options: { digest?: boolean; extra?: string[]; stack?: string } = {}) => previewIn(ws, pack, name, options);

    const setConfig = (key: string, value: string) => ws.pulumi("config", "set", key, value, "--stack", "dev");
    const resetConfig = (key: string) => ws.pulumi("config", "rm", key, "--stack", "dev");

    before(async () => {
        ws = await devStackWorkspace("sticky-review-", { leftovers: removeOtherClass });
        images = localImages();
        pack = ws.policyPackForEngine();
        ws.up();
        // The objects' status settles after the up returns (the StatefulSet counts a pod available
        // minReadySeconds after it is Ready, the budget follows), and each status write is a new
        // resourceVersion: the baseline is taken once they stop changing.
        initialVersions = await settledVersions(ws, KINDS);
        if (process.env.STICKY_WRITE_FIXTURES) fs.mkdirSync(PREVIEW_FIXTURES, { recursive: true });
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
            assert.match(c.markdown, /pods restart one at a time \(rolling update: `sticky-2`, then `sticky-1`, then `sticky-0`\); each comes back with its own claim\./);
            assert.ok(c.markdown.includes(`\`spec.containers[0].image\`: ${JSON.stringify(images.nginx)} → ${JSON.stringify(images["nginx-previous"])}`), c.markdown);
            assert.doesNotMatch(c.markdown, /\*\*(Replaced|Deleted|deleted)\*\*/);
        }
    });

    it("scale-down with Parallel pods: sticky-1 and sticky-2 stop together, their claims are kept", () => {
        setConfig("sticky:replicas", "1");
        const captured = preview("fewer-replicas");
        resetConfig("sticky:replicas");
        assert.strictEqual(captured.status, 0, captured.stderr);
        expectVerdict(captured, "safe");
        assert.match(captured.markdown, /Scales down from 3 to 1: `sticky-1` and `sticky-2` stop together \(podManagementPolicy Parallel\)\./);
        assert.match(captured.markdown, /Their claims are kept \(whenScaled: Retain\) and adopted again if replicas go back up: `sticky-data-sticky-1` and `sticky-data-sticky-2`\./);
        assert.doesNotMatch(captured.markdown, /highest ordinal first/);
    });

    it("a size change on the non-expandable class: re-created around the running pods; existing claims keep 1Gi, or (a plan that stopped part-way) not said; the program's warning shown", () => {
        setConfig("sticky:storageSize", "2Gi");
        const captured = preview("storage-size");
        resetConfig("sticky:storageSize");
        expectReCreatedAroundPods(captured);
        // A plan that finished says the claims keep 1Gi; one that stopped part-way (the provider
        // here) says it did not get to them, and the program's warning says what it does.
        assert.ok(
            captured.markdown.includes(
                captured.status === 0
                    ? 'Claim template `sticky-data` `spec.resources.requests.storage`: "1Gi" → "2Gi". **Existing claims do not get this**: `sticky-data-sticky-0`, `sticky-data-sticky-1` and `sticky-data-sticky-2` keep "1Gi"; only claims created from now on get "2Gi".'
                    : 'Claim template `sticky-data` `spec.resources.requests.storage`: "1Gi" → "2Gi". The preview stopped before planning anything else, so whether `sticky-data-sticky-0`, `sticky-data-sticky-1` and `sticky-data-sticky-2` get it is not in this plan',
            ),
            captured.markdown,
        );
        assert.match(captured.markdown, /- warning \(StickyApp `sticky`\): claim size 1Gi -> 2Gi: StorageClass "hostpath" does not allow volume expansion/);
    });

    it("size and image together: the replacement does not hide the image change, which rolls the adopted pods", () => {
        setConfig("sticky:storageSize", "2Gi");
        setConfig("sticky:image", images["nginx-previous"]);
        const captured = preview("size-and-image");
        resetConfig("sticky:storageSize");
        setConfig("sticky:image", images.nginx);
        expectReCreatedAroundPods(captured);
        assert.ok(
            captured.markdown.includes(
                `Its pod template changes too (\`spec.containers[0].image\`: ${JSON.stringify(images.nginx)} → ${JSON.stringify(images["nginx-previous"])}): pods restart one at a time (rolling update: \`sticky-2\`, then \`sticky-1\`, then \`sticky-0\`); each comes back with its own claim. This happens after the adoption.`,
            ),
            captured.markdown,
        );
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
        expectReCreatedAroundPods(captured);
        // A claim's class never changes: the review says so whether or not the preview finished
        // (this provider build stops part-way, pulumi-kubernetes#4328), and so does the program.
        const head = `Claim template \`sticky-data\` \`spec.storageClassName\`: "hostpath" → ${JSON.stringify(OTHER_CLASS)}.`;
        assert.ok(captured.markdown.includes(`${head} **Existing claims do not get this**`), captured.markdown);
        assert.match(captured.markdown, /\(a claim's class never changes, and their volumes stay where they are\)/);
        assert.ok(
            captured.markdown.includes(`StorageClass "hostpath" -> ${JSON.stringify(OTHER_CLASS)}: a claim's class never changes, so the existing claims keep "hostpath" and their volumes`),
            `the program's own message, in the review's messages:\n${captured.markdown}`,
        );
    });

    it("a port change: downtime for every client, said above the fold", () => {
        setConfig("sticky:servicePort", "8080");
        const captured = preview("port");
        resetConfig("sticky:servicePort");
        assert.strictEqual(captured.status, 0, captured.stderr);
        expectVerdict(captured, "downtime");
        assert.match(captured.markdown.split("<details>")[0], /\*\*Service `sticky`\*\*: \*\*The port clients use changes\*\*: 3333 → 8080 on the load balancer; every client, link and health check still using 3333 fails from then on\./);
        assert.deepStrictEqual(captured.review.labels, ["downtime"]);
    });

    it("protect turned off: the engine plans no change, the review says which resources lose protection", () => {
        setConfig("sticky:protect", "true");
        ws.up();
        resetConfig("sticky:protect");
        const captured = preview("protect-off");
        assert.strictEqual(captured.status, 0, captured.stderr);
        expectVerdict(captured, "needs-review");
        const lifted = /\*\*Protection removed from (\d+) resources\*\*: protect true → false on ([^\n]*?): from this update on/.exec(captured.markdown);
        assert.ok(lifted, captured.markdown);
        // Every object `sticky:protect` protects (StickyAppArgs.protect), and not the StatefulSet.
        for (const name of ["`NetworkPolicy sticky`", "`Service sticky-headless`", "`Service sticky`", "`PodDisruptionBudget sticky`", "`ConfigMap sticky-lifetime`"]) assert.ok(lifted[2].includes(name), `${name} in ${lifted[2]}`);
        assert.ok(!lifted[2].includes("StatefulSet"), lifted[2]);
        assert.doesNotMatch(captured.markdown, /No changes/);
        ws.up(); // protect off again, so the stack can be destroyed; state only
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
        const cli = ws.ok("node", [path.join(ROOT, "bin", "tools", "review", "cli.js"), path.join(dir, "dev-fewer-replicas.json"), path.join(dir, "dev-fewer-replicas.stderr"), "--exit-status", "0", "--stack", "dev"]);
        const review = reviewPreview({ preview: parsePreview(fs.readFileSync(path.join(dir, "dev-fewer-replicas.json"), "utf8")), stderr: "", exitStatus: 0, stack: "dev" });
        assert.strictEqual(cli.stdout, renderReview(review));
        assert.deepStrictEqual(versions(), initialVersions, "every preview (and the protect-only updates) left the app's objects as they were");
    });

    it("a preview of dev reviewed as prod fails: the review will not vouch for one stack with another's plan", () => {
        const dir = path.join(ws.dir, "previews");
        const cli = ws.ok("node", [path.join(ROOT, "bin", "tools", "review", "cli.js"), path.join(dir, "dev-no-change.json"), "--exit-status", "0", "--stack", "prod"]);
        assert.match(cli.stdout, /^### ⛔ Preview failed: `sticky\/dev`/);
        assert.match(cli.stdout, /This is a preview of stack `dev`, not of `prod` \(--stack\)/);
    });
});

describe("pull-request review of real previews: a grow on the expandable class, and the update after it", function () {
    this.timeout(15 * 60 * 1000);
    let ws: Workspace;
    let pack: string;

    before(async () => {
        ws = await devStackWorkspace("sticky-review-grow-", { config: { "sticky:storageClassName": EXPANDABLE_CLASS } });
        pack = ws.policyPackForEngine();
        ws.up();
    });

    after(() => tearDown(ws));

    it("a size change on the expandable class: re-created around the running pods, each claim grows where the patches are planned, the program's info shown", () => {
        ws.pulumi("config", "set", "sticky:storageSize", "2Gi", "--stack", "dev");
        const captured = previewIn(ws, pack, "storage-size-expandable");
        expectReCreatedAroundPods(captured);
        assert.match(captured.markdown, /- info \(StickyApp `sticky`\): claim size 1Gi -> 2Gi: StorageClass "hostpath-expandable" allows volume expansion, so each existing claim is grown in place/);
        // The patches depend on the StatefulSet: the engine plans them once its replacement is
        // planned, which the provider built here refuses part-way (see expectReCreatedAroundPods).
        const patches = plannedOps(captured).filter((p) => p === "create kubernetes:core/v1:PersistentVolumeClaimPatch");
        if (patches.length > 0) {
            for (const i of [0, 1, 2]) assert.match(captured.markdown, new RegExp(`\\*\\*Claim \`sticky-data-sticky-${i}\`\\*\\*: Grows "1Gi" → "2Gi" in place`));
        } else {
            assert.strictEqual(captured.status === 0, false, "without patches planned, the preview must have stopped part-way");
        }
        assert.doesNotMatch(captured.markdown, /or patched when it exists|keep "1Gi"/);
    });

    it("the update after the grow drops the patches (retainOnDelete): safe, each claim keeps 2Gi", () => {
        ws.up();
        const grown = ws.get("pvc", "-l", "app=sticky").items.map((c: any) => `${c.metadata.name}=${c.spec.resources.requests.storage}`).sort();
        assert.deepStrictEqual(grown, ["sticky-data-sticky-0=2Gi", "sticky-data-sticky-1=2Gi", "sticky-data-sticky-2=2Gi"]);
        const captured = previewIn(ws, pack, "after-grow");
        assert.strictEqual(captured.status, 0, captured.stderr);
        assert.deepStrictEqual(plannedOps(captured).filter((p) => p.endsWith("PersistentVolumeClaimPatch")), Array(3).fill("delete kubernetes:core/v1:PersistentVolumeClaimPatch"));
        expectVerdict(captured, "safe");
        for (const i of [0, 1, 2]) {
            assert.match(captured.markdown, new RegExp(`\\*\\*Claim \`sticky-data-sticky-${i}\`\\*\\*: Its size patch is dropped from the stack, not deleted \\(retainOnDelete\\): the claim keeps its "2Gi" and its data\\.`));
        }
        assert.doesNotMatch(captured.markdown, /its volume goes too|🔴/);
    });
});
