import { Statement } from "../iam";

/**
 * What the AWS Load Balancer Controller needs to turn Services into NLBs and Ingresses into
 * ALBs, and no more: it may read the network and the load balancers, but it may change or
 * delete only the security groups, load balancers and target groups that carry its own
 * cluster tag (`elbv2.k8s.aws/cluster`), which it sets when it creates them.
 */
export const loadBalancerControllerTag = "elbv2.k8s.aws/cluster";
const taggedByController = { Null: { [`aws:ResourceTag/${loadBalancerControllerTag}`]: "false" } };
const createdByController = { Null: { [`aws:RequestTag/${loadBalancerControllerTag}`]: "false" } };
const loadBalancerArns = [
    "arn:aws:elasticloadbalancing:*:*:loadbalancer/net/*/*",
    "arn:aws:elasticloadbalancing:*:*:loadbalancer/app/*/*",
    "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
];

export const loadBalancerControllerStatements: Statement[] = [
    {
        Sid: "ReadNetworkAndLoadBalancers",
        Action: [
            "ec2:DescribeAccountAttributes",
            "ec2:DescribeAddresses",
            "ec2:DescribeAvailabilityZones",
            "ec2:DescribeInternetGateways",
            "ec2:DescribeVpcs",
            "ec2:DescribeVpcPeeringConnections",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeInstances",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeTags",
            "ec2:DescribeRouteTables",
            "ec2:DescribeIpamPools",
            "ec2:GetSecurityGroupsForVpc",
            "ec2:GetCoipPoolUsage",
            "ec2:DescribeCoipPools",
            "elasticloadbalancing:Describe*",
            "acm:ListCertificates",
            "acm:DescribeCertificate",
            "iam:ListServerCertificates",
            "iam:GetServerCertificate",
            "cognito-idp:DescribeUserPoolClient",
            "wafv2:GetWebACL",
            "wafv2:GetWebACLForResource",
            "wafv2:AssociateWebACL",
            "wafv2:DisassociateWebACL",
            "shield:GetSubscriptionState",
            "shield:DescribeProtection",
            "shield:CreateProtection",
            "shield:DeleteProtection",
        ],
        Resource: "*",
    },
    {
        Sid: "ElbServiceLinkedRole",
        Action: "iam:CreateServiceLinkedRole",
        Resource: "*",
        Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
    },
    // Opens the nodes' security groups to its load balancers' traffic.
    { Sid: "NodeSecurityGroupRules", Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"], Resource: "*" },
    { Sid: "CreateSecurityGroups", Action: "ec2:CreateSecurityGroup", Resource: "*" },
    {
        Sid: "TagNewSecurityGroups",
        Action: "ec2:CreateTags",
        Resource: "arn:aws:ec2:*:*:security-group/*",
        Condition: { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" }, ...createdByController },
    },
    {
        Sid: "ManageOwnSecurityGroups",
        Action: ["ec2:CreateTags", "ec2:DeleteTags", "ec2:DeleteSecurityGroup"],
        Resource: "arn:aws:ec2:*:*:security-group/*",
        Condition: taggedByController,
    },
    {
        Sid: "CreateLoadBalancersAndTargetGroups",
        Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
        Resource: "*",
        Condition: createdByController,
    },
    {
        Sid: "TagOnCreate",
        Action: "elasticloadbalancing:AddTags",
        Resource: loadBalancerArns,
        Condition: { StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] }, ...createdByController },
    },
    {
        Sid: "ManageOwnLoadBalancers",
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
            "elasticloadbalancing:RegisterTargets",
            "elasticloadbalancing:DeregisterTargets",
        ],
        Resource: loadBalancerArns,
        Condition: taggedByController,
    },
    // Listeners and rules live under load balancers it owns; their ARNs carry no tag of their own at creation.
    {
        Sid: "ListenersAndRules",
        Action: [
            "elasticloadbalancing:CreateListener",
            "elasticloadbalancing:DeleteListener",
            "elasticloadbalancing:ModifyListener",
            "elasticloadbalancing:ModifyListenerAttributes",
            "elasticloadbalancing:AddListenerCertificates",
            "elasticloadbalancing:RemoveListenerCertificates",
            "elasticloadbalancing:CreateRule",
            "elasticloadbalancing:DeleteRule",
            "elasticloadbalancing:ModifyRule",
            "elasticloadbalancing:SetWebAcl",
        ],
        Resource: "*",
    },
];
