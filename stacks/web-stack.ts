import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { MirovoyConfig } from '../configs/schema';
import { managedZones } from '../configs/zones';
import { Password } from '@cdktf/provider-random/lib/password';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { mtaStsPublicationsOf } from '../adapters/web-tier';
import { webHostArtifacts, webHostRuntime, WebSite, webSitesOf } from '../adapters/web-hosts';
import { RUNTIME_SECRETS } from '../host/provision/runtime-seam';
import { WebApplication } from '../host/provision/web-host-seam';
import { PHPMYADMIN_BLOWFISH_SECRET } from '../host/web/phpmyadmin';
import { JsonSecret } from '../modules/secrets/json-secret';
import { ArtifactsBucketReference } from '../modules/storage/artifacts-bucket';
import { ACCESS_LOG_PREFIX, AccessLogBucket } from '../modules/web/access-log-bucket';
import { loadBalancerAlias } from '../modules/web/load-balancer-alias';
import { WebHostGroup } from '../modules/web/web-host-group';
import { PrivateHostName } from '../modules/dns/private-host-name';
import { HostedZones } from '../modules/dns/hosted-zones';
import { Route53MailRecords } from '../modules/dns/route53-mail-records';
import { awsName } from '../modules/naming';
import { AcmDnsCertificate } from '../modules/web/acm-dns-certificate';
import { MtaStsPolicies } from '../modules/web/mta-sts-policies';
import { WebLoadBalancer } from '../modules/web/web-load-balancer';
import { MirovoyStack } from './mirovoy-stack';

/** What the web stack takes from the network stack. */
export interface WebStackNetwork {
  /** The VPC (the target groups belong to it). */
  readonly vpcId: string;
  /** Public subnet ids, in zone order. */
  readonly publicSubnetIds: readonly string[];
  /** Application (private) subnet ids, in zone order: the web hosts start there. */
  readonly applicationSubnetIds: readonly string[];
  /** The load balancer's security group (443 and 80 from the world). */
  readonly loadBalancerSecurityGroupId: string;
  /** The web hosts' groups (`WEB_HOST_PORT` from the load balancer's group only). */
  readonly webHostSecurityGroupIds: Readonly<Record<WebApplication, string>>;
}

/** What the web hosts take from the database and mail stacks (used only when a web host is enabled). */
export interface WebStackBackends {
  /** Host name of the MySQL endpoint. */
  readonly databaseAddress: string;
  /** ARNs of the webmail's database-account secrets (database stack, with `webmail.enabled`). */
  readonly databaseAccountSecretArns: { readonly roundcube?: string; readonly webmailPassword?: string };
  /** Private address of the primary MX (its network interface's: kept when the instance is replaced). */
  readonly primaryAddress: string;
  /** The bucket of the hosts' configuration bundles (mail stack). */
  readonly artifacts: ArtifactsBucketReference;
}

/**
 * The web tier: the load balancer in the public subnets with its certificate (ACM, validated in
 * Route53, or the config's ARN) and what it serves — each mail domain's MTA-STS policy, with the
 * `_mta-sts` records that announce them, published only once the policies are served; and the
 * enabled web applications (Roundcube with the client autoconfiguration names, phpMyAdmin for
 * its allowed sources only), each an auto-scaling group in the private subnets behind host rules,
 * with the secrets made for them. Made only when there is something to serve (`needsWebStack`).
 * Its outputs are the public contract.
 */
