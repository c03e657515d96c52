/** The adapter from a project config to the host renderers' input. */
import { MirovoyConfig } from '../configs/schema';
import { MailHostRole, MailHostSpec, PostfixDuration, RelaySpec } from '../host/spec';

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
    vmailUid: mail.virtualMailUid,
    database: {
      name: config.database.mailDatabaseName,
      // The server certificate is always verified: RDS and the rehearsal both require TLS.
      tlsCaFile: MAIL_TLS_FILES.databaseCaFile,
    },
    tls: { certificateChainFile: MAIL_TLS_FILES.certificateChainFile, privateKeyFile: MAIL_TLS_FILES.privateKeyFile },
    relay: relayOf(config),
    unknownLocalRecipientRejectCode: mail.unknownLocalRecipientRejectCode,
    imapStartTls: mail.imapStartTls,
    plusAddressing: mail.plusAddressing,
    messageSizeLimit: mail.messageSizeLimitMiB * 1024 * 1024,
    primaryMxHostname: role === 'backup' ? mail.primary.hostname : null,
    // Our own VPC: never greylisted or SPF-checked, never banned (it gets no relay rights).
    trustedNetworks: [config.network.cidr],
    backupMx,
    memoryMiB: instanceMemoryMiB(host.instanceType),
    ...(mail.clamavConcurrentDatabaseReload === undefined ? {} : { clamavConcurrentDatabaseReload: mail.clamavConcurrentDatabaseReload }),
    ...(role === 'primary' ? { amavis: { spamPolicy: mail.spamPolicy }, dkim: { selector: mail.dkimSelector } } : {}),
    postgrey: { enabled: mail.greylisting.enabled, delaySeconds: mail.greylisting.delaySeconds },
    spf: { hardFail: mail.spfHardFail },
    fail2ban: {
      enabled: mail.fail2ban.enabled,
      bantime: mail.fail2ban.banTime as PostfixDuration,
      findtime: mail.fail2ban.findTime as PostfixDuration,
      maxretry: mail.fail2ban.maxRetry,
    },
  };
};
