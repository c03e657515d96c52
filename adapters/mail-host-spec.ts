/** The adapter from a project config to the host renderers' input. */
import { ConfigProblem } from '../configs/problems';
import { ConfigRule, dkimSigningSelector } from '../configs/rules';
import { MirovoyConfig } from '../configs/schema';
import { LETS_ENCRYPT_ROOTS_OUTSIDE_SYSTEM_STORE } from '../modules/certificates/lets-encrypt-roots';
import { mailDnsPolicyOf, mailExchangersOf } from './mail-dns';
import { checkMailHostSpec, MailHostRole, MailHostSpec, PostfixDuration, PublishedMailDns, RelaySpec, S3ObjectSpec, SpecProblem } from '../host/spec';

/** Where the provision step writes a mail host's TLS files. */
export const MAIL_TLS_FILES = {
  certificateChainFile: '/etc/mirovoy/tls/mail-chain.pem',
  privateKeyFile: '/etc/mirovoy/tls/mail-key.pem',
  databaseCaFile: '/etc/mirovoy/tls/database-ca.pem',
} as const;

/** Memory of burstable instance sizes (t2/t3/t3a/t4g), in MiB. */
const BURSTABLE_MEMORY_MIB: Readonly<Record<string, number>> = { nano: 512, micro: 1024, small: 2048, medium: 4096, large: 8192, xlarge: 16384, '2xlarge': 32768 };

/** Memory of an instance type in MiB, when we know it (the burstable families); otherwise null. */
export const instanceMemoryMiB = (instanceType: string): number | null => {
  const [family, size] = instanceType.split('.');
  return /^t(2|3|3a|4g)$/.test(family) ? (BURSTABLE_MEMORY_MIB[size] ?? null) : null;
};

/**
 * Facts about where the mail host runs that are not in the config. The database host name is
 * not one of them: the host fetches it at run time (setting `database-host`, see
 * `host/provision/runtime-seam.ts`), because the RDS endpoint is only known to Terraform.
 */
export interface MailHostSite {
  /** Public addresses of the backup MX, trusted by the primary besides its name. @default none (EC2: made after rendering) */
  readonly backupMxAddresses?: readonly string[];
  /**
   * PEM roots of the CA that issues the hosts' certificates, where the system's trust store lacks
   * them: the backup MX verifies the primary against them (e.g. the rehearsal's test CA).
   * @default the config's Let's Encrypt roots outside the system store (staging's; none for production)
   */
  readonly primaryMxTrustAnchors?: readonly string[];
}

/** Amazon SES's SMTP endpoint in a region (STARTTLS on 587). https://docs.aws.amazon.com/ses/latest/dg/smtp-connect.html */
export const sesSmtpRelayHost = (region: string): string => `[email-smtp.${region}.amazonaws.com]:587`;

/** The smarthost of a config: SES (with SMTP credentials), the configured relay host (with a login when it has credentials), or none. */
const relayOf = (config: MirovoyConfig): RelaySpec | null => {
  if (config.mail.outbound === 'ses') return { host: sesSmtpRelayHost(config.region), authenticated: true };
  return config.mail.relayHost ? { host: config.mail.relayHost, authenticated: config.mail.relayCredentialsSecretArn !== undefined } : null;
};