export class WebStack extends MirovoyStack {
  constructor(scope: Construct, config: MirovoyConfig, network: WebStackNetwork, backends: WebStackBackends) {
    super(scope, 'web', config);
    const publications = mtaStsPublicationsOf(config);
    const sites = webSitesOf(config);
    const web = config.certificates.web;
    if (!web) throw new Error('WebStack: certificates.web is not set; the config validation requires it whenever the web stack is made');
    const zones = new HostedZones(this, 'Zones', { zones: managedZones(config) }).zones;
    const allowOverwrite = config.dns.takeOverExistingRecords;
    const { environment } = config;

    // The names the load balancer serves: the web hosts' (with the client autoconfiguration names) and each domain's policy host.
    const names = [...sites.flatMap((site) => site.hostnames), ...publications.map((p) => p.policyHost)];
    const certificateArn = web.source === 'acm-dns' ? new AcmDnsCertificate(this, 'Certificate', { names, zones }).certificateArn : web.arn;
    const logs = config.webAccessLogs.enabled
      ? new AccessLogBucket(this, 'AccessLogs', { bucketPrefix: `${awsName(environment, 'web-logs')}-`, region: config.region, expireAfterDays: config.webAccessLogs.expireAfterDays })
      : undefined;
    const balancer = new WebLoadBalancer(this, 'LoadBalancer', {
      name: awsName(environment, 'web'),
      subnetIds: network.publicSubnetIds,
      securityGroupId: network.loadBalancerSecurityGroupId,
      certificateArn,
      accessLogs: logs ? { bucket: logs.bucket.bucket, prefix: ACCESS_LOG_PREFIX, ready: logs.ready } : undefined,
    });
    const target = { dnsName: balancer.loadBalancer.dnsName, zoneId: balancer.loadBalancer.zoneId };
    const policies = new MtaStsPolicies(this, 'MtaSts', { policies: publications, listenerArn: balancer.https.arn, loadBalancer: target, zones, allowOverwrite });
    // The `_mta-sts` records are this stack's, not the mail stack's: a sender that finds one
    // fetches the policy, so a record without a served policy fills TLS reports with failures.
    const records = new Route53MailRecords(this, 'MtaStsRecords', { records: publications.map((p) => p.record), zones, allowOverwrite, dependsOn: policies.served });

    const hosts = sites.length ? this.webHosts(config, sites, network, backends, balancer.https.arn) : [];
    // Roundcube reaches the primary by its name for IMAP, submission and ManageSieve: inside the
    // VPC that name is the primary's private address, so the traffic stays in the VPC (ManageSieve
    // is open to the webmail hosts' group only) instead of leaving through the NAT.
    if (config.webmail.enabled) {
      new PrivateHostName(this, 'PrimaryPrivateName', { hostname: config.mail.primary.hostname, address: backends.primaryAddress, vpcId: network.vpcId, ttl: config.dns.ttl });
    }
    const siteAliases = new Construct(this, 'WebAliases');
    const siteNames = sites.flatMap((site) => site.hostnames);
    siteNames.forEach((name) => loadBalancerAlias(siteAliases, name, { target, zones, allowOverwrite }));

    const output = (id: string, value: string | string[] | Record<string, string>, description: string) => new TerraformOutput(this, id, { value, description });
    output('load_balancer_arn', balancer.loadBalancer.arn, 'ARN of the web load balancer');
    output('load_balancer_dns_name', balancer.loadBalancer.dnsName, "The load balancer's DNS name (alias target of the web names)");
    output('load_balancer_zone_id', balancer.loadBalancer.zoneId, "The load balancer's Route53 zone id (for alias records)");
    output('load_balancer_security_group_id', network.loadBalancerSecurityGroupId, 'Security group of the load balancer (as in the network stack)');
    output('https_listener_arn', balancer.https.arn, 'HTTPS listener, where rules for web hosts go');
    output('certificate_arn', certificateArn, 'ACM certificate the HTTPS listener serves');
    output('certificate_names', names, 'The names the certificate must cover (those the load balancer serves)');
    output('mta_sts_policy_urls', publications.map((p) => `https://${p.policyHost}${p.policyPath}`), 'Where each mail domain\'s MTA-STS policy is served');
    output('dns_record_names', [...[...policies.aliases.keys(), ...siteNames].map((name) => `A ${name}`), ...records.records.keys()], 'Published record sets as "<type> <name>"');
    for (const { site, group, secrets } of hosts) {
      const key = site.role;
      output(`${key}_url`, `https://${site.hostnames[0]}/`, `Where ${site.application} is served`);
      output(`${key}_autoscaling_group_name`, group.group.name, `Auto-scaling group of the ${site.application} hosts`);
      output(`${key}_target_group_arn`, group.targetGroup.arn, `Target group of the ${site.application} hosts`);
      output(`${key}_role_name`, group.template.role.name, `IAM role of the ${site.application} hosts`);
      output(`${key}_secret_arns`, secrets, `ARNs (not the values) of the secrets the ${site.application} hosts read, by run-time name`);
    }
    if (logs) output('access_log_bucket_name', logs.bucket.bucket, "Bucket of the load balancer's access logs");
  }

  /** The secrets the web stack itself makes, the hosts' groups and their rules. */
  private webHosts(config: MirovoyConfig, sites: readonly WebSite[], network: WebStackNetwork, backends: WebStackBackends, listenerArn: string) {
    new RandomProvider(this, 'Random');
    const secretStorage = { kmsKeyArn: config.kmsKeyArn, recoveryWindowDays: config.secrets.recoveryWindowDays };
    const secretPrefix = `mail-${config.environment}`;
    const generated = (id: string, secretName: string, description: string, field: string, length: number) =>
      // Letters and digits only: the values go into PHP strings as they are.
      new JsonSecret(this, id, { secretName, description, value: { [field]: new Password(this, `${id}Value`, { length, special: false }).result }, ...secretStorage }).secret.arn;
    const accounts = backends.databaseAccountSecretArns;
    const secretArns: Record<string, string> = {
      ...(accounts.roundcube ? { [RUNTIME_SECRETS.databaseRoundcube]: accounts.roundcube } : {}),
      ...(accounts.webmailPassword ? { [RUNTIME_SECRETS.databaseWebmailPassword]: accounts.webmailPassword } : {}),
      ...(config.webmail.enabled ? { [RUNTIME_SECRETS.roundcube]: generated('RoundcubeDesKey', `${secretPrefix}/webmail/des-key`, "Roundcube's des_key (the same on every webmail host)", 'des_key', 24) } : {}),
      ...(config.phpMyAdmin.enabled
        ? { [PHPMYADMIN_BLOWFISH_SECRET.name]: generated('PhpMyAdminBlowfishSecret', `${secretPrefix}/phpmyadmin/blowfish-secret`, "phpMyAdmin's blowfish_secret (cookie encryption, 32 bytes)", PHPMYADMIN_BLOWFISH_SECRET.field, 32) }
        : {}),
    };
    return sites.map((site) => {
      const artifacts = webHostArtifacts(config, site);
      const runtime = webHostRuntime({ config, site, secrets: artifacts.secrets, databaseAddress: backends.databaseAddress, secretArns });
      const group = new WebHostGroup(this, site.application === 'roundcube' ? 'Roundcube' : 'PhpMyAdmin', {
        environment: config.environment,
        role: site.role,
        instanceType: site.instanceType,
        subnetIds: network.applicationSubnetIds,
        securityGroupId: network.webHostSecurityGroupIds[site.application],
        vpcId: network.vpcId,
        region: config.region,
        userData: artifacts.userData,
        bundle: { ...artifacts.bundle, bucket: backends.artifacts, prefix: site.role },
        settings: runtime.settings,
        policyStatements: runtime.policyStatements,
        desiredCapacity: site.desiredCapacity,
        listenerArn,
        hostnames: site.hostnames,
        audience: site.audience,
        priorities: site.priorities,
        kmsKeyArn: config.kmsKeyArn,
      });
      return { site, group, secrets: runtime.secretArns };
    });
  }
}
