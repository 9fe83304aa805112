/**
 * The pull-request review (tools/review/), without an engine: the parser on both JSON forms of
 * `pulumi preview --json` and on broken output, the sentences on steps built here, the length
 * limit, the type tokens against the SDKs and the prod stack, and the committed fixtures: real
 * previews of the dev stack (e2e/preview-review.e2e.ts wrote them) and mocked ones of prod.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import { CLAIM_TEMPLATE, claimName, STICKY_APP_TYPE } from "../components/sticky-app-contract";
import { compareQuantities } from "../core/quantity";
import { TYPES } from "../core/kubernetes";
import { completeArrayElements, parsePreview, type ParsedPreview, type PlannedStep } from "../tools/review/preview";
import { EBS_CSI_ADDON, GITHUB_COMMENT_LIMIT, renderReview, reviewPreview, VERDICT_TITLES, WATCHED_TYPES, type Verdict } from "../tools/review/review";
import { ROOT, runStack, typeToken } from "./harness";
import { currentBlock, EXAMPLE_DOC, exampleBlock } from "../tools/review/docs-example";
import { mockPreview, PROD_MOCK_FIXTURES } from "./mock-preview";

const FIXTURES = path.join(ROOT, "tests", "fixtures", "previews");
const STS_URN = `urn:pulumi:prod::sticky::${STICKY_APP_TYPE}$${TYPES.statefulSet}::sticky`;

// ---------------------------------------------------------------------------------------------
// Building previews by hand, in the digest's shape.

function statefulSet(overrides: { name?: string; replicas?: number; image?: string; storage?: string; className?: string; template?: string; whenScaled?: string }) {
    return {
        metadata: { name: overrides.name ?? "sticky" },
        spec: {
            replicas: overrides.replicas ?? 3,
            persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: overrides.whenScaled ?? "Retain" },
            updateStrategy: { type: "RollingUpdate" },
            template: { spec: { containers: [{ name: "nginx", image: overrides.image ?? "nginx:1" }] } },
            volumeClaimTemplates: [
                {
                    metadata: { name: overrides.template ?? CLAIM_TEMPLATE },
                    spec: { storageClassName: overrides.className ?? "gp3", resources: { requests: { storage: overrides.storage ?? "1Gi" } } },
                },
            ],
        },
    };
}

const resourceState = (urn: string, inputs: object, protect = false) => ({ type: urn.split("::")[2].split("$").pop(), urn, inputs, outputs: {}, protect });

function step(op: string, urn: string, before: object | undefined, after: object | undefined, extra: Partial<Record<string, unknown>> = {}) {
    return {
        op,
        urn,
        oldState: before ? resourceState(urn, before) : undefined,
        newState: after ? resourceState(urn, after) : undefined,
        ...extra,
    };
}

function digest(steps: object[]): string {
    return JSON.stringify({ steps: [{ op: "same", urn: "urn:pulumi:prod::sticky::pulumi:pulumi:Stack::sticky-prod" }, ...steps], changeSummary: { same: 1 } }, null, 4);
}

const review = (text: string | undefined, stderr?: string, exitStatus?: number) => reviewPreview({ preview: parsePreview(text), stderr, exitStatus });
const markdown = (text: string | undefined, stderr?: string, exitStatus?: number) => renderReview(review(text, stderr, exitStatus));

// ---------------------------------------------------------------------------------------------

describe("preview review: reading what the CLI printed", () => {
    const one = digest([step("update", STS_URN, statefulSet({}), statefulSet({ image: "nginx:2" }), { diffReasons: ["spec"], detailedDiff: { "spec.template.spec.containers[0].image": { kind: "update", inputDiff: true } } })]);

    it("reads the digest: steps with their states, the stack and project from the URNs", () => {
        const parsed = parsePreview(one);
        assert.deepStrictEqual([parsed.format, parsed.stack, parsed.project, parsed.complete, parsed.policies], ["digest", "prod", "sticky", true, undefined]);
        const update = parsed.steps.find((s) => s.op === "update") as PlannedStep;
        assert.deepStrictEqual([update.type, update.name, update.parentTypes], [TYPES.statefulSet, "sticky", [STICKY_APP_TYPE]]);
        assert.strictEqual((update.new?.inputs as any).spec.template.spec.containers[0].image, "nginx:2");
    });

    it("reads the event stream, policy events and the summary included", () => {
        const events = [
            { sequence: 0, timestamp: 1, preludeEvent: { config: {} } },
            { sequence: 1, timestamp: 1, resourcePreEvent: { metadata: { op: "update", urn: STS_URN, type: TYPES.statefulSet, old: resourceState(STS_URN, statefulSet({})), new: resourceState(STS_URN, statefulSet({ replicas: 2 })), diffs: ["spec"], detailedDiff: { "spec.replicas": { diffKind: "update", inputDiff: true } }, provider: "" } } },
            { sequence: 2, timestamp: 1, policyEvent: { resourceUrn: STS_URN, message: "desc\nStatefulSet \"sticky\": bad", color: "never", policyName: "p", policyPackName: "sticky", policyPackVersion: "1.0.0", policyPackVersionTag: "1.0.0", enforcementLevel: "advisory" } },
            { sequence: 3, timestamp: 1, summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: { update: 1, same: 7 }, PolicyPacks: { sticky: "1.0.0" }, isPreview: true } },
        ];
        const parsed = parsePreview(events.map((e) => JSON.stringify(e)).join("\n"));
        assert.deepStrictEqual([parsed.format, parsed.complete, parsed.steps.length, parsed.changeSummary], ["events", true, 1, { update: 1, same: 7 }]);
        assert.deepStrictEqual(parsed.steps[0].detailedDiff, { "spec.replicas": { kind: "update", inputDiff: true } });
        assert.deepStrictEqual(parsed.policies, [{ pack: "sticky", policy: "p", level: "advisory", message: 'desc\nStatefulSet "sticky": bad', urn: STS_URN }]);
        assert.deepStrictEqual(parsed.policyPacks, { sticky: "1.0.0" });

        const cut = events.slice(0, 2).map((e) => JSON.stringify(e)).join("\n") + '\n{"sequence":2,"timest';
        const partial = parsePreview(cut);
        assert.deepStrictEqual([partial.complete, partial.steps.length, partial.problems], [false, 1, ["the last event is cut off (21 characters of an unfinished line)"]]);
    });

    it("keeps every whole step of a digest cut off mid-way, and says where it stops", () => {
        const cut = one.slice(0, one.indexOf('"changeSummary"') - 10);
        const parsed = parsePreview(cut);
        assert.deepStrictEqual([parsed.format, parsed.complete, parsed.steps.map((s) => s.op)], ["digest", false, ["same", "update"]]);
        assert.deepStrictEqual(parsed.problems, [`the JSON stops after ${cut.trim().length} characters, unfinished`]);
        const mid = one.slice(0, one.indexOf("nginx:2"));
        assert.deepStrictEqual(parsePreview(mid).steps.map((s) => s.op), ["same"]);
    });

    it("reads brackets inside strings as text when salvaging", () => {
        assert.deepStrictEqual(completeArrayElements('{"steps": [{"a": "]}{"}, {"b": 1}, {"c": ', "steps"), [{ a: "]}{" }, { b: 1 }]);
    });

    it("says what is wrong with a missing, empty or non-JSON output", () => {
        const cases: [string | undefined, string][] = [
            [undefined, "the preview wrote no JSON file"],
            ["  \n", "the preview's JSON output is empty"],
            ["error: no stack named 'prod' found", 'the preview\'s output is not JSON (it starts "error: no stack named \'prod\' found")'],
        ];
        for (const [text, problem] of cases) {
            const parsed = parsePreview(text);
            assert.deepStrictEqual([parsed.format, parsed.problems], ["none", [problem]]);
            assert.strictEqual(reviewPreview({ preview: parsed }).verdict, "failed");
        }
    });

    it("compares Kubernetes quantities", () => {
        assert.deepStrictEqual(
            [compareQuantities("1Gi", "2Gi"), compareQuantities("1Gi", "1024Mi"), compareQuantities("10G", "1Gi"), compareQuantities("1Gi", "x")],
            ["grows", "same", "shrinks", "unknown"],
        );
    });
});

describe("preview review: verdicts and sentences", () => {
    const verdictOf = (text: string, stderr?: string, status?: number): Verdict => review(text, stderr, status).verdict;

    it("puts the verdict on the first line, for each verdict", () => {
        const cases: [string, Verdict][] = [
            [digest([]), "none"],
            [digest([step("update", STS_URN, statefulSet({}), statefulSet({ replicas: 4 }), { detailedDiff: { "spec.replicas": { kind: "update" } } })]), "safe"],
            [digest([step("delete", STS_URN, statefulSet({}), undefined)]), "at-risk"],
        ];
        for (const [text, verdict] of cases) {
            assert.strictEqual(verdictOf(text), verdict);
            assert.strictEqual(markdown(text).split("\n")[0], `### ${{ none: "⚪", safe: "🟢", "at-risk": "🔴", failed: "⛔" }[verdict]} ${VERDICT_TITLES[verdict]}: \`sticky/prod\``);
        }
    });

    it("a failed preview: errors from diagnostics, stderr or the exit status, and the steps it had planned", () => {
        const planned = JSON.parse(digest([step("replace", STS_URN, statefulSet({}), statefulSet({ storage: "2Gi" }), { replaceReasons: ["spec.volumeClaimTemplates"], detailedDiff: { "spec.volumeClaimTemplates[0].spec.resources.requests.storage": { kind: "update-replace" } } })]));
        planned.diagnostics = [{ urn: STS_URN, message: "error: dry run refused\n", severity: "error" }];
        const text = markdown(JSON.stringify(planned));
        assert.match(text, /^### ⛔ Preview failed: `sticky\/prod`\n\n- StatefulSet `sticky`: dry run refused\n- It had planned 1 change before it stopped \(below\)\./);
        assert.match(text, /\*\*Replaced\*\* \(`spec\.volumeClaimTemplates` cannot change in place\)/);

        assert.strictEqual(verdictOf(digest([]), "error: preview failed: something\n"), "failed");
        assert.strictEqual(verdictOf(digest([]), "", 255), "failed");
        assert.match(markdown(digest([]), "", 255), /`pulumi preview` exited with status 255\./);
        assert.strictEqual(verdictOf(digest([]), "warning: a warning only\n", 0), "none");
    });

    it("a mandatory violation fails the preview and comes before advisories", () => {
        const events = [
            { sequence: 1, policyEvent: { resourceUrn: STS_URN, message: "d\nadvice", policyName: "soft", policyPackName: "sticky", enforcementLevel: "advisory" } },
            { sequence: 2, policyEvent: { resourceUrn: STS_URN, message: "d\nbroken", policyName: "hard", policyPackName: "sticky", enforcementLevel: "mandatory" } },
            { sequence: 3, summaryEvent: { resourceChanges: {}, PolicyPacks: { sticky: "1.0.0" } } },
        ].map((e) => JSON.stringify(e)).join("\n");
        const text = markdown(events);
        assert.match(text, /^### ⛔ Preview failed: `\?`\n\n- 1 mandatory policy violation: `hard`\./);
        const policies = text.slice(text.indexOf("#### Policies"));
        assert.ok(policies.indexOf("**mandatory** `hard`") < policies.indexOf("**advisory** `soft`"));
        assert.match(policies, /- \*\*mandatory\*\* `hard` \(sticky\) on StatefulSet `sticky`: broken/);
    });

    it("scaling down with whenScaled: Delete deletes the claims: data at risk", () => {
        const text = markdown(digest([step("update", STS_URN, statefulSet({ whenScaled: "Delete" }), statefulSet({ replicas: 1, whenScaled: "Delete" }), { detailedDiff: { "spec.replicas": { kind: "update" } } })]));
        assert.match(text, /^### 🔴 Downtime or data at risk/);
        assert.match(text, /Their claims are \*\*deleted\*\* \(whenScaled: Delete\): `sticky-data-sticky-1` and `sticky-data-sticky-2`\./);
    });

    it("a replacement under another name leaves the old claims behind, unadopted", () => {
        const text = markdown(digest([step("replace", STS_URN, statefulSet({}), statefulSet({ name: "sticky2" }), { replaceReasons: ["metadata"] })]));
        assert.match(text, /\*\*The new StatefulSet \(`sticky2`, claim templates `sticky-data`\) does not adopt the old claims\*\*: `sticky-data-sticky-0`, `sticky-data-sticky-1` and `sticky-data-sticky-2` stay behind/);
    });

    it("claims this preview patches grow in place; existing claims are then not reported as left out", () => {
        const claimUrn = (i: number) => `urn:pulumi:prod::sticky::${STICKY_APP_TYPE}$${WATCHED_TYPES.persistentVolumeClaimPatch}::${claimName("sticky", i)}`;
        const claim = (i: number, storage: string) => ({ metadata: { name: claimName("sticky", i) }, spec: { resources: { requests: { storage } } } });
        const steps = [
            step("update", STS_URN, statefulSet({}), statefulSet({ storage: "2Gi" }), { detailedDiff: { "spec.volumeClaimTemplates[0].spec.resources.requests.storage": { kind: "update" } } }),
            ...[0, 1, 2].map((i) => step("update", claimUrn(i), claim(i, "1Gi"), claim(i, "2Gi"), { detailedDiff: { "spec.resources.requests.storage": { kind: "update" } } })),
        ];
        const text = markdown(digest(steps));
        assert.match(text, /^### 🟢 Changes, data safe/);
        assert.match(text, /\*\*Claim `sticky-data-sticky-1`\*\*: Grows from "1Gi" to "2Gi" in place: the volume is expanded, the data stays, pods keep running\./);
        assert.match(text, /and this preview changes every existing claim too/);
        assert.doesNotMatch(text, /do not get this/);
        const shrink = markdown(digest([step("update", claimUrn(0), claim(0, "2Gi"), claim(0, "1Gi"))]));
        assert.match(shrink, /Shrinks from "2Gi" to "1Gi": Kubernetes refuses to shrink a claim/);
    });

    it("names the classes, volumes and cluster parts whose loss reaches the data", () => {
        const urn = (type: string, name: string) => `urn:pulumi:prod::sticky::${type}::${name}`;
        const cases: [object, RegExp][] = [
            [step("replace", urn(TYPES.storageClass, "gp3"), { metadata: { name: "gp3" }, reclaimPolicy: "Retain" }, { metadata: { name: "gp3" }, reclaimPolicy: "Delete" }, { replaceReasons: ["reclaimPolicy"], detailedDiff: { reclaimPolicy: { kind: "update-replace" } } }), /\*\*StorageClass `gp3`\*\*: \*\*Replaced\*\* \(`reclaimPolicy`: "Retain" → "Delete"\): .*Existing volumes keep the reclaim policy/],
            [step("update", urn(WATCHED_TYPES.persistentVolume, "pv-1"), { metadata: { name: "pv-1" }, spec: { persistentVolumeReclaimPolicy: "Retain" } }, { metadata: { name: "pv-1" }, spec: { persistentVolumeReclaimPolicy: "Delete" } }), /\*\*Volume `pv-1`\*\*: Reclaim policy "Retain" → "Delete": deleting its claim will now delete the disk\./],
            [step("delete", urn(TYPES.persistentVolumeClaim, "data"), { metadata: { name: "data" } }, undefined), /\*\*Claim `data`\*\*: \*\*Deleted\*\*/],
            [step("replace", urn(WATCHED_TYPES.eksCluster, "sticky"), { version: "1.35" }, { version: "1.36" }, { replaceReasons: ["vpcId"] }), /\*\*EKS cluster `sticky`\*\*: \*\*Replaced\*\* \(`vpcId` cannot change in place\): every pod, claim and volume binding in it goes/],
            [step("replace", urn(WATCHED_TYPES.managedNodeGroup, "sticky-nodes"), {}, {}, { replaceReasons: ["instanceTypes"] }), /\*\*Node group `sticky-nodes`\*\*: \*\*Replaced\*\* .*drained and replaced/],
            [step("delete", urn(WATCHED_TYPES.addon, "ebs-csi-driver"), { addonName: EBS_CSI_ADDON }, undefined), /\*\*EBS CSI driver addon `ebs-csi-driver`\*\*: \*\*Deleted\*\*: while the driver is gone no EBS volume is provisioned, attached or detached/],
        ];
        for (const [s, expected] of cases) {
            const text = markdown(digest([s]));
            assert.match(text, /^### 🔴 Downtime or data at risk/, text);
            assert.match(text, expected);
        }
        // An update of the cluster in place, or another addon, is a change, not a risk.
        assert.strictEqual(review(digest([step("update", urn(WATCHED_TYPES.eksCluster, "sticky"), { version: "1.35" }, { version: "1.36" }, { detailedDiff: { version: { kind: "update" } } })])).verdict, "safe");
        assert.strictEqual(review(digest([step("delete", urn(WATCHED_TYPES.addon, "other"), { addonName: "kube-proxy" }, undefined)])).verdict, "safe");
    });

    it("cuts the diff to GitHub's limit, never the verdict", () => {
        const huge = "x".repeat(5000);
        const steps = Array.from({ length: 400 }, (_, i) => step("update", `urn:pulumi:prod::sticky::kubernetes:core/v1:ConfigMap::cm-${i}`, { data: { a: "" } }, { data: { a: huge } }, { detailedDiff: { "data.a": { kind: "update" } } }));
        const text = markdown(digest(steps));
        assert.ok(text.length <= GITHUB_COMMENT_LIMIT, `${text.length} characters`);
        assert.match(text, /^### 🟢 Changes, data safe: `sticky\/prod`/);
        assert.match(text, /lines? cut to fit GitHub's 65,536-character comment limit\.\n/);
        assert.match(text, /<\/details>\n$/);

        const tiny = renderReview(review(digest(steps)), { limit: 1000 });
        assert.ok(tiny.length <= 1000, `${tiny.length}`);
        assert.match(tiny, /^### 🟢 Changes, data safe/);
    });
});

describe("preview review: the command", () => {
    const CLI = path.join(ROOT, "bin", "tools", "review", "cli.js");
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });

    it("reviews a missing preview as a failed one, names the stack it was given, and writes the verdict", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "review-cli-"));
        try {
            const verdictFile = path.join(dir, "verdict");
            const result = run(path.join(dir, "preview.json"), path.join(dir, "stderr.txt"), "--exit-status", "1", "--stack", "prod", "--verdict-file", verdictFile);
            assert.strictEqual(result.status, 0, result.stderr);
            assert.match(result.stdout, /^### ⛔ Preview failed: `prod`\n\n- The preview's output is incomplete: the preview wrote no JSON file\./);
            assert.strictEqual(fs.readFileSync(verdictFile, "utf8"), "failed\n");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("rejects bad arguments with a message naming them, exit status 2", () => {
        const cases: [string[], RegExp][] = [
            [[], /expected PREVIEW_JSON and optionally STDERR_FILE, got 0 file arguments/],
            [["a.json", "--exit-status", "x"], /--exit-status = "x": must be the preview's exit status, a whole number/],
            [["a.json", "--limit", "10"], /--limit = "10": must be a whole number of characters, 1000 or more/],
            [["a.json", "--colour"], /unknown option --colour/],
        ];
        for (const [args, message] of cases) {
            const result = run(...args);
            assert.strictEqual(result.status, 2, args.join(" "));
            assert.match(result.stderr, message);
            assert.match(result.stderr, /usage: npm run --silent preview:review -- PREVIEW_JSON \[STDERR_FILE\]/);
        }
    });
});

describe("preview review: what it knows comes from the project and the SDKs", () => {
    it("its type tokens are the SDKs' own", () => {
        assert.deepStrictEqual(WATCHED_TYPES, {
            persistentVolume: typeToken(k8s.core.v1.PersistentVolume),
            persistentVolumeClaimPatch: typeToken(k8s.core.v1.PersistentVolumeClaimPatch),
            eksCluster: typeToken(eks.Cluster),
            awsEksCluster: typeToken(aws.eks.Cluster),
            managedNodeGroup: typeToken(eks.ManagedNodeGroup),
            awsNodeGroup: typeToken(aws.eks.NodeGroup),
            addon: typeToken(aws.eks.Addon),
        });
    });

    it("covers the prod stack's cluster, node group, EBS CSI addon, class and app", async () => {
        const run = await runStack("prod");
        const has = (type: string, check: (inputs: any) => boolean = () => true) => run.resources.some((r) => r.type === type && check(r.inputs));
        assert.ok(has(WATCHED_TYPES.eksCluster), "eks cluster");
        assert.ok(has(WATCHED_TYPES.managedNodeGroup), "node group");
        assert.ok(has(WATCHED_TYPES.addon, (inputs) => inputs.addonName === EBS_CSI_ADDON), "EBS CSI addon");
        assert.ok(has(TYPES.storageClass), "class");
        const app = run.resources.find((r) => r.type === TYPES.statefulSet);
        assert.ok(app?.urn.includes(`${STICKY_APP_TYPE}$${TYPES.statefulSet}::`), "the StatefulSet is the component's child");
        assert.strictEqual(app?.inputs.spec.volumeClaimTemplates[0].metadata.name, CLAIM_TEMPLATE);
    });
});

// ---------------------------------------------------------------------------------------------
// Fixtures (tests/fixtures/previews/README.md says which is real and which mocked).

const fixture = (name: string) => {
    const read = (ext: string) => (fs.existsSync(path.join(FIXTURES, `${name}.${ext}`)) ? fs.readFileSync(path.join(FIXTURES, `${name}.${ext}`), "utf8") : undefined);
    const status = read("status");
    return { json: read("json"), stderr: read("stderr"), status: status === undefined ? undefined : Number(status) };
};
const reviewFixture = (name: string) => {
    const { json, stderr, status } = fixture(name);
    assert.ok(json !== undefined, `tests/fixtures/previews/${name}.json is missing`);
    const parsed: ParsedPreview = parsePreview(json);
    const r = reviewPreview({ preview: parsed, stderr, exitStatus: status });
    return { parsed, review: r, text: renderReview(r) };
};

describe("preview review: mocked prod previews (tests/mock-preview.ts)", function () {
    this.timeout(60_000);
    // The committed files are a snapshot (what the review is asserted on below); the program moves
    // on, so today's run is held to the same verdict and the same resources, not the same bytes.
    for (const [name, overrides] of Object.entries(PROD_MOCK_FIXTURES)) {
        it(`${name}: the program today gives the committed fixture's verdict, about the same resources`, async () => {
            const generated = `${JSON.stringify(await mockPreview("prod", overrides), null, 4)}\n`;
            const file = path.join(FIXTURES, `${name}.json`);
            if (process.env.STICKY_WRITE_FIXTURES) fs.writeFileSync(file, generated);
            assert.ok(fs.existsSync(file), `${file} is missing: STICKY_WRITE_FIXTURES=1 npm test writes it`);
            const today = reviewPreview({ preview: parsePreview(generated) });
            const committed = reviewFixture(name).review;
            const shape = (r: typeof today) => ({ verdict: r.verdict, subjects: r.findings.map((f) => f.subject) });
            assert.deepStrictEqual(shape(today), shape(committed), `${name} reviews differently now: STICKY_WRITE_FIXTURES=1 npm test rewrites it`);
        });
    }

    it("a claim size change in prod: every pod stops together, the claims are adopted at their old size", () => {
        const { review: r, text } = reviewFixture("prod-storage-size");
        assert.strictEqual(r.verdict, "at-risk");
        assert.match(text, /all 3 pods \(`sticky-0`, `sticky-1` and `sticky-2`\) stop together/);
        assert.match(text, /`sticky-data-sticky-0`, `sticky-data-sticky-1` and `sticky-data-sticky-2` keep "1Gi"; only claims created from now on get "20Gi"/);
    });

    it("a node instance type change replaces every node group", () => {
        const { review: r, text } = reviewFixture("prod-node-instance-type");
        assert.strictEqual(r.verdict, "at-risk");
        const groups = r.findings.filter((f) => f.subject.startsWith("Node group "));
        assert.ok(groups.length >= 2, `${groups.length} node groups`);
        for (const group of groups) {
            assert.ok(group.risk);
            assert.match(group.sentences[0], /^\*\*Replaced\*\* \(`instanceTypes` cannot change in place\): its nodes are drained and replaced/);
        }
        assert.match(text, /\*\*Node group `sticky-0`\*\*: \*\*Replaced\*\*/);
    });

    it("a Kubernetes version upgrade updates the cluster in place", () => {
        const { review: r, text } = reviewFixture("prod-kubernetes-version");
        assert.strictEqual(r.verdict, "safe");
        assert.match(text, /\*\*EKS cluster `sticky`\*\*: Updated in place \([^)]*`version`\)\./);
    });
});

