import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Plan, planJson, renderTree } from "../tools/plan";
import { diffPlans } from "../tools/plan-diff";
import { sharedPlan } from "./support/shared-plans";
import { projectRoot } from "../tools/project-root";

function cli(args: string[], viaNpm = false) {
    const [command, prefix] = viaNpm ? ["npm", ["run", "plan", "--"]] : [process.execPath, ["tools/compiled.js", "tools/plan.ts"]];
    const result = spawnSync(command, [...prefix, ...args], { cwd: projectRoot, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const resourceKeys = ["dependsOn", "inputs", "name", "parent", "protect", "region", "retainOnDelete", "type", "urn"];

describe("offline plan of stage 1", () => {
    let dev: Plan;
    let prod: Plan;
    beforeAll(async () => {
        dev = await sharedPlan("dev", 1);
        prod = await sharedPlan("prod", "single-server");
    }, 600_000);

    it("has exactly the shape of the plan contract", () => {
        expect(Object.keys(dev).sort()).toEqual(["outputs", "project", "resources", "stack", "stage"]);
        expect(dev).toMatchObject({ project: "shop-evolution", stack: "dev", stage: { number: 1, slug: "single-server" } });
        const urns = new Set(dev.resources.map((r) => r.urn));
        expect(urns.size).toBe(dev.resources.length);
        for (const r of planJson(dev).resources) {
            expect(Object.keys(r).sort()).toEqual(resourceKeys);
            expect(r.urn.startsWith("urn:pulumi:dev::shop-evolution::")).toBe(true);
            expect(r.parent === null || urns.has(r.parent)).toBe(true);
        }
    });

    it("records what each resource depends on, explicitly or through its inputs, by URN", () => {
        const urns = new Set(dev.resources.map((r) => r.urn));
        for (const r of dev.resources) {
            expect(r.dependsOn.filter((dep) => !urns.has(dep) || dep === r.urn)).toEqual([]);
            expect([...r.dependsOn].sort()).toEqual(r.dependsOn);
        }
        const one = (type: string) => dev.resources.find((r) => r.type === type)!;
        // Through inputs: the instance runs in a subnet and wears a security group of the VPC.
        const instance = one("aws:ec2/instance:Instance");
        for (const type of ["aws:ec2/securityGroup:SecurityGroup", "aws:iam/instanceProfile:InstanceProfile"]) {
            expect(instance.dependsOn).toContain(one(type).urn);
        }
        expect(instance.dependsOn.some((dep) => dep.includes("aws:ec2/subnet:Subnet::"))).toBe(true);
        // The volume's attachment depends on the volume and the instance.
        const attachment = one("aws:ec2/volumeAttachment:VolumeAttachment");
        expect(attachment.dependsOn).toEqual(expect.arrayContaining([one("aws:ebs/volume:Volume").urn, instance.urn]));
    });

    it("holds the VPC, the instance, its security group and the Elastic IP", () => {
        const types = dev.resources.map((r) => r.type);
        for (const type of ["aws:ec2/vpc:Vpc", "aws:ec2/instance:Instance", "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/eip:Eip"]) {
            expect(types).toContain(type);
        }
    });

    it("puts every AWS resource in a region through an explicit provider", () => {
        for (const plan of [dev, prod]) {
            const aws = plan.resources.filter((r) => r.type.startsWith("aws:"));
            expect(aws.length).toBeGreaterThan(30);
            expect(aws.filter((r) => r.region !== "us-east-1")).toEqual([]);
        }
    });

    it("sizes prod bigger than dev and protects prod's data volume", () => {
        const subnets = (plan: Plan) => plan.resources.filter((r) => r.type === "aws:ec2/subnet:Subnet").length;
        expect(subnets(dev)).toBe(6);
        expect(subnets(prod)).toBe(9);
        const volume = (plan: Plan) => plan.resources.find((r) => r.type === "aws:ebs/volume:Volume")!;
        expect(volume(dev).protect).toBe(false);
        expect(volume(prod)).toMatchObject({ protect: true, retainOnDelete: true });
        const instanceType = (plan: Plan) => plan.resources.find((r) => r.type === "aws:ec2/instance:Instance")!.inputs.instanceType;
        expect(instanceType(dev)).toBe("t3.small");
        expect(instanceType(prod)).toBe("m6i.large");
    });

    it("runs stage 1 without NAT gateways: nothing lives in the private subnets yet", () => {
        expect(prod.resources.filter((r) => r.type === "aws:ec2/natGateway:NatGateway")).toEqual([]);
    });

    it("exports the shop URL and the stage", () => {
        expect(dev.outputs).toMatchObject({ stage: { number: 1, slug: "single-server" }, region: "us-east-1" });
        // The dev stack has a name: the server serves it over HTTPS (Caddy).
        expect(dev.outputs.url).toBe("https://shop-dev.example.com");
    });

    it("renders a readable tree with protection marked", () => {
        const tree = renderTree(prod);
        expect(tree).toContain("shop-evolution / prod: stage 1 (single-server)");
        expect(tree).toMatch(/\n {4}\+ aws:ebs\/volume:Volume shop-server-data {2}\[us-east-1, protected, retained on delete\]/);
        expect(tree).toContain(`${prod.resources.length} resources`);
    });
});

describe("plan command line", () => {
    const badStack = path.join(projectRoot, "Pulumi.test-wrong-types.yaml");
    afterAll(() => fs.rmSync(badStack, { force: true }));

    it("prints the contract JSON alone on stdout through npm run plan, the same plan as the run's shared one", async () => {
        const { status, stdout } = cli(["--stack", "dev", "--stage", "single-server", "--json"], true);
        expect(status).toBe(0);
        expect(JSON.parse(stdout)).toEqual(planJson(await sharedPlan("dev", 1)));
    }, 600_000);

    it("diffs against an older plan file that has no dependsOn", async () => {
        const plan = await sharedPlan("dev", 1);
        const older = { ...plan, resources: plan.resources.map(({ dependsOn: _, ...r }) => r) };
        // Outside the checkout: the lint, which runs beside the tests, checks every file in it.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "older-plan-"));
        const file = path.join(dir, "dev-1.json");
        fs.writeFileSync(file, JSON.stringify(older));
        try {
            const { status, stdout } = cli(["--stack", "dev", "--stage", "1", "--diff", file]);
            expect(status).toBe(0);
            expect(stdout).toMatch(/0 to add, 0 to remove, 0 to change/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        expect(diffPlans(older as Plan, plan).dataAtRisk).toEqual([]);
    }, 600_000);

    it.each([["0"], ["nonsense"]])("refuses --stage %s with status 2 and one line naming the key, no stack trace", (stage) => {
        const { status, stdout, stderr } = cli(["--stack", "dev", "--stage", stage]);
        expect(status).toBe(2);
        expect(stdout).toBe("");
        expect(stderr.trim().split("\n")).toEqual([expect.stringMatching(/^shop-evolution:stage: expected a number 1-15/)]);
    });

    it("refuses a stack file with values of the wrong type, one line per problem", () => {
        fs.writeFileSync(
            badStack,
            "config:\n  aws:region: us-east-1\n  shop-evolution:stage: 1\n  shop-evolution:environment: dev\n" +
                "  shop-evolution:regions: us-east-1\n  shop-evolution:sizing:\n    azCount: three\n",
        );
        const { status, stdout, stderr } = cli(["--stack", "test-wrong-types"]);
        expect(status).toBe(2);
        expect(stdout).toBe("");
        const lines = stderr.trim().split("\n");
        expect(lines).toHaveLength(2);
        expect(lines[0]).toMatch(/^shop-evolution:regions: expected a list of AWS regions.*\(got "us-east-1"\)$/);
        expect(lines[1]).toMatch(/^shop-evolution:sizing.azCount: .*\(got "three"\)$/);
        expect(stderr).not.toMatch(/\n\s+at /);
    });

    it("refuses an unknown stack and an unknown flag", () => {
        expect(cli(["--stack", "staging"])).toMatchObject({ status: 2, stderr: expect.stringContaining("no Pulumi.staging.yaml; stacks here: dev, prod") });
        expect(cli(["--stack", "dev", "--colour"])).toMatchObject({ status: 2, stderr: expect.stringContaining("--colour") });
    });
    it("runs compiled JavaScript that a changed source rebuilds first (tools/compiled.js)", () => {
        // A copy of the project's files, so that changing a source here touches nothing of this run.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "compiled-"));
        try {
            for (const file of execFileSync("git", ["ls-files"], { cwd: projectRoot, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
                .trim()
                .split("\n")) {
                if (!fs.existsSync(path.join(projectRoot, file))) continue;
                fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
                fs.copyFileSync(path.join(projectRoot, file), path.join(dir, file));
            }
            fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(dir, "node_modules"));
            const plan = () =>
                spawnSync(process.execPath, ["tools/compiled.js", "tools/plan.ts", "--stack", "dev", "--stage", "1"], {
                    cwd: dir,
                    encoding: "utf8",
                    maxBuffer: 64 * 1024 * 1024,
                });
            const first = plan();
            expect([first.status, first.stderr]).toEqual([0, ""]);
            expect(fs.existsSync(path.join(dir, "bin/tools/plan.js"))).toBe(true);
            // A module the plan imports (not the tool itself) changes: the next run says so.
            fs.appendFileSync(path.join(dir, "stacks/registry.ts"), '\nprocess.stderr.write("registry changed\\n");\n');
            const second = plan();
            expect([second.status, second.stderr]).toEqual([0, "registry changed\n"]);
            expect(second.stdout).toBe(first.stdout);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }, 120_000);
});
