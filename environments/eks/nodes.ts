/**
 * The stack's NodePool rules as pure checks (definition.ts) and data (node-pool.ts). Forms as
 * Karpenter v1.1.0's CRD has them (`karpenter.sh_nodepools.yaml`; AWS's Auto Mode docs name 1.1).
 */

/** An EC2 instance family: letters, a generation digit, options (`m7i`, `c7gn`, `m7i-flex`). */
export const INSTANCE_FAMILY = /^[a-z]+[0-9][a-z0-9]*(-flex)?$/;

/** Auto Mode replaces every node within 21 days whatever the pool says. */
export const MAX_NODE_LIFETIME_HOURS = 21 * 24;

/** `terminationGracePeriod`: a drain the app's PodDisruptionBudget holds up ends within a day, inside Auto Mode's 21-day cap. */
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
 * One node disrupted at a time; with a drift window, no drift from its end (a UTC cron) for the
 * rest of the day (the most restrictive active budget wins). Expiry is no budget reason in
 * Karpenter v1: an expired node drains at once, pod by pod under the app's budget.
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
