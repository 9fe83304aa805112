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

/** The project's config namespace: keys are `sticky:<name>`. */
export const PROJECT = "sticky";

/** Which kind of cluster a stack deploys to. */
export const ENVIRONMENTS = ["local", "eks"] as const;
export type EnvironmentKind = (typeof ENVIRONMENTS)[number];

/**
 * EKS versions in standard support when this was written (2026-11-25): 1.33 left standard
 * support on 2026-07-29, 1.34 leaves it on 2026-12-02, 1.35 on 2027-03-27. Standard support
 * lasts 14 months per version; extended support costs six times as much per cluster-hour.
 * Check `aws eks describe-cluster-versions --status STANDARD_SUPPORT` and update this list.
 */
export const EKS_VERSIONS = ["1.34", "1.35", "1.36"] as const;

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
    readonly clusterAdminArns: readonly string[];
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
const IAM_PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * Collects problems while reading keys, so one run reports every bad value at once.
 * Each `get*` returns a usable placeholder after recording a problem; `parseSettings`
 * throws before any placeholder can escape.
 */
class Reader {
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

    stringList(key: string, check: (v: string) => boolean, allowed: string): string[] {
        const value = this.raw(key);
        if (value === undefined) return [];
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

const key = (name: string) => `${PROJECT}:${name}`;

/**
 * Turns stack configuration into typed settings, or throws a `SettingsError` that lists every
 * problem. Call it before creating any resource.
 */
export function parseSettings(read: ConfigReader): Settings {
    const r = new Reader(read);

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
                (v) => (EKS_VERSIONS as readonly string[]).includes(v),
                `must be an EKS version in standard support: ${EKS_VERSIONS.join(", ")}`,
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
                (v) => IAM_PRINCIPAL_ARN.test(v),
                'each must be an IAM role or user ARN such as "arn:aws:iam::123456789012:role/platform-admin"',
            ),
        };
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
