/** Dovecot files of a primary mail host. */
import { IMAP_STARTTLS_PORT, IMAPS_PORT, MANAGESIEVE_PORT } from '../client-ports';
import { MailDaemon } from '../daemon';
import { RenderedFile, withHeader } from '../files';
import { renderDovecotConf } from '../format/dovecot-conf';
import { ResolvedMailHostSpec } from '../spec';
import { dovecotConfig } from './dovecot-conf';
import { QUOTA_WARNING_MESSAGES, QUOTA_WARNING_SCRIPT, quotaPolicyService, renderQuotaWarnings } from './quota';

export { DOVECOT_AUTH_FAILURE_DELAY_SECONDS, DOVECOT_QUERIES, dovecotConfig } from './dovecot-conf';
export * from './quota';

/** Dovecot's one configuration file. */
export const DOVECOT_CONF_PATH = '/etc/dovecot/dovecot.conf';

/**
 * /etc/dovecot/dovecot.conf (no secrets in it; the lookup password is read from its own file) and
 * the quota warning script with its messages.
 */
export const renderDovecot = (spec: ResolvedMailHostSpec): RenderedFile[] => [
  {
    path: DOVECOT_CONF_PATH,
    content: withHeader('#', 'host/dovecot/dovecot-conf.ts', renderDovecotConf(dovecotConfig(spec))),
    mode: '0644',
    owner: 'root',
    group: 'root',
  },
  ...renderQuotaWarnings(spec),
];

/** Dovecot: IMAP, LMTP delivery into the mailboxes and ManageSieve (primary only). */
export const dovecotDaemon: MailDaemon = {
  name: 'dovecot',
  layer: 'mail',
  enabled: (spec) => spec.role === 'primary',
  packages: (spec) => ['dovecot-imapd', 'dovecot-lmtpd', 'dovecot-mysql', 'dovecot-sieve', ...(spec.sieve ? ['dovecot-managesieved'] : [])],
  files: renderDovecot,
  units: () => ['dovecot'],
  checks: () => [{ unit: 'dovecot', command: ['doveconf', '-n'] }],
  unitOfPath: [
    { prefix: DOVECOT_CONF_PATH, unit: 'dovecot' },
    // Run per warning by the quota-warning service.
    { prefix: QUOTA_WARNING_SCRIPT, unit: null },
    { prefix: `${QUOTA_WARNING_MESSAGES}/`, unit: null },
  ],
  // Postfix asks quota-status for each recipient at RCPT time.
  postfix: () => ({ policyServices: [quotaPolicyService()] }),
  servesTls: true,
  readyPorts: (spec) => [IMAPS_PORT, ...(spec.imapStartTls ? [IMAP_STARTTLS_PORT] : []), ...(spec.sieve ? [MANAGESIEVE_PORT] : [])],
  spoolUnit: 'dovecot',
  // Its auth processes look up users with the lookup credential (Postfix's map files are Postfix's).
  unitReadingSecret: (file) => (file.format === 'mysql-option-file' && file.credential === 'lookup' ? 'dovecot' : undefined),
};
