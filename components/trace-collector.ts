import { Statement } from "./iam";

/**
 * The ADOT collector that takes the shop's spans (OTLP/HTTP, SHOP_OTLP_ENDPOINT) beside each
 * process and sends them to X-Ray in its region (stage 12 on): a container on each fleet
 * instance, a container in each pod on Kubernetes. Neither a daemon nor an add-on to install
 * first (the EKS add-on wants cert-manager and its operator), and the spans never cross the
 * network before they are batched.
 */

/** Pinned, as every image a first-boot script or a pod runs. */
export const traceCollectorImage = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.2";

/** The name a fleet instance's shop container knows the collector on its instance by. */
export const collectorHostOnInstances = "otel-collector";

/** OTLP over HTTP's port. */
export const otlpHttpPort = 4318;

/** What the collector's awsxray exporter calls: no resource-level rights exist for these actions. */
export const traceCollectorStatements: Statement[] = [{ Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" }];

/**
 * The collector's configuration: OTLP/HTTP in on `listen`, batched, to X-Ray in `region` (given,
 * since a pod cannot read it from the instance's metadata at one hop).
 */
export function traceCollectorConfig(region: string, listen: string): string {
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`traceCollectorConfig: region must be an AWS region (got ${JSON.stringify(region)})`);
    if (!/^[0-9.]+$/.test(listen)) throw new Error(`traceCollectorConfig: listen must be an IPv4 address (got ${JSON.stringify(listen)})`);
    return `receivers:
  otlp:
    protocols:
      http:
        endpoint: ${listen}:${otlpHttpPort}
processors:
  batch:
    timeout: 2s
exporters:
  awsxray:
    region: ${region}
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [awsxray]
`;
}
