/**
 * Stack configuration, typed and validated.
 *
 * This module is pure: it imports nothing from Pulumi and reads config only through the
 * `read` function it is given, so the tests can feed it tables of values without an engine.
 * `parseSettings` either returns complete settings or throws one `SettingsError` listing
 * every bad key, its value and what is allowed, before the program registers any resource.
 *
 * Defaults live in `Pulumi.yaml` (where `pulumi config` and reviewers see them); the same
 * values are repeated here only so that a key missing from `Pulumi.yaml` cannot silently
 * become `undefined`. A test keeps the two in step.
 */

// Pure modules too: the add-on table (which versions exist) and IAM principal parsing.
import { KUBERNETES_VERSIONS } from "./environments/eks/addon-versions";
import { IAM_PRINCIPAL_ARN, parsePrincipalArn, principalIdentity } from "./environments/eks/principals";

/** The project's config namespace: keys are `sticky:<name>`. */
export const PROJECT = "sticky";

/** Which kind of cluster a stack deploys to. */
export const ENVIRONMENTS = ["local", "eks"] as const;
export type EnvironmentKind = (typeof ENVIRONMENTS)[number];

/**
 * The EKS versions a stack may ask for: exactly those with a row of pinned add-on versions in
 * environments/eks/addon-versions.ts (the versions in standard support on 2026-11-30; see there).
 */
const EKS_VERSIONS: readonly string[] = KUBERNETES_VERSIONS;

/** CloudWatch Logs accepts only these retention periods, in days. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** EKS's limit on `publicAccessCidrs` per cluster. */
const MAX_PUBLIC_ACCESS_CIDRS = 40;

/** Defaults, mirrored from `Pulumi.yaml` (see the module comment). */
export const DEFAULTS = {
    replicas: 3,
    // nginx's stable line, pinned to a patch release so a deploy never changes under a tag;
    // 1.30.1 fixes CVE-2026-42945, exploited in the wild since May 2026.
    image: "docker.io/library/nginx:1.30.1-alpine",
    storageSize: "1Gi",
    servicePort: 3333,
    storageClassName: "hostpath",
    protect: false,
    kubeContext: "docker-desktop",
    kubernetesVersion: "1.35",
    nodeInstanceType: "t3.medium",
    nodeCount: 3,
    availabilityZoneCount: 3,
    vpcCidr: "10.0.0.0/16",
    clusterAdminArns: [] as string[],
    clusterViewerArns: [] as string[],
    publicAccessCidrs: ["0.0.0.0/0"] as string[],
    clusterLogRetentionDays: 30,
} as const;

/** What the app needs, whatever the environment. */
export interface AppSettings {
    readonly replicas: number;
    readonly image: string;
    readonly storageSize: string;
    readonly servicePort: number;
    readonly storageClassName: string;
    /** Protect the resources whose loss would strand data (`protect` resource option). */
    readonly protect: boolean;
}

/** An existing local cluster (Docker Desktop, kind, k3d, Rancher Desktop, minikube). */
export interface LocalSettings {
    readonly kind: "local";
    /** The kubeconfig context to deploy to; never the ambient current context. */
    readonly kubeContext: string;
}

/** A new EKS cluster in its own VPC. */
export interface EksSettings {
    readonly kind: "eks";
    readonly region: string;
    readonly kubernetesVersion: string;
    readonly nodeInstanceType: string;
    readonly nodeCount: number;
    readonly availabilityZoneCount: number;
    readonly vpcCidr: string;
    /** IAM roles or users made cluster-admin through access entries. */
    readonly clusterAdminArns: readonly string[];
    /** IAM roles or users that may read the cluster and dry-run changes, never write (CI previews). */
    readonly clusterViewerArns: readonly string[];
    /** Source addresses allowed to reach the public API endpoint. */
    readonly publicAccessCidrs: readonly string[];
    /** Days CloudWatch keeps the control plane's logs. */
    readonly clusterLogRetentionDays: number;
}

export type EnvironmentSettings = LocalSettings | EksSettings;

