/**
 * settings.ts as tables: good config and the settings it yields, bad config and the exact error.
 * No Pulumi here: parseSettings only sees a function that reads keys.
 */
import * as assert from "assert";
import { STICKY_APP_DEFAULTS } from "../components/sticky-app-contract";
import type { EnvironmentDefinition } from "../environments/definition";
import { localDefinition } from "../environments/local/definition";
import { ENVIRONMENTS } from "../environments/registry";
import { APP_KEYS, documentedKeys, parseSettings, registryProblems, type Settings } from "../stack/settings";
import { ConfigProblemsError, type ConfigKey } from "../core/config-keys";
import { configDocProblems, declaredConfig } from "./pulumi-yaml";

const reader = (config: Record<string, string>) => (key: string) => config[key];
const IMAGE_ALLOWED = APP_KEYS.image.allowed;
const local = { "sticky:environment": "local" };
const eks = { "sticky:environment": "eks", "aws:region": "eu-west-1" };

/** The problems parseSettings reports for `config`; fails if it does not throw a ConfigProblemsError. */
function problemsOf(config: Record<string, string>): readonly string[] {
    try {
        parseSettings(reader(config));
    } catch (error) {
        assert.ok(error instanceof ConfigProblemsError, `expected a ConfigProblemsError, got ${error}`);
        return error.problems;
    }
    assert.fail(`expected ${JSON.stringify(config)} to be rejected`);
}

