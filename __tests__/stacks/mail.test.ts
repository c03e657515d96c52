import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MirovoyConfigInput } from '../../configs/schema';
import { validateConfig } from '../../configs/validate';
import { MailHostRole, renderMailHost } from '../../host';
import { BOOTSTRAP_LIMIT } from '../../host/provision/bootstrap';
import { renderMailHostBundle, unpackBundle } from '../../host/provision';
import { LETS_ENCRYPT_DIRECTORY_URLS } from '../../modules/acme';
import { LETS_ENCRYPT_ROOTS_OUTSIDE_SYSTEM_STORE } from '../../modules/certificates/lets-encrypt-roots';
import { templateLiteral } from '../../modules/mail/mail-host';
import { mailHostRuntime } from '../../adapters/mail-host-runtime';
import { mailHostSpecFromConfig } from '../../adapters/mail-host-spec';
import { checkAgainstAcmeSchema } from '../acme/acme-schema-check';
import { allOptions, example, exampleWith } from '../support/configs';
import { resourcesOf, synthConfig, templateValue, TerraformJson } from '../support/synth';

const mailStackOf = (stacks: Record<string, TerraformJson>): TerraformJson => stacks[Object.keys(stacks).find((name) => name.endsWith('-mail'))!];
const exampleStacks = synthConfig(example);
const allOptionsStacks = synthConfig(allOptions);
const sesConfig = exampleWith({ mail: { outbound: 'ses' } });
const sesStacks = synthConfig(sesConfig);
const exampleMail = mailStackOf(exampleStacks);
const allOptionsMail = mailStackOf(allOptionsStacks);

/** Every string in a JSON document with the path it sits at. */
const stringsIn = (node: unknown, path = ''): { path: string; value: string }[] => {
  if (typeof node === 'string') return [{ path, value: node }];
  if (Array.isArray(node)) return node.flatMap((item, i) => stringsIn(item, `${path}[${i}]`));
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([key, value]) => stringsIn(value, path ? `${path}.${key}` : key));
  return [];
};

const resourceNamed = (stack: TerraformJson, type: string, pathPart: string) => {
  const found = Object.values(stack.resource?.[type] ?? {}).filter((r) => r['//'].metadata.path.includes(pathPart));
  expect(found).toHaveLength(1);
  return found[0];
};

describe('ACME bindings in the mail stack', () => {
  it.each([
    ['example', exampleMail],
    ['all-options', allOptionsMail],
  ])('%s: every acme argument and block matches the provider schema', (_, stack) => {
    expect(resourcesOf(stack, 'acme_certificate').length).toBeGreaterThan(0);
    expect(checkAgainstAcmeSchema(stack)).toEqual([]);
  });

  it('declares the acme, tls and aws providers with pinned versions', () => {
    expect(exampleMail.terraform.required_providers).toMatchObject({
      acme: { source: 'vancluever/acme', version: '2.48.3' },
      tls: { source: 'hashicorp/tls' },
      aws: {},
    });
  });

  it("declares both Let's Encrypt CAs always, so switching can still destroy the old account", () => {
    for (const stack of [exampleMail, allOptionsMail]) {
      expect(Object.fromEntries(stack.provider!.acme.map((p: { alias: string; server_url: string }) => [p.alias, p.server_url]))).toEqual({
        staging: LETS_ENCRYPT_DIRECTORY_URLS.staging,
        production: LETS_ENCRYPT_DIRECTORY_URLS.production,
      });
    }
  });

  it.each([
    ['example (staging by default)', exampleMail, 'staging'],
    ['all-options (production)', allOptionsMail, 'production'],
  ])('%s: the account and every certificate use that CA, under names that carry it', (_, stack, server) => {
    for (const type of ['acme_registration', 'acme_certificate']) {
      const resources = Object.entries(stack.resource![type]);
      expect(resources.length).toBeGreaterThan(0);
      for (const [name, resource] of resources) {
        expect(resource.provider).toBe(`acme.${server}`);
        expect(name).toContain(`-${server}`);
      }
    }
  });

  it('has one certificate per host with its names, DNS-01 in the hosted zone, renewed 30 days ahead', () => {
    const primary = resourceNamed(exampleMail, 'acme_certificate', 'PrimaryCertificate');
    const backup = resourceNamed(exampleMail, 'acme_certificate', 'BackupCertificate');
    expect([primary.common_name, primary.subject_alternative_names]).toEqual(['mx1.example.com', []]);
    expect([backup.common_name, backup.subject_alternative_names]).toEqual(['mx2.example.com', []]);
    expect(primary.min_days_remaining).toBe(30);
    expect(primary.key_type).toBe('2048');
    expect(primary.dns_challenge).toEqual([
      {
        provider: 'route53',
        config: {
          AWS_REGION: 'eu-central-1',
          AWS_HOSTED_ZONE_ID: expect.stringMatching(/^\$\{data\.aws_route53_zone\.Zones_example-com_\w+\.zone_id\}$/),
        },
      },
    ]);

    const production = resourceNamed(allOptionsMail, 'acme_certificate', 'PrimaryCertificate');
    expect([production.common_name, production.subject_alternative_names, production.key_type, production.min_days_remaining]).toEqual([
      'mx1.mail.example.org',
      ['imap.mail.example.org', 'smtp.mail.example.org'],
      'P256',
      35,
    ]);
    expect(production.dns_challenge[0].config.AWS_HOSTED_ZONE_ID).toBe('Z0123456789ABCDEFGHIJ');
  });

  it('keeps each certificate with its intermediates and key in its own KMS-encrypted secret', () => {
    const versions = resourcesOf(allOptionsMail, 'aws_secretsmanager_secret_version').filter((v) => v.secret_string.includes('acme_certificate.'));
    expect(versions).toHaveLength(2);
    for (const version of versions) {
      expect(version.secret_string).toMatch(
        /^\$\{jsonencode\(\{"certificate_chain" = "\$\{acme_certificate\.(\w+-production_\w+)\.certificate_pem\}\$\{acme_certificate\.\1\.issuer_pem\}", "private_key" = acme_certificate\.\1\.private_key_pem\}\)\}$/,
      );
    }
    for (const secret of resourcesOf(allOptionsMail, 'aws_secretsmanager_secret')) expect(secret.kms_key_id).toBe(allOptions.kmsKeyArn);
  });

  // Issue 12, item 12: a replacement destroyed (and so revoked) the hosts' certificate before its successor existed.
  it('replaces a certificate create-before-destroy: the secret takes the new one before the old is revoked', () => {
    for (const stack of [exampleMail, allOptionsMail]) {
      const certificates = stack.resource!.acme_certificate;
      const versions = resourcesOf(stack, 'aws_secretsmanager_secret_version');
      for (const [address, certificate] of Object.entries(certificates)) {
        expect([certificate.revoke_certificate_on_destroy, certificate.lifecycle]).toEqual([true, { create_before_destroy: true }]);
        // The secret version refers to this certificate, so Terraform writes the new one into the
        // secret before it destroys the deposed (old) certificate.
        expect(versions.filter((v) => v.secret_string.includes(`acme_certificate.${address}.certificate_pem`))).toHaveLength(1);
      }
    }
  });
});

