/**
 * The header From check: on the submission services (587, 465) a logged-in user may send only
 * with a header `From:` they own, as Postfix's `reject_sender_login_mismatch` already makes them
 * for the envelope sender. Without it, alice could submit `From: bob@example.com` under her own
 * envelope, and OpenDKIM would sign it as ours: DMARC passes, the forgery is perfect.
 *
 * Postfix cannot compare a header with the SASL login (header_checks see no login; restrictions
 * see no headers), so this is a milter, `mirovoy-from-check.py`: it reads Postfix's
 * `{auth_authen}` macro and the From field, and asks the table Postfix asks for the envelope
 * (`smtpd_sender_login_maps`, the sender-logins map) with `postmap -q`, so one table says who owns
 * an address (mailbox, alias, catch-all) for both. Its verdicts: 550 5.7.1 for a From the login
 * does not own, for none, or for two; 451 4.3.0 when the table cannot be asked (database down).
 *
 * Why our own: Debian 13 packages no milter made for this. OpenDKIM and OpenDMARC sign and verify,
 * Amavis/SpamAssassin score; Rspamd could be scripted to do it, but is a second whole scanner next
 * to Amavis. The milter library is Debian's python3-milter (pymilter, bound to libmilter1.0.1,
 * which OpenDKIM uses already), with ~80 lines of ours on top.
 */
import { join } from 'node:path';
import { MailDaemon } from '../daemon';
import { RenderedFile } from '../files';
import { pythonScriptFile } from '../format/python-script';
import { systemdUnitFile } from '../format/systemd-unit';
import { Milters } from '../postfix/extensions';
import { recipientDelimiter } from '../postfix/main-cf';
import { postfixMapTable } from '../postfix/mysql-maps';
import { ResolvedMailHostSpec } from '../spec';

/** Where the milter listens (loopback TCP, like OpenDKIM: only this host's processes reach it). */
export const FROM_CHECK_PORT = 8893;
/** The milter program. */
export const FROM_CHECK_COMMAND = '/usr/local/sbin/mirovoy-from-check';
/** Its unit. */
export const FROM_CHECK_UNIT = 'mirovoy-from-check';

/**
 * The milter hook: on the submission services only, and never skipped. Postfix asks it before the
 * milters of port 25 (OpenDKIM is next in the daemon list). Unavailable, it defers the message
 * (451 4.7.1 from Postfix): the client retries, nothing unchecked is sent.
 */
export const fromCheckMilters = (): Milters => ({
  endpoints: [],
  submissionEndpoints: [`inet:127.0.0.1:${FROM_CHECK_PORT}`],
  submissionDefaultAction: 'tempfail',
});

/** The program's arguments. */
export const fromCheckArguments = (spec: ResolvedMailHostSpec): string[] => [
  `--socket=inet:${FROM_CHECK_PORT}@127.0.0.1`,
  // Read directly, not through proxymap: its socket is in Postfix's private directory.
  `--sender-login-map=${postfixMapTable('sender-logins')}`,
  `--recipient-delimiter=${recipientDelimiter(spec)}`,
];

/** The program and its unit. */
const renderFromCheck = (spec: ResolvedMailHostSpec): RenderedFile[] => [
  pythonScriptFile(FROM_CHECK_COMMAND, join(__dirname, 'mirovoy-from-check.py'), 'host/from-check/mirovoy-from-check.py', '0755'),
  systemdUnitFile(`${FROM_CHECK_UNIT}.service`, 'host/from-check/index.ts', {
    Unit: {
      Description: 'Refuse submitted mail whose header From the login does not own (milter)',
      // Postfix asks it only on submission; it must be up when Postfix takes the first message.
      Before: 'postfix.service',
    },
    Service: {
      ExecStart: [FROM_CHECK_COMMAND, ...fromCheckArguments(spec)],
      // A user of its own, made when it starts (no account to keep), in group postfix for the
      // map file (0640 root:postfix, it holds the Postfix database password) and nothing else.
      DynamicUser: true,
      SupplementaryGroups: 'postfix',
      Restart: 'on-failure',
    },
    Install: { WantedBy: 'multi-user.target' },
  }),
];

/** The header From check: a milter of the submission services, on the primary (which has them). */
export const fromCheckDaemon: MailDaemon = {
  name: 'from-check',
  layer: 'filter',
  enabled: (spec) => spec.role === 'primary',
  packages: () => ['python3-milter'],
  files: renderFromCheck,
  units: () => [FROM_CHECK_UNIT],
  // Loads the milter library with the unit's own arguments, so a broken script or option fails here.
  checks: (spec) => [{ unit: FROM_CHECK_UNIT, command: [FROM_CHECK_COMMAND, ...fromCheckArguments(spec), '--check'] }],
  unitOfPath: [
    { prefix: FROM_CHECK_COMMAND, unit: FROM_CHECK_UNIT },
    { prefix: `/etc/systemd/system/${FROM_CHECK_UNIT}.`, unit: FROM_CHECK_UNIT },
  ],
  readyPorts: () => [FROM_CHECK_PORT],
  postfix: () => ({ milters: fromCheckMilters() }),
};
