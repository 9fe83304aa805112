import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EksSettings } from "../settings";
import type { Environment } from "./environment";

/** The EBS CSI driver's controller service account (fixed by the addon). */
export const EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa";
/** AWS's managed policy for the EBS CSI driver. */
export const EBS_CSI_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy";

const NODE_POLICY_ARNS = [
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
];

/**
 * Splits a /16 VPC block into /20 subnets: private ones from the bottom (x.y.0.0, x.y.16.0, ...)
 * and public ones from the middle (x.y.128.0, ...), one of each per zone, up to six zones.
 */
export function subnetCidrs(vpcCidr: string, zoneCount: number): { privateCidrs: string[]; publicCidrs: string[] } {
    const [a, b] = vpcCidr.split(".");
    const block = (third: number) => `${a}.${b}.${third}.0/20`;
    const zones = Array.from({ length: zoneCount }, (_, i) => i);
    return {
        privateCidrs: zones.map((i) => block(i * 16)),
        publicCidrs: zones.map((i) => block(128 + i * 16)),
    };
}

/** Settings the EKS environment needs beyond its own: the class to create, and protection. */
export interface EksStorage {
    readonly storageClassName: string;
    readonly protect: boolean;
}

/**
 * A new EKS cluster for the app, in a VPC of its own:
 * - private subnets for the nodes in `availabilityZoneCount` zones (EBS volumes are zonal, so
 *   a pod can only move to a node in its volume's zone), public subnets for load balancers and
 *   one NAT gateway;
 * - API authentication mode with access entries (no aws-auth ConfigMap);
 * - a managed node group over the private subnets;
 * - the `aws-ebs-csi-driver` addon, its IAM role granted through EKS Pod Identity, both created
 *   after the nodes (an addon with nowhere to run sits DEGRADED until it times out);
 * - an encrypted gp3 StorageClass, `WaitForFirstConsumer`, expandable, reclaim policy Retain.
 *   `@pulumi/eks`'s `storageClasses` option is not used: it writes the removed in-tree
 *   `kubernetes.io/aws-ebs` provisioner.
 */