/** Terraform attributes whose values are secret. */
const SECRET_ATTRIBUTES =
  /\b(?:tls_private_key\.[\w-]+\.private_key_\w+|acme_certificate\.[\w-]+\.private_key_pem|acme_registration\.[\w-]+\.account_key_pem|random_password\.[\w-]+\.result|aws_iam_access_key\.[\w-]+\.(?:secret|ses_smtp_password_v4))\b/;
/** Where those values may go: into secrets, and the account key into the ACME resources. */
const SECRET_SINKS = [
  /^resource\.aws_secretsmanager_secret_version\.[\w-]+\.secret_string$/,
  /^resource\.acme_(?:registration|certificate)\.[\w-]+\.account_key_pem$/,
];

describe.each([
  ['example', exampleStacks],
  ['all-options', allOptionsStacks],
  ['SES relay', sesStacks],
])('%s: secrets stay in Secrets Manager', (_, stacks) => {
  it.each(Object.keys(stacks))('%s: no secret value is referenced outside a secret (not in user data, tags or outputs)', (name) => {
    const strings = stringsIn(stacks[name]);
    const misplaced = strings.filter((s) => SECRET_ATTRIBUTES.test(s.value) && !SECRET_SINKS.some((sink) => sink.test(s.path))).map((s) => s.path);
    expect(misplaced).toEqual([]);
  });

  it('user data is plain gzip with no reference and no key material in it', () => {
    const instances = resourcesOf(mailStackOf(stacks), 'aws_instance');
    expect(instances.length).toBeGreaterThan(0);
    for (const instance of instances) {
      expect(instance.user_data_base64).toMatch(/^[A-Za-z0-9+/]+=*$/);
      const text = gunzipSync(Buffer.from(instance.user_data_base64, 'base64')).toString();
      expect(text.startsWith('#cloud-config')).toBe(true);
      expect(text).not.toMatch(/PRIVATE KEY-----|BEGIN CERTIFICATE|TfToken|arn:aws/);
    }
  });

  it('the configuration bundles hold no reference, no ARN and no key material either', () => {
    const bundles = resourcesOf(mailStackOf(stacks), 'aws_s3_object');
    expect(bundles).toHaveLength(resourcesOf(mailStackOf(stacks), 'aws_instance').length);
    for (const bundle of bundles) {
      const text = templateValue(bundle.content);
      expect(text.startsWith('#mirovoy-bundle 1\n')).toBe(true);
      // Run-time values (endpoint, ARNs, ids) reach the host by tag, secrets from Secrets Manager;
      // the seam's own service URLs are templates the host fills with its region (`@REGION@`).
      // The only certificates are public ones: Let's Encrypt staging's roots, on the backup MX.
      const publicRoots = LETS_ENCRYPT_ROOTS_OUTSIDE_SYSTEM_STORE.staging.map((pem) => pem.trimEnd());
      expect(!publicRoots.some((pem) => text.includes(pem)) || bundle.key.startsWith('mx2/')).toBe(true);
      expect(publicRoots.reduce((rest, pem) => rest.split(pem).join(''), text)).not.toMatch(/PRIVATE KEY-----|BEGIN CERTIFICATE|TfToken|arn:aws|cross-stack|(?<!@REGION@)\.amazonaws\.com\/|random_password|aws_\w+\.\w/);
    }
  });

  it('outputs name secrets by ARN only, and tags carry only ARNs, names and the endpoint', () => {
    const mail = mailStackOf(stacks);
    for (const [name, output] of Object.entries(mail.output ?? {})) {
      if (name.endsWith('secret_arn') || name.endsWith('secret_arns')) {
        for (const value of stringsIn(output.value)) expect(value.value).toMatch(/^\$\{aws_secretsmanager_secret\.[\w-]+\.arn\}$/);
      }
    }
    for (const instance of resourcesOf(mail, 'aws_instance')) {
      for (const [key, value] of Object.entries<string>(instance.tags).filter(([key]) => key.startsWith('mirovoy:secret-'))) {
        expect([key, value]).toEqual([key, expect.stringMatching(/^\$\{[\w.-]+arn\}$|^arn:aws:secretsmanager:[\w-]+:\d{12}:secret:[\w/+=.@-]+$/)]);
      }
    }
  });
});

