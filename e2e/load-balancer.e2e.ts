/**
 * A slow load balancer: `pulumi up` must wait for the address, not finish with an empty `url`.
 *
 * The Service's await is pulumi-kubernetes' `pulumi.com/waitFor` condition (see
 * components/sticky-app.ts), which replaced the provider's built-in await to save its 10-second
 * settle. This shows the replacement still waits for what matters: the test cluster's local cloud
 * holds back every load-balancer address (ConfigMap kube-system/local-cloud, as a cloud whose NLB
 * takes minutes would), the pods come up and serve, and `pulumi up` must still be running with no
 * address published; once the address is released, it finishes and `url` carries it.
 */
import * as assert from "assert";
import { LB_PORT } from "./app-requests";
import { appReady } from "./app-state";
import { devStackWorkspace, tearDown, TEST_CONTEXT, waitFor, Workspace } from "./workspace";

const HOLD = ["--namespace", "kube-system", "configmap", "local-cloud"];
/** The hold, if a run stopped before releasing it: it would hold every later run's address too. */
const releaseHold = (ws: Workspace) => ws.run("kubectl", ["--context", TEST_CONTEXT, "delete", ...HOLD, "--ignore-not-found"]);

describe("a late load-balancer address (pulumi up waits for it)", function () {
    this.timeout(10 * 60 * 1000);
    let ws: Workspace;

    before(async () => {
        ws = await devStackWorkspace("sticky-lb-", { leftovers: releaseHold });
    });

    after(() => tearDown(ws, releaseHold));

    it("holds pulumi up until the address exists, then outputs it as url", async () => {
        ws.kubectl("create", ...HOLD, "--from-literal=holdLoadBalancerAddresses=true");
        let finished = false;
        const up = ws.runAsync("pulumi", ["up", "--yes", "--skip-preview", "--stack", "dev", "--non-interactive"]).then((result) => {
            finished = true;
            return result;
        });

        // The pods come up and the port listens, but no address is published...
        await waitFor("sticky 3/3 ready while the address is held", 300, () => appReady(ws));
        // ...for a while longer than any await would take to notice the ready pods.
        await new Promise((resolve) => setTimeout(resolve, 5000));
        assert.deepStrictEqual(ws.get("service", "sticky").status.loadBalancer, {}, "no address while held");
        assert.ok(!finished, "pulumi up finished before the load balancer had an address");

        ws.kubectl("delete", ...HOLD);
        const { status, stdout, stderr } = await up;
        assert.strictEqual(status, 0, stdout + stderr);
        const ingress = ws.get("service", "sticky").status.loadBalancer.ingress;
        assert.deepStrictEqual(ingress, [{ hostname: "localhost" }]);
        const url = JSON.parse(ws.pulumi("stack", "output", "url", "--json", "--stack", "dev").stdout);
        assert.strictEqual(url, `http://localhost:${LB_PORT}`);
    });
});