describe("preview review: real previews of the dev stack (e2e/preview-review.e2e.ts)", () => {
    const cases: [string, Verdict, RegExp[]][] = [
        ["dev-no-change", "none", [/No pod, claim, volume, class or cluster changes\./]],
        ["dev-image", "safe", [/Pods restart one at a time \(rolling update: `sticky-2`, then `sticky-1`, then `sticky-0`\); each comes back with its own claim\./]],
        ["dev-fewer-replicas", "safe", [/Scales down from 3 to 2: `sticky-2` stops/, /Their claims are kept \(whenScaled: Retain\)/]],
        ["dev-bad-config", "failed", [/sticky:servicePort = "70000": must be a TCP port, 1 to 65535/, /Nothing to check: the preview stopped before the program registered any resource\./]],
        ["dev-mandatory-policy", "failed", [/- \d+ mandatory policy violations?: [^\n]*`no-hostpath-class-outside-dev`/, /\*\*mandatory\*\* `no-hostpath-class-outside-dev`/]],
    ];
    for (const [name, verdict, sentences] of cases) {
        it(`${name}: ${VERDICT_TITLES[verdict].toLowerCase()}`, () => {
            const { review: r, text } = reviewFixture(name);
            assert.strictEqual(r.verdict, verdict, text);
            for (const sentence of sentences) assert.match(text, sentence);
        });
    }

    it("a digest and an event stream of the same change read the same but for the policies", () => {
        const stream = reviewFixture("dev-image").review;
        const digestReview = reviewFixture("dev-image-digest").review;
        assert.deepStrictEqual([digestReview.verdict, digestReview.findings], [stream.verdict, stream.findings]);
        assert.strictEqual(digestReview.policies, undefined);
        assert.ok(stream.policies !== undefined);
    });

    it("docs/pull-request-review.md shows the review of the real storage size preview, as npm run docs:review-example writes it", () => {
        assert.strictEqual(currentBlock(fs.readFileSync(EXAMPLE_DOC, "utf8")), exampleBlock(), "run npm run docs:review-example");
    });
});
