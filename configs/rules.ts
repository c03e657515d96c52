/**
 * Cross-field rules: what no single field can check on its own. Each rule returns the problems
 * it finds; `crossFieldProblems` runs them all so a person sees every mistake at once.
 */
import { contains, formatCidr, overlaps, parseCidr } from './cidr';
import { ConfigProblem } from './problems';
import { MirovoyConfig } from './schema';
import { VPC_PREFIX_RANGE } from './subnets';
import { webHostnameOf } from './web-hosts';
import { managedZones, zoneOf } from './zones';

/** A rule over a structurally valid config: the problems it finds, none when the config obeys it. */
export type ConfigRule = (config: MirovoyConfig) => ConfigProblem[];

const isBelowZone = (hostname: string, zone: string) => hostname.endsWith(`.${zone}`);

/** The named hosts of a config with the path of their hostname field. */
const namedHosts = (c: MirovoyConfig) =>
  [
    { path: 'mail.primary.hostname', enabled: true, hostname: c.mail.primary.hostname },
    { path: 'mail.backupMx.hostname', enabled: c.mail.backupMx.enabled, hostname: c.mail.backupMx.hostname },
    { path: 'webmail.hostname', enabled: c.webmail.enabled, hostname: webHostnameOf(c, 'webmail') },
    { path: 'phpMyAdmin.hostname', enabled: c.phpMyAdmin.enabled, hostname: webHostnameOf(c, 'phpMyAdmin') },
    ...c.mail.clientHostnames.map((hostname, i) => ({ path: `mail.clientHostnames[${i}]`, enabled: true, hostname })),
  ] as const;

const enabledHostsNeedNames: ConfigRule = (c) =>
  namedHosts(c)
    .filter((h) => h.enabled && !h.hostname)
    .map((h) => ({ path: h.path, message: `is required when ${h.path.replace(/\.hostname$/, '')} is enabled; give a name inside ${c.hostedZone.name}` }));

const hostnamesInsideHostedZone: ConfigRule = (c) =>
  namedHosts(c)
    .filter((h) => h.enabled && h.hostname && !isBelowZone(h.hostname, c.hostedZone.name))
    .map((h) => ({ path: h.path, value: h.hostname, message: `must be inside the hosted zone ${c.hostedZone.name} (e.g. mx1.${c.hostedZone.name}) so its records and certificate can be managed` }));

const hostnamesDistinct: ConfigRule = (c) => {
  const seen = new Map<string, string>();
  return namedHosts(c).flatMap((h) => {
    if (!h.enabled || !h.hostname) return [];
    const first = seen.get(h.hostname);
    seen.set(h.hostname, first ?? h.path);
    return first ? [{ path: h.path, value: h.hostname, message: `is already used by ${first}; every host needs its own name` }] : [];
  });
};

const listDistinct = (path: string, values: readonly string[], what: string): ConfigProblem[] =>
  values.flatMap((v, i) => (values.indexOf(v) < i ? [{ path: `${path}[${i}]`, value: v, message: `is listed twice; each ${what} may appear once` }] : []));

const zonesAndDomainsDistinct: ConfigRule = (c) => [
  ...listDistinct('network.availabilityZones', c.network.availabilityZones, 'zone'),
  ...listDistinct('mailDomains', c.mailDomains, 'domain'),
];

const backupMxInAnotherZone: ConfigRule = (c) => {
  const backup = c.mail.backupMx;
  if (!backup.enabled || backup.availabilityZone === undefined) return [];
  const zones = c.network.availabilityZones;
  if (!zones.includes(backup.availabilityZone)) {
    return [{ path: 'mail.backupMx.availabilityZone', value: backup.availabilityZone, message: `must be one of network.availabilityZones (${zones.join(', ')})` }];
  }
  return backup.availabilityZone === zones[0]
    ? [{ path: 'mail.backupMx.availabilityZone', value: backup.availabilityZone, message: `must differ from the primary MX's zone "${zones[0]}" (the first of network.availabilityZones): a backup MX in the same zone fails with it` }]
    : [];
};

const vpcSizeFitsPlan: ConfigRule = (c) => {
  const { prefix } = parseCidr(c.network.cidr);
  return prefix < VPC_PREFIX_RANGE.min || (prefix > VPC_PREFIX_RANGE.max && !c.network.subnets)
    ? [{ path: 'network.cidr', value: c.network.cidr, message: `must be a /${VPC_PREFIX_RANGE.min} to /${VPC_PREFIX_RANGE.max} block (or list network.subnets yourself for a smaller VPC)` }]
    : [];
};

