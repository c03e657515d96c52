/**
 * fail2ban with nftables: bans clients that fail SMTP AUTH or IMAP logins or probe for
 * relays and mailboxes. Uses fail2ban 1.1's stock filters (`postfix` with its modes,
 * `dovecot`), reading the systemd journal (trixie has no /var/log/mail.log by default).
 * https://fail2ban.readthedocs.io/, /etc/fail2ban/jail.conf
 */
import { RenderedFile, withHeader } from '../files';
import { IniSettings, renderIniSections } from '../format/ini';
import { ResolvedMailHostSpec } from '../spec';

/** Our jail file; `.local` in jail.d is read after Debian's defaults-debian.conf. */
export const FAIL2BAN_JAIL_FILE = '/etc/fail2ban/jail.d/mirovoy.local';

/** The jails of a role. */
export const fail2banJails = (spec: ResolvedMailHostSpec): readonly string[] =>
  spec.role === 'primary' ? ['postfix', 'postfix-sasl', 'dovecot'] : ['postfix', 'postfix-sasl'];

/** The jail file's sections, in order. */
export const fail2banSettings = (spec: ResolvedMailHostSpec): Readonly<Record<string, IniSettings>> => {
  const f = spec.fail2ban;
  // jail.conf sets each mail jail's backend from paths-*.conf (a log file on Debian), so it
  // is set on the jail itself, not in [DEFAULT].
  const jail: IniSettings = { enabled: true, backend: 'systemd' };
  const jails: Record<string, IniSettings> = {
    // Mode "more" (the default) bans relay attempts, unknown-recipient probes and other
    // 5xx rejections; a greylisting 4xx does not match.
    postfix: { ...jail, mode: 'more' },
    // Failed SASL logins on 587/465 (the stock jail: filter postfix[mode=auth]).
    'postfix-sasl': jail,
    dovecot: { ...jail, port: spec.imapStartTls ? 'imap,imaps' : 'imaps' },
  };
  return {
    DEFAULT: {
      // nftables, as Debian's defaults-debian.conf, spelled out so a ban only blocks the jail's ports.
      banaction: 'nftables-multiport',
      banaction_allports: 'nftables-allports',
      bantime: f.bantime,
      findtime: f.findtime,
      maxretry: f.maxretry,
      // Never ban this host or our own networks (a NAT or health check would lock everyone out).
      ignoreip: ['127.0.0.1/8', '::1', ...f.ignoreAddresses],
    },
    ...Object.fromEntries(fail2banJails(spec).map((name) => [name, jails[name]])),
  };
};

/** The jail file, or nothing when fail2ban is off. */
export const renderFail2ban = (spec: ResolvedMailHostSpec): RenderedFile[] =>
  spec.fail2ban.enabled
    ? [
        {
          path: FAIL2BAN_JAIL_FILE,
          content: withHeader('#', 'host/fail2ban/index.ts', renderIniSections(fail2banSettings(spec))),
          mode: '0644',
          owner: 'root',
          group: 'root',
        },
      ]
    : [];
