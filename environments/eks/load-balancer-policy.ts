/**
 * The AWS Load Balancer Controller's IAM permissions, for what this stack asks of it: one
 * internet-facing NLB with IP targets, its target groups and the security group rules that let
 * the NLB reach the pods. Written for this project (2026-12-02) from the actions the controller
 * calls for NLBs; narrower than the policy the controller's project publishes, which also covers
 * ALBs, WAF, Shield, ACM and Cognito. Pure data, checked by tests/eks.test.ts.
 *
 * What changes through AWS is limited to what the controller tagged itself
 * (`elbv2.k8s.aws/cluster`, which it puts on every load balancer, target group and security
 * group it creates), except registering targets and opening the pods' security group to the
 * NLB, which are by nature on resources it did not create.
 *
 * Unverified here (no AWS): a controller release that calls an action not listed fails its
 * reconcile with AccessDenied in its log (`kubectl logs -n kube-system deploy/aws-load-balancer-controller`)
 * and the Service keeps its old state; add the action here. Controller v3.5 is reported to need
 * `elasticloadbalancing:DescribeListenerAttributes` and `ec2:GetSecurityGroupsForVpc` (both below).
 */

const CONTROLLER_TAG = "aws:ResourceTag/elbv2.k8s.aws/cluster";
const CONTROLLER_REQUEST_TAG = "aws:RequestTag/elbv2.k8s.aws/cluster";

/** The controller's policy document (IAM JSON). */
export const LOAD_BALANCER_CONTROLLER_POLICY = {
    Version: "2012-10-17",
    Statement: [
        {
            Sid: "ServiceLinkedRoleForElb",
            Effect: "Allow",
            Action: ["iam:CreateServiceLinkedRole"],
            Resource: "*",
            Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
        },
        {
            Sid: "Read",
            Effect: "Allow",
            Action: [
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeAddresses",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeVpcs",
                "ec2:DescribeSubnets",
                "ec2:DescribeRouteTables",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeInstances",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeTags",
                "ec2:GetSecurityGroupsForVpc",
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeListenerAttributes",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTags",
                "elasticloadbalancing:DescribeCapacityReservation",
            ],
            Resource: "*",
        },
        {
            Sid: "NlbReachesPods",
            Effect: "Allow",
            Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
            Resource: "*",
        },
        {
            Sid: "CreateOwnSecurityGroups",
            Effect: "Allow",
            Action: ["ec2:CreateSecurityGroup"],
            Resource: "*",
        },
        {
            Sid: "TagSecurityGroupsOnCreate",
            Effect: "Allow",
            Action: ["ec2:CreateTags"],
            Resource: "arn:aws:ec2:*:*:security-group/*",
            Condition: { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" }, Null: { [CONTROLLER_REQUEST_TAG]: "false" } },
        },
        {
            Sid: "ChangeOwnSecurityGroups",
            Effect: "Allow",
            Action: ["ec2:CreateTags", "ec2:DeleteTags", "ec2:DeleteSecurityGroup"],
            Resource: "arn:aws:ec2:*:*:security-group/*",
            Condition: { Null: { [CONTROLLER_TAG]: "false" } },
        },
        {
            Sid: "CreateTaggedLoadBalancers",
            Effect: "Allow",
            Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
            Resource: "*",
            Condition: { Null: { [CONTROLLER_REQUEST_TAG]: "false" } },
        },
        {
            Sid: "TagOnCreate",
            Effect: "Allow",
            Action: ["elasticloadbalancing:AddTags"],
            Resource: ["arn:aws:elasticloadbalancing:*:*:targetgroup/*/*", "arn:aws:elasticloadbalancing:*:*:loadbalancer/net/*/*"],
            Condition: {
                StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] },
                Null: { [CONTROLLER_REQUEST_TAG]: "false" },
            },
        },
        {
            Sid: "ChangeOwnLoadBalancers",
            Effect: "Allow",
            Action: [
                "elasticloadbalancing:AddTags",
                "elasticloadbalancing:RemoveTags",
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:SetIpAddressType",
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
                "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:ModifyCapacityReservation",
            ],
            Resource: ["arn:aws:elasticloadbalancing:*:*:targetgroup/*/*", "arn:aws:elasticloadbalancing:*:*:loadbalancer/net/*/*"],
            Condition: { Null: { [CONTROLLER_TAG]: "false" } },
        },
        {
            Sid: "Listeners",
            Effect: "Allow",
            Action: [
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:ModifyListenerAttributes",
            ],
            Resource: "*",
        },
        {
            Sid: "Targets",
            Effect: "Allow",
            Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
            Resource: "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
        },
    ],
} as const;