describe('mail hosts', () => {
  const instance = (stack: TerraformJson, role: 'Primary' | 'Backup') => resourceNamed(stack, 'aws_instance', `/${role}/Instance`);

  it.each([
    ['example', exampleMail],
    ['all-options', allOptionsMail],
  ])('%s: IMDSv2 only with instance tags, encrypted gp3 root, Debian 13 from SSM', (_, stack) => {
    for (const host of resourcesOf(stack, 'aws_instance')) {
      expect(host.metadata_options).toEqual({
        http_endpoint: 'enabled',
        http_tokens: 'required',
        http_put_response_hop_limit: 1,
        instance_metadata_tags: 'enabled',
      });
      expect(host.root_block_device).toMatchObject({
        encrypted: true,
        volume_type: 'gp3',
      });
      expect(host.ami).toMatch(/^\$\{data\.aws_ssm_parameter\.\w+\.insecure_value\}$/);
      expect(host.lifecycle).toEqual({ ignore_changes: ['ami'] });
    }
    for (const volume of resourcesOf(stack, 'aws_ebs_volume')) expect(volume).toMatchObject({ encrypted: true, type: 'gp3' });
  });

  it("picks the image of the instance type's architecture", () => {
    const names = Object.values(exampleMail.data!.aws_ssm_parameter).map((p) => p.name);
    expect(names).toEqual(['/aws/service/debian/release/13/latest/amd64', '/aws/service/debian/release/13/latest/amd64']);
    const graviton = mailStackOf(synthConfig(exampleWith({ mail: { primary: { instanceType: 't4g.small' } } })));
    expect(Object.values(graviton.data!.aws_ssm_parameter).map((p) => p.name)).toContain('/aws/service/debian/release/13/latest/arm64');
  });

  it('places the primary in the first zone and the backup MX in the second (or its configured zone), volumes beside them', () => {
    const subnetOf = (stack: TerraformJson, role: 'Primary' | 'Backup') => resourceNamed(stack, 'aws_network_interface', `/${role}/NetworkInterface`).subnet_id;
    expect(subnetOf(exampleMail, 'Primary')).toMatch(/PublicSubnet1_\w+id\}$/);
    expect(subnetOf(exampleMail, 'Backup')).toMatch(/PublicSubnet2_\w+id\}$/);
    expect(subnetOf(allOptionsMail, 'Backup')).toMatch(/PublicSubnet3_\w+id\}$/);
    for (const volume of resourcesOf(exampleMail, 'aws_ebs_volume')) {
      expect(volume.availability_zone).toBe(volume.tags.Name.includes('mx1') ? 'eu-central-1a' : 'eu-central-1b');
    }
    for (const volume of resourcesOf(allOptionsMail, 'aws_ebs_volume')) {
      expect(volume.availability_zone).toBe(volume.tags.Name.includes('mx1') ? 'eu-west-1a' : 'eu-west-1c');
    }
  });

  it('keeps mail across instance replacement: separate volumes and address, attached to whichever instance exists', () => {
    const host = instance(exampleMail, 'Primary');
    expect(host.user_data_replace_on_change).toBe(true);
    expect(host.ebs_block_device).toBeUndefined();
    const volumes = Object.entries(exampleMail.resource!.aws_ebs_volume)
      .filter(([name]) => name.startsWith('Primary_'))
      .sort(([, a], [, b]) => b.size - a.size);
    expect(volumes.map(([, v]) => [v.tags.Name, v.size, v.final_snapshot])).toEqual([
      ['mail-example-mx1-spool', 10, true],
      ['mail-example-mx1-log', 2, true],
      // Nothing in the swap volume outlives the host: no final snapshot.
      ['mail-example-mx1-swap', 2, false],
    ]);
    volumes.forEach(([, v]) => expect(JSON.stringify(v)).not.toContain('aws_instance.'));
    const attachments = resourcesOf(exampleMail, 'aws_volume_attachment').filter((a) => a.instance_id.includes('Primary_Instance'));
    expect(attachments.map((a) => [a.device_name, a.stop_instance_before_detaching]).sort()).toEqual([
      ['/dev/sdf', true],
      ['/dev/sdg', true],
      ['/dev/sdh', true],
    ]);
    expect(attachments.map((a) => a.volume_id).sort()).toEqual(volumes.map(([name]) => `\${aws_ebs_volume.${name}.id}`).sort());
    expect(host.tags['mirovoy:volume-spool']).toBe(`\${aws_ebs_volume.${volumes[0][0]}.id}`);
    // The address sits on the host's own network interface, made before the instance: the host
    // boots with it, and a replacement instance gets the same interface and address.
    const [eipName, eip] = Object.entries(exampleMail.resource!.aws_eip).find(([name]) => name.startsWith('Primary_'))!;
    const [nicName, nic] = Object.entries(exampleMail.resource!.aws_network_interface).find(([name]) => name.startsWith('Primary_'))!;
    expect(eip.network_interface).toBe(`\${aws_network_interface.${nicName}.id}`);
    expect(JSON.stringify([eip, nic])).not.toContain('aws_instance.');
    expect(host.primary_network_interface).toEqual({ network_interface_id: `\${aws_network_interface.${nicName}.id}` });
    expect(host.depends_on).toEqual([`aws_eip.${eipName}`]);
    expect(host.subnet_id).toBeUndefined();
  });

  it("restores the primary's volumes from snapshots and honours the retention choice", () => {
    const volumes = Object.values(allOptionsMail.resource!.aws_ebs_volume);
    const byName = Object.fromEntries(volumes.map((v) => [v.tags.Name, v]));
    expect(byName['mail-all-options-mx1-spool']).toMatchObject({
      snapshot_id: 'snap-0123456789abcdef0',
      size: 50,
      kms_key_id: allOptions.kmsKeyArn,
      lifecycle: { prevent_destroy: true },
    });
    expect(byName['mail-all-options-mx1-log'].snapshot_id).toBe('snap-0fedcba9876543210');
    expect(byName['mail-all-options-mx2-spool'].snapshot_id).toBeUndefined();
    const deleted = mailStackOf(synthConfig(exampleWith({ mail: { storage: { onDestroy: 'delete' } } })));
    resourcesOf(deleted, 'aws_ebs_volume').forEach((v) => expect([v.final_snapshot, v.lifecycle?.prevent_destroy]).toEqual([false, false]));
  });

  it('sets reverse DNS to the host name once the A record exists', () => {
    const ptrs = resourcesOf(exampleMail, 'aws_eip_domain_name');
    expect(ptrs.map((p) => p.domain_name).sort()).toEqual(['mx1.example.com', 'mx2.example.com']);
    for (const ptr of ptrs) {
      const [aRecord] = Object.entries(exampleMail.resource!.aws_route53_record).find(([, r]) => r.type === 'A' && r.name === ptr.domain_name)!;
      expect(ptr.depends_on).toEqual([`aws_route53_record.${aRecord}`]);
    }
  });

  it("gives each host exactly the secrets it reads: the backup MX cannot read the primary's key or the DKIM keys", () => {
    const statements = (role: string) => JSON.parse(resourceNamed(exampleMail, 'aws_iam_role_policy', `/${role}/InstanceRole/Policy`).policy).Statement;
    const SECRETS = [
      'master_user_secret',
      'LookupUserSecret',
      'PostfixUserSecret',
      'AdminUserSecret',
      'AmavisUserSecret',
      'DumpUserSecret',
      'RoundcubeUserSecret',
      'WebmailPasswordUserSecret',
      'PrimaryCertificate',
      'BackupCertificate',
      'Dkim-example-com',
      'Dkim-example-net',
    ];
    const resources = (role: string) => statements(role)[0].Resource.map((arn: string) => SECRETS.filter((secret) => arn.includes(secret)).join('|'));
    // One statement for the secrets; the bundle's statements are checked with the bundles.
    expect(statements('Primary').filter((st: { Action: string | string[] }) => [st.Action].flat().some((a) => a.startsWith('secretsmanager:')))).toHaveLength(1);
    expect(resources('Primary')).toEqual([
      'master_user_secret',
      'LookupUserSecret',
      'PostfixUserSecret',
      'AdminUserSecret',
      'AmavisUserSecret',
      'DumpUserSecret',
      // The webmail hosts' accounts, which the primary creates (webmail.enabled).
      'RoundcubeUserSecret',
      'WebmailPasswordUserSecret',
      'Dkim-example-com',
      'Dkim-example-net',
      'PrimaryCertificate',
    ]);
    // Issue 12, item 3: the backup MX runs Postfix only, so it gets Postfix's account, not Dovecot's (which reads password hashes).
    // Issue 12, item 2: nor the master's; the primary applies the schema and makes the backup MX's account.
    expect(resources('Backup')).toEqual(['PostfixUserSecret', 'BackupCertificate']);
    // A shell through SSM Session Manager instead of open SSH: host-access.test.ts.
    const kms = JSON.parse(resourceNamed(allOptionsMail, 'aws_iam_role_policy', '/Backup/InstanceRole/Policy').policy).Statement[1];
    expect(kms).toEqual({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: allOptions.kmsKeyArn,
      Condition: {
        StringEquals: {
          'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com',
        },
      },
    });
  });

  it('tells each host where the database and its secrets are, by instance tag', () => {
    const tags = instance(exampleMail, 'Backup').tags;
    expect(Object.keys(tags).sort()).toEqual([
      'Name',
      'mirovoy:bundle',
      'mirovoy:bundle-bucket',
      'mirovoy:database-ca-url',
      'mirovoy:database-host',
      'mirovoy:secret-db-postfix',
      'mirovoy:secret-tls',
      'mirovoy:volume-log',
      'mirovoy:volume-spool',
      'mirovoy:volume-swap',
    ]);
    expect(tags['mirovoy:database-host']).toMatch(/cross-stack-output-aws_db_instanceMailDatabase_Instance_\w+address\}$/);
    expect(tags['mirovoy:database-ca-url']).toBe('https://truststore.pki.rds.amazonaws.com/eu-central-1/eu-central-1-bundle.pem');
  });
});

