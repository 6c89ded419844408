import { EksCluster, EksClusterArgs, kubeconfigFor } from "../components/containers/eks-cluster";
import { clusterAutoscalerImage, eksAddonNames, kubernetesVersion, loadBalancerControllerChart } from "../components/containers/eks-versions";
import { InvalidArgsError } from "../components/validation";
import { refusal, Registered, run } from "./harness";

const base: EksClusterArgs = {
    clusterName: "shop-dev",
    region: "us-east-1",
    vpcId: "vpc-1",
    privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    publicAccessCidrs: ["198.51.100.0/24"],
    adminPrincipalArns: ["arn:aws:iam::123456789012:role/platform", "arn:aws:iam::123456789012:role/ci"],
    nodeGroups: {
        general: { instanceTypes: ["m7i.large"], minSize: 2, maxSize: 6 },
        spot: { instanceTypes: ["m7i.large", "m6i.large"], minSize: 0, maxSize: 10, capacityType: "SPOT", diskGiB: 80 },
    },
};

describe("EksCluster", () => {
    let registered: Registered;
    beforeAll(async () => {
        registered = await run(() => {
            const cluster = new EksCluster("eks", base);
            return { kubeconfig: cluster.kubeconfig };
        });
    });
    const inputs = (type: string, name: string) => registered.one(type, name).inputs as any;

    it("pins the version, keeps the API private but for listed networks, and authenticates through access entries", () => {
        const cluster = inputs("aws:eks/cluster:Cluster", "eks");
        expect(cluster).toMatchObject({
            name: "shop-dev",
            version: kubernetesVersion,
            vpcConfig: {
                endpointPrivateAccess: true,
                endpointPublicAccess: true,
                publicAccessCidrs: ["198.51.100.0/24"],
                subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
            },
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
            encryptionConfig: { resources: ["secrets"] },
            enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
            upgradePolicy: { supportType: "STANDARD" },
        });
        expect(inputs("aws:kms/key:Key", "eks-secrets")).toMatchObject({ enableKeyRotation: true });
        expect(inputs("aws:cloudwatch/logGroup:LogGroup", "eks-control-plane")).toMatchObject({ name: "/aws/eks/shop-dev/cluster", retentionInDays: 30 });
        const admins = registered.ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation").map((r) => r.inputs as any);
        expect(admins.map((a) => a.principalArn)).toEqual(base.adminPrincipalArns);
        expect(admins.every((a) => a.policyArn.endsWith("AmazonEKSClusterAdminPolicy") && a.accessScope.type === "cluster")).toBe(true);
        expect(inputs("aws:eks/accessEntry:AccessEntry", "eks-node")).toMatchObject({ type: "EC2_LINUX" });
    });

    it("keeps the endpoint private when no network is listed", async () => {
        const privateOnly = await run(() => void new EksCluster("eks", { ...base, publicAccessCidrs: [] }));
        expect(privateOnly.one("aws:eks/cluster:Cluster", "eks").inputs).toMatchObject({
            vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false },
        });
    });

    it("makes each node group from a launch template: IMDSv2 with one hop, encrypted gp3 volumes, the private subnets", () => {
        for (const [key, disk] of [
            ["general", 50],
            ["spot", 80],
        ] as const) {
            const template = inputs("aws:ec2/launchTemplate:LaunchTemplate", `eks-${key}`);
            expect(template.metadataOptions).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
            expect(template.blockDeviceMappings[0].ebs).toEqual({ volumeSize: disk, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" });
            const group = inputs("aws:eks/nodeGroup:NodeGroup", `eks-${key}`);
            expect(group).toMatchObject({
                clusterName: "shop-dev",
                subnetIds: base.privateSubnetIds,
                amiType: "AL2023_x86_64_STANDARD",
                launchTemplate: { version: expect.any(String) },
            });
        }
        expect(inputs("aws:eks/nodeGroup:NodeGroup", "eks-spot")).toMatchObject({
            capacityType: "SPOT",
            scalingConfig: { minSize: 0, maxSize: 10, desiredSize: 0 },
        });
    });

    it("installs the core add-ons and metrics-server at EKS's default builds for the version, the CNI with its own role through Pod Identity", () => {
        const addons = registered.ofType("aws:eks/addon:Addon").map((r) => r.inputs as any);
        // No build pinned: EKS installs its default for the cluster's version, and an upgrade of the cluster moves them too.
        expect(Object.fromEntries(addons.map((a) => [a.addonName, a.addonVersion]))).toEqual(
            Object.fromEntries(eksAddonNames.map((addon) => [addon, undefined])),
        );
        expect(addons.map((a) => a.addonName)).toContain("metrics-server");
        const cni = addons.find((a) => a.addonName === "vpc-cni");
        expect(cni.podIdentityAssociations).toEqual([{ roleArn: expect.stringContaining("eks-vpc-cni"), serviceAccount: "aws-node" }]);
        const nodePolicies = registered
            .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .filter((r) => r.name.startsWith("eks-node-"))
            .map((r) => (r.inputs as any).policyArn);
        expect(nodePolicies).not.toContain("arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy");
    });

    it("pins an add-on's build only where asked", async () => {
        const pinned = await run(() => void new EksCluster("eks", { ...base, addonVersions: { coredns: "v1.12.4-eksbuild.1" } }));
        const addons = pinned.ofType("aws:eks/addon:Addon").map((r) => r.inputs as any);
        expect(addons.find((a) => a.addonName === "coredns").addonVersion).toBe("v1.12.4-eksbuild.1");
        expect(addons.find((a) => a.addonName === "kube-proxy").addonVersion).toBeUndefined();
    });

    it("runs the newest Kubernetes minor in EKS standard support with the longest runway on 2026-11-30, and the Cluster Autoscaler on that minor", () => {
        // The Amazon EKS Kubernetes release calendar (docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html): EKS release, end of standard support.
        const calendar: Record<string, [string, string]> = {
            "1.32": ["2025-01-23", "2026-03-23"],
            "1.33": ["2025-05-29", "2026-07-29"],
            "1.34": ["2025-10-02", "2026-12-02"],
            "1.35": ["2026-01-28", "2027-03-27"],
        };
        const day = "2026-11-30";
        const inStandardSupport = Object.entries(calendar).filter(([, [released, ends]]) => released <= day && day < ends);
        const longest = inStandardSupport.sort(([, a], [, b]) => b[1].localeCompare(a[1]))[0][0];
        expect(kubernetesVersion).toBe(longest);
        expect(clusterAutoscalerImage).toMatch(new RegExp(`:v${kubernetesVersion.replace(".", "\\.")}\\.\\d+$`));
    });

    it("installs the AWS Load Balancer Controller with its own least-privilege role", () => {
        const release = inputs("kubernetes:helm.sh/v3:Release", "eks-lb-controller");
        expect(release).toMatchObject({ chart: loadBalancerControllerChart.chart, version: loadBalancerControllerChart.version, namespace: "kube-system" });
        expect(release.values).toMatchObject({
            clusterName: "shop-dev",
            region: "us-east-1",
            vpcId: "vpc-1",
            serviceAccount: { name: "aws-load-balancer-controller" },
        });
        expect(inputs("aws:eks/podIdentityAssociation:PodIdentityAssociation", "eks-lb-controller")).toMatchObject({
            namespace: "kube-system",
            serviceAccount: "aws-load-balancer-controller",
        });
        const policy = JSON.parse(inputs("aws:iam/rolePolicy:RolePolicy", "eks-lb-controller").policy);
        // Deleting load balancers and security groups only where the controller's own tag is.
        const deletes = policy.Statement.filter((s: any) => [s.Action].flat().some((a: string) => /Delete(LoadBalancer|SecurityGroup|TargetGroup)$/.test(a)));
        expect(deletes.length).toBeGreaterThan(0);
        expect(deletes.every((s: any) => s.Condition?.Null?.["aws:ResourceTag/elbv2.k8s.aws/cluster"] === "false")).toBe(true);
    });

    it("hands out a kubeconfig that gets its token from the AWS CLI, as a secret", () => {
        expect(registered.outputs.kubeconfig).toBe("[secret]");
        const provider = inputs("pulumi:providers:kubernetes", "eks-k8s");
        expect(provider).toMatchObject({ kubeconfig: "[secret]", enableServerSideApply: "true" });
        const config = JSON.parse(kubeconfigFor("shop-dev", "https://example.eks.amazonaws.com", "Q0E=", "eu-west-1"));
        expect(config.clusters[0].cluster).toEqual({ server: "https://example.eks.amazonaws.com", "certificate-authority-data": "Q0E=" });
        expect(config.users[0].user.exec).toMatchObject({
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", "shop-dev", "--region", "eu-west-1", "--output", "json"],
        });
        expect(JSON.stringify(config)).not.toMatch(/token"\s*:/);
    });

    it("refuses bad arguments, naming each, before registering anything", async () => {
        const { error, registered: partial } = await refusal(
            () =>
                new EksCluster("bad", {
                    ...base,
                    clusterName: "-bad name",
                    region: "mars",
                    privateSubnetIds: ["subnet-a"],
                    kubernetesVersion: "latest",
                    addonVersions: { coredns: "latest", ...({ flannel: "v1.0.0-eksbuild.1" } as object) },
                    publicAccessCidrs: ["0.0.0.0/0", "not-a-cidr"],
                    nodeGroups: { General: { instanceTypes: [], minSize: 3, maxSize: 2 } },
                }),
        );
        expect(error).toBeInstanceOf(InvalidArgsError);
        for (const part of [
            "clusterName",
            "region",
            "two zones",
            "kubernetesVersion",
            "whole internet",
            '"not-a-cidr"',
            "nodeGroups.General: the key",
            "instanceTypes",
            "minSize ≤ desiredSize ≤ maxSize",
            'addonVersions.coredns: expected a build such as v1.2.3-eksbuild.1 (got "latest")',
            "addonVersions: flannel is not one of",
        ]) {
            expect(error.message).toContain(part);
        }
        expect(partial.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
        expect((await refusal(() => new EksCluster("none", { ...base, nodeGroups: {} }))).error.message).toContain("at least one node group");
    });
});
