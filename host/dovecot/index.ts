/** Dovecot files of a primary mail host. */
import { MailDaemon } from '../daemon';
import { RenderedFile, withHeader } from '../files';
import { renderDovecotConf } from '../format/dovecot-conf';
import { ResolvedMailHostSpec } from '../spec';
import { dovecotConfig } from './dovecot-conf';

export { DOVECOT_QUERIES, dovecotConfig } from './dovecot-conf';

/** Dovecot's one configuration file. */
export const DOVECOT_CONF_PATH = '/etc/dovecot/dovecot.conf';

/** /etc/dovecot/dovecot.conf (no secrets in it; the lookup password is read from its own file). */
export const renderDovecot = (spec: ResolvedMailHostSpec): RenderedFile[] => [
  {
    path: DOVECOT_CONF_PATH,
    content: withHeader('#', 'host/dovecot/dovecot-conf.ts', renderDovecotConf(dovecotConfig(spec))),
    mode: '0644',
    owner: 'root',
    group: 'root',
  },
];

/** Dovecot: IMAP and LMTP delivery into the mailboxes (primary only). */
export const dovecotDaemon: MailDaemon = {
  name: 'dovecot',
  layer: 'mail',
  enabled: (spec) => spec.role === 'primary',
  packages: () => ['dovecot-imapd', 'dovecot-lmtpd', 'dovecot-mysql', 'dovecot-sieve'],
  files: renderDovecot,
  units: () => ['dovecot'],
  checks: () => [{ unit: 'dovecot', command: ['doveconf', '-n'] }],
  unitOfPath: [{ prefix: DOVECOT_CONF_PATH, unit: 'dovecot' }],
  servesTls: true,
  readyPorts: (spec) => [993, ...(spec.imapStartTls ? [143] : [])],
  spoolUnit: 'dovecot',
  // Its auth processes look up users with the lookup credential (Postfix's map files are Postfix's).
  unitReadingSecret: (file) => (file.format === 'mysql-option-file' && file.credential === 'lookup' ? 'dovecot' : undefined),
};
