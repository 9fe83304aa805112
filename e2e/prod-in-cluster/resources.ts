/**
 * The prod stack's environment module on the test cluster: the EKS environment's in-cluster half
 * (environments/eks/in-cluster.ts, unchanged) with the AWS half stood in by facts. The e2e
 * (prod-in-cluster.e2e.ts) puts it in place of environments/eks/resources.ts in its workspace, so
 * everything else of `pulumi up --stack prod` is the committed program: Pulumi.prod.yaml's
 * settings and their checks, the plan, the app, the policy pack and the review.
 *
 * What is stood in, and by what:
 * - the cluster: the test cluster's context (its provider keeps prod's name, `eks`);
 * - the VPC, subnets, security group and node role the NodeClass names: fixed ids of the right form;
 * - the cluster's incarnation: the test cluster's name and its kube-system namespace's creation
 *   time, in the real incarnation's form (backup.ts);
 * - what AWS says of a `sticky:restoreFrom` source: the EBS stand-in's facts
 *   (test-cluster/local-ebs.mjs: zone, size, tags; a volume some VolumeAttachment names is in use),
 *   judged by the real checks (restore.ts's checkEbsSources, with these lookups for AWS's);
 * - not run at all: the live version check, the log group lookup, backups, the snapshot-controller
 *   add-on (the test cluster runs the real controller) and a restored volume's AWS tags.
 * The zones are the real code's (history.ts): the e2e names the node's zone in
 * `sticky:availabilityZones`, so no AWS lookup is needed.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DeployEnvironment, DeployedEnvironment, DeployOptions } from "../../environments/deployed";
import { incarnationOf } from "../../environments/eks/backup";
import type { EksSettings } from "../../environments/eks/definition";
import { stackZones, ZONES_OUTPUT } from "../../environments/eks/history";
import { eksInCluster, inClusterHandOver } from "../../environments/eks/in-cluster";
import { AUTO_MODE_CLUSTER_TAG, checkEbsSources, type EbsLookups } from "../../environments/eks/restore";

/** Where the e2e tells this module the EBS stand-in keeps its volumes and snapshots, and the cluster's context. */
export const EBS_DIR_ENV = "STICKY_E2E_EBS_DIR";
export const CONTEXT_ENV = "STICKY_E2E_CONTEXT";
/** The test cluster's name, where prod's is `sticky-prod-…`. */
const CLUSTER_NAME = "sticky-test";
const GiB = 2 ** 30;

function required(name: string): string {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: this module runs only inside e2e/prod-in-cluster.e2e.ts's workspace`);
    return value;
}

const readJson = (file: string): any => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined);

/** `kubectl get -o json` on the test cluster, as the identity the stack runs as. */
function kubectlGet(...args: string[]): any {
    return JSON.parse(execFileSync("kubectl", ["--context", required(CONTEXT_ENV), "get", ...args, "-o", "json"], { encoding: "utf8" }));
}

/**
 * What "AWS" says of a source: the stand-in's facts (a volume some VolumeAttachment names is in
 * use, as `describe-volumes` would say), for restore.ts's own checks.
 */
function standInLookups(): EbsLookups {
    const dir = required(EBS_DIR_ENV);
    const attached = () => {
        const handles = new Map((kubectlGet("persistentvolumes").items as any[]).map((pv) => [pv.metadata.name, pv.spec.csi?.volumeHandle]));
        return new Set((kubectlGet("volumeattachments").items as any[]).map((a) => handles.get(a.spec.source.persistentVolumeName)));
    };
    return {
        volume: async (id) => {
            const facts = readJson(path.join(dir, "volumes", `${id}.json`));
            if (facts === undefined) return undefined;
            return { zone: facts.zone, sizeGiB: facts.sizeBytes / GiB, state: attached().has(id) ? "in-use" : "available", clusterTag: facts.tags?.[AUTO_MODE_CLUSTER_TAG] };
        },
        snapshot: async (id) => {
            const facts = readJson(path.join(dir, "snapshots", `${id}.json`));
            return facts === undefined ? undefined : { sizeGiB: facts.sizeBytes / GiB, state: "completed" };
        },
    };
}

/** What environments/eks/resources.ts hands the app, from the in-cluster half alone (the same inClusterHandOver). */
export async function testClusterEnvironment(settings: EksSettings, options: DeployOptions): Promise<DeployedEnvironment> {
    const zones = await stackZones(settings, options.history);
    const restores = await checkEbsSources(options.restores ?? [], settings, zones.zones, CLUSTER_NAME, options.history, standInLookups());
    const created = kubectlGet("namespace", "kube-system").metadata.creationTimestamp as string;
    const incarnation = incarnationOf(CLUSTER_NAME, created);
    const provider = new k8s.Provider("eks", { context: required(CONTEXT_ENV) });
    const facts = {
        incarnation,
        nodeRoleName: "sticky-prod-auto-mode-node",
        subnetIds: zones.zones.map((_, i) => `subnet-0e2e00000000000${i}`),
        securityGroupIds: ["sg-0e2e0000000000000"],
        zones: zones.zones,
    };
    const inCluster = eksInCluster({ settings, facts, restores }, { provider, protect: options.protect });
    return inClusterHandOver(inCluster, provider, { clusterName: pulumi.output(CLUSTER_NAME), [ZONES_OUTPUT]: pulumi.output([...zones.zones]), incarnation });
}

export const deploy: DeployEnvironment<EksSettings> = testClusterEnvironment;