const explicitSubnetsFitAndDoNotOverlap: ConfigRule = (c) => {
  const subnets = c.network.subnets;
  if (!subnets) return [];
  const vpc = parseCidr(c.network.cidr);
  const zoneCount = c.network.availabilityZones.length;
  const problems: ConfigProblem[] = [];
  const placed: { path: string; cidr: string }[] = [];
  for (const tier of ['public', 'application', 'data'] as const) {
    if (subnets[tier].length !== zoneCount) {
      problems.push({ path: `network.subnets.${tier}`, value: subnets[tier], message: `needs exactly one block per availability zone (${zoneCount})` });
    }
    subnets[tier].forEach((cidr, i) => {
      const path = `network.subnets.${tier}[${i}]`;
      const block = parseCidr(cidr);
      if (!contains(vpc, block)) problems.push({ path, value: cidr, message: `must lie inside the VPC block ${c.network.cidr}` });
      if (block.prefix > 28) problems.push({ path, value: cidr, message: 'must be /28 or larger (AWS minimum subnet size)' });
      const clash = placed.find((p) => overlaps(parseCidr(p.cidr), block));
      if (clash) problems.push({ path, value: cidr, message: `overlaps ${clash.path} (${clash.cidr}); subnets must not share addresses` });
      placed.push({ path, cidr });
    });
  }
  return problems;
};

/** What needs the load balancer's certificate: the web hosts, and the MTA-STS policy it serves. */
const webCertificateUsers = (c: MirovoyConfig): string[] => [
  ...(['webmail', 'phpMyAdmin'] as const).filter((name) => c[name].enabled).map((name) => `${name} is enabled`),
  ...(c.dns.mtaStsMode === 'none' ? [] : [`dns.mtaStsMode is "${c.dns.mtaStsMode}" (the load balancer serves the policy file; "none" publishes no MTA-STS)`]),
];

const webTierNeedsCertificateAndEgress: ConfigRule = (c) => {
  const users = webCertificateUsers(c);
  const webHosts = (['webmail', 'phpMyAdmin'] as const).filter((name) => c[name].enabled);
  return [
    ...(users.length && !c.certificates.web
      ? [{ path: 'certificates.web', message: `is required when ${users.join(' and when ')}: use { source: "acm-dns" } (ACM, validated in Route53) or { source: "existing-arn", arn: "…" }` }]
      : []),
    ...(webHosts.length && c.network.egress === 'none'
      ? [{ path: 'network.egress', value: 'none', message: `must be "nat-instance" or "nat-gateway" when ${webHosts.join(' and ')} ${webHosts.length > 1 ? 'are' : 'is'} enabled: hosts in the application tier install packages at boot` }]
      : []),
  ];
};

/**
 * phpMyAdmin's source blocks as the load balancer takes them: each written as its block's first
 * address (else AWS stores another text and every plan shows a change), each once.
 */
const phpMyAdminSourcesAreBlocks: ConfigRule = (c) => [
  ...c.phpMyAdmin.allowedCidrs.flatMap((cidr, i) => {
    const block = formatCidr(parseCidr(cidr));
    return block === cidr ? [] : [{ path: `phpMyAdmin.allowedCidrs[${i}]`, value: cidr, message: `has host bits set; write the block as ${block}` }];
  }),
  ...listDistinct('phpMyAdmin.allowedCidrs', c.phpMyAdmin.allowedCidrs, 'block'),
];

const storageCeilingAboveSize: ConfigRule = (c) =>
  c.database.maxAllocatedStorageGiB < c.database.allocatedStorageGiB
    ? [{ path: 'database.maxAllocatedStorageGiB', value: c.database.maxAllocatedStorageGiB, message: `must be at least database.allocatedStorageGiB (${c.database.allocatedStorageGiB})` }]
    : [];

/** A default quota larger than the spool volume limits nothing: the volume fills first, for every mailbox at once. */
const quotaFitsSpool: ConfigRule = (c) =>
  c.mail.defaultQuotaMiB > c.mail.storage.spoolGiB * 1024
    ? [{ path: 'mail.defaultQuotaMiB', value: c.mail.defaultQuotaMiB, message: `must be at most the spool volume (mail.storage.spoolGiB = ${c.mail.storage.spoolGiB}, i.e. ${c.mail.storage.spoolGiB * 1024} MiB), which holds every mailbox and the mail queue; lower the quota or grow the volume` }]
    : [];

