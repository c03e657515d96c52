/**
 * The web stack (issue 13, first part): the load balancer, its certificate and the MTA-STS policy
 * of every mail domain, served where the `_mta-sts` record says, with the hash the record names.
 */
import { createHash } from 'node:crypto';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { mailDnsPolicyOf, mailExchangersOf } from '../../adapters/mail-dns';
import { validateConfig } from '../../configs/validate';
import { mailDnsRecords, mtaStsPolicy } from '../../host/dns/mail-records';
import { FIXED_RESPONSE_BODY_LIMIT, MTA_STS_PRIORITY_RANGE, MtaStsPolicies, mtaStsRulePriorities } from '../../modules/web/mta-sts-policies';
import { WEB_TLS_POLICY } from '../../modules/web/web-load-balancer';
import { allOptions, example, exampleWith } from '../support/configs';
import { resourcesOf, synthConfig, TerraformJson } from '../support/synth';

const exampleStacks = synthConfig(example);
const exampleWeb = exampleStacks['example-web'];
const allOptionsWeb = synthConfig(allOptions)['all-options-web'];

/** A resource's Terraform address, `type.name`, from its metadata. */
const addressOf = (stack: TerraformJson, type: string, resource: Record<string, any>): string =>
  `${type}.${Object.entries(stack.resource![type]).find(([, r]) => r === resource)![0]}`;

const only = (stack: TerraformJson, type: string): Record<string, any> => {
  const found = resourcesOf(stack, type);
  expect(found).toHaveLength(1);
  return found[0];
};

const listeners = (stack: TerraformJson) => Object.fromEntries(resourcesOf(stack, 'aws_lb_listener').map((l) => [l.protocol, l]));
const allRules = (stack: TerraformJson) => resourcesOf(stack, 'aws_lb_listener_rule');
/** The MTA-STS rules: the fixed responses (the web hosts' rules forward). */
const rules = (stack: TerraformJson) => allRules(stack).filter((r) => r.action[0].type === 'fixed-response');
const policyAliases = (stack: TerraformJson) => resourcesOf(stack, 'aws_route53_record').filter((r) => r.alias && r.name.startsWith('mta-sts.'));
const hostOf = (rule: Record<string, any>): string => rule.condition.find((c: any) => c.host_header).host_header.values[0];
const txtRecords = (stack: TerraformJson) => resourcesOf(stack, 'aws_route53_record').filter((r) => r.type === 'TXT');

