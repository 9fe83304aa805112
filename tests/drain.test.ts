/**
 * The drain timing's relations (core/drain.ts), checked as numbers: each one is what keeps a
 * request from failing while a pod stops, so a change to one value that breaks another's reason
 * fails here rather than on a rollout.
 */
import * as assert from "assert";
import { LOAD_BALANCER_DEREGISTRATION_DELAY_SECONDS, LOAD_BALANCER_HEALTH_CHECK, POD_DRAIN, ROLLOUT_SECONDS_PER_POD, rolloutTimeoutMinutes, TERMINATION_GRACE_SECONDS } from "../core/drain";
import { TYPES } from "../core/kubernetes";
import { find, runStack } from "./harness";

describe("drain timing", () => {
    it("gives a StatefulSet rollout a pod's stop, start and minReadySeconds per replica, beyond the provider's 10 minutes", async () => {
        assert.ok(ROLLOUT_SECONDS_PER_POD >= TERMINATION_GRACE_SECONDS + POD_DRAIN.minReadySeconds + 35, "the measured 35 s a pod, and more");
        assert.deepStrictEqual([1, 3, 100].map(rolloutTimeoutMinutes), [12, 16, 210]);
        const prod = find(await runStack("prod"), TYPES.statefulSet);
        assert.deepStrictEqual(prod.customTimeouts, { create: "16m", update: "16m" });
        const many = find(await runStack("dev", { "sticky:replicas": "40" }), TYPES.statefulSet);
        assert.deepStrictEqual(many.customTimeouts, { create: "90m", update: "90m" });
    });

    it("the termination grace covers the preStop sleep and nginx's graceful stop", () => {
        assert.ok(TERMINATION_GRACE_SECONDS >= POD_DRAIN.preStopSeconds + POD_DRAIN.gracefulStopSeconds, `${TERMINATION_GRACE_SECONDS} s`);
    });

    it("the load balancer is done with a pod (deregistration delay) before nginx stops", () => {
        assert.ok(LOAD_BALANCER_DEREGISTRATION_DELAY_SECONDS <= POD_DRAIN.preStopSeconds);
    });

    it("a load balancer's health check takes a target out within the preStop sleep", () => {
        const check = LOAD_BALANCER_HEALTH_CHECK;
        assert.ok(check.unhealthyThreshold * check.intervalSeconds < POD_DRAIN.preStopSeconds);
        assert.ok(check.timeoutSeconds < check.intervalSeconds);
    });

    it("a new pod stays ready for as long as a load balancer needs to take it in", () => {
        const check = LOAD_BALANCER_HEALTH_CHECK;
        assert.ok(POD_DRAIN.minReadySeconds >= check.healthyThreshold * check.intervalSeconds);
    });

    it("every value is in the range an NLB target group accepts", () => {
        const check = LOAD_BALANCER_HEALTH_CHECK;
        // Elastic Load Balancing's limits for a network load balancer's target group.
        assert.ok(check.intervalSeconds >= 5 && check.intervalSeconds <= 300);
        assert.ok(check.timeoutSeconds >= 2 && check.timeoutSeconds <= 120);
        for (const threshold of [check.healthyThreshold, check.unhealthyThreshold]) assert.ok(threshold >= 2 && threshold <= 10);
        assert.ok(LOAD_BALANCER_DEREGISTRATION_DELAY_SECONDS >= 0 && LOAD_BALANCER_DEREGISTRATION_DELAY_SECONDS <= 3600);
    });
});
