/**
 * The adapter from a project config to the mail record set's facts (`host/dns/mail-records.ts`):
 * one place for what Route53 publishes, what the rehearsal's DNS serves and what each host's
 * `mirovoy-status` expects to resolve. Addresses and DKIM keys are added where they are known.
 */
import { MirovoyConfig } from '../configs/schema';
import { MailDomainRecordsSpec, NamedMailExchanger } from '../host/dns/mail-records';
import { MailHostRole } from '../host/spec';

/** MX preference of each role. */
export const MX_PRIORITY: Readonly<Record<MailHostRole, number>> = { primary: 10, backup: 20 };

/** The mail hosts of a config, primary first, by name with their MX preference. */
export const mailExchangersOf = (config: MirovoyConfig): (NamedMailExchanger & { readonly role: MailHostRole })[] => [
  { role: 'primary', hostname: config.mail.primary.hostname, priority: MX_PRIORITY.primary },
  ...(config.mail.backupMx.enabled && config.mail.backupMx.hostname ? [{ role: 'backup' as const, hostname: config.mail.backupMx.hostname, priority: MX_PRIORITY.backup }] : []),
];

/** The config's record policy (everything but the exchangers, their addresses and the DKIM keys). */
export const mailDnsPolicyOf = (config: MirovoyConfig): Omit<MailDomainRecordsSpec, 'exchangers'> & { readonly clientHostnames: readonly string[] } => ({
  domains: config.mailDomains,
  dmarcPolicy: config.dns.dmarcPolicy,
  reportAddress: config.dns.reportAddress,
  clientHostnames: config.mail.clientHostnames,
  mtaStsMode: config.dns.mtaStsMode === 'none' ? undefined : config.dns.mtaStsMode,
  spfInclude: config.dns.spfInclude,
  ttl: config.dns.ttl,
  imapStartTls: config.mail.imapStartTls,
});