describe('what the hosts read at run time', () => {
  it('refuses to synthesize a host whose secret the deployment does not provide', () => {
    const config = validateConfig(exampleWith({ mail: { outbound: 'ses' } }), 'test');
    const database = { address: 'db.example.internal', masterSecretArn: 'arn:master', userSecretArns: { lookup: 'arn:l', postfix: 'arn:p', admin: 'arn:a', amavis: 'arn:m', dump: 'arn:d' } };
    const input = { config, role: 'backup' as const, database, tlsSecretArn: 'arn:tls', dkimSecretArns: {} };
    expect(() => mailHostRuntime(input)).toThrow('The backup mail host reads the secret "relay", which this deployment does not provide');
    expect(Object.keys(mailHostRuntime({ ...input, relaySecretArn: 'arn:relay' }).secretArns)).toEqual(['db-postfix', 'tls', 'relay']);
  });
});

describe('a smarthost with a login', () => {
  it('gives both hosts the configured credentials secret, and nothing else changes hands', () => {
    for (const host of resourcesOf(allOptionsMail, 'aws_instance')) expect(host.tags['mirovoy:secret-relay']).toBe(allOptions.mail.relayCredentialsSecretArn);
    const hostPolicies = resourcesOf(allOptionsMail, 'aws_iam_role_policy').filter((p) => p['//'].metadata.path.endsWith('/InstanceRole/Policy'));
    expect(hostPolicies).toHaveLength(2);
    for (const policy of hostPolicies) expect(JSON.parse(policy.policy).Statement[0].Resource).toContain(allOptions.mail.relayCredentialsSecretArn);
    expect(resourcesOf(allOptionsMail, 'aws_iam_access_key')).toEqual([]);
  });

  it("publishes the smarthost's SPF domain in every mail domain's SPF record (issue 12, item 10)", () => {
    const spf = resourcesOf(allOptionsMail, 'aws_route53_record').filter((r) => r.type === 'TXT' && allOptions.mailDomains.includes(r.name));
    expect(spf.map((r) => [r.name, r.records])).toEqual([
      ['example.org', ['v=spf1 mx include:spf.relay.example.net -all']],
      ['lists.example.org', ['v=spf1 mx include:spf.relay.example.net -all']],
    ]);
  });
});

