/** What the EKS environment reads before it registers anything: the kept zones and the live Kubernetes version. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PreviousDeployment } from "../deployed";
import { snapshotControllerVersion } from "./addon-versions";
import type { EksSettings } from "./definition";
import { compareVersions } from "./versions";
import { planZones, ZoneChangeError, type ZonePlan } from "./zones";

/** The stack output that keeps the zones (read back at the next run). */
export const ZONES_OUTPUT = "availabilityZones";

/** The zones of this run: recorded, else configured, else (a new stack) the region's first ones needing no opt-in. */
export async function stackZones(settings: EksSettings, history: PreviousDeployment | undefined): Promise<ZonePlan> {
    const value = history === undefined ? undefined : await history.output(ZONES_OUTPUT);
    const recorded = Array.isArray(value) && value.every((z) => typeof z === "string") ? (value as string[]) : undefined;
    const needsLookup = (recorded?.length ?? 0) === 0 && settings.availabilityZones.length === 0;
    const available = needsLookup ? await regionZones(settings) : [];
    let plan: ZonePlan;
    try {
        plan = planZones({ configured: settings.availabilityZones, count: settings.availabilityZoneCount, recorded, claimNames: history?.claimNames ?? [] }, () => available);
    } catch (error) {
        // A RunError: Pulumi prints the message alone, without a stack trace.
        if (error instanceof ZoneChangeError) throw new pulumi.RunError(error.message);
        throw error;
    }
    return plan;
}

async function regionZones(settings: EksSettings): Promise<string[]> {
    const { names } = await aws.getAvailabilityZones({ state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] });
    if (names.length < settings.availabilityZoneCount) {
        throw new pulumi.RunError(
            `sticky:availabilityZoneCount = ${settings.availabilityZoneCount}: region ${settings.region} ` +
                `has only ${names.length} zones available (${names.join(", ")}); lower it, or name the zones in sticky:availabilityZones.`,
        );
    }
    return names;
}

/** The cluster runs a newer Kubernetes than the stack asks for (EKS upgraded it). */
export class LiveVersionAheadError extends pulumi.RunError {
    constructor(clusterName: string, live: string, configured: string) {
        let pins = "";
        try {
            snapshotControllerVersion(live);
        } catch {
            pins = ` ${live} has no snapshot-controller pin yet: add its row to environments/eks/addon-versions.ts and its dates to versions.ts first.`;
        }
        super(
            `sticky:kubernetesVersion = "${configured}": cluster ${clusterName} runs Kubernetes ${live} (EKS upgrades the control plane by itself at the end of ` +
                `standard support), and EKS never downgrades one, so this run would fail or leave the snapshot-controller add-on on ${configured}. ` +
                `Set it: \`pulumi config set sticky:kubernetesVersion ${live}\`, then \`pulumi refresh\` and \`pulumi up\`: the add-on follows ` +
                `(Auto Mode has replaced the nodes already; docs/prod-on-eks.md#when-aws-upgraded-the-cluster).${pins}`,
        );
        this.name = "LiveVersionAheadError";
    }
}

/** Refuses a run whose `sticky:kubernetesVersion` is older than the live cluster's (a read that fails is said and skipped). */
export async function checkLiveVersion(settings: EksSettings, clusterName: string, history: PreviousDeployment | undefined): Promise<void> {
    if (history === undefined) return;
    let live: string | undefined;
    try {
        live = (await aws.eks.getCluster({ name: clusterName })).version;
    } catch (error) {
        void pulumi.log.warn(`could not read cluster ${clusterName}'s live version (${(error as Error).message.split("\n")[0]}); not compared with sticky:kubernetesVersion`);
        return;
    }
    if (typeof live === "string" && /^\d+\.\d+$/.test(live) && compareVersions(live, settings.kubernetesVersion) > 0) {
        throw new LiveVersionAheadError(clusterName, live, settings.kubernetesVersion);
    }
}