describe("settings", () => {
    describe("good config", () => {
        const cases: { name: string; config: Record<string, string>; expect: (s: Settings) => void }[] = [
            {
                name: "a local stack with nothing but its environment gets the article's app on Docker Desktop",
                config: local,
                expect: (s) =>
                    assert.deepStrictEqual(s, {
                        app: {
                            replicas: 3,
                            image: "docker.io/library/nginx:1.30.1-alpine",
                            storageSize: "1Gi",
                            servicePort: 3333,
                            protect: false,
                            restoreFrom: [],
                        },
                        environment: { kind: "local", kubeContext: "docker-desktop", storageClassName: "hostpath" },
                        definition: localDefinition,
                    }),
            },
            {
                name: "kind: another context and its `standard` class",
                config: { ...local, "sticky:kubeContext": "kind-kind", "sticky:storageClassName": "standard" },
                expect: (s) => {
                    assert.deepStrictEqual(s.environment, { kind: "local", kubeContext: "kind-kind", storageClassName: "standard" });
                },
            },
            {
                name: "k3d and Rancher Desktop: `local-path`",
                config: { ...local, "sticky:kubeContext": "k3d-dev", "sticky:storageClassName": "local-path" },
                expect: (s) => assert.deepStrictEqual(s.environment, { kind: "local", kubeContext: "k3d-dev", storageClassName: "local-path" }),
            },
            {
                name: "numbers, sizes and booleans arrive as strings and are converted",
                config: {
                    ...local,
                    "sticky:replicas": "5",
                    "sticky:servicePort": "8080",
                    "sticky:storageSize": "512Mi",
                    "sticky:protect": "true",
                },
                expect: (s) => {
                    assert.strictEqual(s.app.replicas, 5);
                    assert.strictEqual(s.app.servicePort, 8080);
                    assert.strictEqual(s.app.storageSize, "512Mi");
                    assert.strictEqual(s.app.protect, true);
                },
            },
            {
                name: "the edges of the ranges are allowed",
                config: { ...local, "sticky:replicas": "1", "sticky:servicePort": "65535", "sticky:storageSize": "0.5Gi" },
                expect: (s) => {
                    assert.strictEqual(s.app.replicas, 1);
                    assert.strictEqual(s.app.servicePort, 65535);
                },
            },
            {
                name: "an eks stack with its region gets the defaults for everything else",
                config: eks,
                expect: (s) =>
                    assert.deepStrictEqual(s.environment, {
                        kind: "eks",
                        region: "eu-west-1",
                        storageClassName: "gp3",
                        kubernetesVersion: "1.35",
                        nodeInstanceFamilies: ["m7i", "m7a", "m6i", "m6a"],
                        nodeExpireAfter: "336h",
                        nodeDriftWindow: "",
                        nodeCpuLimit: 16,
                        nodeMemoryLimit: "64Gi",
                        availabilityZoneCount: 3,
                        availabilityZones: [],
                        ebsKmsKeyArn: "",
                        vpcCidr: "10.0.0.0/16",
                        clusterAdminArns: [],
                        clusterViewerArns: [],
                        publicAccessCidrs: ["0.0.0.0/0"],
                        clusterLogRetentionDays: 30,
                        backupSchedule: "cron(0 3 * * ? *)",
                        backupRetentionDays: 14,
                    }),
            },
            {
                name: "eks: admins as a YAML list (Pulumi passes it as JSON)",
                config: {
                    ...eks,
                    "sticky:clusterAdminArns": '["arn:aws:iam::123456789012:role/platform-admin","arn:aws:iam::123456789012:user/ops"]',
                    "sticky:kubernetesVersion": "1.36",
                    "sticky:availabilityZoneCount": "2",
                },
                expect: (s) => {
                    assert.strictEqual(s.environment.kind, "eks");
                    if (s.environment.kind !== "eks") return;
                    assert.deepStrictEqual(s.environment.clusterAdminArns, [
                        "arn:aws:iam::123456789012:role/platform-admin",
                        "arn:aws:iam::123456789012:user/ops",
                    ]);
                    assert.strictEqual(s.environment.kubernetesVersion, "1.36");
                    assert.strictEqual(s.environment.availabilityZoneCount, 2);
                },
            },
            {
                name: "eks: viewers, endpoint blocks and log retention",
                config: {
                    ...eks,
                    "sticky:clusterAdminArns": '["arn:aws:iam::123456789012:role/platform/admin"]',
                    "sticky:clusterViewerArns": '["arn:aws:iam::123456789012:role/github-preview"]',
                    "sticky:publicAccessCidrs": '["203.0.113.0/24","198.51.100.7/32"]',
                    "sticky:clusterLogRetentionDays": "90",
                },
                expect: (s) => {
                    assert.strictEqual(s.environment.kind, "eks");
                    if (s.environment.kind !== "eks") return;
                    assert.deepStrictEqual(s.environment.clusterViewerArns, ["arn:aws:iam::123456789012:role/github-preview"]);
                    assert.deepStrictEqual(s.environment.publicAccessCidrs, ["203.0.113.0/24", "198.51.100.7/32"]);
                    assert.strictEqual(s.environment.clusterLogRetentionDays, 90);
                },
            },
            {
                name: "eks: restores from an EBS volume and a snapshot, a backup schedule and retention",
                config: {
                    ...eks,
                    "sticky:restoreFrom": '["2=vol-0123456789abcdef0","0=snap-0fedcba9876543210"]',
                    "sticky:backupSchedule": "cron(0 4 ? * SUN *)",
                    "sticky:backupRetentionDays": "35",
                },
                expect: (s) => {
                    assert.deepStrictEqual(s.app.restoreFrom, [
                        { entry: "2=vol-0123456789abcdef0", ordinal: 2, source: "vol-0123456789abcdef0", claim: { namespace: "default", name: "sticky-data-sticky-2" }, size: "1Gi" },
                        { entry: "0=snap-0fedcba9876543210", ordinal: 0, source: "snap-0fedcba9876543210", claim: { namespace: "default", name: "sticky-data-sticky-0" }, size: "1Gi" },
                    ]);
                    assert.strictEqual(s.environment.kind, "eks");
                    if (s.environment.kind !== "eks") return;
                    assert.strictEqual(s.environment.backupSchedule, "cron(0 4 ? * SUN *)");
                    assert.strictEqual(s.environment.backupRetentionDays, 35);
                },
            },
            {
                name: "local: a restore from a PersistentVolume by name",
                config: { ...local, "sticky:restoreFrom": '["1=pvc-2f6e1c8a-old"]' },
                expect: (s) => assert.deepStrictEqual(s.app.restoreFrom, [
                        { entry: "1=pvc-2f6e1c8a-old", ordinal: 1, source: "pvc-2f6e1c8a-old", claim: { namespace: "default", name: "sticky-data-sticky-1" }, size: "1Gi" },
                    ]),
            },
        ];
        for (const c of cases) {
            it(c.name, () => c.expect(parseSettings(reader(c.config))));
        }
    });

    describe("bad config: one clear problem each, naming key, value and what is allowed", () => {
        const cases: { name: string; config: Record<string, string>; problem: string }[] = [
            {
                name: "no environment",
                config: {},
                problem: 'sticky:environment is not set: must be one of "local", "eks" ("local": an existing local cluster; "eks": a new EKS cluster)',
            },
            {
                name: "an unknown environment",
                config: { "sticky:environment": "docker" },
                problem: 'sticky:environment = "docker": must be one of "local", "eks" ("local": an existing local cluster; "eks": a new EKS cluster)',
            },
            {
                name: "zero replicas",
                config: { ...local, "sticky:replicas": "0" },
                problem: 'sticky:replicas = "0": must be a positive integer (1 to 100 pods)',
            },
            {
                name: "negative replicas",
                config: { ...local, "sticky:replicas": "-3" },
                problem: 'sticky:replicas = "-3": must be a positive integer (1 to 100 pods)',
            },
            {
                name: "fractional replicas",
                config: { ...local, "sticky:replicas": "2.5" },
                problem: 'sticky:replicas = "2.5": must be a positive integer (1 to 100 pods)',
            },
            {
                name: "replicas in words",
                config: { ...local, "sticky:replicas": "three" },
                problem: 'sticky:replicas = "three": must be a positive integer (1 to 100 pods)',
            },
            {
                name: "a storage size that is not a quantity",
                config: { ...local, "sticky:storageSize": "1GB" },
                problem: 'sticky:storageSize = "1GB": must be a positive Kubernetes quantity such as "1Gi", "500Mi" or "10G"',
            },
            {
                name: "a storage size of zero",
                config: { ...local, "sticky:storageSize": "0Gi" },
                problem: 'sticky:storageSize = "0Gi": must be a positive Kubernetes quantity such as "1Gi", "500Mi" or "10G"',
            },
            {
                name: "a port above 65535",
                config: { ...local, "sticky:servicePort": "70000" },
                problem: 'sticky:servicePort = "70000": must be a TCP port, 1 to 65535',
            },
            {
                name: "port zero",
                config: { ...local, "sticky:servicePort": "0" },
                problem: 'sticky:servicePort = "0": must be a TCP port, 1 to 65535',
            },
            {
                name: "an empty image",
                config: { ...local, "sticky:image": "" },
                problem: `sticky:image = "": is empty; ${IMAGE_ALLOWED}`,
            },
            {
                name: "a blank image",
                config: { ...local, "sticky:image": "   " },
                problem: `sticky:image = "   ": is empty; ${IMAGE_ALLOWED}`,
            },
            {
                name: "a storage class name with capitals",
                config: { ...local, "sticky:storageClassName": "HostPath" },
                problem:
                    'sticky:storageClassName = "HostPath": must be a StorageClass name (lowercase letters, digits, "-" and "."), e.g. "hostpath", "standard", "local-path"',
            },
            {
                name: "protect that is not a boolean",
                config: { ...local, "sticky:protect": "yes" },
                problem: 'sticky:protect = "yes": must be true or false',
            },
            {
                name: "an empty kube context",
                config: { ...local, "sticky:kubeContext": "" },
                problem:
                    'sticky:kubeContext = "": must name a context in your kubeconfig, e.g. "docker-desktop", "kind-kind", "k3d-dev", "rancher-desktop", "minikube"',
            },
            {
                name: "a prod stack missing its region",
                config: { "sticky:environment": "eks" },
                problem: 'aws:region is not set: an "eks" stack needs its AWS region, e.g. `pulumi config set aws:region eu-west-1`',
            },
            {
                name: "a region that is not one",
                config: { ...eks, "aws:region": "Ireland" },
                problem: 'aws:region = "Ireland": an "eks" stack needs its AWS region, e.g. `pulumi config set aws:region eu-west-1`',
            },
            {
                name: "a Kubernetes version without a snapshot-controller pin (out of standard support)",
                config: { ...eks, "sticky:kubernetesVersion": "1.29" },
                problem:
                    'sticky:kubernetesVersion = "1.29": must be one of 1.35, 1.36: the EKS versions with a snapshot-controller pin in ' +
                    "environments/eks/addon-versions.ts (add a row there, and its dates to environments/eks/versions.ts, to allow another)",
            },
            {
                name: "one zone",
                config: { ...eks, "sticky:availabilityZoneCount": "1" },
                problem:
                    'sticky:availabilityZoneCount = "1": must be an integer from 2 to 6 (EBS volumes are zonal; spread nodes over two zones or more)',
            },
            {
                name: "a zone that is not a zone name",
                config: { ...eks, "sticky:availabilityZones": '["eu-west-1a","west"]', "sticky:availabilityZoneCount": "2" },
                problem: 'sticky:availabilityZones = "[\\"eu-west-1a\\",\\"west\\"]": "west": each must be an availability zone of aws:region, such as "eu-west-1a"',
            },
            {
                name: "a zone of another region",
                config: { ...eks, "sticky:availabilityZones": '["eu-west-1a","us-east-1b"]', "sticky:availabilityZoneCount": "2" },
                problem: 'sticky:availabilityZones = ["eu-west-1a","us-east-1b"]: "us-east-1b" not in aws:region eu-west-1; each must be one of its zones, such as "eu-west-1a"',
            },
            {
                name: "a zone listed twice",
                config: { ...eks, "sticky:availabilityZones": '["eu-west-1a","eu-west-1a"]', "sticky:availabilityZoneCount": "2" },
                problem: 'sticky:availabilityZones = ["eu-west-1a","eu-west-1a"]: "eu-west-1a" listed twice; list each zone once',
            },
            {
                name: "zones and a zone count that disagree",
                config: { ...eks, "sticky:availabilityZones": '["eu-west-1a","eu-west-1b"]' },
                problem:
                    'sticky:availabilityZones = ["eu-west-1a","eu-west-1b"]: 2 zones, but sticky:availabilityZoneCount is 3; ' +
                    "set sticky:availabilityZoneCount to 2, or list 3 zones (2 to 6)",
            },
            {
                name: "a KMS alias instead of a key",
                config: { ...eks, "sticky:ebsKmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:alias/ebs" },
                problem:
                    'sticky:ebsKmsKeyArn = "arn:aws:kms:eu-west-1:123456789012:alias/ebs": must be empty or a KMS key ARN such as ' +
                    '"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" (a key, not an alias)',
            },
            {
                name: "a KMS key of another region",
                config: { ...eks, "sticky:ebsKmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" },
                problem:
                    'sticky:ebsKmsKeyArn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab": a key in us-east-1, ' +
                    "but aws:region is eu-west-1; EBS encrypts a volume only with a key of the volume's region: give a key (or a multi-Region replica) in eu-west-1",
            },
            {
                name: "a node count, which Auto Mode decides now",
                config: { ...eks, "sticky:nodeCount": "3" },
                problem:
                    'sticky:nodeCount = "3": no longer read (Auto Mode launches as many nodes as the pods need; sticky:nodeCpuLimit and sticky:nodeMemoryLimit cap them); ' +
                    "remove it (`pulumi config rm sticky:nodeCount`)",
            },
            {
                name: "an instance type, which Auto Mode picks from the families now",
                config: { ...eks, "sticky:nodeInstanceType": "t3.medium" },
                problem:
                    'sticky:nodeInstanceType = "t3.medium": no longer read (Auto Mode picks each node\'s type (and its AMI) from sticky:nodeInstanceFamilies); ' +
                    "remove it (`pulumi config rm sticky:nodeInstanceType`)",
            },
            {
                name: "a claim size above gp3's largest volume",
                config: { ...eks, "sticky:storageSize": "65Ti" },
                problem: 'sticky:storageSize = "65Ti": more than 65536Gi, gp3\'s largest volume (64 TiB); choose 65536Gi or less',
            },
            {
                name: "a claim size EBS would round up (it makes volumes in whole GiB)",
                config: { ...eks, "sticky:storageSize": "1500Mi" },
                problem:
                    'sticky:storageSize = "1500Mi": not a whole number of 1Gi (EBS makes volumes in whole GiB: the volume would be bigger than the claim says); ' +
                    'choose a multiple of 1Gi such as "2Gi"',
            },
            {
                name: "an instance type where a family belongs",
                config: { ...eks, "sticky:nodeInstanceFamilies": '["m7i.large"]' },
                problem: 'sticky:nodeInstanceFamilies = "[\\"m7i.large\\"]": "m7i.large": each must be an EC2 instance family such as "m7i", "c7g" or "m7i-flex" (no size: Auto Mode picks it)',
            },
            {
                name: "a node lifetime past Auto Mode's 21 days less a day's drain",
                config: { ...eks, "sticky:nodeExpireAfter": "504h" },
                problem: 'sticky:nodeExpireAfter = "504h": must be whole hours from "24h" to "480h" (21 days, Auto Mode\'s cap, less a day for the drain)',
            },
            {
                name: "a drift window that is not HH:MM-HH:MM",
                config: { ...eks, "sticky:nodeDriftWindow": "2am-5am" },
                problem: 'sticky:nodeDriftWindow = "2am-5am": must be empty or a daily UTC window "HH:MM-HH:MM" such as "02:00-05:00" (it may cross midnight)',
            },
            {
                name: "a memory limit below 1Gi",
                config: { ...eks, "sticky:nodeMemoryLimit": "512Mi" },
                problem: 'sticky:nodeMemoryLimit = "512Mi": must be a Kubernetes quantity of at least 1Gi, such as "64Gi"',
            },
            {
                name: "a VPC block that is not a /16",
                config: { ...eks, "sticky:vpcCidr": "10.0.0.0/24" },
                problem: 'sticky:vpcCidr = "10.0.0.0/24": must be an IPv4 /16 block such as "10.0.0.0/16"',
            },
            {
                name: "a VPC block with an octet over 255",
                config: { ...eks, "sticky:vpcCidr": "10.300.0.0/16" },
                problem: 'sticky:vpcCidr = "10.300.0.0/16": must be an IPv4 /16 block such as "10.0.0.0/16"',
            },
            {
                name: "admins that are not a list",
                config: { ...eks, "sticky:clusterAdminArns": "arn:aws:iam::123456789012:role/admin" },
                problem:
                    'sticky:clusterAdminArns = "arn:aws:iam::123456789012:role/admin": must be a list of strings; each must be an IAM role or user ARN such as "arn:aws:iam::123456789012:role/platform-admin"',
            },
            {
                name: "an admin that is not an IAM ARN",
                config: { ...eks, "sticky:clusterAdminArns": '["alice"]' },
                problem:
                    'sticky:clusterAdminArns = "[\\"alice\\"]": "alice": each must be an IAM role or user ARN such as "arn:aws:iam::123456789012:role/platform-admin"',
            },
            {
                name: "the same admin twice",
                config: {
                    ...eks,
                    "sticky:clusterAdminArns": '["arn:aws:iam::123456789012:role/admin","arn:aws:iam::123456789012:role/admin"]',
                },
                problem:
                    'sticky:clusterAdminArns = "arn:aws:iam::123456789012:role/admin": the same IAM principal as "arn:aws:iam::123456789012:role/admin" in sticky:clusterAdminArns; ' +
                    "a principal gets one access entry (EKS refuses a second with 409): list it once, as admin or as viewer",
            },
            {
                name: "the same role with another path and case (IAM names are unique per account, case-insensitively)",
                config: {
                    ...eks,
                    "sticky:clusterAdminArns": '["arn:aws:iam::123456789012:role/Admin","arn:aws:iam::123456789012:role/team/admin"]',
                },
                problem:
                    'sticky:clusterAdminArns = "arn:aws:iam::123456789012:role/team/admin": the same IAM principal as "arn:aws:iam::123456789012:role/Admin" in sticky:clusterAdminArns; ' +
                    "a principal gets one access entry (EKS refuses a second with 409): list it once, as admin or as viewer",
            },
            {
                name: "one principal as admin and as viewer",
                config: {
                    ...eks,
                    "sticky:clusterAdminArns": '["arn:aws:iam::123456789012:role/ci"]',
                    "sticky:clusterViewerArns": '["arn:aws:iam::123456789012:role/ci"]',
                },
                problem:
                    'sticky:clusterViewerArns = "arn:aws:iam::123456789012:role/ci": the same IAM principal as "arn:aws:iam::123456789012:role/ci" in sticky:clusterAdminArns; ' +
                    "a principal gets one access entry (EKS refuses a second with 409): list it once, as admin or as viewer",
            },
            {
                name: "a viewer that is not an IAM ARN",
                config: { ...eks, "sticky:clusterViewerArns": '["arn:aws:sts::123456789012:assumed-role/ci/run-1"]' },
                problem:
                    'sticky:clusterViewerArns = "[\\"arn:aws:sts::123456789012:assumed-role/ci/run-1\\"]": "arn:aws:sts::123456789012:assumed-role/ci/run-1": ' +
                    'each must be an IAM role or user ARN such as "arn:aws:iam::123456789012:role/github-preview"',
            },
            ...[
                ["a malformed block", "203.0.113.0/33"],
                ["an address without a prefix", "203.0.113.7"],
                ["host bits set", "203.0.113.7/24"],
                ["a private range", "10.0.0.0/8"],
                ["an octet over 255", "203.0.256.0/24"],
            ].map(([what, cidr]) => ({
                name: `an endpoint block: ${what}`,
                config: { ...eks, "sticky:publicAccessCidrs": JSON.stringify(["198.51.100.0/24", cidr]) },
                problem:
                    `sticky:publicAccessCidrs = ${JSON.stringify(JSON.stringify(["198.51.100.0/24", cidr]))}: "${cidr}": each must be a public IPv4 block ` +
                    'with no host bits set, such as "203.0.113.0/24" or "0.0.0.0/0" (private ranges never reach the public endpoint)',
            })),
            {
                name: "no endpoint block at all",
                config: { ...eks, "sticky:publicAccessCidrs": "[]" },
                problem:
                    'sticky:publicAccessCidrs = "[]": must list at least one block; the public endpoint cannot be open to nobody ' +
                    '(use "0.0.0.0/0" for everyone, or your offices\' and CI runners\' addresses)',
            },
            {
                name: "more endpoint blocks than EKS allows",
                config: { ...eks, "sticky:publicAccessCidrs": JSON.stringify(Array.from({ length: 41 }, (_, i) => `203.0.${i}.0/24`)) },
                problem: "sticky:publicAccessCidrs: 41 blocks; EKS allows at most 40",
            },
            {
                name: "a log retention CloudWatch does not offer",
                config: { ...eks, "sticky:clusterLogRetentionDays": "10" },
                problem:
                    'sticky:clusterLogRetentionDays = "10": must be a CloudWatch Logs retention in days: ' +
                    "1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
            },
            {
                name: "a restore into a pod that does not exist",
                config: { ...eks, "sticky:restoreFrom": '["3=vol-0123456789abcdef0"]' },
                problem:
                    'sticky:restoreFrom = "3=vol-0123456789abcdef0": pod 3 does not exist with sticky:replicas = 3 (ordinals 0 to 2); ' +
                    "restore into an ordinal below 3, or raise sticky:replicas",
            },
            {
                name: "a restore entry without its ordinal",
                config: { ...eks, "sticky:restoreFrom": '["vol-0123456789abcdef0"]' },
                problem:
                    'sticky:restoreFrom = "[\\"vol-0123456789abcdef0\\"]": "vol-0123456789abcdef0": ' +
                    'each must be "<ordinal>=<source>", e.g. "2=vol-0123456789abcdef0" (eks) or "2=my-old-volume" (local)',
            },
            {
                name: "one ordinal restored twice",
                config: { ...eks, "sticky:restoreFrom": '["1=vol-0123456789abcdef0","1=snap-0123456789abcdef0"]' },
                problem: 'sticky:restoreFrom = "1=snap-0123456789abcdef0": ordinal 1 is listed twice (a claim is restored from one source); keep one entry',
            },
            {
                name: "a malformed EBS volume id",
                config: { ...eks, "sticky:restoreFrom": '["2=vol-12345"]' },
                problem:
                    'sticky:restoreFrom = "2=vol-12345": the source must be an EBS volume id ("vol-" and 17 hexadecimal digits) or snapshot id ' +
                    '("snap-" and 17), e.g. "2=vol-0123456789abcdef0"',
            },
            {
                name: "an AMI id where a snapshot id belongs",
                config: { ...eks, "sticky:restoreFrom": '["2=ami-0123456789abcdef0"]' },
                problem:
                    'sticky:restoreFrom = "2=ami-0123456789abcdef0": the source must be an EBS volume id ("vol-" and 17 hexadecimal digits) or snapshot id ' +
                    '("snap-" and 17), e.g. "2=vol-0123456789abcdef0"',
            },
            {
                name: "an EBS id on a local stack, which restores PersistentVolumes by name",
                config: { ...local, "sticky:restoreFrom": '["2=Vol_0123"]' },
                problem:
                    'sticky:restoreFrom = "2=Vol_0123": the source must be the name of a PersistentVolume in the cluster ' +
                    '(lowercase letters, digits, "-" and "."), e.g. "2=pvc-0b5e..."',
            },
            {
                name: "a backup schedule in crontab's five fields",
                config: { ...eks, "sticky:backupSchedule": "0 3 * * *" },
                problem:
                    'sticky:backupSchedule = "0 3 * * *": must be an AWS Backup schedule "cron(minutes hours day-of-month month day-of-week year)" in UTC, ' +
                    'with "?" in one of the day fields and a single minute (at most hourly), e.g. "cron(0 3 * * ? *)" (daily 03:00) or "cron(30 */6 * * ? *)" (every 6 hours)',
            },
            {
                name: "a backup schedule every few minutes",
                config: { ...eks, "sticky:backupSchedule": "cron(*/5 * * * ? *)" },
                problem:
                    'sticky:backupSchedule = "cron(*/5 * * * ? *)": must be an AWS Backup schedule "cron(minutes hours day-of-month month day-of-week year)" in UTC, ' +
                    'with "?" in one of the day fields and a single minute (at most hourly), e.g. "cron(0 3 * * ? *)" (daily 03:00) or "cron(30 */6 * * ? *)" (every 6 hours)',
            },
            {
                name: "a backup schedule with both day fields set",
                config: { ...eks, "sticky:backupSchedule": "cron(0 3 * * MON *)" },
                problem:
                    'sticky:backupSchedule = "cron(0 3 * * MON *)": must be an AWS Backup schedule "cron(minutes hours day-of-month month day-of-week year)" in UTC, ' +
                    'with "?" in one of the day fields and a single minute (at most hourly), e.g. "cron(0 3 * * ? *)" (daily 03:00) or "cron(30 */6 * * ? *)" (every 6 hours)',
            },
            {
                name: "a backup retention of zero days",
                config: { ...eks, "sticky:backupRetentionDays": "0" },
                problem: 'sticky:backupRetentionDays = "0": must be a whole number of days from 1 to 36500',
            },
        ];
        for (const c of cases) {
            it(c.name, () => assert.deepStrictEqual(problemsOf(c.config), [c.problem]));
        }
    });

    it("reports every problem at once, in one message that says nothing was changed", () => {
        const config = { ...local, "sticky:replicas": "0", "sticky:servicePort": "99999", "sticky:image": "" };
        assert.throws(
            () => parseSettings(reader(config)),
            (error: Error) => {
                assert.strictEqual(
                    error.message,
                    "Invalid stack configuration (3 problems); nothing was deployed or changed:\n" +
                        '  - sticky:replicas = "0": must be a positive integer (1 to 100 pods)\n' +
                        `  - sticky:image = "": is empty; ${IMAGE_ALLOWED}\n` +
                        '  - sticky:servicePort = "99999": must be a TCP port, 1 to 65535',
                );
                return true;
            },
        );
    });

    it("ignores another environment's keys at their defaults (Pulumi.yaml's reach every stack) and other packages' keys", () => {
        const s = parseSettings(
            reader({ ...local, "sticky:kubernetesVersion": "1.35", "sticky:publicAccessCidrs": '[ "0.0.0.0/0" ]', "aws:region": "eu-west-1" }),
        );
        assert.deepStrictEqual(s.environment, { kind: "local", kubeContext: "docker-desktop", storageClassName: "hostpath" });
    });

    it("refuses another environment's keys set to anything else: they would do nothing on this stack", () => {
        assert.deepStrictEqual(problemsOf({ ...local, "sticky:nodeCpuLimit": "5", "sticky:clusterAdminArns": '["arn:aws:iam::123456789012:role/admin"]' }), [
            'sticky:nodeCpuLimit = "5": only "eks" stacks read it, and this stack\'s sticky:environment is "local"; ' +
                'remove it (`pulumi config rm sticky:nodeCpuLimit`), or set sticky:environment to "eks"',
            'sticky:clusterAdminArns = "[\\"arn:aws:iam::123456789012:role/admin\\"]": only "eks" stacks read it, and this stack\'s sticky:environment is "local"; ' +
                'remove it (`pulumi config rm sticky:clusterAdminArns`), or set sticky:environment to "eks"',
        ]);
        assert.deepStrictEqual(problemsOf({ ...eks, "sticky:kubeContext": "kind-kind" }), [
            'sticky:kubeContext = "kind-kind": only "local" stacks read it, and this stack\'s sticky:environment is "eks"; ' +
                'remove it (`pulumi config rm sticky:kubeContext`), or set sticky:environment to "local"',
        ]);
    });

    it("an unknown or missing environment stops there: no environment's keys are read, none is guessed", () => {
        // Parsed as local, the empty kubeContext would be a second problem; parsed as eks, the region.
        const allowed = 'must be one of "local", "eks" ("local": an existing local cluster; "eks": a new EKS cluster)';
        assert.deepStrictEqual(problemsOf({ "sticky:environment": "docker", "sticky:kubeContext": "", "sticky:replicas": "0" }), [
            `sticky:environment = "docker": ${allowed}`,
            'sticky:replicas = "0": must be a positive integer (1 to 100 pods)',
        ]);
        assert.deepStrictEqual(problemsOf({ "sticky:kubeContext": "", "sticky:nodeCount": "5" }), [`sticky:environment is not set: ${allowed}`]);
    });

    it("reads an empty sticky:storageClassName (Pulumi.yaml's default) as each environment's own default", () => {
        assert.strictEqual(parseSettings(reader({ ...local, "sticky:storageClassName": "" })).environment.storageClassName, "hostpath");
        assert.strictEqual(parseSettings(reader({ ...eks, "sticky:storageClassName": "" })).environment.storageClassName, "gp3");
        // Only for a name several environments declare: an empty image is still refused.
        assert.throws(() => parseSettings(reader({ ...local, "sticky:image": "" })), /sticky:image = "": is empty; must be an image reference pinned/);
    });

    it("refuses a restore on an environment that cannot restore (no restoreSource), and reports no ordinal for bad replicas", () => {
        const cannot = { ...localDefinition, restoreSource: undefined };
        assert.throws(
            () => parseSettings(reader({ ...local, "sticky:restoreFrom": '["0=old"]' }), [cannot]),
            (error: ConfigProblemsError) => {
                assert.deepStrictEqual(error.problems, ['sticky:restoreFrom = "0=old": "local" stacks cannot restore claims; remove it (`pulumi config rm sticky:restoreFrom`)']);
                return true;
            },
        );
        assert.deepStrictEqual(problemsOf({ ...local, "sticky:replicas": "zero", "sticky:restoreFrom": '["5=old"]' }), ['sticky:replicas = "zero": must be a positive integer (1 to 100 pods)']);
    });

    it("takes the app's defaults from StickyApp, which owns them", () => {
        const { app } = parseSettings(reader(local));
        const { replicas, image, storageSize, servicePort, protect } = STICKY_APP_DEFAULTS;
        assert.deepStrictEqual(app, { replicas, image, storageSize, servicePort, protect, restoreFrom: [] });
    });

    it("gives every key a default that passes its own check", () => {
        const valid = (key: ConfigKey): boolean => {
            switch (key.type) {
                case "string":
                    return key.default === undefined || key.check(key.default);
                case "integer":
                    return key.default === undefined || (key.default >= key.min && key.default <= key.max && (key.check?.(key.default) ?? true));
                case "boolean":
                    return true;
                case "array":
                    return key.default === undefined || key.default.every(key.check);
            }
        };
        const keys: [string, ConfigKey][] = [...Object.entries(APP_KEYS), ...ENVIRONMENTS.flatMap((e) => Object.entries<ConfigKey>(e.keys))];
        assert.ok(keys.length > 10, "the app's and both environments' keys");
        assert.deepStrictEqual(keys.filter(([, key]) => !valid(key)).map(([name]) => name), []);
    });

    it("has Pulumi.yaml declare every key with the type, default and description the code gives it", () => {
        assert.deepStrictEqual(configDocProblems(documentedKeys(), declaredConfig()), []);
    });

    it("refuses a registry with a kind twice, a kind that is no config value, an app key declared again, or one name of two types", () => {
        const [localDefinition, eksDefinition] = ENVIRONMENTS;
        const copy = (kind: string, keys: EnvironmentDefinition["keys"]): EnvironmentDefinition => ({ ...localDefinition, kind, keys });
        assert.deepStrictEqual(registryProblems(ENVIRONMENTS), []);
        assert.deepStrictEqual(registryProblems([localDefinition, eksDefinition, copy("local", {}), copy("Docker Desktop", {}), copy("kind", { replicas: APP_KEYS.replicas, nodeCpuLimit: eksDefinition.keys.vpcCidr })]), [
            'kind "local" is registered twice',
            'kind "Docker Desktop": must be lowercase letters, digits and "-", starting with a letter',
            'sticky:replicas is declared by the app and by "kind": give "kind"\'s key a name of its own',
            'sticky:nodeCpuLimit is of type integer for "eks" and string for "kind": Pulumi.yaml declares it once, so give it one type or "kind"\'s key a name of its own',
        ]);
        // One name, one type, several environments: each reads it for its own stacks (storageClassName).
        assert.deepStrictEqual(registryProblems([localDefinition, eksDefinition, copy("kind", { nodeCpuLimit: eksDefinition.keys.nodeCpuLimit })]), []);
        assert.throws(() => parseSettings(reader(local), [localDefinition, copy("local", {})]), /^Error: The environment registry is inconsistent:\n {2}- kind "local" is registered twice$/);
    });
});