/** The spec of the primary or backup MX of a config. */
export const mailHostSpecFromConfig = (config: MirovoyConfig, role: MailHostRole, site: MailHostSite = {}): MailHostSpec => {
  const { mail } = config;
  const host = role === 'primary' ? mail.primary : { hostname: mail.backupMx.hostname, instanceType: mail.backupMx.instanceType };
  if (!host.hostname) throw new Error(`mail.${role === 'primary' ? 'primary' : 'backupMx'}.hostname is not set`);
  const backupMx = role === 'primary' && mail.backupMx.enabled && mail.backupMx.hostname ? { hostname: mail.backupMx.hostname, addresses: site.backupMxAddresses ?? [] } : null;
  return {
    role,
    hostname: host.hostname,
    mailOrigin: config.mailDomains[0],
    mailDomains: config.mailDomains,
    ...(mail.rootMailRecipient === undefined ? {} : { rootMailRecipient: mail.rootMailRecipient }),
    vmailUid: mail.virtualMailUid,
    database: {
      name: config.database.mailDatabaseName,
      // The server certificate is always verified: RDS and the rehearsal both require TLS.
      tlsCaFile: MAIL_TLS_FILES.databaseCaFile,
      // The primary creates the webmail hosts' database and accounts.
      webmail: { enabled: config.webmail.enabled },
    },
    tls: { certificateChainFile: MAIL_TLS_FILES.certificateChainFile, privateKeyFile: MAIL_TLS_FILES.privateKeyFile },
    relay: relayOf(config),
    unknownLocalRecipientRejectCode: mail.unknownLocalRecipientRejectCode,
    imapStartTls: mail.imapStartTls,
    plusAddressing: mail.plusAddressing,
    messageSizeLimit: mail.messageSizeLimitMiB * 1024 * 1024,
    primaryMxHostname: role === 'backup' ? mail.primary.hostname : null,
    // The primary's certificate comes from certificates.acme.server, like the backup's own.
    primaryMxTrustAnchors: role === 'backup' ? (site.primaryMxTrustAnchors ?? LETS_ENCRYPT_ROOTS_OUTSIDE_SYSTEM_STORE[config.certificates.acme.server]) : [],
    // Our own VPC: never greylisted, SPF-checked or rate-limited (it gets no relay rights); fail2ban
    // may still ban a host there (it trusts only the other mail host).
    trustedNetworks: [config.network.cidr],
    backupMx,
    memoryMiB: instanceMemoryMiB(host.instanceType),
    ...(mail.clamavConcurrentDatabaseReload === undefined ? {} : { clamavConcurrentDatabaseReload: mail.clamavConcurrentDatabaseReload }),
    ...(role === 'primary' ? { amavis: { spamPolicy: mail.spamPolicy }, dkim: { selector: dkimSigningSelector(config) }, defaultQuotaMiB: mail.defaultQuotaMiB } : {}),
    postgrey: { enabled: mail.greylisting.enabled, delaySeconds: mail.greylisting.delaySeconds },
    spf: { hardFail: mail.spfHardFail },
    fail2ban: {
      enabled: mail.fail2ban.enabled,
      bantime: mail.fail2ban.banTime as PostfixDuration,
      findtime: mail.fail2ban.findTime as PostfixDuration,
      maxretry: mail.fail2ban.maxRetry,
    },
    smtpClientLimits: mail.smtpClientLimits,
    automaticRebootTime: mail.automaticReboot.enabled ? mail.automaticReboot[role === 'primary' ? 'primaryTime' : 'backupMxTime'] : null,
    publishedDns: publishedDnsOf(config),
    // The primary dumps (the spec's default); the backup MX never does.
    databaseDumps: { onCalendar: config.backups.databaseDumps.schedule, randomizedDelay: config.backups.databaseDumps.randomizedDelay },
    ...(role === 'primary' ? { dataImports: { referenceDump: referenceDumpOf(config), testData: config.testData } } : {}),
  };
};

/** The object of `migration.databaseDumpS3Uri` (`s3://<bucket>/<key>`), or null. */
export const referenceDumpOf = (config: MirovoyConfig): S3ObjectSpec | null => {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(config.migration.databaseDumpS3Uri ?? '');
  return match ? { bucket: match[1], key: match[2] } : null;
};

/** What the deployment publishes for the mail domains, as the hosts check it. */
const publishedDnsOf = (config: MirovoyConfig): PublishedMailDns => {
  const { dmarcPolicy, reportAddress, mtaStsMode, spfInclude } = mailDnsPolicyOf(config);
  return { exchangers: mailExchangersOf(config).map(({ hostname, priority }) => ({ hostname, priority })), dmarcPolicy, reportAddress, mtaStsMode, spfInclude };
};

/** The config object that describes a mail host. */
const hostPath = (role: MailHostRole): string => (role === 'primary' ? 'mail.primary' : 'mail.backupMx');

/** Where a spec field's value comes from in the config; `index` is the field's list position, if any. */
type ConfigPath = string | ((at: { readonly role: MailHostRole; readonly config: MirovoyConfig; readonly index?: number }) => string);

/**
 * The config field each checked spec field is filled from (by `mailHostSpecFromConfig` above), so
 * a host-spec problem names the field a person wrote. Keep it in step with the adapter: a checked
 * field it fills from the config needs its entry here. Fields filled with constants (TLS and CA files, database
 * port and users, mailbox root, which filters run on which role) have none: a problem there is a
 * bug in this adapter, reported at the host's config object.
 */
