/**
 * No failed request through the day-two changes that roll or stop pods, on real containers:
 * requests every 50 ms, each on a new connection, through the load balancer (127.0.0.1:3333) and
 * through the Service's cluster IP at once, for the whole of each change, and a step fails on any
 * request that got no answer (or a 5xx), however short. Each step prints sent / failed / longest
 * gap for both ways in.
 *
 * What runs here, within the CI budget: scale down and up, and a `kubectl drain`. The rollout of
 * the pod template (image, liveness ConfigMap and resources in one `pulumi up`, every pod
 * replaced one at a time) runs once, on prod's in-cluster half, with the same requests on its
 * NLB and cluster IP (e2e/prod-in-cluster.e2e.ts step 3): the pod template is the same
 * component's on both stacks, and two full rollouts cost the CI run two minutes. The benchmark (npm run bench:requests, docs/speed.md) runs each change on
 * its own, every pod's eviction and the storage size change too, before and after the drain
 * settings; e2e/storage-size.e2e.ts already fails on any unanswered request during a size change.
 *
 * The test cluster's load balancer is a TCP forwarder to the cluster IP, so both ways in see
 * kube-proxy's view of the endpoints; a cloud load balancer has its own (docs/architecture.md).
 */
import { drainOnePod, scaleDown, scaleUp, settled, uncordon, type DayTwoChange } from "./day-two";
import { expectNoFailedRequest, requestTargets } from "./app-requests";
import type { RequestTarget } from "./requests";
import { devStackWorkspace, say, tearDown, type Workspace } from "./workspace";

describe("zero failed requests through the day-two changes (real containers, load balancer and cluster IP)", function () {
    this.timeout(10 * 60 * 1000);
    let ws: Workspace;
    let targets: RequestTarget[];

    /** Runs the changes with requests throughout; fails on any failed request on either way in. */
    const expectNoFailed = (name: string, ...changes: DayTwoChange[]) =>
        expectNoFailedRequest(targets, name, async () => {
            for (const change of changes) await change.run(ws);
        });

    before(async () => {
        ws = await devStackWorkspace("sticky-zero-", { leftovers: uncordon });
        ws.up();
        await settled(ws, "sticky-0..2 ready and behind the Service");
        targets = requestTargets(ws);
        say(`ways in: ${targets.map((t) => `${t.name} ${t.host}:${t.port}`).join(", ")}`);
    });

    after(() => tearDown(ws, uncordon));

    it("scale down 3 -> 2 and back up, with no failed request", async () => {
        await expectNoFailed("scale down 3 -> 2", scaleDown);
        await expectNoFailed("scale up 2 -> 3", scaleUp);
    });

    it("kubectl drain of the node evicts a pod (the budget holds the rest) with no failed request", async () => {
        await expectNoFailed("kubectl drain", drainOnePod);
    });
});