export interface Settings {
    readonly app: AppSettings;
    readonly environment: EnvironmentSettings;
}

/** Reads one fully qualified key (`sticky:replicas`, `aws:region`); `undefined` when unset. */
export type ConfigReader = (key: string) => string | undefined;

/** Bad stack configuration: every problem found, each naming key, value and what is allowed. */
export class SettingsError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); ` +
                `nothing was deployed or changed:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
        this.name = "SettingsError";
    }
}

// A Kubernetes resource quantity (k8s.io/apimachinery/pkg/api/resource), restricted to plain
// positive numbers with an optional binary or decimal suffix, which is what a volume size is.
const QUANTITY = /^(?:\d+(?:\.\d+)?|\.\d+)(?:Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
// RFC 1123 subdomain, the rule for StorageClass names.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * Collects problems while reading keys, so one run reports every bad value at once.
 * Each `get*` returns a usable placeholder after recording a problem; `parseSettings`
 * throws before any placeholder can escape.
 */
class SettingsParser {
    readonly problems: string[] = [];

    constructor(private readonly read: ConfigReader) {}

    private raw(key: string): string | undefined {
        return this.read(key);
    }

    private fail(key: string, value: string, allowed: string): void {
        this.problems.push(`${key} = ${JSON.stringify(value)}: ${allowed}`);
    }

    string(key: string, fallback: string, check: (v: string) => boolean, allowed: string): string {
        const value = this.raw(key) ?? fallback;
        if (!check(value)) this.fail(key, value, allowed);
        return value;
    }

    required(key: string, check: (v: string) => boolean, allowed: string): string {
        const value = this.raw(key);
        if (value === undefined) {
            this.problems.push(`${key} is not set: ${allowed}`);
            return "";
        }
        if (!check(value)) this.fail(key, value, allowed);
        return value;
    }

    integer(key: string, fallback: number, min: number, max: number, allowed: string): number {
        const value = this.raw(key);
        if (value === undefined) return fallback;
        const n = /^[+-]?\d+$/.test(value.trim()) ? Number(value) : NaN;
        if (!Number.isSafeInteger(n) || n < min || n > max) {
            this.fail(key, value, allowed);
            return fallback;
        }
        return n;
    }

    boolean(key: string, fallback: boolean): boolean {
        const value = this.raw(key);
        if (value === undefined) return fallback;
        if (value === "true" || value === "false") return value === "true";
        this.fail(key, value, "must be true or false");
        return fallback;
    }

    stringList(key: string, fallback: readonly string[], check: (v: string) => boolean, allowed: string): string[] {
        const value = this.raw(key);
        if (value === undefined) return [...fallback];
        let parsed: unknown;
        try {
            parsed = JSON.parse(value);
        } catch {
            parsed = undefined;
        }
        if (!Array.isArray(parsed) || !parsed.every((v): v is string => typeof v === "string")) {
            this.fail(key, value, `must be a list of strings; ${allowed}`);
            return [];
        }
        const bad = parsed.filter((v) => !check(v));
        if (bad.length > 0) this.fail(key, value, `${bad.map((b) => JSON.stringify(b)).join(", ")}: ${allowed}`);
        return parsed;
    }

    /** Records a problem found by looking at several keys together. */
    problem(message: string): void {
        this.problems.push(message);
    }
}

function isValidCidr(value: string): boolean {
    const match = IPV4_CIDR.exec(value);
    if (!match) return false;
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    // The network is carved into /20 subnets (one private and one public per zone, up to six
    // zones: see environments/eks.ts), which takes exactly a /16 on a /16 boundary.
    return octets.every((o) => o <= 255) && prefix === 16 && octets[2] === 0 && octets[3] === 0;
}

/**
 * A public IPv4 block for the EKS API endpoint's allow list: a valid network address (no host
 * bits set, which EKS rejects) outside the private and loopback ranges, which the public endpoint
 * never sees as a source (nodes and VPC clients use the private endpoint).
 */
function isPublicCidr(value: string): boolean {
    const match = IPV4_CIDR.exec(value);
    if (!match) return false;
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return false;
    const address = octets.reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - prefix);
    if (address % size !== 0) return false;
    const inBlock = (base: number[], bits: number) => {
        const start = base.reduce((acc, o) => acc * 256 + o, 0);
        return address >= start && address < start + 2 ** (32 - bits) && prefix >= bits;
    };
    return !(inBlock([10, 0, 0, 0], 8) || inBlock([172, 16, 0, 0], 12) || inBlock([192, 168, 0, 0], 16) || inBlock([127, 0, 0, 0], 8));
}

