import { ConfigError, formatProblem } from '../../configs/problems';
import { validateConfig } from '../../configs/validate';
import { allOptions, example, exampleWith } from '../support/configs';

const problemsOf = (input: unknown): string[] => {
  try {
    validateConfig(input, 'test');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(formatProblem);
    throw error;
  }
  return [];
};

describe('shipped configs', () => {
  it.each([['example', example], ['all-options', allOptions]])('%s is valid', (_, config) => {
    expect(problemsOf(config)).toEqual([]);
  });

  it('fills secure defaults', () => {
    const config = validateConfig(example, 'example');
    expect(config.network.egress).toBe('nat-instance');
    expect(config.network.bastion.desiredCapacity).toBe(0);
    expect(config.network.bastion.sshIngressCidrs).toEqual([]);
    expect(config.mail.virtualMailUid).toBe(5000);
    expect(config.certificates.acme.server).toBe('staging');
    expect(config.database.engineVersion).toBe('8.4');
    expect(validateConfig({ ...example, database: undefined }, 'x').database.deletionProtection).toBe(true);
  });
});

// Each row: a mistake a person could make, and the field path + words the message must contain.
const BAD_CONFIGS: [string, unknown, string, string][] = [
  ['environment with capitals', exampleWith({ environment: 'Prod' }), 'environment: must be 2–20 lower-case', '"Prod"'],
  ['unknown region', exampleWith({ region: 'europe' }), 'region: must be an AWS region', '"europe"'],
  ['hostname not a FQDN', exampleWith({ mail: { primary: { hostname: 'mx1' } } }), 'mail.primary.hostname: must be a lower-case fully qualified domain name', '"mx1"'],
  ['hostname outside the hosted zone', exampleWith({ mail: { primary: { hostname: 'mx1.example.org' } } }), 'mail.primary.hostname: must be inside the hosted zone example.com', '"mx1.example.org"'],
  ['misspelt field', exampleWith({ network: { egres: 'none' } }), 'network.egres: is not a known field; allowed here: cidr, availabilityZones', ''],
  ['unknown egress mode', exampleWith({ network: { egress: 'nat' } }), 'network.egress: must be one of "nat-instance", "nat-gateway", "none"', '"nat"'],
  ['one availability zone', exampleWith({ network: { availabilityZones: ['a'] } }), 'network.availabilityZones: needs at least 2 zones', '["a"]'],
  ['four availability zones', exampleWith({ network: { availabilityZones: ['a', 'b', 'c', 'd'] } }), 'network.availabilityZones: allows at most 3 zones', ''],
  ['repeated zone', exampleWith({ network: { availabilityZones: ['a', 'a'] } }), 'network.availabilityZones[1]: is listed twice', '"a"'],
  ['VPC block not a CIDR', exampleWith({ network: { cidr: '10.0.0.0' } }), 'network.cidr: must be an IPv4 CIDR block', '"10.0.0.0"'],
  ['VPC block too large', exampleWith({ network: { cidr: '10.0.0.0/8' } }), 'network.cidr: must be a /16 to /23 block', '"10.0.0.0/8"'],
  [
    'subnet outside the VPC',
    exampleWith({ network: { subnets: { public: ['10.0.1.0/24', '10.1.2.0/24'], application: ['10.0.16.0/20', '10.0.32.0/20'], data: ['10.0.3.0/24', '10.0.4.0/24'] } } }),
    'network.subnets.public[1]: must lie inside the VPC block 10.0.0.0/16',
    '"10.1.2.0/24"',
  ],
  [
    'overlapping subnets',
    exampleWith({ network: { subnets: { public: ['10.0.1.0/24', '10.0.2.0/24'], application: ['10.0.0.0/20', '10.0.32.0/20'], data: ['10.0.100.0/24', '10.0.101.0/24'] } } }),
    'network.subnets.application[0]: overlaps network.subnets.public[0] (10.0.1.0/24)',
    '"10.0.0.0/20"',
  ],
  [
    'too few subnets for the zones',
    exampleWith({ network: { subnets: { public: ['10.0.1.0/24'], application: ['10.0.16.0/20', '10.0.32.0/20'], data: ['10.0.100.0/24', '10.0.101.0/24'] } } }),
    'network.subnets.public: needs exactly one block per availability zone (2)',
    '',
  ],
  ['backup MX in the primary zone', exampleWith({ mail: { backupMx: { availabilityZone: 'a' } } }), 'mail.backupMx.availabilityZone: must differ from the primary MX\'s zone "a"', '"a"'],
  ['backup MX in a zone not in use', exampleWith({ mail: { backupMx: { availabilityZone: 'c' } } }), 'mail.backupMx.availabilityZone: must be one of network.availabilityZones (a, b)', '"c"'],
  ['backup MX without a name', exampleWith({ mail: { backupMx: { hostname: undefined } } }), 'mail.backupMx.hostname: is required when mail.backupMx is enabled', ''],
  ['webmail without a web certificate', exampleWith({ certificates: { web: undefined } }), 'certificates.web: is required when webmail is enabled', ''],
  ['webmail without egress', exampleWith({ network: { egress: 'none' } }), 'network.egress: must be "nat-instance" or "nat-gateway" when webmail is enabled', '"none"'],
  ['two hosts with one name', exampleWith({ webmail: { hostname: 'mx1.example.com' } }), 'webmail.hostname: is already used by mail.primary.hostname', '"mx1.example.com"'],
  ['MySQL 8.0 (end of standard support)', exampleWith({ database: { engineVersion: '8.0' } }), 'database.engineVersion: must be one of "8.4"', '"8.0"'],
  ['backups kept too long', exampleWith({ database: { backupRetentionDays: 90 } }), 'database.backupRetentionDays: must be at most 35', '90'],
  ['storage ceiling below size', exampleWith({ database: { allocatedStorageGiB: 200, maxAllocatedStorageGiB: 100 } }), 'database.maxAllocatedStorageGiB: must be at least database.allocatedStorageGiB (200)', '100'],
  ['virtual mail UID of a system user', exampleWith({ mail: { virtualMailUid: 8 } }), 'mail.virtualMailUid: must be at least 1000', '8'],
  ['KMS key that is not an ARN', exampleWith({ kmsKeyArn: 'alias/mail' }), 'kmsKeyArn: must be a KMS key ARN', '"alias/mail"'],
  ['SSH key pasted wrongly', exampleWith({ admin: { username: 'ops', sshPublicKeys: ['AAAAC3Nza ops@laptop'] } }), 'admin.sshPublicKeys[0]: must be one OpenSSH public key line', '"AAAAC3Nza ops@laptop"'],
  ['shell we do not install', exampleWith({ admin: { username: 'ops', shell: '/bin/tcsh', sshPublicKeys: ['ssh-ed25519 AAAAC3Nza ops'] } }), 'admin.shell: must be one of "/bin/bash"', '"/bin/tcsh"'],
  ['state bucket with capitals', exampleWith({ state: { bucket: 'My_State' } }), 'state.bucket: must be an S3 bucket name', '"My_State"'],
  ['ACME e-mail that is not an address', exampleWith({ certificates: { acme: { accountEmail: 'postmaster' } } }), 'certificates.acme.accountEmail: must be an e-mail address', '"postmaster"'],
  ['ACME key type we do not offer', exampleWith({ certificates: { acme: { keyType: 'ed25519' } } }), 'certificates.acme.keyType: must be one of "2048", "4096", "P256", "P384"', '"ed25519"'],
  ['mail domain in no managed zone', exampleWith({ dns: { additionalZones: [] } }), 'mailDomains[1]: is in no Route53 zone of this config: add { name: "example.net" }', '"example.net"'],
  ['a zone listed twice', exampleWith({ dns: { additionalZones: [{ name: 'example.net' }, { name: 'example.com' }] } }), 'dns.additionalZones[1].name: is listed twice', '"example.com"'],
  ['client name outside the hosted zone', exampleWith({ mail: { clientHostnames: ['imap.example.net'] } }), 'mail.clientHostnames[0]: must be inside the hosted zone example.com', '"imap.example.net"'],
  ['client name that is a host name', exampleWith({ mail: { clientHostnames: ['mx2.example.com'] } }), 'mail.clientHostnames[0]: is already used by mail.backupMx.hostname', '"mx2.example.com"'],
  ['tag key the metadata service cannot serve', exampleWith({ tags: { 'cost centre/mail': 'x' } }), 'tags.cost centre/mail: must be a tag key of letters, digits and + - = . , _ : @', '"cost centre/mail"'],
  ['relay credentials without a relay host', exampleWith({ mail: { relayCredentialsSecretArn: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:smarthost-AbCdEf' } }), 'mail.relayCredentialsSecretArn: needs mail.relayHost', ''],
  ['relay credentials that are not a secret ARN', exampleWith({ mail: { relayHost: '[smtp.example.net]:587', relayCredentialsSecretArn: 'smarthost' } }), 'mail.relayCredentialsSecretArn: must be a Secrets Manager secret ARN', '"smarthost"'],
  ['relay host and SES at once', exampleWith({ mail: { outbound: 'ses', relayHost: '[smtp.example.net]:587' } }), 'mail.relayHost: must be left out when mail.outbound is "ses"', '"[smtp.example.net]:587"'],
  ['snapshot id that is not one', exampleWith({ mail: { primary: { restoreFromSnapshots: { spool: 'spool-backup' } } } }), 'mail.primary.restoreFromSnapshots.spool: must be an EBS snapshot id', '"spool-backup"'],
  ['DMARC policy misspelt', exampleWith({ dns: { dmarcPolicy: 'block' } }), 'dns.dmarcPolicy: must be one of "none", "quarantine", "reject"', '"block"'],
  ['web certificate of an unknown kind', exampleWith({ certificates: { web: { source: 'self-signed' } } }), 'certificates.web.source: must be one of "acm-dns", "existing-arn"', '"self-signed"'],
  ['unknown SMTP reject code', exampleWith({ mail: { unknownLocalRecipientRejectCode: 554 } }), 'mail.unknownLocalRecipientRejectCode: must be one of 450, 550', '554'],
];

describe('bad configs', () => {
  it.each(BAD_CONFIGS)('%s → a message naming the field, the value and the fix', (_, input, expected, value) => {
    const problems = problemsOf(input);
    const match = problems.find((p) => p.includes(expected));
    expect({ problems, match: Boolean(match) }).toEqual({ problems, match: true });
    if (value) expect(match).toContain(`(got ${value})`);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(exampleWith({ environment: 'X', region: 'nowhere', network: { egress: 'nat' } }));
    expect(problems.map((p) => p.split(':')[0])).toEqual(['environment', 'region', 'network.egress']);
  });

  it('is not a config at all', () => {
    expect(problemsOf(undefined)).toEqual(['(config): is required (object)']);
  });
});