export function eksCluster(settings: EksSettings, storage: EksStorage): Environment {
    const tags = { project: "sticky", "managed-by": "pulumi" };
    const protect = storage.protect;

    // Zones where this account can place subnets (Local Zones need an opt-in and are excluded).
    const zoneNames = aws
        .getAvailabilityZonesOutput({
            state: "available",
            filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
        })
        .names.apply((names) => {
            if (names.length < settings.availabilityZoneCount) {
                throw new Error(
                    `sticky:availabilityZoneCount = ${settings.availabilityZoneCount}: region ${settings.region} ` +
                        `has only ${names.length} zones available (${names.join(", ")}); lower it.`,
                );
            }
            return names.slice(0, settings.availabilityZoneCount);
        });

    const vpc = new aws.ec2.Vpc("sticky", {
        cidrBlock: settings.vpcCidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { ...tags, Name: "sticky" },
    });
    const internetGateway = new aws.ec2.InternetGateway("sticky", { vpcId: vpc.id, tags });
    const publicRoutes = new aws.ec2.RouteTable("sticky-public", {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id }],
        tags: { ...tags, Name: "sticky-public" },
    });

    const { privateCidrs, publicCidrs } = subnetCidrs(settings.vpcCidr, settings.availabilityZoneCount);
    const publicSubnets = publicCidrs.map((cidrBlock, zone) => {
        const subnet = new aws.ec2.Subnet(`sticky-public-${zone}`, {
            vpcId: vpc.id,
            cidrBlock,
            availabilityZone: zoneNames.apply((names) => names[zone]),
            // Tagged for the Kubernetes service controller: internet-facing load balancers go here.
            tags: { ...tags, Name: `sticky-public-${zone}`, "kubernetes.io/role/elb": "1" },
        });
        new aws.ec2.RouteTableAssociation(`sticky-public-${zone}`, { subnetId: subnet.id, routeTableId: publicRoutes.id });
        return subnet;
    });

    // One NAT gateway, not one per zone: a zone outage cuts the other zones' egress (image pulls),
    // not their serving. One per zone costs about $32 a month more each; see the README.
    const natAddress = new aws.ec2.Eip("sticky-nat", { domain: "vpc", tags });
    const natGateway = new aws.ec2.NatGateway(
        "sticky",
        { subnetId: publicSubnets[0].id, allocationId: natAddress.id, tags },
        { dependsOn: [internetGateway] },
    );
    const privateRoutes = new aws.ec2.RouteTable("sticky-private", {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: natGateway.id }],
        tags: { ...tags, Name: "sticky-private" },
    });
    const privateSubnets = privateCidrs.map((cidrBlock, zone) => {
        const subnet = new aws.ec2.Subnet(`sticky-private-${zone}`, {
            vpcId: vpc.id,
            cidrBlock,
            availabilityZone: zoneNames.apply((names) => names[zone]),
            tags: { ...tags, Name: `sticky-private-${zone}`, "kubernetes.io/role/internal-elb": "1" },
        });
        new aws.ec2.RouteTableAssociation(`sticky-private-${zone}`, { subnetId: subnet.id, routeTableId: privateRoutes.id });
        return subnet;
    });

    const cluster = new eks.Cluster(
        "sticky",
        {
            version: settings.kubernetesVersion,
            vpcId: vpc.id,
            publicSubnetIds: publicSubnets.map((s) => s.id),
            privateSubnetIds: privateSubnets.map((s) => s.id),
            nodeAssociatePublicIpAddress: false,
            endpointPrivateAccess: true,
            endpointPublicAccess: true,
            authenticationMode: eks.AuthenticationMode.Api,
            accessEntries: Object.fromEntries(
                settings.clusterAdminArns.map((principalArn, i) => [
                    `admin-${i}`,
                    {
                        principalArn,
                        accessPolicies: {
                            admin: {
                                policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                                accessScope: { type: "cluster" },
                            },
                        },
                    },
                ]),
            ),
            // Nodes come from the managed node group below; Pod Identity replaces IRSA's OIDC provider.
            skipDefaultNodeGroup: true,
            createOidcProvider: false,
            // The VPC CNI's network policy agent: without it the app's NetworkPolicy (web port in,
            // nothing out) is accepted and enforced by nothing.
            vpcCniOptions: { enableNetworkPolicy: true },
            enabledClusterLogTypes: ["api", "audit", "authenticator"],
            tags,
        },
        { protect },
    );

    const nodeRole = new aws.iam.Role("sticky-nodes", {
        assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "ec2.amazonaws.com" }),
        tags,
    });
    const nodePolicies = NODE_POLICY_ARNS.map(
        (policyArn, i) => new aws.iam.RolePolicyAttachment(`sticky-nodes-${i}`, { role: nodeRole.name, policyArn }),
    );

    const nodeGroup = new eks.ManagedNodeGroup(
        "sticky",
        {
            cluster,
            nodeRole,
            subnetIds: privateSubnets.map((s) => s.id),
            instanceTypes: [settings.nodeInstanceType],
            scalingConfig: {
                minSize: settings.nodeCount,
                desiredSize: settings.nodeCount,
                maxSize: settings.nodeCount + 1,
            },
            tags,
        },
        { dependsOn: nodePolicies },
    );

    // EKS Pod Identity: the agent runs on every node and hands the driver's pods credentials for
    // the role below, with no OIDC provider and no role ARN annotation on the service account.
    const podIdentityAgent = new aws.eks.Addon(
        "eks-pod-identity-agent",
        { clusterName: cluster.eksCluster.name, addonName: "eks-pod-identity-agent", tags },
        { dependsOn: [nodeGroup] },
    );

    const ebsCsiRole = new aws.iam.Role("ebs-csi-driver", {
        assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Service: "pods.eks.amazonaws.com" },
                    Action: ["sts:AssumeRole", "sts:TagSession"],
                },
            ],
        }),
        tags,
    });
    const ebsCsiPolicy = new aws.iam.RolePolicyAttachment("ebs-csi-driver", {
        role: ebsCsiRole.name,
        policyArn: EBS_CSI_POLICY_ARN,
    });

    const ebsCsiDriver = new aws.eks.Addon(
        "aws-ebs-csi-driver",
        {
            clusterName: cluster.eksCluster.name,
            addonName: "aws-ebs-csi-driver",
            podIdentityAssociations: [{ roleArn: ebsCsiRole.arn, serviceAccount: EBS_CSI_SERVICE_ACCOUNT }],
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "PRESERVE",
            tags,
        },
        // Volumes cannot attach without the driver: keep it through every change in prod.
        { dependsOn: [nodeGroup, podIdentityAgent, ebsCsiPolicy], protect },
    );

    const provider = new k8s.Provider("eks", {
        // The kubeconfig carries the cluster's endpoint and CA; keep it out of plain-text state.
        kubeconfig: pulumi.secret(cluster.kubeconfigJson),
    });

    const storageClass = new k8s.storage.v1.StorageClass(
        "gp3",
        {
            metadata: {
                name: storage.storageClassName,
                // EKS 1.30+ has no default class; make this one the default for anything that does
                // not name a class, as the article's original YAML does not.
                annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
            },
            provisioner: "ebs.csi.aws.com",
            parameters: {
                type: "gp3",
                encrypted: "true",
                "csi.storage.k8s.io/fstype": "ext4",
            },
            // EBS volumes are zonal: create each one where its pod was scheduled.
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
            // A deleted claim leaves its volume (and its data) in EBS; see the README's destroy notes.
            reclaimPolicy: "Retain",
        },
        { provider, protect, dependsOn: [ebsCsiDriver] },
    );

    return {
        provider,
        storageClassName: storageClass.metadata.name,
        prerequisites: [ebsCsiDriver, storageClass],
        outputs: {
            clusterName: cluster.eksCluster.name,
            kubeconfig: pulumi.secret(cluster.kubeconfigJson),
            vpcId: vpc.id,
        },
    };
}
