import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { EksSettings } from "./definition";

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

/** One zone's share of the network: its nodes' subnet and its load balancer's. */
export interface Zone {
    readonly privateSubnet: aws.ec2.Subnet;
    readonly publicSubnet: aws.ec2.Subnet;
}

export interface Network {
    readonly vpc: aws.ec2.Vpc;
    readonly zones: Zone[];
}

/**
 * The VPC: per zone a private subnet (nodes) and a public one (load balancers), and one NAT
 * gateway for the nodes' egress. One, not one per zone: a zone outage then cuts the others'
 * egress, not their serving, for a gateway-hour less per zone (docs/prod-on-eks.md, cost).
 */
export function eksNetwork(
    settings: EksSettings,
    zoneNames: readonly string[],
    tags: Record<string, string>,
    child: pulumi.CustomResourceOptions,
): Network {
    const vpc = new aws.ec2.Vpc("sticky", { cidrBlock: settings.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: "sticky" } }, child);
    const internetGateway = new aws.ec2.InternetGateway("sticky", { vpcId: vpc.id, tags }, child);
    const publicRoutes = new aws.ec2.RouteTable("sticky-public", {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id }],
        tags: { ...tags, Name: "sticky-public" },
    }, child);

    // The zones are decided before any resource (zones.ts): fixed at creation, never looked up again.
    const { privateCidrs, publicCidrs } = subnetCidrs(settings.vpcCidr, zoneNames.length);
    const zoneName = (zone: number) => pulumi.output(zoneNames[zone]);
    // One subnet per zone in a tier, each on the tier's route table, tagged for the Kubernetes
    // service controller (`elb`: internet-facing load balancers go there; `internal-elb`: internal).
    const subnetsOf = (tier: "public" | "private", cidrs: string[], routeTable: aws.ec2.RouteTable, role: string) =>
        cidrs.map((cidrBlock, zone) => {
            const name = `sticky-${tier}-${zone}`;
            const subnet = new aws.ec2.Subnet(name, {
                vpcId: vpc.id,
                cidrBlock,
                availabilityZone: zoneName(zone),
                tags: { ...tags, Name: name, [role]: "1" },
            }, child);
            new aws.ec2.RouteTableAssociation(name, { subnetId: subnet.id, routeTableId: routeTable.id }, child);
            return subnet;
        });
    const publicSubnets = subnetsOf("public", publicCidrs, publicRoutes, "kubernetes.io/role/elb");

    const natAddress = new aws.ec2.Eip("sticky-nat", { domain: "vpc", tags }, child);
    const natGateway = new aws.ec2.NatGateway(
        "sticky",
        { subnetId: publicSubnets[0].id, allocationId: natAddress.id, tags },
        { ...child, dependsOn: [internetGateway] },
    );
    const privateRoutes = new aws.ec2.RouteTable("sticky-private", {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: natGateway.id }],
        tags: { ...tags, Name: "sticky-private" },
    }, child);
    const privateSubnets = subnetsOf("private", privateCidrs, privateRoutes, "kubernetes.io/role/internal-elb");

    return { vpc, zones: privateSubnets.map((privateSubnet, index) => ({ privateSubnet, publicSubnet: publicSubnets[index] })) };
}
