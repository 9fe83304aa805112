/**
 * Which availability zones the cluster's subnets and nodes are in: decided once, at creation,
 * and kept (the stack's `availabilityZones` output). Pure: the caller brings the recorded zones,
 * the configured ones and, for a new stack only, a lookup's. Never re-derived: a live lookup
 * drops an impaired zone and would replan every subnet on the worst day. Never changed after
 * (docs/prod-on-eks.md#zones): removing a zone strands the pods whose volumes are there, and EKS
 * refuses subnets outside a cluster's creation zones.
 */

/** Where the zones of this run came from. */
export type ZoneSource = "recorded" | "configured" | "lookup";

export interface ZonePlan {
    readonly zones: readonly string[];
    readonly source: ZoneSource;
}

/** What {@link planZones} decides from. */
export interface ZoneInputs {
    /** `sticky:availabilityZones`; empty when unset. */
    readonly configured: readonly string[];
    /** `sticky:availabilityZoneCount`. */
    readonly count: number;
    /** The stack's previous `availabilityZones` output; undefined for a stack that has none. */
    readonly recorded?: readonly string[];
    /** The claims the stack's history records (its previous `claimNames` output). */
    readonly claimNames: readonly string[];
}

/** A zone change EKS or the volumes cannot follow. Its message names the key, the zones and the claims. */
export class ZoneChangeError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ZoneChangeError";
    }
}

const AVAILABILITY_ZONES_KEY = "sticky:availabilityZones";
const AVAILABILITY_ZONE_COUNT_KEY = "sticky:availabilityZoneCount";
const ZONES_DOC = "docs/prod-on-eks.md#zones";

const listed = (zones: readonly string[]) => zones.map((z) => JSON.stringify(z)).join(", ");

/**
 * The zones of this run, or a {@link ZoneChangeError} for a change that would strand a claim or
 * add subnets to the cluster. `lookup` is asked only when nothing is recorded or configured.
 */
export function planZones(inputs: ZoneInputs, lookup: () => readonly string[]): ZonePlan {
    const { configured, count, recorded, claimNames } = inputs;
    if (recorded === undefined || recorded.length === 0) {
        if (configured.length > 0) return { zones: [...configured], source: "configured" };
        return { zones: lookup().slice(0, count), source: "lookup" };
    }
    const wanted = configured.length > 0 ? configured : undefined;
    const key = wanted !== undefined ? AVAILABILITY_ZONES_KEY : AVAILABILITY_ZONE_COUNT_KEY;
    const shown = wanted !== undefined ? `[${listed(wanted)}]` : `${count}`;
    // With only a count, the first `count` recorded zones are kept: a smaller count removes the last ones.
    const removed = wanted !== undefined ? recorded.filter((z) => !wanted.includes(z)) : recorded.slice(count);
    const added = wanted !== undefined ? wanted.filter((z) => !recorded.includes(z)) : count > recorded.length ? [`${count - recorded.length} more`] : [];
    if (removed.length > 0) {
        const claims = claimNames.length > 0
            ? `the claims ${listed(claimNames)} have their EBS volumes spread over these zones (the pods spread one per zone), so ` +
              `${removed.length === 1 ? "it holds" : "they hold"} some of them (\`kubectl get pv -L topology.kubernetes.io/zone\` shows which), and a volume never leaves its zone: its pod would stay Pending`
            : "the cluster's subnets must stay in the zones it was created in";
        throw new ZoneChangeError(
            `${key} = ${shown}: removes ${listed(removed)} from the zones this cluster was created in (${listed(recorded)}); ${claims}. ` +
                `Keep ${key} at ${wanted !== undefined ? `[${listed(recorded)}]` : recorded.length} (unset ${AVAILABILITY_ZONES_KEY} keeps the recorded zones). ` +
                `To leave a zone, move its claims' data first (${ZONES_DOC}).`,
        );
    }
    if (added.length > 0) {
        throw new ZoneChangeError(
            `${key} = ${shown}: adds ${wanted !== undefined ? listed(added) : `zones (${added[0]})`} to the zones this cluster was created in (${listed(recorded)}); ` +
                `EKS refuses subnets outside a cluster's creation zones, so the zones are fixed for the stack's life. ` +
                `Keep ${key} at ${wanted !== undefined ? `[${listed(recorded)}]` : recorded.length}; for more zones, create a new stack and move the data (${ZONES_DOC}).`,
        );
    }
    // The same zones, perhaps listed in another order: the recorded order keeps each zone's index (and so its resources' names).
    return { zones: [...recorded], source: "recorded" };
}

/** A zone of the region as EC2 names them (`eu-west-1a`); not Local or Wavelength Zones, which lack gp3 in places. */
export function isRegionZone(zone: string, region: string): boolean {
    return zone.startsWith(region) && /^[a-z]$/.test(zone.slice(region.length));
}
