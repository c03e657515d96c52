import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { MirovoyConfig } from '../configs/schema';
import { managedZones } from '../configs/zones';
import { mtaStsPublicationsOf } from '../adapters/web-tier';
import { HostedZones } from '../modules/dns/hosted-zones';
import { Route53MailRecords } from '../modules/dns/route53-mail-records';
import { awsName } from '../modules/naming';
import { AcmDnsCertificate } from '../modules/web/acm-dns-certificate';
import { MtaStsPolicies } from '../modules/web/mta-sts-policies';
import { WebLoadBalancer } from '../modules/web/web-load-balancer';
import { MirovoyStack } from './mirovoy-stack';

/** What the web stack takes from the network stack. */
export interface WebStackNetwork {
  /** Public subnet ids, in zone order. */
  readonly publicSubnetIds: readonly string[];
  /** The load balancer's security group (443 and 80 from the world). */
  readonly loadBalancerSecurityGroupId: string;
}

/**
 * The web tier's public side: the load balancer in the public subnets with its certificate (ACM,
 * validated in Route53, or the config's ARN), and what it serves — today each mail domain's
 * MTA-STS policy, with the `_mta-sts` records that announce them, published only once the policies
 * are served. Made only when there is something to serve (`needsWebStack`). Its outputs are the
 * public contract.
 */
export class WebStack extends MirovoyStack {
  constructor(scope: Construct, config: MirovoyConfig, network: WebStackNetwork) {
    super(scope, 'web', config);
    const publications = mtaStsPublicationsOf(config);
    const web = config.certificates.web;
    if (!web) throw new Error('WebStack: certificates.web is not set; the config validation requires it whenever the web stack is made');
    const zones = new HostedZones(this, 'Zones', { zones: managedZones(config) }).zones;

    // The names the load balancer serves: each domain's policy host (the web hosts' names come with them).
    const certificateArn = web.source === 'acm-dns' ? new AcmDnsCertificate(this, 'Certificate', { names: publications.map((p) => p.policyHost), zones }).certificateArn : web.arn;
    const balancer = new WebLoadBalancer(this, 'LoadBalancer', {
      name: awsName(config.environment, 'web'),
      subnetIds: network.publicSubnetIds,
      securityGroupId: network.loadBalancerSecurityGroupId,
      certificateArn,
    });
    const allowOverwrite = config.dns.takeOverExistingRecords;
    const policies = new MtaStsPolicies(this, 'MtaSts', {
      policies: publications,
      listenerArn: balancer.https.arn,
      loadBalancer: { dnsName: balancer.loadBalancer.dnsName, zoneId: balancer.loadBalancer.zoneId },
      zones,
      allowOverwrite,
    });
    // The `_mta-sts` records are this stack's, not the mail stack's: a sender that finds one
    // fetches the policy, so a record without a served policy fills TLS reports with failures.
    const records = new Route53MailRecords(this, 'MtaStsRecords', { records: publications.map((p) => p.record), zones, allowOverwrite, dependsOn: policies.served });

    const output = (id: string, value: string | string[], description: string) => new TerraformOutput(this, id, { value, description });
    output('load_balancer_arn', balancer.loadBalancer.arn, 'ARN of the web load balancer');
    output('load_balancer_dns_name', balancer.loadBalancer.dnsName, "The load balancer's DNS name (alias target of the web names)");
    output('load_balancer_zone_id', balancer.loadBalancer.zoneId, "The load balancer's Route53 zone id (for alias records)");
    output('load_balancer_security_group_id', network.loadBalancerSecurityGroupId, 'Security group of the load balancer (as in the network stack)');
    output('https_listener_arn', balancer.https.arn, 'HTTPS listener, where rules for web hosts go');
    output('certificate_arn', certificateArn, 'ACM certificate the HTTPS listener serves');
    output('mta_sts_policy_urls', publications.map((p) => `https://${p.policyHost}${p.policyPath}`), 'Where each mail domain\'s MTA-STS policy is served');
    output('dns_record_names', [...[...policies.aliases.keys()].map((name) => `A ${name}`), ...records.records.keys()], 'Published record sets as "<type> <name>"');
  }
}