describe('without a backup MX', () => {
  const single = mailStackOf(synthConfig(exampleWith({ mail: { backupMx: { enabled: false } } })));
  it('has no backup host, volume, address, certificate or record', () => {
    expect(resourcesOf(single, 'aws_instance')).toHaveLength(1);
    expect(resourcesOf(single, 'aws_ebs_volume')).toHaveLength(3);
    expect(resourcesOf(single, 'aws_eip')).toHaveLength(1);
    expect(resourcesOf(single, 'acme_certificate')).toHaveLength(1);
    // The backup MX's constructs (Backup_…, BackupCertificate, BackupAlarms), not AWS Backup's.
    expect(JSON.stringify(single)).not.toMatch(/mx2|\bBackup(_|Certificate|Alarms)/);
    expect(JSON.stringify(mailStackOf(exampleStacks))).toMatch(/\bBackup(_|Certificate|Alarms)/);
    const mx = resourcesOf(single, 'aws_route53_record').find((r) => r.type === 'MX' && r.name === 'example.com')!;
    expect(mx.records).toEqual(['10 mx1.example.com']);
  });
});

describe('security group rules of the mail hosts', () => {
  const ingress = (stacks: Record<string, TerraformJson>) => {
    const network = stacks[Object.keys(stacks).find((n) => n.endsWith('-network'))!];
    return resourcesOf(network, 'aws_vpc_security_group_ingress_rule')
      .filter((r) => r.security_group_id.includes('SecurityGroups_Mail_'))
      .map((r) => `${r.from_port} ${r.cidr_ipv4 ?? r.referenced_security_group_id.replace(/^\$\{aws_security_group\.SecurityGroups_(\w+?)_\w+\.id\}$/, '$1')}`)
      .sort();
  };
  it('example: mail ports from anywhere, ManageSieve only from the webmail hosts, SSH only from the bastion', () => {
    expect(ingress(exampleStacks)).toEqual(['22 Bastion', '25 0.0.0.0/0', '4190 Webmail', '465 0.0.0.0/0', '587 0.0.0.0/0', '993 0.0.0.0/0']);
  });
  it('all-options: plus IMAP 143 (STARTTLS on) and SSH from the configured block', () => {
    expect(ingress(allOptionsStacks)).toEqual([
      '143 0.0.0.0/0',
      '22 198.51.100.0/24',
      '22 Bastion',
      '25 0.0.0.0/0',
      '4190 Webmail',
      '465 0.0.0.0/0',
      '587 0.0.0.0/0',
      '993 0.0.0.0/0',
    ]);
  });
});

describe('DNS records of the example', () => {
  /** `<type> <name> [zone] <values>`, with Terraform references shortened to `<resource type>.<attribute>`. */
  const records = resourcesOf(exampleMail, 'aws_route53_record').map((r) =>
    `${r.type} ${r.name} [${r.zone_id.match(/Zones_([\w-]+?)_/)[1]}] ${r.records.join(' | ')}`
      .replace(/\b(aws_\w+|tls_\w+)\.[\w-]+\.(\w+)/g, '$1.$2')
      .replace(/\$\{(aws_eip\.public_ip)\}/g, '<$1>'),
  );

  // Not the `_mta-sts` records: the web stack publishes them with the policy they announce (web.test.ts).
  it('publishes exactly this reviewed set, each record in the zone of its name', () => {
    expect(records.sort()).toMatchInlineSnapshot(`
      [
        "A mx1.example.com [example-com] <aws_eip.public_ip>",
        "A mx2.example.com [example-com] <aws_eip.public_ip>",
        "CAA example.com [example-com] 0 issue "letsencrypt.org" | 0 issue "amazon.com"",
        "CAA example.net [example-net] 0 issue "letsencrypt.org" | 0 issue "amazon.com"",
        "MX example.com [example-com] 10 mx1.example.com | 20 mx2.example.com",
        "MX example.net [example-net] 10 mx1.example.com | 20 mx2.example.com",
        "SRV _imaps._tcp.example.com [example-com] 0 1 993 mx1.example.com",
        "SRV _imaps._tcp.example.net [example-net] 0 1 993 mx1.example.com",
        "SRV _submission._tcp.example.com [example-com] 1 1 587 mx1.example.com",
        "SRV _submission._tcp.example.net [example-net] 1 1 587 mx1.example.com",
        "SRV _submissions._tcp.example.com [example-com] 0 1 465 mx1.example.com",
        "SRV _submissions._tcp.example.net [example-net] 0 1 465 mx1.example.com",
        "TXT _dmarc.example.com [example-com] v=DMARC1; p=quarantine; adkim=s; aspf=s; rua=mailto:postmaster@example.com",
        "TXT _dmarc.example.net [example-net] v=DMARC1; p=quarantine; adkim=s; aspf=s; rua=mailto:postmaster@example.com",
        "TXT _smtp._tls.example.com [example-com] v=TLSRPTv1; rua=mailto:postmaster@example.com",
        "TXT _smtp._tls.example.net [example-net] v=TLSRPTv1; rua=mailto:postmaster@example.com",
        "TXT example.com [example-com] v=spf1 mx -all",
        "TXT example.net [example-net] v=spf1 mx -all",
        "TXT example.net._report._dmarc.example.com [example-com] v=DMARC1",
        "TXT mail._domainkey.example.com [example-com] \${join("\\"\\"", regexall(".{1,255}", join("", ["v=DKIM1; k=rsa; p=", replace(tls_private_key.public_key_pem, "/-----[A-Z ]+-----|\\n/", "")])))}",
        "TXT mail._domainkey.example.net [example-net] \${join("\\"\\"", regexall(".{1,255}", join("", ["v=DKIM1; k=rsa; p=", replace(tls_private_key.public_key_pem, "/-----[A-Z ]+-----|\\n/", "")])))}",
      ]
    `);
  });

  it('splits the DKIM TXT value at 255 characters at apply time, from the key made in Terraform', () => {
    const dkim = resourcesOf(exampleMail, 'aws_route53_record').find((r) => r.name === 'mail._domainkey.example.com')!;
    expect(dkim.records).toEqual([
      expect.stringMatching(
        /^\$\{join\("\\"\\"", regexall\("\.\{1,255\}", join\("", \["v=DKIM1; k=rsa; p=", replace\(tls_private_key\.Dkim-example-com_Key_\w+\.public_key_pem, "\/-----\[A-Z \]\+-----\|\\n\/", ""\)\]\)\)\)\}$/,
      ),
    ]);
  });

  it('rotates in two applies with both keys published: a second key beside the first, then the second signs', () => {
    const dkimRecordNames = (stack: TerraformJson) => resourcesOf(stack, 'aws_route53_record').map((r) => r.name).filter((n) => n.includes('._domainkey.')).sort();
    const dkimSecret = (stack: TerraformJson) => resourcesOf(stack, 'aws_secretsmanager_secret_version').find((v) => v.secret_string.includes('Dkim-example-com'))!.secret_string;
    const published = mailStackOf(synthConfig(exampleWith({ mail: { dkimSecondSelector: 'mail2' } })));
    const switched = mailStackOf(synthConfig(exampleWith({ mail: { dkimSecondSelector: 'mail2', dkimSigningSelector: 'mail2' } })));
    for (const stack of [published, switched]) {
      expect(dkimRecordNames(stack)).toEqual(['mail._domainkey.example.com', 'mail._domainkey.example.net', 'mail2._domainkey.example.com', 'mail2._domainkey.example.net']);
      // The first key keeps the address it always had: adding the second replaces nothing.
      expect(Object.keys(stack.resource!.tls_private_key).filter((k) => k.startsWith('Dkim-example-com_Key_'))).toHaveLength(1);
      expect(Object.keys(stack.resource!.tls_private_key).filter((k) => k.startsWith('Dkim-example-com_SecondKey_'))).toHaveLength(1);
    }
    expect(dkimSecret(published)).toMatch(/"private_key" = tls_private_key\.Dkim-example-com_Key_\w+\.private_key_pem, "selector" = "mail"\}/);
    expect(dkimSecret(switched)).toMatch(/"private_key" = tls_private_key\.Dkim-example-com_SecondKey_\w+\.private_key_pem, "selector" = "mail2"\}/);
    expect(Object.keys(published.resource!.tls_private_key).filter((k) => k.startsWith('Dkim-example-com_Key_'))).toEqual(
      Object.keys(exampleMail.resource!.tls_private_key).filter((k) => k.startsWith('Dkim-example-com_Key_')),
    );
  });

  it("keeps each domain's DKIM key with its selector in one secret, so a host switches both at once", () => {
    const versions = resourcesOf(exampleMail, 'aws_secretsmanager_secret_version').filter((v) => v.secret_string.includes('tls_private_key.Dkim-'));
    expect(versions).toHaveLength(2);
    for (const version of versions) {
      expect(version.secret_string).toMatch(/^\$\{jsonencode\(\{"private_key" = tls_private_key\.Dkim-[\w-]+_Key_\w+\.private_key_pem, "selector" = "mail"\}\)\}$/);
    }
  });
});