const CONFIG_PATH_OF_SPEC_FIELD: Readonly<Record<string, ConfigPath>> = {
  hostname: ({ role }) => `${hostPath(role)}.hostname`,
  mailOrigin: 'mailDomains[0]',
  mailDomains: ({ index }) => (index === undefined ? 'mailDomains' : `mailDomains[${index}]`),
  rootMailRecipient: 'mail.rootMailRecipient',
  vmailUid: 'mail.virtualMailUid',
  'database.name': 'database.mailDatabaseName',
  'relay.host': ({ config }) => (config.mail.outbound === 'ses' ? 'region' : 'mail.relayHost'),
  messageSizeLimit: 'mail.messageSizeLimitMiB',
  defaultQuotaMiB: 'mail.defaultQuotaMiB',
  primaryMxHostname: 'mail.primary.hostname',
  trustedNetworks: 'network.cidr',
  backupMx: 'mail.backupMx.enabled',
  'backupMx.hostname': 'mail.backupMx.hostname',
  memoryMiB: ({ role }) => `${hostPath(role)}.instanceType`,
  'amavis.spamPolicy': 'mail.spamPolicy',
  'postgrey.delaySeconds': 'mail.greylisting.delaySeconds',
  'spf.hardFail': 'mail.spfHardFail',
  'dkim.selector': 'mail.dkimSelector',
  'fail2ban.bantime': 'mail.fail2ban.banTime',
  'fail2ban.findtime': 'mail.fail2ban.findTime',
  'fail2ban.maxretry': 'mail.fail2ban.maxRetry',
  'smtpClientLimits.connectionCount': 'mail.smtpClientLimits.connectionCount',
  'smtpClientLimits.connectionRate': 'mail.smtpClientLimits.connectionRate',
  'smtpClientLimits.messageRate': 'mail.smtpClientLimits.messageRate',
  'smtpClientLimits.authRate': 'mail.smtpClientLimits.authRate',
  automaticRebootTime: ({ role }) => `mail.automaticReboot.${role === 'primary' ? 'primaryTime' : 'backupMxTime'}`,
  'databaseDumps.onCalendar': 'backups.databaseDumps.schedule',
  'databaseDumps.randomizedDelay': 'backups.databaseDumps.randomizedDelay',
  'dataImports.referenceDump.bucket': 'migration.databaseDumpS3Uri',
  'dataImports.referenceDump.key': 'migration.databaseDumpS3Uri',
};

/** The value at a dotted config path such as `mailDomains[0]` or `mail.fail2ban.banTime`. */
const configValueAt = (config: MirovoyConfig, path: string): unknown =>
  path
    .split(/\.|\[(\d+)\]/)
    .filter((key) => key !== undefined && key !== '')
    .reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), config);

/**
 * A host-spec problem as a config problem: at the config field the spec field came from, with that
 * field's value (e.g. MiB, not the spec's bytes) and the spec's fix.
 */
const asConfigProblem = (problem: SpecProblem, role: MailHostRole, config: MirovoyConfig): ConfigProblem => {
  const index = /\[(\d+)\]/.exec(problem.field)?.[1];
  const to = CONFIG_PATH_OF_SPEC_FIELD[problem.field.replace(/\[\d+\]/g, '')];
  if (to === undefined) return { path: hostPath(role), value: problem.value, message: `its host spec field ${problem.field} is invalid: ${problem.fix}` };
  const path = typeof to === 'string' ? to : to({ role, config, index: index === undefined ? undefined : Number(index) });
  return { path, value: configValueAt(config, path) ?? problem.value, message: problem.fix };
};

/**
 * The host-spec rules (`checkMailHostSpec`) as a config rule: run on the spec of each mail host the
 * config defines (the primary; the backup MX when enabled) and reported at config paths, so a
 * config that validates also renders. A backup MX without a name is left to the cross-field rule
 * that asks for one. `validateMirovoyConfig` (`configs/load.ts`) adds it to the config's own rules.
 */
export const mailHostSpecProblems: ConfigRule = (config) =>
  (['primary', 'backup'] as const)
    .filter((role) => role === 'primary' || (config.mail.backupMx.enabled && config.mail.backupMx.hostname))
    .flatMap((role) => checkMailHostSpec(mailHostSpecFromConfig(config, role)).map((problem) => asConfigProblem(problem, role, config)));