const key = (name: string) => `${PROJECT}:${name}`;

/**
 * Each principal may have one access entry: a second one for the same role or user (listed
 * twice, with another path or case, or as admin and viewer) fails in EKS with 409.
 */
function checkPrincipals(r: SettingsParser, lists: { key: string; arns: readonly string[] }[]): void {
    const seen = new Map<string, string>();
    for (const list of lists) {
        for (const arn of list.arns) {
            const principal = parsePrincipalArn(arn);
            if (!principal) continue; // already reported as malformed
            const identity = principalIdentity(principal);
            const first = seen.get(identity);
            if (first !== undefined) {
                r.problem(
                    `${list.key} = ${JSON.stringify(arn)}: the same IAM principal as ${first}; ` +
                        "a principal gets one access entry (EKS refuses a second with 409): list it once, as admin or as viewer",
                );
            } else {
                seen.set(identity, `${JSON.stringify(arn)} in ${list.key}`);
            }
        }
    }
}

/**
 * Turns stack configuration into typed settings, or throws a `SettingsError` that lists every
 * problem. Call it before creating any resource.
 */
export function parseSettings(read: ConfigReader): Settings {
    const r = new SettingsParser(read);

    const environmentKind = r.required(
        key("environment"),
        (v) => (ENVIRONMENTS as readonly string[]).includes(v),
        `must be one of ${ENVIRONMENTS.map((e) => JSON.stringify(e)).join(", ")} ` +
            `("local": an existing local cluster; "eks": a new EKS cluster)`,
    ) as EnvironmentKind;

    const app: AppSettings = {
        replicas: r.integer(key("replicas"), DEFAULTS.replicas, 1, 100, "must be a positive integer (1 to 100 pods)"),
        image: r.string(
            key("image"),
            DEFAULTS.image,
            (v) => v.trim() !== "" && !/\s/.test(v),
            'must be a container image reference without spaces, e.g. "docker.io/library/nginx:1.30.1-alpine"',
        ),
        storageSize: r.string(
            key("storageSize"),
            DEFAULTS.storageSize,
            (v) => QUANTITY.test(v) && parseFloat(v) > 0,
            'must be a positive Kubernetes quantity such as "1Gi", "500Mi" or "10G"',
        ),
        servicePort: r.integer(key("servicePort"), DEFAULTS.servicePort, 1, 65535, "must be a TCP port, 1 to 65535"),
        storageClassName: r.string(
            key("storageClassName"),
            DEFAULTS.storageClassName,
            (v) => v.length <= 253 && DNS_SUBDOMAIN.test(v),
            'must be a StorageClass name (lowercase letters, digits, "-" and "."), e.g. "hostpath", "standard", "gp3"',
        ),
        protect: r.boolean(key("protect"), DEFAULTS.protect),
    };

    let environment: EnvironmentSettings;
    if (environmentKind === "eks") {
        environment = {
            kind: "eks",
            region: r.required(
                "aws:region",
                (v) => AWS_REGION.test(v),
                'an "eks" stack needs its AWS region, e.g. `pulumi config set aws:region eu-west-1`',
            ),
            kubernetesVersion: r.string(
                key("kubernetesVersion"),
                DEFAULTS.kubernetesVersion,
                (v) => EKS_VERSIONS.includes(v),
                `must be one of ${EKS_VERSIONS.join(", ")}: the EKS versions in standard support whose add-on versions ` +
                    "are pinned in environments/eks/addon-versions.ts (add a row there to allow another)",
            ),
            nodeInstanceType: r.string(
                key("nodeInstanceType"),
                DEFAULTS.nodeInstanceType,
                (v) => /^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(v),
                'must be an EC2 instance type such as "t3.medium" or "m7i.large"',
            ),
            nodeCount: r.integer(key("nodeCount"), DEFAULTS.nodeCount, 2, 100, "must be an integer from 2 to 100 (nodes in at least two zones)"),
            availabilityZoneCount: r.integer(
                key("availabilityZoneCount"),
                DEFAULTS.availabilityZoneCount,
                2,
                6,
                "must be an integer from 2 to 6 (EBS volumes are zonal; spread nodes over two zones or more)",
            ),
            vpcCidr: r.string(key("vpcCidr"), DEFAULTS.vpcCidr, isValidCidr, 'must be an IPv4 /16 block such as "10.0.0.0/16"'),
            clusterAdminArns: r.stringList(
                key("clusterAdminArns"),
                DEFAULTS.clusterAdminArns,
                (v) => IAM_PRINCIPAL_ARN.test(v),
                'each must be an IAM role or user ARN such as "arn:aws:iam::123456789012:role/platform-admin"',
            ),
            clusterViewerArns: r.stringList(
                key("clusterViewerArns"),
                DEFAULTS.clusterViewerArns,
                (v) => IAM_PRINCIPAL_ARN.test(v),
                'each must be an IAM role or user ARN such as "arn:aws:iam::123456789012:role/github-preview"',
            ),
            publicAccessCidrs: r.stringList(
                key("publicAccessCidrs"),
                DEFAULTS.publicAccessCidrs,
                isPublicCidr,
                'each must be a public IPv4 block with no host bits set, such as "203.0.113.0/24" or "0.0.0.0/0" ' +
                    "(private ranges never reach the public endpoint)",
            ),
            clusterLogRetentionDays: Number(
                r.string(
                    key("clusterLogRetentionDays"),
                    String(DEFAULTS.clusterLogRetentionDays),
                    (v) => /^\d+$/.test(v) && (LOG_RETENTION_DAYS as readonly number[]).includes(Number(v)),
                    `must be a CloudWatch Logs retention in days: ${LOG_RETENTION_DAYS.join(", ")}`,
                ),
            ),
        };
        const eks = environment;
        const cidrsAlreadyReported = r.problems.some((p) => p.startsWith(key("publicAccessCidrs")));
        if (eks.publicAccessCidrs.length === 0 && !cidrsAlreadyReported) {
            r.problem(
                `${key("publicAccessCidrs")} = "[]": must list at least one block; the public endpoint cannot be open to nobody ` +
                    '(use "0.0.0.0/0" for everyone, or your offices\' and CI runners\' addresses)',
            );
        } else if (eks.publicAccessCidrs.length > MAX_PUBLIC_ACCESS_CIDRS) {
            r.problem(`${key("publicAccessCidrs")}: ${eks.publicAccessCidrs.length} blocks; EKS allows at most ${MAX_PUBLIC_ACCESS_CIDRS}`);
        }
        if (eks.nodeCount < eks.availabilityZoneCount) {
            r.problem(
                `${key("nodeCount")} = "${eks.nodeCount}": must be at least ${key("availabilityZoneCount")} (${eks.availabilityZoneCount}); ` +
                    "each zone gets its own node group of at least one node, so a pod can always follow its volume",
            );
        }
        checkPrincipals(r, [
            { key: key("clusterAdminArns"), arns: eks.clusterAdminArns },
            { key: key("clusterViewerArns"), arns: eks.clusterViewerArns },
        ]);
    } else {
        environment = {
            kind: "local",
            kubeContext: r.string(
                key("kubeContext"),
                DEFAULTS.kubeContext,
                (v) => v.trim() !== "",
                'must name a context in your kubeconfig, e.g. "docker-desktop", "kind-kind", "k3d-dev", "rancher-desktop", "minikube"',
            ),
        };
    }

    if (r.problems.length > 0) throw new SettingsError(r.problems);
    return { app, environment };
}