// Issue 12, item 14: records that already exist (apex MX, SPF, CAA, _dmarc of a moved domain) failed the first apply half-way.
describe('existing DNS records', () => {
  const overwriting = (stack: TerraformJson) => resourcesOf(stack, 'aws_route53_record').filter((r) => r.allow_overwrite === true);

  it('are left alone by default: Route53 refuses to create a record set that exists', () => {
    expect(resourcesOf(mailStackOf(sesStacks), 'aws_route53_record').filter((r) => 'allow_overwrite' in r)).toEqual([]);
  });

  it('are replaced, ours and the SES records alike, with dns.takeOverExistingRecords', () => {
    const stack = mailStackOf(synthConfig(exampleWith({ mail: { outbound: 'ses' }, dns: { takeOverExistingRecords: true } })));
    const all = resourcesOf(stack, 'aws_route53_record');
    expect(overwriting(stack)).toHaveLength(all.length);
    expect(all.filter((r) => r.type === 'MX' && r.name === 'example.com')).toHaveLength(1);
    expect(all.filter((r) => r.name === '_dmarc.example.net')).toHaveLength(1);
  });
});

describe('SES relay', () => {
  it('lets the SMTP credentials of a single host be used from its address alone', () => {
    const single = mailStackOf(synthConfig(exampleWith({ mail: { outbound: 'ses', backupMx: { enabled: false } } })));
    expect(resourcesOf(single, 'aws_iam_user_policy')[0].policy).toMatch(/"aws:SourceIp" = \[aws_eip\.Primary_Address_\w+\.public_ip\]\}/);
  });

  const ses = mailStackOf(sesStacks);
  const record = (type: string, name: string) => resourcesOf(ses, 'aws_route53_record').filter((r) => r.type === type && r.name.endsWith(name));

  it('verifies every domain with Easy DKIM and a MAIL FROM subdomain, records included', () => {
    expect(resourcesOf(ses, 'aws_ses_domain_identity').map((i) => i.domain)).toEqual(['example.com', 'example.net']);
    expect(record('CNAME', '._domainkey.example.com')).toHaveLength(3);
    expect(record('TXT', '_amazonses.example.net')).toHaveLength(1);
    expect(resourcesOf(ses, 'aws_ses_domain_mail_from').map((m) => [m.mail_from_domain, m.behavior_on_mx_failure])).toEqual([
      ['bounce.example.com', 'UseDefaultValue'],
      ['bounce.example.net', 'UseDefaultValue'],
    ]);
    expect(record('MX', 'bounce.example.com')[0]).toBeUndefined();
    const mailFromMx = resourcesOf(ses, 'aws_route53_record').filter((r) => r.type === 'MX' && r.name.includes('mail_from_domain'));
    expect(mailFromMx.map((r) => r.records)).toEqual([['10 feedback-smtp.eu-central-1.amazonses.com'], ['10 feedback-smtp.eu-central-1.amazonses.com']]);
  });

  it('keeps SMTP credentials of a send-only IAM user in a secret both hosts may read', () => {
    const [policy] = resourcesOf(ses, 'aws_iam_user_policy');
    expect(policy.policy).toContain('"Action" = "ses:SendRawEmail"');
    // Issue 12, item 13: the SMTP credentials worked from anywhere; now from the hosts' Elastic IPs only.
    expect(policy.policy).toMatch(/"Condition" = \{"IpAddress" = \{"aws:SourceIp" = \[aws_eip\.Primary_Address_\w+\.public_ip, aws_eip\.Backup_Address_\w+\.public_ip\]\}\}/);
    const [credentials] = resourcesOf(ses, 'aws_secretsmanager_secret_version').filter((v) => v.secret_string.includes('ses_smtp_password_v4'));
    expect(credentials.secret_string).toMatch(
      /^\$\{jsonencode\(\{"username" = aws_iam_access_key\.[\w-]+\.id, "password" = aws_iam_access_key\.[\w-]+\.ses_smtp_password_v4\}\)\}$/,
    );
    for (const host of resourcesOf(ses, 'aws_instance'))
      expect(host.tags['mirovoy:secret-relay']).toMatch(/^\$\{aws_secretsmanager_secret\.SesRelay_SmtpCredentials_Secret_\w+\.arn\}$/);
  });
});

