import { mailHostSpecFromConfig } from '../../adapters/mail-host-spec';
import { validateConfig } from '../../configs/validate';
import { MailHostSpecError, resolveMailHostSpec } from '../../host/spec';
import { allOptions, example, exampleWith, problemsOf } from '../support/configs';

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

  it('backs up, keeps a final database snapshot, has swap and alarms (nobody told) unless asked otherwise', () => {
    const config = validateConfig(example, 'example');
    expect(config.backups).toEqual({
      enabled: true,
      volumes: { dailyRetentionDays: 7, weeklyRetentionWeeks: 5 },
      databaseDumps: { schedule: '*-*-* 02:30:00 UTC', randomizedDelay: '30min', archiveAfterDays: 30, expireAfterDays: 365 },
    });
    expect(config.database.finalSnapshot).toBe(true);
    expect(config.mail.storage.swapGiB).toBe(2);
    expect(config.alerts).toEqual({ email: [], deferredQueueThreshold: 50 });
  });

  // Two signature databases take ~2.4 GiB: a 2 GiB host reloads them one after the other.
  it.each([
    ['t3.small', 2, false],
    ['t3.medium', 4, true],
    ['t4g.large', 8, true],
  ])('reloads ClamAV signatures concurrently by default on a primary %s (%i GiB): %s', (instanceType, _, concurrent) => {
    const config = validateConfig(exampleWith({ mail: { primary: { instanceType } } }), 'x');
    expect(resolveMailHostSpec(mailHostSpecFromConfig(config, 'primary')).clamavConcurrentDatabaseReload).toBe(concurrent);
    const forced = validateConfig(exampleWith({ mail: { primary: { instanceType }, clamavConcurrentDatabaseReload: !concurrent } }), 'x');
    expect(resolveMailHostSpec(mailHostSpecFromConfig(forced, 'primary')).clamavConcurrentDatabaseReload).toBe(!concurrent);
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
  [
    'MTA-STS without a web certificate (the load balancer serves the policy)',
    exampleWith({ webmail: { enabled: false }, certificates: { web: undefined } }),
    'certificates.web: is required when dns.mtaStsMode is "testing" (the load balancer serves the policy file; "none" publishes no MTA-STS): use { source: "acm-dns" }',
    '',
  ],
  ['webmail without egress', exampleWith({ network: { egress: 'none' } }), 'network.egress: must be "nat-instance" or "nat-gateway" when webmail is enabled', '"none"'],
  ['two hosts with one name', exampleWith({ webmail: { hostname: 'mx1.example.com' } }), 'webmail.hostname: is already used by mail.primary.hostname', '"mx1.example.com"'],
  ['MySQL 8.0 (end of standard support)', exampleWith({ database: { engineVersion: '8.0' } }), 'database.engineVersion: must be one of "8.4"', '"8.0"'],
  ['backups kept too long', exampleWith({ database: { backupRetentionDays: 90 } }), 'database.backupRetentionDays: must be at most 35', '90'],
  ['storage ceiling below size', exampleWith({ database: { allocatedStorageGiB: 200, maxAllocatedStorageGiB: 100 } }), 'database.maxAllocatedStorageGiB: must be at least database.allocatedStorageGiB (200)', '100'],
  ['virtual mail UID of a system user', exampleWith({ mail: { virtualMailUid: 8 } }), 'mail.virtualMailUid: must be at least 1000', '8'],
  ['KMS key that is not an ARN', exampleWith({ kmsKeyArn: 'alias/mail' }), 'kmsKeyArn: must be a KMS key ARN', '"alias/mail"'],
  ['SSH key pasted wrongly', exampleWith({ admin: { username: 'ops', sshPublicKeys: ['AAAAC3Nza ops@laptop'] } }), 'admin.sshPublicKeys[0]: must be one OpenSSH public key line', '"AAAAC3Nza ops@laptop"'],
  ['shell we do not install', exampleWith({ admin: { username: 'ops', shell: '/bin/tcsh', sshPublicKeys: ['ssh-ed25519 AAAAC3Nza ops'] } }), 'admin.shell: must be one of "/bin/bash"', '"/bin/tcsh"'],
  ['administrator named like a daemon', exampleWith({ admin: { username: 'postfix', sshPublicKeys: ['ssh-ed25519 AAAAC3Nza ops'] } }), 'admin.username: is a system account of the hosts (postfix); choose a personal name', '"postfix"'],
  ['administrator named like the image user', exampleWith({ admin: { username: 'admin', sshPublicKeys: ['ssh-ed25519 AAAAC3Nza ops'] } }), 'admin.username: is a system account of the hosts (admin)', '"admin"'],
  ['both MX rebooting at once', exampleWith({ mail: { automaticReboot: { primaryTime: '23:50', backupMxTime: '00:10' } } }), 'mail.automaticReboot.backupMxTime: must be at least 30 minutes from mail.automaticReboot.primaryTime (23:50)', '"00:10"'],
  ['reboot time that is no time of day', exampleWith({ mail: { automaticReboot: { primaryTime: '4am' } } }), 'mail.automaticReboot.primaryTime: must be a time of day HH:MM', '"4am"'],
  // Issue 14, item 4: sample mailboxes with known names only on trial systems.
  [
    'sample data with production certificates',
    exampleWith({ testData: true, certificates: { acme: { server: 'production' } } }),
    'testData: must be false when certificates.acme.server is "production": sample mailboxes do not belong on a production mail system. Set testData: false, or use server: "staging"',
    'true',
  ],
  // Issue 14, item 3.
  ['dump URI that is a bucket, not an object', exampleWith({ migration: { databaseDumpS3Uri: 's3://old-mail/' } }), 'migration.databaseDumpS3Uri: must be an S3 object URI such as s3://my-bucket/mail/maildb.sql', '"s3://old-mail/"'],
  ['dump URI with a ".." segment', exampleWith({ migration: { databaseDumpS3Uri: 's3://old-mail/mail/../maildb.sql' } }), 'migration.databaseDumpS3Uri: must not have ".." in it, nor a "." segment in its key', '"s3://old-mail/mail/../maildb.sql"'],
  [
    'dump and database snapshot at once',
    exampleWith({ migration: { databaseDumpS3Uri: 's3://old-mail/maildb.sql' }, database: { restoreFromSnapshot: 'old-mail-final' } }),
    'migration.databaseDumpS3Uri: must be left out when database.restoreFromSnapshot is set',
    '"s3://old-mail/maildb.sql"',
  ],
  [
    'dump key without a dump',
    exampleWith({ migration: { databaseDumpKmsKeyArn: 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' } }),
    'migration.databaseDumpKmsKeyArn: needs migration.databaseDumpS3Uri',
    '"arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"',
  ],
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
  // Issue 12, item 10: a smarthost fails "v=spf1 mx -all"; the config must name its SPF domain or say it needs none.
  [
    'relay host without its SPF domain',
    exampleWith({ mail: { relayHost: '[smtp.example.net]:587' } }),
    'dns.spfInclude: is required with mail.relayHost ("[smtp.example.net]:587"): receivers check SPF against the relay\'s addresses, which "v=spf1 mx -all" fails. List the SPF domain your relay documents',
    '',
  ],
  ['SPF include that is no domain name', exampleWith({ dns: { spfInclude: ['include:spf.example.net'] } }), 'dns.spfInclude[0]: must be a lower-case domain name such as spf.relay.example.net', '"include:spf.example.net"'],
  ['SPF include listed twice', exampleWith({ dns: { spfInclude: ['spf.example.net', 'spf.example.net'] } }), 'dns.spfInclude[1]: is listed twice', '"spf.example.net"'],
  ['SPF includes past the lookup limit', exampleWith({ dns: { spfInclude: Array.from({ length: 10 }, (_, i) => `spf${i}.example.net`) } }), 'dns.spfInclude: allows at most 9 domains: SPF allows 10 DNS lookups (RFC 7208 §4.6.4) and mx takes one', ''],
  ['relay host and SES at once', exampleWith({ mail: { outbound: 'ses', relayHost: '[smtp.example.net]:587' } }), 'mail.relayHost: must be left out when mail.outbound is "ses"', '"[smtp.example.net]:587"'],
  ['snapshot id that is not one', exampleWith({ mail: { primary: { restoreFromSnapshots: { spool: 'spool-backup' } } } }), 'mail.primary.restoreFromSnapshots.spool: must be an EBS snapshot id', '"spool-backup"'],
  ['DMARC policy misspelt', exampleWith({ dns: { dmarcPolicy: 'block' } }), 'dns.dmarcPolicy: must be one of "none", "quarantine", "reject"', '"block"'],
  ['web certificate of an unknown kind', exampleWith({ certificates: { web: { source: 'self-signed' } } }), 'certificates.web.source: must be one of "acm-dns", "existing-arn"', '"self-signed"'],
  ['unknown SMTP reject code', exampleWith({ mail: { unknownLocalRecipientRejectCode: 554 } }), 'mail.unknownLocalRecipientRejectCode: must be one of 450, 550', '554'],
  // The mail host spec's rules, reported at the config field the spec field came from.
  ['database name longer than 32', exampleWith({ database: { mailDatabaseName: 'm'.repeat(40) } }), 'database.mailDatabaseName: use a letter, then up to 31 letters, digits or _', `"${'m'.repeat(40)}"`],
  ['database name starting with a digit', exampleWith({ database: { mailDatabaseName: '1mail' } }), 'database.mailDatabaseName: use a letter', '"1mail"'],
  ['virtual mail UID in the Debian-allocated range', exampleWith({ mail: { virtualMailUid: 60000 } }), 'mail.virtualMailUid: must be at least 1000 and at most 59999', '60000'],
  ['relay host with a login but no brackets', exampleWith({ mail: { relayHost: 'smtp.example.net:587', relayCredentialsSecretArn: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:smarthost-AbCdEf' } }), 'mail.relayHost: an authenticated relay needs a bracketed host name and port', '"smtp.example.net:587"'],
  ['relay host with a login, by address', exampleWith({ mail: { relayHost: '[192.0.2.1]:587', relayCredentialsSecretArn: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:smarthost-AbCdEf' } }), 'mail.relayHost: an authenticated relay needs a bracketed host name', '"[192.0.2.1]:587"'],
  ['relay host with an open bracket', exampleWith({ mail: { relayHost: '[smtp.example.net:587' } }), 'mail.relayHost: use host, [host] or either with :port', '"[smtp.example.net:587"'],
  ['relay host with no such port', exampleWith({ mail: { relayHost: '[smtp.example.net]:99999' } }), 'mail.relayHost: use host, [host] or either with :port (1-65535)', '"[smtp.example.net]:99999"'],
  ['DKIM selector ending in a hyphen', exampleWith({ mail: { dkimSelector: 'mail-' } }), 'mail.dkimSelector: use a DNS label such as mail', '"mail-"'],
  ['second DKIM selector that is no DNS label', exampleWith({ mail: { dkimSecondSelector: 'Mail 2' } }), 'mail.dkimSecondSelector: must be a DNS label', '"Mail 2"'],
  ['second DKIM selector equal to the first', exampleWith({ mail: { dkimSecondSelector: 'mail' } }), 'mail.dkimSecondSelector: must differ from mail.dkimSelector', '"mail"'],
  ['signing with a key that is not published', exampleWith({ mail: { dkimSigningSelector: 'mail2' } }), 'mail.dkimSigningSelector: must be mail.dkimSelector ("mail"); a key must be published before it signs', '"mail2"'],
  ['greylisting for hours', exampleWith({ mail: { greylisting: { delaySeconds: 7200 } } }), 'mail.greylisting.delaySeconds: use a whole number of seconds from 0 to 3600', '7200'],
  ['fail2ban ban time in words', exampleWith({ mail: { fail2ban: { banTime: '1 hour' } } }), "mail.fail2ban.banTime: use a number and a unit s|m|h|d|w, e.g. '1h'", '"1 hour"'],
  ['daily backups kept no day', exampleWith({ backups: { volumes: { dailyRetentionDays: 0 } } }), 'backups.volumes.dailyRetentionDays: must be at least 1', '0'],
  ['weekly backups kept for decades', exampleWith({ backups: { volumes: { weeklyRetentionWeeks: 1000 } } }), 'backups.volumes.weeklyRetentionWeeks: must be at most 520', '1000'],
  ['backup retention in fractions', exampleWith({ backups: { volumes: { dailyRetentionDays: 1.5 } } }), 'backups.volumes.dailyRetentionDays: must be of type int', '1.5'],
  ['backup copy to no region', exampleWith({ backups: { copyToRegion: 'frankfurt' } }), 'backups.copyToRegion: must be an AWS region such as eu-central-1', '"frankfurt"'],
  ['backup copy to the same region', exampleWith({ backups: { copyToRegion: 'eu-central-1' } }), 'backups.copyToRegion: must differ from region ("eu-central-1")', '"eu-central-1"'],
  ['backups switched on by a string', exampleWith({ backups: { enabled: 'yes' } }), 'backups.enabled: must be of type boolean', '"yes"'],
  ['misspelt backup field', exampleWith({ backups: { copyToRegions: 'eu-west-1' } }), 'backups.copyToRegions: is not a known field; allowed here: enabled, volumes, copyToRegion, databaseDumps', ''],
  ['final snapshot as a string', exampleWith({ database: { finalSnapshot: 'true' } }), 'database.finalSnapshot: must be of type boolean', '"true"'],
  ['alert address that is not one', exampleWith({ alerts: { email: ['ops'] } }), 'alerts.email[0]: must be an e-mail address', '"ops"'],
  ['alert address as a string, not a list', exampleWith({ alerts: { email: 'ops@example.com' } }), 'alerts.email: must be of type array', '"ops@example.com"'],
  ['alert address listed twice', exampleWith({ alerts: { email: ['ops@example.com', 'ops@example.com'] } }), 'alerts.email[1]: is listed twice', '"ops@example.com"'],
  ['deferred-queue threshold of 0', exampleWith({ alerts: { deferredQueueThreshold: 0 } }), 'alerts.deferredQueueThreshold: must be at least 1', '0'],
  ['swap larger than the schema allows', exampleWith({ mail: { storage: { swapGiB: 128 } } }), 'mail.storage.swapGiB: must be at most 64', '128'],
  ['negative swap', exampleWith({ mail: { storage: { swapGiB: -1 } } }), 'mail.storage.swapGiB: must be at least 0', '-1'],
  ['fail2ban banning on no failure', exampleWith({ mail: { fail2ban: { maxRetry: 0 } } }), 'mail.fail2ban.maxRetry: use a positive integer', '0'],
  ['negative SMTP connection rate limit', exampleWith({ mail: { smtpClientLimits: { connectionRate: -1 } } }), 'mail.smtpClientLimits.connectionRate: use a whole number of at least 0 (0 turns the limit off)', '-1'],
  ['default quota of 0 MiB', exampleWith({ mail: { defaultQuotaMiB: 0 } }), 'mail.defaultQuotaMiB: use a whole number of MiB from 1 to 999999999', '0'],
  ['default quota larger than the spool volume', exampleWith({ mail: { defaultQuotaMiB: 20480, storage: { spoolGiB: 10 } } }), 'mail.defaultQuotaMiB: must be at most the spool volume (mail.storage.spoolGiB = 10, i.e. 10240 MiB)', '20480'],
];

describe('the web certificate (issue 13)', () => {
  it('is not needed when nothing is served: no web host and dns.mtaStsMode "none"', () => {
    expect(problemsOf(exampleWith({ webmail: { enabled: false }, dns: { mtaStsMode: 'none' }, certificates: { web: undefined } }))).toEqual([]);
  });
});

describe('SPF of a smarthost (issue 12, item 10)', () => {
  it.each([
    ['its SPF domain', ['spf.relay.example.net']],
    ['an SPF domain with an underscore label', ['_spf.google.com']],
    ['none, explicitly: the relay sends with its own envelope domain', []],
  ])('a relay host with %s is valid', (_, spfInclude) => {
    expect(problemsOf(exampleWith({ mail: { relayHost: '[smtp.example.net]:587' }, dns: { spfInclude } }))).toEqual([]);
  });
});

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

  it('reports a mistake in a field both mail hosts use once', () => {
    const problems = problemsOf(exampleWith({ database: { mailDatabaseName: 'mail-db' } }));
    expect(problems).toEqual(['database.mailDatabaseName: use a letter, then up to 31 letters, digits or _ (1-32 in all) (got "mail-db")']);
  });

  it('reports a backup MX named like the primary once, in config terms', () => {
    const problems = problemsOf(exampleWith({ mail: { backupMx: { hostname: 'mx1.example.com' } } }));
    expect(problems).toEqual(['mail.backupMx.hostname: is already used by mail.primary.hostname; every host needs its own name (got "mx1.example.com")']);
  });

  it('is not a config at all', () => {
    expect(problemsOf(undefined)).toEqual(['(config): is required (object)']);
  });
});

// Configs on which the config schema and the mail host spec used to disagree: now the config is
// valid exactly when both hosts' specs resolve (the synth renders them).
const EDGE_CONFIGS: [string, 'valid' | 'invalid', unknown][] = [
  ['highest local UID', 'valid', exampleWith({ mail: { virtualMailUid: 59999 } })],
  ['first Debian-allocated UID (the spec took it, the schema did not)', 'invalid', exampleWith({ mail: { virtualMailUid: 60000 } })],
  ['relay host in capitals (the schema refused it)', 'valid', exampleWith({ mail: { relayHost: '[SMTP.Example.net]:587' }, dns: { spfInclude: ['spf.example.net'] } })],
  ['relay host without brackets, no login', 'valid', exampleWith({ mail: { relayHost: 'smtp.example.net:25' }, dns: { spfInclude: [] } })],
  [
    'relay host with a login, without brackets (the schema took it, the synth failed)',
    'invalid',
    exampleWith({ mail: { relayHost: 'smtp.example.net:587', relayCredentialsSecretArn: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:smarthost-AbCdEf' }, dns: { spfInclude: [] } }),
  ],
  ['database name of 32 characters', 'valid', exampleWith({ database: { mailDatabaseName: 'm'.repeat(32) } })],
  ['database name of 40 characters (the schema took up to 64)', 'invalid', exampleWith({ database: { mailDatabaseName: 'm'.repeat(40) } })],
  ['DKIM selector ending in a hyphen (the schema took it)', 'invalid', exampleWith({ mail: { dkimSelector: 'mail-' } })],
  ['greylisting without a delay (the schema refused it)', 'valid', exampleWith({ mail: { greylisting: { delaySeconds: 0 } } })],
  ['fail2ban allowing many failures (the schema capped it at 100)', 'valid', exampleWith({ mail: { fail2ban: { maxRetry: 1000 } } })],
];

describe('one validator for the config and the mail hosts', () => {
  const specsResolve = (input: unknown): boolean => {
    // The schema and cross-field rules alone, then the hosts as the synth builds them.
    const config = validateConfig(input, 'test');
    try {
      (['primary', 'backup'] as const).forEach((role) => resolveMailHostSpec(mailHostSpecFromConfig(config, role)));
      return true;
    } catch (error) {
      if (error instanceof MailHostSpecError) return false;
      throw error;
    }
  };

  it.each(EDGE_CONFIGS)('%s → %s for the config and the hosts alike', (_, expected, input) => {
    const valid = expected === 'valid';
    expect({ config: problemsOf(input).length === 0, hosts: specsResolve(input) }).toEqual({ config: valid, hosts: valid });
  });
});

describe('moving in (issue 14, items 3 and 4)', () => {
  it('takes test data with staging certificates, and a dump with its key', () => {
    expect(problemsOf(exampleWith({ testData: true }))).toEqual([]);
    expect(problemsOf(exampleWith({ migration: { databaseDumpS3Uri: 's3://old-mail/mail/maildb.sql', databaseDumpKmsKeyArn: 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' } }))).toEqual([]);
  });

  it('gives the primary the dump as bucket and key, and the backup MX nothing to import', () => {
    const config = validateConfig(exampleWith({ migration: { databaseDumpS3Uri: 's3://old-mail/mail/maildb.sql' }, testData: true }), 'test');
    expect(mailHostSpecFromConfig(config, 'primary').dataImports).toEqual({ referenceDump: { bucket: 'old-mail', key: 'mail/maildb.sql' }, testData: true });
    expect(mailHostSpecFromConfig(config, 'backup').dataImports).toBeUndefined();
  });
});
