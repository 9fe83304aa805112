/**
 * The article's demo, on real containers (`npm run demo`; also part of `npm run test:e2e`).
 *
 * `pulumi up --stack dev` deploys the app to the test cluster's real node (containerd + runc,
 * nginx built from Debian packages), then each step of the article is done and asserted the way
 * a person would check it: over HTTP on 127.0.0.1:3333, where the LoadBalancer answers as on
 * Docker Desktop, and pod by pod on the pods' own addresses. Each step says what it shows.
 *
 * The steps depend on each other and run in order; mocha's --bail stops at the first failure.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { DATA_PATH } from "../components/sticky-app-contract";
import { expectOneInThree, expectOnlySticky2Has, LB_HOST, LB_PORT, sample, upWhileRequesting } from "./app-requests";
import { type AppPod, appPods, appReady, appServing } from "./app-state";
import { Answer, httpGet, showTally, tally } from "./requests";
import { devStackWorkspace, localImages, ROOT, say, tearDown, TEST_CONTEXT, waitFor, Workspace } from "./workspace";

const POD_NAMES = ["sticky-0", "sticky-1", "sticky-2"];

/** Waits for sticky-0..2 Ready (on `image`, if given) and reachable through the Service. */
async function allServing(ws: Workspace, image?: string): Promise<AppPod[]> {
    return waitFor("sticky-0..2 Ready" + (image ? ` on ${image}` : "") + " and behind the Service", 300, () =>
        appServing(ws, (p) => !image || p.image === image),
    );
}

