/**
 * fail2ban with nftables: bans clients that fail SMTP AUTH or IMAP logins or probe for
 * relays and mailboxes. Uses fail2ban 1.1's stock filters (`postfix` with its modes,
 * `dovecot`), reading the systemd journal (trixie has no /var/log/mail.log by default).
 * https://fail2ban.readthedocs.io/, /etc/fail2ban/jail.conf
 */
import { IMAP_STARTTLS_PORT, IMAPS_PORT, MANAGESIEVE_PORT } from '../client-ports';
import { MailDaemon } from '../daemon';
import { RenderedFile, withHeader } from '../files';
import { IniSettings, renderIniSections } from '../format/ini';
import { peerMailHosts, ResolvedMailHostSpec } from '../spec';

/** Our jail file; `.local` in jail.d is read after Debian's defaults-debian.conf. */
export const FAIL2BAN_JAIL_FILE = '/etc/fail2ban/jail.d/mirovoy.local';

/** The jails of a role. */
export const fail2banJails = (spec: ResolvedMailHostSpec): readonly string[] =>
  spec.role === 'primary' ? ['postfix', 'postfix-sasl', 'dovecot'] : ['postfix', 'postfix-sasl'];

/** The jail file's sections, in order. */
export const fail2banSettings = (spec: ResolvedMailHostSpec): Readonly<Record<string, IniSettings>> => {
  const f = spec.fail2ban;
  const peer = peerMailHosts(spec);
  // jail.conf sets each mail jail's backend from paths-*.conf (a log file on Debian), so it
  // is set on the jail itself, not in [DEFAULT].
  const jail: IniSettings = { enabled: true, backend: 'systemd' };
  const jails: Record<string, IniSettings> = {
    // Mode "more" (the default) bans relay attempts, unknown-recipient probes and other
    // 5xx rejections; a greylisting 4xx does not match.
    postfix: { ...jail, mode: 'more' },
    // Failed SASL logins on 587/465 (the stock jail: filter postfix[mode=auth]).
    'postfix-sasl': jail,
    // Dovecot's login services: IMAP, and ManageSieve when Sieve is on (the stock filter reads
    // managesieve-login's failed logins like imap-login's).
    dovecot: { ...jail, port: [IMAPS_PORT, ...(spec.imapStartTls ? [IMAP_STARTTLS_PORT] : []), ...(spec.sieve ? [MANAGESIEVE_PORT] : [])].join(',') },
  };
  return {
    DEFAULT: {
      // nftables, as Debian's defaults-debian.conf, spelled out so a ban only blocks the jail's ports.
      banaction: 'nftables-multiport',
      banaction_allports: 'nftables-allports',
      bantime: f.bantime,
      findtime: f.findtime,
      maxretry: f.maxretry,
      // Never ban this host (ignoreself, the default, adds its own addresses) or the other mail
      // host: a ban of the backup MX would keep the mail it holds from the primary. fail2ban
      // resolves a name here when it checks a failure, so the peer's address may change (EC2 makes
      // it after these files are rendered). Nothing else: not the VPC, where a compromised host
      // must be banned like any other, and not the internet's clients, which reach the mail hosts
      // with their own addresses (public subnets, no NAT in between).
      ignoreip: ['127.0.0.1/8', '::1', ...peer.names, ...peer.addresses, ...f.ignoreAddresses],
    },
    ...Object.fromEntries(fail2banJails(spec).map((name) => [name, jails[name]])),
  };
};

/** Extension of the stock dovecot filter; `.local` is read after `filter.d/dovecot.conf`. */
export const FAIL2BAN_DOVECOT_FILTER_FILE = '/etc/fail2ban/filter.d/dovecot.local';

/**
 * fail2ban 1.1.0's dovecot filter knows Dovecot 2.3's "Disconnected (auth failed, ...)" but not
 * Dovecot 2.4's failed-login line, so the dovecot jail never banned anyone (seen in the
 * rehearsal: 0 failures counted after repeated wrong IMAP passwords). Dovecot 2.4.1 logs (and
 * the same after `managesieve-login:`, a prefix the stock filter strips):
 *   imap-login: Login aborted: Connection closed (auth failed, 1 attempts in 2 secs) (auth_failed): user=<u@d>, method=PLAIN, rip=192.0.2.7, lip=..., TLS, session=<...>
 * The filter's `mdre-normal` (empty upstream, part of its failregex) takes the 2.4 form.
 */
export const DOVECOT_24_FAILREGEX =
  '^Login aborted: [^(]*\\((?:auth failed, \\d+ attempts(?: in \\d+ secs)?|tried to use (?:disabled|disallowed) \\S+ auth)\\) \\(\\w+\\):(?: user=<<F-USER>[^>]*</F-USER>>,)?(?: method=\\S+,)? rip=<HOST>(?:,.*)?$';

/** The jail file (and the dovecot filter extension where the dovecot jail runs), or nothing when fail2ban is off. */
export const renderFail2ban = (spec: ResolvedMailHostSpec): RenderedFile[] => {
  if (!spec.fail2ban.enabled) return [];
  const file = (path: string, body: string): RenderedFile => ({ path, content: withHeader('#', 'host/fail2ban/index.ts', body), mode: '0644', owner: 'root', group: 'root' });
  return [
    file(FAIL2BAN_JAIL_FILE, renderIniSections(fail2banSettings(spec))),
    ...(fail2banJails(spec).includes('dovecot') ? [file(FAIL2BAN_DOVECOT_FILTER_FILE, renderIniSections({ Definition: { 'mdre-normal': DOVECOT_24_FAILREGEX } }))] : []),
  ];
};

/** fail2ban: bans clients failing logins or probing, with nftables. */
export const fail2banDaemon: MailDaemon = {
  name: 'fail2ban',
  layer: 'filter',
  enabled: (spec) => spec.fail2ban.enabled,
  // python3-systemd: fail2ban's systemd backend (a recommendation, named because recommendations are not installed).
  packages: () => ['fail2ban', 'nftables', 'python3-systemd'],
  files: renderFail2ban,
  units: () => ['fail2ban'],
  checks: () => [{ unit: 'fail2ban', command: ['fail2ban-client', '--test'] }],
  unitOfPath: [{ prefix: '/etc/fail2ban/', unit: 'fail2ban' }],
};
