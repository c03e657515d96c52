/**
 * The web stack's hosts (issue 13, items 1 and 5): Roundcube and phpMyAdmin in auto-scaling groups
 * behind host rules, phpMyAdmin only from its allowed sources, the web hosts reachable only from
 * the load balancer, their secrets and permissions, and the optional access logs.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { gunzipSync } from 'node:zlib';
import { clientAutoconfigHostnamesOf } from '../../adapters/web-hosts';
import { validateConfig } from '../../configs/validate';
import { webHostSpecFromConfig } from '../../adapters/web-host-spec';
import { subnetPlanOf } from '../../configs/subnets';
import { bundleObjectKey, packBundle, unpackBundle } from '../../host/provision/bundle';
import { renderWebHostBundle } from '../../host/web';
import { templateLiteral } from '../../modules/compute/host-bundle-object';
import { WEB_HEALTH_PATH, WEB_HOST_PORT } from '../../host/provision/web-host-seam';
import { MTA_STS_PRIORITY_RANGE } from '../../modules/web/mta-sts-policies';
import { WebHostGroup, WebHostGroupProps } from '../../modules/web/web-host-group';
import { allOptions, example, exampleWith } from '../support/configs';
import { resourcesOf, synthConfig, TerraformJson } from '../support/synth';

const exampleStacks = synthConfig(example);
const exampleWeb = exampleStacks['example-web'];
const allStacks = synthConfig(allOptions);
const allWeb = allStacks['all-options-web'];

const named = (stack: TerraformJson, type: string, fragment: string): Record<string, any> => {
  const entry = Object.entries(stack.resource![type]).find(([name]) => name.includes(fragment));
  if (!entry) throw new Error(`no ${type} named like ${fragment}`);
  return entry[1] as Record<string, any>;
};
const only = (stack: TerraformJson, type: string): Record<string, any> => {
  const found = resourcesOf(stack, type);
  expect(found).toHaveLength(1);
  return found[0];
};
const addressOf = (stack: TerraformJson, type: string, fragment: string) => `${type}.${Object.keys(stack.resource![type]).find((n) => n.includes(fragment))}`;
const forwardRules = (stack: TerraformJson) => resourcesOf(stack, 'aws_lb_listener_rule').filter((r) => r.action[0].type === 'forward');
const rulesTo = (stack: TerraformJson, fragment: string) => forwardRules(stack).filter((r) => r.action[0].target_group_arn === `\${${addressOf(stack, 'aws_lb_target_group', fragment)}.arn}`);
const hostsOf = (rule: Record<string, any>): string[] => rule.condition.find((c: any) => c.host_header).host_header.values;
const sourcesOf = (rule: Record<string, any>): string[] | undefined => rule.condition.find((c: any) => c.source_ip)?.source_ip.values;
const ingressOf = (stack: TerraformJson, group: string) => resourcesOf(stack, 'aws_vpc_security_group_ingress_rule').filter((r) => r.security_group_id.includes(`SecurityGroups_${group}_`));

describe('the Roundcube hosts', () => {
  const group = named(exampleWeb, 'aws_autoscaling_group', 'Roundcube');
  const template = named(exampleWeb, 'aws_launch_template', 'Roundcube');

  it('run one host in the private subnets, from the hardened launch template, replaced when the load balancer finds them unhealthy', () => {
    expect(group).toMatchObject({ name: 'mail-example-webmail', desired_capacity: 1, min_size: 0, health_check_type: 'ELB' });
    expect(group.vpc_zone_identifier).toEqual([expect.stringContaining('Network_ApplicationSubnet1_'), expect.stringContaining('Network_ApplicationSubnet2_')]);
    expect(template.metadata_options).toMatchObject({ http_tokens: 'required', http_put_response_hop_limit: 1, instance_metadata_tags: 'enabled' });
    expect(template.image_id).toBe('resolve:ssm:/aws/service/debian/release/13/latest/arm64');
    expect(template.block_device_mappings[0].ebs).toMatchObject({ encrypted: 'true', volume_type: 'gp3' });
    expect(template.vpc_security_group_ids).toEqual([expect.stringContaining('SecurityGroups_Webmail_')]);
  });

  it('roll out a new launch-template version (a configuration change) by an instance refresh that starts the new host first', () => {
    expect(group.launch_template).toEqual({ id: `\${${addressOf(exampleWeb, 'aws_launch_template', 'Roundcube')}.id}`, version: `\${${addressOf(exampleWeb, 'aws_launch_template', 'Roundcube')}.latest_version}` });
    expect(group.instance_refresh).toMatchObject({ strategy: 'Rolling', preferences: { min_healthy_percentage: 100, max_healthy_percentage: 200, auto_rollback: true } });
  });

  it('boot the small bootstrap (metadata guard, seam, convergence) and find their bundle through the tags', () => {
    const cloudConfig = gunzipSync(Buffer.from(template.user_data, 'base64')).toString('utf8');
    expect(cloudConfig).toMatch(/^#cloud-config\n/);
    expect(cloudConfig).toContain('fqdn: webmail.example.com');
    expect(cloudConfig).toContain('mirovoy-imds-guard');
    expect(cloudConfig).toContain('/usr/local/sbin/mirovoy-fetch');
    const tags = template.tag_specifications.find((t: any) => t.resource_type === 'instance').tags;
    const bundle = named(exampleWeb, 'aws_s3_object', 'Roundcube');
    expect(bundle.key).toMatch(/^webmail\/[0-9a-f]{64}\.bundle$/);
    expect(tags['mirovoy:bundle']).toBe(`\${${addressOf(exampleWeb, 'aws_s3_object', 'Roundcube')}.key} ${bundle.key.slice(8, 72)}`);
    expect(tags['mirovoy:bundle-bucket']).toMatch(/cross-stack-output-aws_s3_bucketArtifactsBucket/);
    expect(tags['mirovoy:database-ca-url']).toBe('https://truststore.pki.rds.amazonaws.com/eu-central-1/eu-central-1-bundle.pem');
    expect(Object.keys(tags).filter((k) => k.startsWith('mirovoy:secret-')).sort()).toEqual(['mirovoy:secret-db-roundcube', 'mirovoy:secret-db-webmail-password', 'mirovoy:secret-roundcube']);
  });

  it('ship the webmail host renderer’s bundle, trusting X-Forwarded-For from the load balancer’s subnets only', () => {
    const config = validateConfig(example, 'test');
    const spec = webHostSpecFromConfig(config, { trustedProxies: subnetPlanOf(config).public });
    const bundle = renderWebHostBundle(spec, { admin: config.admin });
    expect(named(exampleWeb, 'aws_s3_object', 'Roundcube').content).toBe(templateLiteral(bundle.content));
    expect(subnetPlanOf(config).public).toEqual(['10.0.192.0/21', '10.0.200.0/21']);
    expect(unpackBundle(bundle.content).map((f) => f.content).join('')).toContain('10.0.192.0/21');
  });

  it('reach the primary by its name at its private address (a private zone of exactly that name, in the VPC)', () => {
    const zone = only(exampleWeb, 'aws_route53_zone');
    expect(zone).toMatchObject({ name: 'mx1.example.com', vpc: [{ vpc_id: expect.stringContaining('Network_Vpc_') }] });
    const record = resourcesOf(exampleWeb, 'aws_route53_record').find((r) => r.zone_id === `\${${addressOf(exampleWeb, 'aws_route53_zone', 'PrimaryPrivateName')}.zone_id}`)!;
    expect(record).toMatchObject({ name: 'mx1.example.com', type: 'A', records: [expect.stringMatching(/aws_instancePrimary_Instance.*private_ip/)] });
  });

  it('read their own bundles and exactly their secrets, and have Session Manager', () => {
    const policies = resourcesOf(exampleWeb, 'aws_iam_role_policy').filter((p) => p.role.includes('Roundcube'));
    expect(policies.map((p) => p.name ?? 'inline').sort()).toEqual(['inline', 'session-manager']);
    const statements = JSON.parse(policies.find((p) => !p.name)!.policy).Statement;
    const secrets = statements.find((s: any) => s.Action === 'secretsmanager:GetSecretValue').Resource;
    expect(secrets).toHaveLength(3);
    expect(secrets.filter((arn: string) => /RoundcubeDesKey/.test(arn))).toHaveLength(1);
    expect(secrets.filter((arn: string) => /cross-stack-output-aws_secretsmanager_secret/.test(arn))).toHaveLength(2);
    expect(statements.find((s: any) => s.Action === 's3:GetObject').Resource).toMatch(/\/webmail\/\*$/);
    expect(statements.map((s: any) => s.Action).flat().sort()).toEqual(['s3:GetObject', 'secretsmanager:GetSecretValue']);
  });

  it('answer the webmail name and the client autoconfiguration names of every mail domain, for everyone, below the MTA-STS priorities', () => {
    const rules = rulesTo(exampleWeb, 'Roundcube');
    expect(rules.flatMap(hostsOf)).toEqual(['webmail.example.com', ...clientAutoconfigHostnamesOf(['example.com', 'example.net'])]);
    for (const rule of rules) {
      expect(hostsOf(rule).length).toBeLessThanOrEqual(3);
      expect(sourcesOf(rule)).toBeUndefined();
      expect(rule.priority).toBeLessThan(MTA_STS_PRIORITY_RANGE.first);
    }
    expect(rules.map((r) => r.priority)).toEqual([100, 101]);
  });

  it('are health-checked over HTTP on a real page', () => {
    expect(named(exampleWeb, 'aws_lb_target_group', 'Roundcube')).toMatchObject({
      name: 'mail-example-webmail',
      port: WEB_HOST_PORT,
      protocol: 'HTTP',
      health_check: { path: WEB_HEALTH_PATH, protocol: 'HTTP', matcher: '200' },
    });
    expect(named(exampleWeb, 'aws_autoscaling_group', 'Roundcube').target_group_arns).toEqual([`\${${addressOf(exampleWeb, 'aws_lb_target_group', 'Roundcube')}.arn}`]);
  });

  it('have their names as aliases of the load balancer', () => {
    const aliases = resourcesOf(exampleWeb, 'aws_route53_record').filter((r) => r.alias).map((r) => r.name).sort();
    expect(aliases).toEqual(['autoconfig.example.com', 'autoconfig.example.net', 'autodiscover.example.com', 'autodiscover.example.net', 'mta-sts.example.com', 'mta-sts.example.net', 'webmail.example.com']);
  });
});

describe('the web secrets', () => {
  it('are generated by the random provider and kept in Secrets Manager under the project’s names', () => {
    const secrets = resourcesOf(allWeb, 'aws_secretsmanager_secret').map((s) => s.name).sort();
    expect(secrets).toEqual(['mail-all-options/phpmyadmin/blowfish-secret', 'mail-all-options/webmail/des-key']);
    const passwords = Object.fromEntries(Object.entries(allWeb.resource!.random_password).map(([name, p]: [string, any]) => [name, p]));
    expect(passwords).toMatchObject({ RoundcubeDesKeyValue: { length: 24, special: false }, PhpMyAdminBlowfishSecretValue: { length: 32, special: false } });
    expect(Object.keys(passwords).sort()).toEqual(['PhpMyAdminBlowfishSecretValue', 'RoundcubeDesKeyValue']);
    const values = resourcesOf(allWeb, 'aws_secretsmanager_secret_version').map((v) => v.secret_string).sort();
    expect(values).toEqual([
      expect.stringMatching(/^\$\{jsonencode\(\{"blowfish_secret" = random_password\.PhpMyAdminBlowfishSecretValue\.result\}\)\}$/),
      expect.stringMatching(/^\$\{jsonencode\(\{"des_key" = random_password\.RoundcubeDesKeyValue\.result\}\)\}$/),
    ]);
    for (const secret of resourcesOf(allWeb, 'aws_secretsmanager_secret')) expect(secret.kms_key_id).toBe(allOptions.kmsKeyArn);
  });

  it('of the database accounts are the database stack’s (mirovoy_roundcube, mirovoy_password), and the primary and the webmail hosts may read them', () => {
    const database = allStacks['all-options-database'];
    const users = resourcesOf(database, 'aws_secretsmanager_secret').map((s) => s.name);
    expect(users).toEqual(expect.arrayContaining(['mail-all-options/db/mirovoy_roundcube', 'mail-all-options/db/mirovoy_password']));
    const mail = allStacks['all-options-mail'];
    const primary = resourcesOf(mail, 'aws_instance').find((i) => i.tags.Name === 'mail-all-options-mx1')!;
    expect(primary.tags['mirovoy:secret-db-roundcube']).toBeDefined();
    expect(primary.tags['mirovoy:secret-db-webmail-password']).toBeDefined();
    const backup = resourcesOf(mail, 'aws_instance').find((i) => i.tags.Name === 'mail-all-options-mx2')!;
    expect(backup.tags['mirovoy:secret-db-roundcube']).toBeUndefined();
    const policy = resourcesOf(mail, 'aws_iam_role_policy').find((p) => !p.name && p.role.includes('Primary'))!;
    const readable = JSON.parse(policy.policy).Statement.find((s: any) => s.Action === 'secretsmanager:GetSecretValue').Resource;
    expect(readable).toEqual(expect.arrayContaining([primary.tags['mirovoy:secret-db-roundcube'], primary.tags['mirovoy:secret-db-webmail-password']]));
    // The web hosts read the same secrets.
    const webTags = named(allWeb, 'aws_launch_template', 'Roundcube').tag_specifications[0].tags;
    expect(webTags['mirovoy:secret-db-roundcube']).toMatch(/RoundcubeUserSecret/);
    expect(webTags['mirovoy:secret-db-webmail-password']).toMatch(/WebmailPasswordUserSecret/);
  });
});

describe('phpMyAdmin', () => {
  it('runs desiredCapacity hosts (all-options: 1) in its own group, reading only its blowfish secret', () => {
    expect(named(allWeb, 'aws_autoscaling_group', 'PhpMyAdmin')).toMatchObject({ name: 'mail-all-options-phpmyadmin', desired_capacity: 1 });
    const tags = named(allWeb, 'aws_launch_template', 'PhpMyAdmin').tag_specifications[0].tags;
    expect(Object.keys(tags).filter((k) => k.startsWith('mirovoy:secret-'))).toEqual(['mirovoy:secret-phpmyadmin-blowfish-secret']);
    expect(tags['mirovoy:database-host']).toBeDefined();
  });

  it('is forwarded only from phpMyAdmin.allowedCidrs (a source-ip condition), at priorities of its own', () => {
    const rules = rulesTo(allWeb, 'PhpMyAdmin');
    expect(rules).toHaveLength(1);
    expect(hostsOf(rules[0])).toEqual(['dbadmin.mail.example.org']);
    expect(sourcesOf(rules[0])).toEqual(['198.51.100.0/24', '203.0.113.16/28']);
    expect(rules[0].priority).toBe(500);
  });

  it('with allowedCidrs empty (the default) has no rule at all: the name answers the listener’s 404', () => {
    const web = synthConfig(exampleWith({ phpMyAdmin: { enabled: true } }))['example-web'];
    expect(named(web, 'aws_autoscaling_group', 'PhpMyAdmin').desired_capacity).toBe(0);
    expect(rulesTo(web, 'PhpMyAdmin')).toEqual([]);
    expect(forwardRules(web).every((r) => sourcesOf(r) === undefined && !hostsOf(r).includes('phpmyadmin.example.com'))).toBe(true);
    expect(resourcesOf(web, 'aws_route53_record').some((r) => r.name === 'phpmyadmin.example.com')).toBe(true);
  });

  it('refuses source blocks with host bits, or listed twice, naming the field', () => {
    expect(() => validateConfig(exampleWith({ phpMyAdmin: { enabled: true, allowedCidrs: ['198.51.100.7/24'] } }), 'test')).toThrow('phpMyAdmin.allowedCidrs[0]: has host bits set; write the block as 198.51.100.0/24');
    expect(() => validateConfig(exampleWith({ phpMyAdmin: { enabled: true, allowedCidrs: ['10.0.0.0/8', '10.0.0.0/8'] } }), 'test')).toThrow('phpMyAdmin.allowedCidrs[1]: is listed twice');
    expect(() => validateConfig(exampleWith({ phpMyAdmin: { enabled: true, allowedCidrs: ['anywhere'] } }), 'test')).toThrow(/phpMyAdmin\.allowedCidrs\[0\].*IPv4 CIDR block/);
  });
});

describe('the security groups', () => {
  const network = exampleStacks['example-network'];
  const loadBalancerGroup = '${aws_security_group.SecurityGroups_LoadBalancer_';

  it.each(['Webmail', 'PhpMyAdmin'])('%s hosts: HTTP only from the load balancer’s group (and SSH from the bastion), never from a CIDR', (group) => {
    const rules = ingressOf(network, group);
    expect(rules.map((r) => [r.from_port, r.to_port, r.referenced_security_group_id.split('.')[1].replace(/_[0-9A-F]+$/, '')]).sort()).toEqual([
      [22, 22, 'SecurityGroups_Bastion'],
      [WEB_HOST_PORT, WEB_HOST_PORT, 'SecurityGroups_LoadBalancer'],
    ]);
    expect(rules.every((r) => r.cidr_ipv4 === undefined)).toBe(true);
    expect(rules.find((r) => r.from_port === WEB_HOST_PORT)!.referenced_security_group_id.startsWith(loadBalancerGroup)).toBe(true);
  });

  it('the mail hosts open ManageSieve (4190) to the webmail hosts’ group only', () => {
    const sieve = ingressOf(network, 'Mail').filter((r) => r.from_port === 4190);
    expect(sieve).toHaveLength(1);
    expect(sieve[0]).toMatchObject({ to_port: 4190, ip_protocol: 'tcp' });
    expect(sieve[0].cidr_ipv4).toBeUndefined();
    expect(sieve[0].referenced_security_group_id).toMatch(/SecurityGroups_Webmail_/);
  });

  it('the database takes 3306 from both web groups', () => {
    const mysql = ingressOf(network, 'Database').map((r) => r.referenced_security_group_id);
    expect(mysql).toEqual(expect.arrayContaining([expect.stringMatching(/SecurityGroups_Webmail_/), expect.stringMatching(/SecurityGroups_PhpMyAdmin_/)]));
  });
});

describe('access logs', () => {
  it('are off by default', () => {
    expect(resourcesOf(exampleWeb, 'aws_s3_bucket')).toEqual([]);
    expect(resourcesOf(exampleWeb, 'aws_lb')[0].access_logs).toBeUndefined();
  });

  it('go, when on, to a bucket of their own: SSE-S3, the region’s ELB account may put logs under its prefix only, expired after expireAfterDays', () => {
    const lb = resourcesOf(allWeb, 'aws_lb')[0];
    expect(lb.access_logs).toMatchObject({ enabled: true, prefix: 'alb' });
    expect(lb.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_s3_bucket_policy\.AccessLogs_Policy/), expect.stringMatching(/^aws_s3_bucket_server_side_encryption_configuration\.AccessLogs/)]));
    const encryption = resourcesOf(allWeb, 'aws_s3_bucket_server_side_encryption_configuration')[0];
    expect(encryption.rule[0].apply_server_side_encryption_by_default).toEqual({ sse_algorithm: 'AES256' });
    const policy = JSON.parse(resourcesOf(allWeb, 'aws_s3_bucket_policy')[0].policy);
    const delivery = policy.Statement.find((s: any) => s.Sid === 'ElbLogDelivery');
    expect(delivery.Principal.AWS).toMatch(/data\.aws_elb_service_account\..*\.arn/);
    expect(delivery.Resource).toMatch(/\/alb\/AWSLogs\/\$\{data\.aws_caller_identity\..*\.account_id\}\/\*$/);
    expect(policy.Statement.find((s: any) => s.Sid === 'DenyInsecureTransport')).toBeDefined();
    const lifecycle = resourcesOf(allWeb, 'aws_s3_bucket_lifecycle_configuration')[0];
    expect(lifecycle.rule.find((r: any) => r.id === 'expire-logs').expiration).toEqual([{ days: 180 }]);
    expect(resourcesOf(allWeb, 'aws_s3_bucket_public_access_block')[0]).toMatchObject({ block_public_acls: true, restrict_public_buckets: true });
  });
});

describe('WebHostGroup', () => {
  const props = (changes: Partial<WebHostGroupProps> = {}): WebHostGroupProps => ({
    environment: 'test',
    role: 'webmail',
    instanceType: 't4g.small',
    subnetIds: ['subnet-a', 'subnet-b'],
    securityGroupId: 'sg-web',
    vpcId: 'vpc-1',
    region: 'eu-central-1',
    userData: Buffer.from('#cloud-config\n'),
    bundle: { ...packBundle([{ path: '/etc/x', content: 'x\n', mode: '0644', owner: 'root', group: 'root' }], ['test']), bucket: { name: 'bucket', arn: 'arn:aws:s3:::bucket' }, prefix: 'webmail' },
    settings: {},
    policyStatements: [],
    desiredCapacity: 1,
    listenerArn: 'arn:aws:elasticloadbalancing:eu-central-1:123456789012:listener/app/x/1/2',
    hostnames: ['webmail.example.com'],
    audience: { everyone: true },
    priorities: { first: 100, last: 101 },
    ...changes,
  });
  const synth = (p: WebHostGroupProps): TerraformJson => {
    const stack = new TerraformStack(Testing.app(), 'web-host-group');
    new AwsProvider(stack, 'Aws', { region: 'eu-central-1' });
    new WebHostGroup(stack, 'Group', p);
    return JSON.parse(Testing.synth(stack));
  };

  it('keeps the bundle it is given as its object, named by its sha256, under its prefix', () => {
    const p = props();
    const object = resourcesOf(synth(p), 'aws_s3_object')[0];
    expect(object).toMatchObject({ bucket: 'bucket', key: bundleObjectKey('webmail', p.bundle), content: p.bundle.content, lifecycle: { create_before_destroy: true } });
  });

  it('splits many names and source blocks over rules of at most 3 values a condition and 5 a rule', () => {
    const names = ['a.example.com', 'b.example.com', 'c.example.com'];
    const cidrs = ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24'];
    const rules = resourcesOf(synth(props({ hostnames: names, audience: { sourceCidrs: cidrs }, priorities: { first: 500, last: 510 } })), 'aws_lb_listener_rule');
    for (const rule of rules) {
      const values = rule.condition.flatMap((c: any) => (c.host_header ?? c.source_ip).values);
      expect(values.length).toBeLessThanOrEqual(5);
      for (const c of rule.condition) expect((c.host_header ?? c.source_ip).values.length).toBeLessThanOrEqual(3);
    }
    const pairs = rules.flatMap((r) => hostsOf(r).flatMap((h) => sourcesOf(r)!.map((s) => `${h} ${s}`)));
    expect(pairs.sort()).toEqual(names.flatMap((h) => cidrs.map((s) => `${h} ${s}`)).sort());
    expect(rules.map((r) => r.priority)).toEqual([500, 501, 502, 503]);
  });

  it('refuses what it cannot build, naming each problem', () => {
    expect(() => synth(props({ hostnames: ['a.example.com', 'b.example.com', 'c.example.com', 'd.example.com'], priorities: { first: 100, last: 100 } }))).toThrow(
      'the names and source blocks need 2 rules, and priorities 100–100 hold 1',
    );
    expect(() => synth(props({ priorities: { first: 1000, last: 1001 } }))).toThrow('priorities 1000–1001 must be whole numbers within 1–999');
    expect(() => synth(props({ settings: { bundle: 'x' } }))).toThrow('settings "bundle" are set by WebHostGroup itself');
    expect(() => synth(props({ bundle: { ...props().bundle, sha256: '0'.repeat(64) } }))).toThrow('but the content hashes to');
  });
});

describe('the web stack outputs', () => {
  it('name the web hosts’ groups, target groups, roles, secrets and URL, and the access-log bucket', () => {
    expect(Object.keys(allWeb.output!).filter((n) => !n.startsWith('cross-stack-output-')).sort()).toEqual([
      'access_log_bucket_name', 'certificate_arn', 'certificate_names', 'dns_record_names', 'https_listener_arn', 'load_balancer_arn', 'load_balancer_dns_name',
      'load_balancer_security_group_id', 'load_balancer_zone_id', 'mta_sts_policy_urls',
      'phpmyadmin_autoscaling_group_name', 'phpmyadmin_role_name', 'phpmyadmin_secret_arns', 'phpmyadmin_target_group_arn', 'phpmyadmin_url',
      'webmail_autoscaling_group_name', 'webmail_role_name', 'webmail_secret_arns', 'webmail_target_group_arn', 'webmail_url',
    ]);
    expect(allWeb.output!.webmail_url.value).toBe('https://webmail.mail.example.org/');
    // Every public record set the stack publishes, by its plain name.
    const published = resourcesOf(allWeb, 'aws_route53_record').filter((r) => !r.for_each && !String(r.zone_id).startsWith('${aws_route53_zone.')).map((r) => `${r.type} ${r.name}`);
    expect([...allWeb.output!.dns_record_names.value].sort()).toEqual(published.sort());
  });
});