const mailDomainsInManagedZones: ConfigRule = (c) =>
  c.mailDomains.flatMap((domain, i) =>
    zoneOf(domain, managedZones(c))
      ? []
      : [{ path: `mailDomains[${i}]`, value: domain, message: `is in no Route53 zone of this config: add { name: "${domain}" } (or its parent zone) to dns.additionalZones` }],
  );

const additionalZonesDistinct: ConfigRule = (c) =>
  listDistinct(
    'dns.additionalZones',
    managedZones(c).map((z) => z.name),
    'zone (hostedZone included)',
  ).map((p) => ({ ...p, path: p.path.replace(/\[(\d+)\]$/, (_, i: string) => `[${Number(i) - 1}].name`) }));

const oneWayOut: ConfigRule = (c) => [
  ...(c.mail.outbound === 'ses' && c.mail.relayHost
    ? [{ path: 'mail.relayHost', value: c.mail.relayHost, message: 'must be left out when mail.outbound is "ses" (the SES SMTP endpoint is the relay)' }]
    : []),
  ...(c.mail.relayCredentialsSecretArn && !c.mail.relayHost
    ? [{ path: 'mail.relayCredentialsSecretArn', message: 'needs mail.relayHost (the smarthost to log in to); SES credentials are made by the mail stack' }]
    : []),
];

/**
 * A smarthost sends from its own addresses, which `v=spf1 mx -all` fails: the SPF record must
 * include the relay's SPF domain, or the config must say it needs none (`[]`). SES needs neither:
 * its envelope sender is the MAIL FROM domain `bounce.<domain>`, which has its own SPF record.
 */
const relayIsInSpf: ConfigRule = (c) => [
  ...(c.mail.relayHost && c.dns.spfInclude === undefined
    ? [
        {
          path: 'dns.spfInclude',
          message:
            `is required with mail.relayHost ("${c.mail.relayHost}"): receivers check SPF against the relay's addresses, which "v=spf1 mx -all" fails. ` +
            'List the SPF domain your relay documents for its customers (e.g. ["spf.relay.example.net"]), or [] if the relay sends with an envelope sender of its own domain',
        },
      ]
    : []),
  ...listDistinct('dns.spfInclude', c.dns.spfInclude ?? [], 'domain'),
];

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The two DKIM key slots: distinct labels, and the signing one is one of them. */
const dkimSelectorsConsistent: ConfigRule = (c) => {
  const { dkimSelector, dkimSecondSelector: second, dkimSigningSelector: signing } = c.mail;
  return [
    // The signing selector is checked with the host spec's rules; the other one here.
    ...(signing !== undefined && signing !== dkimSelector && !DNS_LABEL.test(dkimSelector)
      ? [{ path: 'mail.dkimSelector', value: dkimSelector, message: 'must be a DNS label such as mail' }]
      : []),
    ...(second !== undefined && !DNS_LABEL.test(second) ? [{ path: 'mail.dkimSecondSelector', value: second, message: 'must be a DNS label such as mail2' }] : []),
    ...(second !== undefined && second === dkimSelector ? [{ path: 'mail.dkimSecondSelector', value: second, message: 'must differ from mail.dkimSelector' }] : []),
    ...(signing !== undefined && signing !== dkimSelector && signing !== second
      ? [{ path: 'mail.dkimSigningSelector', value: signing, message: `must be mail.dkimSelector ("${dkimSelector}")${second ? ` or mail.dkimSecondSelector ("${second}")` : ''}; a key must be published before it signs` }]
      : []),
  ];
};

/** A copy in the same region survives nothing its original would not. */
const backupCopyInAnotherRegion: ConfigRule = (c) =>
  c.backups.copyToRegion === c.region
    ? [{ path: 'backups.copyToRegion', value: c.backups.copyToRegion, message: `must differ from region ("${c.region}"): a copy is kept against the loss of the whole region; leave it out for no copy` }]
    : [];

const alertAddressesDistinct: ConfigRule = (c) => listDistinct('alerts.email', c.alerts.email, 'address');