describe('the load balancer', () => {
  it('is a public application load balancer in the public subnets, behind the load-balancer group', () => {
    const lb = only(exampleWeb, 'aws_lb');
    expect(lb).toMatchObject({ load_balancer_type: 'application', internal: false, name: 'mail-example-web', drop_invalid_header_fields: true });
    expect(lb.subnets).toEqual([expect.stringContaining('Network_PublicSubnet1_'), expect.stringContaining('Network_PublicSubnet2_')]);
    expect(lb.security_groups).toEqual([expect.stringContaining('SecurityGroups_LoadBalancer_')]);
  });

  it('serves HTTPS on 443 with a TLS 1.2+ policy and answers 404 to whatever no rule claims', () => {
    const https = listeners(exampleWeb).HTTPS;
    expect(WEB_TLS_POLICY).toMatch(/^ELBSecurityPolicy-TLS13-1-2-/);
    expect(https).toMatchObject({ port: 443, ssl_policy: WEB_TLS_POLICY });
    expect(https.default_action).toEqual([{ type: 'fixed-response', fixed_response: { status_code: '404', content_type: 'text/plain', message_body: 'Not found\n' } }]);
  });

  it('only redirects HTTP to HTTPS, permanently, keeping host, path and query', () => {
    const http = listeners(exampleWeb).HTTP;
    expect(http.port).toBe(80);
    expect(http.default_action).toEqual([{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', status_code: 'HTTP_301' } }]);
    expect(Object.keys(listeners(exampleWeb)).sort()).toEqual(['HTTP', 'HTTPS']);
    expect(allRules(exampleWeb).every((r) => r.listener_arn === `\${${addressOf(exampleWeb, 'aws_lb_listener', listeners(exampleWeb).HTTPS)}.arn}`)).toBe(true);
  });
});

describe('the certificate', () => {
  const certificate = only(exampleWeb, 'aws_acm_certificate');
  const validation = only(exampleWeb, 'aws_acm_certificate_validation');
  const validationRecords = resourcesOf(exampleWeb, 'aws_route53_record').filter((r) => r.for_each);

  it('covers the web names and the policy host of every mail domain, validated by DNS', () => {
    expect([certificate.domain_name, ...certificate.subject_alternative_names]).toEqual([
      'webmail.example.com', 'autoconfig.example.com', 'autodiscover.example.com', 'autoconfig.example.net', 'autodiscover.example.net', 'mta-sts.example.com', 'mta-sts.example.net',
    ]);
    expect(certificate).toMatchObject({ validation_method: 'DNS', lifecycle: { create_before_destroy: true } });
  });

  it("writes each name's validation record into the zone of that name", () => {
    expect(validationRecords).toHaveLength(1);
    const [records] = validationRecords;
    const certificateAddress = addressOf(exampleWeb, 'aws_acm_certificate', certificate);
    expect(records.for_each).toBe(`\${{ for key, val in tolist(${certificateAddress}.domain_validation_options): val.domain_name => val }}`);
    expect(records).toMatchObject({ name: '${each.value.resource_record_name}', type: '${each.value.resource_record_type}', records: ['${each.value.resource_record_value}'], allow_overwrite: true });
    const zones = Object.fromEntries([...records.zone_id.matchAll(/"([^"]+)" = data\.aws_route53_zone\.Zones_([\w-]+?)_\w+\.zone_id/g)].map(([, name, zone]) => [name, zone]));
    expect(zones).toEqual({
      'webmail.example.com': 'example-com', 'autoconfig.example.com': 'example-com', 'autodiscover.example.com': 'example-com', 'mta-sts.example.com': 'example-com',
      'autoconfig.example.net': 'example-net', 'autodiscover.example.net': 'example-net', 'mta-sts.example.net': 'example-net',
    });
    expect(records.zone_id).toMatch(/\[each\.value\.domain_name\]\}$/);
  });

  it('is waited for: the validation takes every validation record, and the listener serves the validated certificate', () => {
    const recordsAddress = addressOf(exampleWeb, 'aws_route53_record', validationRecords[0]);
    expect(validation.certificate_arn).toBe(`\${${addressOf(exampleWeb, 'aws_acm_certificate', certificate)}.arn}`);
    expect(validation.validation_record_fqdns).toBe(`\${[ for key, val in ${recordsAddress}: val.fqdn]}`);
    expect(listeners(exampleWeb).HTTPS.certificate_arn).toBe(`\${${addressOf(exampleWeb, 'aws_acm_certificate_validation', validation)}.certificate_arn}`);
  });

  it('with certificates.web.source "existing-arn": the given ARN, and no ACM resource', () => {
    expect(listeners(allOptionsWeb).HTTPS.certificate_arn).toBe('arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555');
    for (const type of ['aws_acm_certificate', 'aws_acm_certificate_validation']) expect(resourcesOf(allOptionsWeb, type)).toEqual([]);
    expect(resourcesOf(allOptionsWeb, 'aws_route53_record').filter((r) => r.for_each)).toEqual([]);
  });
});

describe.each([
  ['example', example, exampleWeb],
  ['all-options', allOptions, allOptionsWeb],
])('%s: the MTA-STS policies', (_, input, web) => {
  const config = validateConfig(input, 'test');
  const mode = config.dns.mtaStsMode as 'testing' | 'enforce';

  it('serves one rule per mail domain: GET /.well-known/mta-sts.txt on mta-sts.<domain>, the policy as text/plain with 200', () => {
    expect(rules(web).map(hostOf).sort()).toEqual(config.mailDomains.map((d) => `mta-sts.${d}`).sort());
    for (const rule of rules(web)) {
      expect(rule.condition).toEqual([{ host_header: { values: [hostOf(rule)] } }, { path_pattern: { values: ['/.well-known/mta-sts.txt'] } }]);
      expect(rule.action).toEqual([{ type: 'fixed-response', fixed_response: { status_code: '200', content_type: 'text/plain', message_body: mtaStsPolicy({ exchangers: mailExchangersOf(config), mtaStsMode: mode }) } }]);
    }
  });

  it("announces in each domain's _mta-sts record the hash of exactly the body served", () => {
    for (const rule of rules(web)) {
      const domain = hostOf(rule).replace(/^mta-sts\./, '');
      const served: string = rule.action[0].fixed_response.message_body;
      const record = txtRecords(web).find((r) => r.name === `_mta-sts.${domain}`)!;
      expect(record.records).toEqual([`v=STSv1; id=${createHash('sha256').update(served).digest('hex').slice(0, 20)}`]);
    }
    expect(txtRecords(web).map((r) => r.name).sort()).toEqual(config.mailDomains.map((d) => `_mta-sts.${d}`).sort());
  });

  it('publishes each _mta-sts record only after every policy is served (the rules and the policy hosts’ names)', () => {
    const served = [...rules(web).map((r) => addressOf(web, 'aws_lb_listener_rule', r)), ...policyAliases(web).map((r) => addressOf(web, 'aws_route53_record', r))];
    expect(served).toHaveLength(2 * config.mailDomains.length);
    for (const record of txtRecords(web)) expect([...record.depends_on].sort()).toEqual(served.sort());
  });

  it('points mta-sts.<domain> at the load balancer (alias A) in the zone of the name', () => {
    const lb = addressOf(web, 'aws_lb', only(web, 'aws_lb'));
    const aliases = policyAliases(web);
    expect(aliases.map((r) => r.name).sort()).toEqual(config.mailDomains.map((d) => `mta-sts.${d}`).sort());
    for (const alias of aliases) {
      expect(alias.type).toBe('A');
      expect(alias.alias).toEqual({ name: `\${${lb}.dns_name}`, zone_id: `\${${lb}.zone_id}`, evaluate_target_health: false });
    }
    const zoneOf = (name: string) => aliases.find((r) => r.name === name)!.zone_id;
    if (config.environment === 'example') {
      expect(zoneOf('mta-sts.example.com')).toMatch(/Zones_example-com_/);
      expect(zoneOf('mta-sts.example.net')).toMatch(/Zones_example-net_/);
    } else {
      // lists.example.org lies in the zone example.org (an additional zone), not in mail.example.org.
      expect(zoneOf('mta-sts.lists.example.org')).toBe('Z9876543210ZYXWVUTSRQ');
    }
  });

  it('gives the rules distinct priorities in their own range, from the names alone', () => {
    const priorities = rules(web).map((r) => r.priority);
    expect(new Set(priorities).size).toBe(priorities.length);
    for (const p of priorities) expect(p).toBeGreaterThanOrEqual(MTA_STS_PRIORITY_RANGE.first);
    for (const p of priorities) expect(p).toBeLessThanOrEqual(MTA_STS_PRIORITY_RANGE.last);
    const expected = mtaStsRulePriorities(config.mailDomains.map((d) => `mta-sts.${d}`));
    expect(Object.fromEntries(rules(web).map((r) => [hostOf(r), r.priority]))).toEqual(Object.fromEntries(expected));
  });
});

describe('rule priorities', () => {
  it('keep every other domain’s priority when a domain is added, removed or the list reordered', () => {
    const before = mtaStsRulePriorities(['mta-sts.example.com', 'mta-sts.example.net']);
    const after = mtaStsRulePriorities(['mta-sts.example.org', 'mta-sts.example.net', 'mta-sts.example.com']);
    expect(after.get('mta-sts.example.com')).toBe(before.get('mta-sts.example.com'));
    expect(after.get('mta-sts.example.net')).toBe(before.get('mta-sts.example.net'));
    expect(mtaStsRulePriorities(['mta-sts.example.net']).get('mta-sts.example.net')).toBe(before.get('mta-sts.example.net'));
  });

  it('stay distinct when two names hash to one number: the later name in order takes the next free one', () => {
    // Find two names that collide (the birthday bound: a few hundred names suffice).
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const name = `mta-sts.d${i}.example`;
      const slot = mtaStsRulePriorities([name]).get(name)!;
      pair = seen.has(slot) ? [seen.get(slot)!, name] : undefined;
      seen.set(slot, name);
    }
    const [first, second] = [...pair].sort();
    const alone = mtaStsRulePriorities([first]).get(first)!;
    const both = mtaStsRulePriorities([second, first]);
    expect(both.get(first)).toBe(alone);
    expect(both.get(second)).toBe(alone === MTA_STS_PRIORITY_RANGE.last ? MTA_STS_PRIORITY_RANGE.first : alone + 1);
  });
});

describe('the policy size', () => {
  const stackWith = (policy: string) => {
    const stack = new TerraformStack(Testing.app(), 'mta-sts-size');
    new AwsProvider(stack, 'Aws', { region: 'eu-central-1' });
    new MtaStsPolicies(stack, 'MtaSts', {
      policies: [{ policyHost: 'mta-sts.example.com', policyPath: '/.well-known/mta-sts.txt', policy }],
      listenerArn: 'arn:aws:elasticloadbalancing:eu-central-1:123456789012:listener/app/x/1/2',
      loadBalancer: { dnsName: 'x.elb.amazonaws.com', zoneId: 'Z215JYRZR1TBD5' },
      zones: [{ name: 'example.com', zoneId: 'Z0123456789ABCDEFGHIJ' }],
    });
    return stack;
  };

  it(`takes a policy of ${FIXED_RESPONSE_BODY_LIMIT} bytes (what a fixed response holds), counted in bytes`, () => {
    expect(() => stackWith('é'.repeat(FIXED_RESPONSE_BODY_LIMIT / 2))).not.toThrow();
  });

  it('refuses a longer one at synth, naming the host, the size and the limit', () => {
    expect(() => stackWith(`${'é'.repeat(FIXED_RESPONSE_BODY_LIMIT / 2)}x`)).toThrow(
      'MtaStsPolicies mta-sts-size/MtaSts: the MTA-STS policy of mta-sts.example.com is 1025 bytes; a load balancer\'s fixed response holds at most 1024',
    );
  });
});

describe('when the stack exists', () => {
  it('without MTA-STS, webmail or phpMyAdmin there is nothing to serve: no web stack, and no _mta-sts record in any stack', () => {
    const input = exampleWith({ dns: { mtaStsMode: 'none' }, webmail: { enabled: false } });
    const stacks = synthConfig(input);
    expect(Object.keys(stacks).sort()).toEqual(['example-database', 'example-mail', 'example-network']);
    const names = Object.values(stacks).flatMap((stack) => resourcesOf(stack, 'aws_route53_record').map((r) => r.name));
    expect(names.filter((name) => /(^|\.)_?mta-sts\./.test(name))).toEqual([]);
    expect(names.length).toBeGreaterThan(0);
  });

  it.each([
    ['webmail', exampleWith({ dns: { mtaStsMode: 'none' } })],
    ['phpMyAdmin', exampleWith({ dns: { mtaStsMode: 'none' }, webmail: { enabled: false }, phpMyAdmin: { enabled: true } })],
  ])('with only %s on, the web stack exists, without MTA-STS rules or records', (_, input) => {
    const web = synthConfig(input)['example-web'];
    expect(web).toBeDefined();
    expect(rules(web)).toEqual([]);
    expect(txtRecords(web)).toEqual([]);
    expect(resourcesOf(web, 'aws_autoscaling_group')).toHaveLength(1);
  });

  it('with MTA-STS, the mail stack and the web stack together publish the record set the rehearsal serves', () => {
    const config = validateConfig(example, 'test');
    const published = Object.values(exampleStacks)
      .flatMap((stack) => resourcesOf(stack, 'aws_route53_record'))
      // Public records only: not the aliases, the validation records, nor the private zone's answer inside the VPC.
      .filter((r) => !r.alias && !r.for_each && !String(r.zone_id).startsWith('${aws_route53_zone.'))
      .map((r) => `${r.type} ${r.name}`);
    const computed = mailDnsRecords({
      ...mailDnsPolicyOf(config),
      exchangers: mailExchangersOf(config).map((mx) => ({ ...mx, ipv4: '192.0.2.1' })),
      dkim: { selector: config.mail.dkimSelector, publicKeys: Object.fromEntries(config.mailDomains.map((d) => [d, 'AAAA'])) },
    })
      .filter((r) => r.type !== 'PTR')
      .map((r) => `${r.type} ${r.name}`);
    expect(published.sort()).toEqual(computed.sort());
    expect(resourcesOf(exampleStacks['example-mail'], 'aws_route53_record').filter((r) => r.name.includes('mta-sts'))).toEqual([]);
    expect(txtRecords(exampleWeb).map((r) => r.name).sort()).toEqual(['_mta-sts.example.com', '_mta-sts.example.net']);
  });
});