describe('configuration bundles in the artifacts bucket', () => {
  const ROLES: readonly { role: MailHostRole; id: 'Primary' | 'Backup'; prefix: string }[] = [
    { role: 'primary', id: 'Primary', prefix: 'mx1' },
    { role: 'backup', id: 'Backup', prefix: 'mx2' },
  ];
  /** Name of the one resource of a type made by the construct at `pathPart`. */
  const nameOf = (stack: TerraformJson, type: string, pathPart: string) => {
    const names = Object.entries(stack.resource?.[type] ?? {})
      .filter(([, r]) => r['//'].metadata.path.includes(pathPart))
      .map(([name]) => name);
    expect(names).toHaveLength(1);
    return names[0];
  };
  const bucketName = (stack: TerraformJson) => nameOf(stack, 'aws_s3_bucket', '/ArtifactsBucket/');
  const bundleOf = (stack: TerraformJson, id: string) => resourceNamed(stack, 'aws_s3_object', `/${id}/Bundle`);
  const tagsOf = (stack: TerraformJson, id: string) => resourceNamed(stack, 'aws_instance', `/${id}/Instance`).tags;
  const statementsOf = (stack: TerraformJson, id: string): { Action: string; Resource: string | string[]; Condition?: unknown }[] =>
    JSON.parse(resourceNamed(stack, 'aws_iam_role_policy', `/${id}/InstanceRole/Policy`).policy).Statement;
  const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
  /** What the host renders for itself: the bundle the object must hold, byte for byte. */
  const expectedBundle = (input: MirovoyConfigInput, role: MailHostRole) => {
    const config = validateConfig(input, 'test');
    return renderMailHostBundle(renderMailHost(mailHostSpecFromConfig(config, role)), { admin: config.admin });
  };

  /** Every config in configs/environments (each a synth), plus the SES variant. */
  const shipped: [string, MirovoyConfigInput, Record<string, TerraformJson>][] = [
    ...readdirSync(join(__dirname, '../../configs/environments'))
      .filter((file) => file.endsWith('.ts'))
      .map((file): [string, MirovoyConfigInput, Record<string, TerraformJson>] => {
        const name = file.replace(/\.ts$/, '');
        const input = name === 'example' ? example : name === 'all-options' ? allOptions : (require(`../../configs/environments/${name}`).default as MirovoyConfigInput);
        return [name, input, name === 'example' ? exampleStacks : name === 'all-options' ? allOptionsStacks : synthConfig(input)];
      }),
    ['SES relay', sesConfig, sesStacks],
  ];

  it('covers every shipped config', () => {
    expect(shipped.map(([name]) => name)).toEqual(expect.arrayContaining(['example', 'all-options', 'SES relay']));
  });

  describe.each(shipped)('%s', (_, input, stacks) => {
    const mail = mailStackOf(stacks);
    const roles = ROLES.filter(({ id }) => resourcesOf(mail, 'aws_instance').some((i) => i['//'].metadata.path.includes(`/${id}/`)));

    it.each(roles)(`$role: user data is the bootstrap, at most ${BOOTSTRAP_LIMIT} bytes`, ({ id }) => {
      const userData = Buffer.from(resourceNamed(mail, 'aws_instance', `/${id}/Instance`).user_data_base64, 'base64');
      expect(userData.length).toBeLessThanOrEqual(BOOTSTRAP_LIMIT);
    });

    it.each(roles)('$role: an object <prefix>/<sha256>.bundle holds exactly the rendered bundle, named in the tags', ({ role, id, prefix }) => {
      const object = bundleOf(mail, id);
      const expected = expectedBundle(input, role);
      const content = templateValue(object.content);
      expect(content).toBe(expected.content);
      expect(sha256(content)).toBe(expected.sha256);
      expect(object.key).toBe(`${prefix}/${expected.sha256}.bundle`);
      expect(object.bucket).toBe(`\${aws_s3_bucket.${bucketName(mail)}.bucket}`);
      expect(object.content_type).toBe('text/plain; charset=utf-8');
      // The new object exists before the tag names it; the old one goes after.
      expect(object.lifecycle).toEqual({ create_before_destroy: true });
      const objectName = nameOf(mail, 'aws_s3_object', `/${id}/Bundle`);
      const tags = tagsOf(mail, id);
      // By reference, so Terraform updates the tag only once the object is there.
      expect(tags['mirovoy:bundle']).toBe(`\${aws_s3_object.${objectName}.key} ${expected.sha256}`);
      expect(tags['mirovoy:bundle-bucket']).toBe(`\${aws_s3_bucket.${bucketName(mail)}.bucket}`);
      expect(mail.output![`${role}_bundle_key`].value).toBe(`\${aws_s3_object.${objectName}.key}`);
    });

    it.each(roles)('$role: may read its own prefix of the bucket and nothing else there', ({ id, prefix }) => {
      const bucketArn = `\${aws_s3_bucket.${bucketName(mail)}.arn}`;
      // The dump bucket's statements are checked with the dumps, the migration dump's in data-imports.test.ts.
      const s3 = statementsOf(mail, id).filter(
        (st) => JSON.stringify(st).includes('s3') && !/DumpBucket|old-mail/.test(JSON.stringify(st)) && !st.Action.includes('kms:GenerateDataKey'),
      );
      expect(s3.filter((st) => st.Action !== 'kms:Decrypt')).toEqual([{ Effect: 'Allow', Action: 's3:GetObject', Resource: `${bucketArn}/${prefix}/*` }]);
    });
  });

  it("mx2's role cannot read mx1's bundles, nor mx1's role mx2's", () => {
    const resources = (id: string) => statementsOf(exampleMail, id).flatMap((st) => [st.Resource].flat()).filter((r) => !r.includes('DumpBucket'));
    expect(resources('Backup').filter((r) => r.includes('aws_s3_bucket'))).toEqual([expect.stringMatching(/\/mx2\/\*$/)]);
    expect(resources('Primary').filter((r) => r.includes('aws_s3_bucket'))).toEqual([expect.stringMatching(/\/mx1\/\*$/)]);
  });

  it('one private bucket per mail stack: unique name from a prefix, versioned, TLS only, ACLs off, old versions expired', () => {
    // Besides the dump bucket (tested with the dumps).
    expect(Object.keys(exampleMail.resource!.aws_s3_bucket).filter((name) => !name.startsWith('DumpBucket'))).toHaveLength(1);
    const name = bucketName(exampleMail);
    const one = (type: string) => resourceNamed(exampleMail, type, '/ArtifactsBucket/');
    expect(one('aws_s3_bucket')).toEqual({ '//': expect.anything(), bucket_prefix: 'mail-example-artifacts-' });
    expect(exampleMail.output!.artifacts_bucket_name.value).toBe(`\${aws_s3_bucket.${name}.bucket}`);
    expect(one('aws_s3_bucket_versioning').versioning_configuration).toEqual({ status: 'Enabled' });
    expect(one('aws_s3_bucket_public_access_block')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(one('aws_s3_bucket_ownership_controls').rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    expect(JSON.parse(one('aws_s3_bucket_policy').policy).Statement).toEqual([
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [`\${aws_s3_bucket.${name}.arn}`, `\${aws_s3_bucket.${name}.arn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
    expect(one('aws_s3_bucket_lifecycle_configuration').rule).toEqual([
      {
        id: 'expire-old-versions',
        status: 'Enabled',
        filter: [{ prefix: '' }],
        noncurrent_version_expiration: [{ noncurrent_days: 90 }],
        expiration: [{ expired_object_delete_marker: true }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
      },
    ]);
    // SSE-S3 without a customer key, and no KMS permission to go with it.
    expect(one('aws_s3_bucket_server_side_encryption_configuration').rule).toEqual([{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' }, bucket_key_enabled: false }]);
    for (const { id } of ROLES) {
      expect(bundleOf(exampleMail, id).kms_key_id).toBeUndefined();
      expect(statementsOf(exampleMail, id).filter((st) => st.Action === 'kms:Decrypt')).toEqual([]);
    }
  });

  it("all-options: the customer KMS key encrypts the bucket and the bundles, and each host may decrypt through S3 only", () => {
    const one = (type: string) => resourceNamed(allOptionsMail, type, '/ArtifactsBucket/');
    expect(one('aws_s3_bucket_server_side_encryption_configuration').rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: allOptions.kmsKeyArn }, bucket_key_enabled: true },
    ]);
    for (const { id } of ROLES) {
      expect(bundleOf(allOptionsMail, id).kms_key_id).toBe(allOptions.kmsKeyArn);
      expect(statementsOf(allOptionsMail, id)).toContainEqual({
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: allOptions.kmsKeyArn,
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
      });
    }
  });

  it('a configuration change is a new bundle object and tag, not new user data', () => {
    const changed = mailStackOf(synthConfig(exampleWith({ mail: { greylisting: { delaySeconds: 600 } } })));
    for (const { id } of ROLES) {
      const [before, after] = [exampleMail, changed].map((stack) => ({
        object: bundleOf(stack, id),
        tag: tagsOf(stack, id)['mirovoy:bundle'],
        userData: resourceNamed(stack, 'aws_instance', `/${id}/Instance`).user_data_base64,
      }));
      expect(after.userData).toBe(before.userData);
      expect(after.object.key).not.toBe(before.object.key);
      expect(after.tag).not.toBe(before.tag);
      // What the plan shows as the object's content diff is the configuration diff: Postgrey's delay.
      const files = (object: Record<string, any>) => new Map(unpackBundle(templateValue(object.content)).map((f) => [f.path, f.content]));
      const [old, now] = [files(before.object), files(after.object)];
      const differing = [...now.keys()].filter((path) => now.get(path) !== old.get(path));
      expect([...old.keys()]).toEqual([...now.keys()]);
      expect(differing).toEqual(['/etc/default/postgrey']);
      expect(now.get('/etc/default/postgrey')).toContain('--delay=600');
    }
  });

  it('escapes what Terraform would read as a template, so S3 gets the bytes the sha256 names', () => {
    const text = 'a ${b} %{ if c } $${d} %%{e} $ % {}';
    expect(templateLiteral(text)).toBe('a $${b} %%{ if c } $$${d} %%%{e} $ % {}');
    expect(templateValue(templateLiteral(text))).toBe(text);
    // The bundles do hold shell and template syntax.
    expect(templateValue(bundleOf(exampleMail, 'Primary').content)).toContain('${');
  });
});