describe("the article's demo on real containers", function () {
    this.timeout(15 * 60 * 1000);
    const images = localImages();
    let ws: Workspace;
    let claimVolumes: Record<string, string>;

    const volumesOfClaims = () =>
        Object.fromEntries((ws.get("pvc", "-l", "app=sticky").items as any[]).map((c) => [c.metadata.name, c.spec.volumeName]));

    before(async () => {
        // The older of the two nginx builds, so step 5 can upgrade it.
        ws = await devStackWorkspace("sticky-demo-", { image: images["nginx-previous"] });
        const node = ws.get("nodes").items[0];
        say(`cluster: ${TEST_CONTEXT}, node ${node.metadata.name} (${node.status.nodeInfo.containerRuntimeVersion}, ` +
            `kubelet ${node.status.nodeInfo.kubeletVersion}), image ${images["nginx-previous"]}`);
        const up = ws.up();
        const running = await allServing(ws);
        claimVolumes = volumesOfClaims();
        say(`pulumi up --stack dev: ${up.seconds.toFixed(1)} s; pods ${running.map((p) => `${p.name} ${p.ip}`).join(", ")}`);
    });

    after(() => tearDown(ws));

    it("1. before any write, the service answers 403: each pod serves an empty volume", async () => {
        const answers = await sample(30);
        say(`30 requests to http://${LB_HOST}:${LB_PORT}/ -> ${showTally(tally(answers))}`);
        assert.ok(answers.every((a) => a.status === 403), showTally(tally(answers)));
        assert.match((await httpGet(LB_HOST, LB_PORT)).body, /403 Forbidden/);
    });

    it("2. hello written into sticky-2 (kubectl exec) comes back from about one request in three", async () => {
        ws.kubectl("exec", "sticky-2", "--", "sh", "-c", `echo hello > ${DATA_PATH}/index.html`);
        say(`kubectl exec sticky-2 -- sh -c 'echo hello > ${DATA_PATH}/index.html'`);
        expectOneInThree(await sample(), "hello");
        await expectOnlySticky2Has(ws, "hello");
    });

    it("3. every pod deleted: the service goes away, comes back with the same names, and sticky-2 still says hello", async () => {
        const before = appPods(ws);
        ws.kubectl("delete", "pod", "-l", "app=sticky", "--wait=false");
        say("kubectl delete pod -l app=sticky");
        // Ask every 100 ms until three new pods are Ready and behind the Service again, noting
        // what the service answered meanwhile.
        const during: Answer[] = [];
        const started = Date.now();
        let back: AppPod[] | undefined;
        while (!back && Date.now() - started < 300_000) {
            during.push(await httpGet(LB_HOST, LB_PORT, 1000));
            back = appServing(ws, (p) => !before.some((b) => b.uid === p.uid));
            if (!back) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.ok(back, "the StatefulSet brought three new pods back within 5 minutes");
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        say(`until all three were back (${seconds} s, ${during.length} requests): ${showTally(tally(during))}`);
        assert.ok(during.some((a) => a.status === 0), "the service went away while no pod was ready");
        assert.deepStrictEqual(back.map((p) => p.name), POD_NAMES, "the same names");
        assert.deepStrictEqual(volumesOfClaims(), claimVolumes, "the same claims, bound to the same volumes");
        say(`new pods: ${back.map((p) => `${p.name} ${p.ip}`).join(", ")}`);
        expectOneInThree(await sample(), "hello");
        await expectOnlySticky2Has(ws, "hello");
    });

    it("4. the volume is a directory on this machine: byebye written there is what sticky-2 serves", async () => {
        const volumes = (...args: string[]) => ws.ok("node", [path.join(ROOT, "tools", "volumes.mjs"), "--context", TEST_CONTEXT, ...args]).stdout;
        say("npm run volumes -- --context sticky-test");
        for (const line of volumes().trimEnd().split("\n")) say(`  ${line}`);
        const dir = volumes("--claim", "sticky-data-sticky-2", "--path-only").trim();
        const pv = ws.get("pv", claimVolumes["sticky-data-sticky-2"]);
        assert.strictEqual(dir, pv.spec.hostPath.path, "the script names the PersistentVolume's host path");
        assert.strictEqual(fs.readFileSync(path.join(dir, "index.html"), "utf8"), "hello\n", "the file kubectl exec wrote is there");
        fs.writeFileSync(path.join(dir, "index.html"), "byebye\n");
        say(`echo byebye > ${dir}/index.html`);
        expectOneInThree(await sample(), "byebye");
        await expectOnlySticky2Has(ws, "byebye");
    });

    it("5. byebye survives a claim size change (1Gi -> 2Gi) with the service up throughout, then an image upgrade", async () => {
        const statefulSet = ws.get("statefulset", "sticky").metadata.uid;
        const before = appPods(ws);
        ws.pulumi("config", "set", "sticky:storageSize", "2Gi", "--stack", "dev");
        // Requests every 50 ms while pulumi up runs (without blocking them). --skip-preview: the
        // provider built here fails the preview of this replacement (pulumi-kubernetes#4328; see
        // e2e/dev-stack.e2e.ts step 4b, which checks the plan).
        const { up: resized, answers: during } = await upWhileRequesting(ws);
        await waitFor("the new StatefulSet rolled out", 120, () => appReady(ws));
        say(`sticky:storageSize 2Gi: pulumi up ${resized.seconds.toFixed(1)} s; meanwhile ${during.length} requests -> ${showTally(tally(during))}`);
        const warning = /StorageClass "hostpath" does not allow volume expansion \(allowVolumeExpansion is not true\), so the existing claims keep 1Gi/;
        assert.match(resized.stdout + resized.stderr, warning, "pulumi up says why the claims keep their size");
        say(`pulumi up said: ${(resized.stdout + resized.stderr).match(/claim size 1Gi -> 2Gi[^\n]*/)?.[0]}`);
        assert.ok(during.every((a) => a.status === 200 || a.status === 403), `every request answered by a pod: ${showTally(tally(during))}`);
        assert.ok(during.some((a) => a.status === 200 && a.body === "byebye"), "sticky-2 answered byebye meanwhile");

        const sts = ws.get("statefulset", "sticky");
        assert.notStrictEqual(sts.metadata.uid, statefulSet, "a new StatefulSet");
        assert.strictEqual(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "2Gi", "whose claim template asks for 2Gi");
        assert.deepStrictEqual(appPods(ws).map((p) => p.uid), before.map((p) => p.uid), "the same pods, adopted, never restarted");
        assert.deepStrictEqual(volumesOfClaims(), claimVolumes, "the same claims and volumes");
        const sizes = (ws.get("pvc", "-l", "app=sticky").items as any[]).map((c) => `${c.spec.resources.requests.storage}/${c.status.capacity.storage}`);
        assert.deepStrictEqual(sizes, ["1Gi/1Gi", "1Gi/1Gi", "1Gi/1Gi"], "hostpath cannot expand: the claims keep 1Gi");
        expectOneInThree(await sample(), "byebye");
        await expectOnlySticky2Has(ws, "byebye");

        ws.pulumi("config", "set", "sticky:image", images.nginx, "--stack", "dev");
        const started = Date.now();
        const upgraded = ws.up();
        const now = await allServing(ws, images.nginx);
        // pulumi up returns once the StatefulSet accepted the new template; the pods roll after it,
        // one at a time, each draining for its preStop sleep first (core/drain.ts).
        const rolled = (Date.now() - started) / 1000;
        const versions = new Set((ws.get("pods", "-l", "app=sticky").items as any[]).map((p) => p.status.containerStatuses[0].image));
        assert.deepStrictEqual([...versions], [images.nginx], "every pod runs the new image");
        assert.deepStrictEqual(volumesOfClaims(), claimVolumes);
        say(`sticky:image ${images["nginx-previous"]} -> ${images.nginx}: pulumi up ${upgraded.seconds.toFixed(1)} s, every pod serving it after ${rolled.toFixed(1)} s (${now.map((p) => p.name).join(", ")})`);
        expectOneInThree(await sample(), "byebye");
        await expectOnlySticky2Has(ws, "byebye");
    });
});
