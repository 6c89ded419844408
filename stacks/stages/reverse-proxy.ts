import * as pulumi from "@pulumi/pulumi";
import { NginxFleet, nginxHealthPort } from "../../components/compute/nginx-fleet";
import { LoadBalancer } from "../../components/edge/load-balancer";
import { StackConfig } from "../config";
import { ServingCell } from "../region-cell";
import { regionCode } from "../region-code";
import { switchedOn } from "../registry";
import { ServerWiring } from "../server-wiring";
import { AppTier, appTier } from "./split-apps";

/**
 * Stage 4 (seed 3.4): one server no longer carries the traffic. A public ALB in front of an
 * Nginx fleet, which balances over an application fleet through an internal ALB; both fleets
 * scale on CPU over the private subnets. The shop's instances are interchangeable: sessions,
 * carts and sign-in counters live in Redis since stage 3. The application fleet wears the
 * app group, so the data tier admits it as it admitted the single server.
 *
 * Stage 8 (seed 3.8, the LVS/F5 step): the public entry becomes a Network Load Balancer,
 * spreading connections over the Nginx fleet at layer 4. It keeps the edge's name, so its
 * access-log bucket stays; the client's address reaches Nginx by proxy protocol v2, and the
 * NLB checks Nginx's health on a plain port, since the proxy-protocol port cannot answer a
 * plain HTTP check.
 */
export function reverseProxy(
    config: StackConfig,
    cell: ServingCell,
    wirings: ServerWiring[],
    options: {
        /** The shop's image by digest. */
        image: pulumi.Input<string>;
        /** The shop's certificate in this region: HTTPS (ALB) or TLS (NLB) on 443. */
        certificateArn?: pulumi.Input<string>;
        /** Peered ranges the application servers reach (the home region's writers, from another region). */
        egressPeers?: Record<string, string>;
        /** What the fleets roll after: the migrations. @default nothing */
        after?: pulumi.Resource[];
    },
): { edge: LoadBalancer; apps: AppTier; nginx: NginxFleet } {
    const { region, network, provider } = cell;
    const size = { minSize: config.sizing.fleetMinSize, maxSize: config.sizing.fleetMaxSize };
    const tier = appTier(config, cell, wirings, options.image, options.egressPeers, options.after);
    const internal = tier.internal;
    const layer4 = switchedOn(config.stage, "layer4Balancer");
    const edge = new LoadBalancer(
        `shop-edge-${regionCode(region)}`,
        {
            type: layer4 ? "network" : "application",
            vpcId: network.vpcId,
            vpcCidr: network.cidrBlock,
            subnetIds: network.publicSubnetIds,
            targetGroups: { nginx: layer4 ? { port: 80, proxyProtocol: true, healthCheckPort: nginxHealthPort } : { port: 80 } },
            certificateArn: options.certificateArn,
            deletionProtection: config.protectData,
            alarms: cell.alarms,
        },
        { provider },
    );
    const nginx = new NginxFleet(
        `shop-nginx-${region}`,
        {
            vpcId: network.vpcId,
            vpcCidr: network.cidrBlock,
            subnetIds: network.privateSubnetIds,
            // The Amazon-provided DNS resolver: the internal ALB's addresses change, its name does not.
            upstream: { dnsName: internal.dnsName, port: 80, resolver: "169.254.169.253" },
            behind: layer4 ? "nlb-proxy-protocol" : "alb",
            allowedSecurityGroups: { edge: edge.securityGroupId },
            targetGroupArns: [edge.targetGroupArns.nginx],
            ...size,
            alarms: cell.alarms,
        },
        { provider },
    );
    return { edge, apps: tier, nginx };
}