/** S3 refuses a lifecycle rule that expires objects before (or when) it moves them to another class. */
const dumpsExpireAfterArchiving: ConfigRule = (c) => {
  const { archiveAfterDays, expireAfterDays } = c.backups.databaseDumps;
  return expireAfterDays > archiveAfterDays
    ? []
    : [{ path: 'backups.databaseDumps.expireAfterDays', value: expireAfterDays, message: `must be more than backups.databaseDumps.archiveAfterDays (${archiveAfterDays}): a dump is archived before it expires` }];
};

/** The selector whose key signs outgoing mail. */
/** Minutes between two times of day `HH:MM`, the shorter way round the clock. */
const minutesApart = (a: string, b: string): number => {
  const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  const d = Math.abs(minutes(a) - minutes(b));
  return Math.min(d, 24 * 60 - d);
};

/** A reboot takes a host off for a minute or two; the other MX must be up meanwhile. */
const MINUTES_BETWEEN_REBOOTS = 30;

const rebootsApart: ConfigRule = (c) => {
  const { enabled, primaryTime, backupMxTime } = c.mail.automaticReboot;
  return enabled && c.mail.backupMx.enabled && minutesApart(primaryTime, backupMxTime) < MINUTES_BETWEEN_REBOOTS
    ? [{ path: 'mail.automaticReboot.backupMxTime', value: backupMxTime, message: `must be at least ${MINUTES_BETWEEN_REBOOTS} minutes from mail.automaticReboot.primaryTime (${primaryTime}), so one MX always takes mail` }]
    : [];
};

export const dkimSigningSelector = (c: MirovoyConfig): string => c.mail.dkimSigningSelector ?? c.mail.dkimSelector;

const ciNeedsRemoteState: ConfigRule = (c) =>
  c.ci && !c.state ? [{ path: 'ci', message: 'needs state.bucket: the CI roles read and write the stacks\' state there (CI plans only stacks with remote state)' }] : [];

/** Sample mailboxes with known names are for trying the system out, never for one that serves real mail. */
const noTestDataInProduction: ConfigRule = (c) =>
  c.testData && c.certificates.acme.server === 'production'
    ? [{ path: 'testData', value: true, message: 'must be false when certificates.acme.server is "production": sample mailboxes do not belong on a production mail system. Set testData: false, or use server: "staging" for a trial environment' }]
    : [];

/** The reference took one or the other: a dump imported into a database restored from a snapshot would mix two servers' rows. */
const oneDatabaseSource: ConfigRule = (c) =>
  c.migration.databaseDumpS3Uri !== undefined && c.database.restoreFromSnapshot !== undefined
    ? [{ path: 'migration.databaseDumpS3Uri', value: c.migration.databaseDumpS3Uri, message: 'must be left out when database.restoreFromSnapshot is set: the database comes from one or the other, not both' }]
    : [];

const dumpKeyNeedsDump: ConfigRule = (c) =>
  c.migration.databaseDumpKmsKeyArn !== undefined && c.migration.databaseDumpS3Uri === undefined
    ? [{ path: 'migration.databaseDumpKmsKeyArn', value: c.migration.databaseDumpKmsKeyArn, message: 'needs migration.databaseDumpS3Uri (the dump it decrypts); leave it out otherwise' }]
    : [];

const RULES: readonly ConfigRule[] = [
  noTestDataInProduction,
  oneDatabaseSource,
  dumpKeyNeedsDump,
  rebootsApart,
  enabledHostsNeedNames,
  hostnamesInsideHostedZone,
  hostnamesDistinct,
  zonesAndDomainsDistinct,
  backupMxInAnotherZone,
  vpcSizeFitsPlan,
  explicitSubnetsFitAndDoNotOverlap,
  webTierNeedsCertificateAndEgress,
  phpMyAdminSourcesAreBlocks,
  storageCeilingAboveSize,
  quotaFitsSpool,
  mailDomainsInManagedZones,
  additionalZonesDistinct,
  oneWayOut,
  relayIsInSpf,
  dkimSelectorsConsistent,
  backupCopyInAnotherRegion,
  alertAddressesDistinct,
  ciNeedsRemoteState,
  dumpsExpireAfterArchiving,
];

/** Every cross-field problem of a structurally valid config. */
export const crossFieldProblems = (config: MirovoyConfig): ConfigProblem[] => RULES.flatMap((rule) => rule(config));
