/**
 * The rules of the stack's own NodePool, as pure data and checks: which instance families, how
 * long a node lives, when drift may replace nodes, and the limits. Pure (no Pulumi import):
 * definition.ts validates the keys with it, node-pool.ts builds the NodePool from it. Field
 * forms were checked against Karpenter's NodePool CRD (`karpenter.sh_nodepools.yaml` of
 * sigs.k8s.io/karpenter v1.1.0, the version AWS's Auto Mode docs name).
 */

/** An EC2 instance family: letters, a generation digit, options (`m7i`, `c7gn`, `m7i-flex`). */
export const INSTANCE_FAMILY = /^[a-z]+[0-9][a-z0-9]*(-flex)?$/;

/** Auto Mode replaces every node within 21 days whatever the pool says. */
export const MAX_NODE_LIFETIME_HOURS = 21 * 24;

/**
 * How long Karpenter may take to drain an expired or drifted node before it deletes the pods
 * still on it (`terminationGracePeriod`): a drain the app's PodDisruptionBudget holds up ends
 * within a day, so a node always leaves before Auto Mode's 21-day cap.
 */
export const NODE_DRAIN_LIMIT_HOURS = 24;

/** `sticky:nodeExpireAfter`: whole hours, `"336h"`. */
const HOURS = /^([0-9]+)h$/;

/** The hours of a `"<n>h"` lifetime, or undefined when it is not one. */
export function lifetimeHours(value: string): number | undefined {
    const match = HOURS.exec(value);
    return match ? Number(match[1]) : undefined;
}

/** A lifetime leaves room for one full drain before the 21-day cap. */
export const isNodeLifetime = (value: string): boolean => {
    const hours = lifetimeHours(value);
    return hours !== undefined && hours >= 24 && hours + NODE_DRAIN_LIMIT_HOURS <= MAX_NODE_LIFETIME_HOURS;
};

/** `sticky:nodeDriftWindow`: a daily window in UTC, `"HH:MM-HH:MM"` (may cross midnight). */
const WINDOW = /^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$/;

export const isDriftWindow = (value: string): boolean => {
    const match = WINDOW.exec(value);
    return match !== null && `${match[1]}:${match[2]}` !== `${match[3]}:${match[4]}`;
};

/** A NodePool disruption budget (the CRD's `spec.disruption.budgets[]`). */
export interface DisruptionBudget {
    readonly nodes: string;
    readonly reasons?: readonly ("Underutilized" | "Empty" | "Drifted")[];
    readonly schedule?: string;
    readonly duration?: string;
}

/**
 * The pool's budgets: at most one node disrupted at a time, whatever the reason. With a drift
 * window, a second budget allows no drift replacement from the window's end until its next
 * start: a cron at the end (Karpenter reads schedules in UTC) lasting the rest of the day.
 * Karpenter applies the most restrictive active budget. Expiry (`expireAfter`) is not a budget
 * reason in Karpenter v1: an expired node is drained at once, pod by pod under the app's budget.
 */
export function disruptionBudgets(driftWindow: string): DisruptionBudget[] {
    const oneAtATime: DisruptionBudget = { nodes: "1" };
    const match = WINDOW.exec(driftWindow);
    if (match === null) return [oneAtATime];
    const [start, end] = [Number(match[1]) * 60 + Number(match[2]), Number(match[3]) * 60 + Number(match[4])];
    const closed = (start - end + 24 * 60) % (24 * 60);
    return [
        oneAtATime,
        { nodes: "0", reasons: ["Drifted"], schedule: `${Number(match[4])} ${Number(match[3])} * * *`, duration: `${Math.floor(closed / 60)}h${closed % 60}m` },
    ];
}
