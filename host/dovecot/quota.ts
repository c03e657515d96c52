/**
 * Mailbox quotas (Dovecot 2.4 quota plugin, `count` driver): each mailbox's limit from the mail
 * database's `users.quota`, checked by Postfix at RCPT time through Dovecot's quota-status policy
 * service, so a full mailbox is refused while the sender is still connected (no accept-then-bounce
 * backscatter), and warnings delivered to the user at 80 and 95 %.
 * https://doc.dovecot.org/2.4.1/core/plugins/quota.html
 *
 * `users.quota` (VARCHAR, default `''`) means:
 * - `''` or `0`: the configured default (`defaultQuotaMiB`);
 * - a whole number of MiB (1-999999999): that mailbox's own quota;
 * - `unlimited`: no quota;
 * - anything else (e.g. a value written by other tools, such as `10M`): the default, so a typo
 *   never lifts the limit. `mirovoy-admin user quota` writes only the values above.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { DaemonPolicyService } from '../daemon';
import { RenderedFile, withHeader } from '../files';
import { DovecotBlock } from '../format/dovecot-conf';
import { renderShellAssignments } from '../format/shell';
import { POSTFIX_QUEUE_DIRECTORY } from '../postfix/main-cf';
import { MAX_QUOTA_MIB, ResolvedMailHostSpec } from '../spec';

/** `users.quota` value for "no quota". */
export const UNLIMITED_QUOTA = 'unlimited';

/**
 * Usage levels (percent of the quota) at which the user is told, highest first: Dovecot runs the
 * first threshold a delivery crosses, so a jump from 70 to 99 % sends the 95 % notice only.
 */
export const QUOTA_WARNING_PERCENTAGES = [95, 80] as const;

/** Socket of the quota-status policy service, relative to the Postfix queue directory. */
export const QUOTA_STATUS_SOCKET = 'private/quota-status';

/** Where the warning script is installed (run per warning: no unit). */
export const QUOTA_WARNING_SCRIPT = '/usr/local/lib/mirovoy/quota-warning';
/** The directory of the warning messages, `<percent>.eml` each (read per warning). */
export const QUOTA_WARNING_MESSAGES = '/usr/local/share/mirovoy/quota-warning';

/** Dovecot's local delivery agent, which the warning script hands each notice to. */
const DOVECOT_LDA = '/usr/lib/dovecot/dovecot-lda';
/** The Dovecot service (and its socket under /run/dovecot) that runs the warning script. */
const WARNING_SERVICE = 'quota-warning';

/**
 * The userdb field `quota_storage_size` for a row `u` of `users`: its own quota when it holds a
 * valid one, NULL otherwise — Dovecot skips NULL fields, so the `quota_storage_size` of
 * dovecot.conf (the default) applies. No `$` or braces in it: dovecot.conf would read them as
 * references and sections.
 */
export const USERDB_QUOTA_FIELD =
  `CASE WHEN u.quota = '${UNLIMITED_QUOTA}' THEN 'unlimited' ` +
  `WHEN u.quota REGEXP '^[1-9][0-9]*' AND u.quota NOT REGEXP '[^0-9]' AND LENGTH(u.quota) <= ${String(MAX_QUOTA_MIB).length} ` +
  "THEN CONCAT(u.quota, 'M') ELSE NULL END AS quota_storage_size";

/** The quota settings of dovecot.conf (top level; `protocol imap` adds `imap_quota` itself). */
export const dovecotQuotaSettings = (spec: ResolvedMailHostSpec): DovecotBlock => ({
  // Outside the quota filter, so the userdb field of the same name overrides it per user.
  quota_storage_size: `${spec.defaultQuotaMiB}M`,
  // No grace (Dovecot's default lets the one message that crosses the limit in, by up to 10 MB):
  // a message that does not fit is refused at RCPT time with its declared SIZE, so the sender
  // learns at once and the user keeps room for smaller mail; the warnings come before that.
  quota_storage_grace: '0',
  // LMTP answers "mailbox full" with 4xx, so Postfix keeps a message it accepted before the
  // mailbox filled and retries (no bounce of accepted mail); and checks at RCPT, before the data.
  quota_full_tempfail: true,
  lmtp_rcpt_check_quota: true,
  // Answers to Postfix. Under quota: DUNNO, not Dovecot's OK, which would end the restriction list
  // and skip greylisting and SPF. Unknown user: DUNNO, since aliases and catch-alls are no userdb
  // users; Postfix already refused unknown recipients. Over quota: 552 (RFC 5321 "exceeded storage
  // allocation") with the mailbox-full status 5.2.2 (RFC 3463).
  quota_status_success: 'DUNNO',
  quota_status_nouser: 'DUNNO',
  quota_status_overquota: '552 5.2.2 %{error}',
  'quota mailbox': {
    quota_driver: 'count',
    ...Object.fromEntries(
      QUOTA_WARNING_PERCENTAGES.map((percent) => [
        `quota_warning warn-${percent}`,
        { quota_storage_percentage: percent, [`execute ${WARNING_SERVICE}`]: { execute_args: `${percent} %{user}` } },
      ]),
    ),
  },
  // Postfix asks this at RCPT time (check_policy_service unix:private/quota-status). It runs as
  // root (the default) and drops to vmail for each lookup, as Dovecot's own example does.
  'service quota-status': {
    executable: 'quota-status -p postfix',
    client_limit: 1,
    [`unix_listener ${POSTFIX_QUEUE_DIRECTORY}/${QUOTA_STATUS_SOCKET}`]: { mode: '0600', user: 'postfix', group: 'postfix' },
  },
  // Runs the warning script as root: dovecot-lda then reads the configuration (which names the TLS
  // key, readable by root only) and drops to vmail to deliver. Only Dovecot's mail processes, as
  // vmail, may ask it (mode 0600).
  [`service ${WARNING_SERVICE}`]: {
    executable: `script ${QUOTA_WARNING_SCRIPT}`,
    [`unix_listener ${WARNING_SERVICE}`]: { mode: '0600', user: 'vmail' },
  },
});

/**
 * The quota check as a Postfix policy service: asked for each recipient of every client, on port
 * 25 (the backup MX gets its rejection as a deferral: see `host/postfix/main-cf.ts`) and on
 * submission. When it cannot be asked (Dovecot down), Postfix defers (`smtpd_policy_service_default_action`,
 * pinned in main.cf): never accept-and-bounce, never a 5xx for a mailbox that may have room.
 */
export const quotaPolicyService = (): DaemonPolicyService => ({
  service: { endpoint: `unix:${QUOTA_STATUS_SOCKET}` },
  verdict: 'mailbox',
});

/** One warning as a message, less `To:` and `Date:`, which the script adds per delivery (RFC 5322). */
export const quotaWarningMessage = (spec: ResolvedMailHostSpec, percent: number): string =>
  [
    `From: Mail system <postmaster@${spec.mailOrigin}>`,
    `Subject: Your mailbox is ${percent} % full`,
    // RFC 3834: an automatic message; vacation scripts and autoresponders do not answer it.
    'Auto-Submitted: auto-generated',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    `Your mailbox now uses ${percent} % of its storage quota.`,
    '',
    'When it is full, new mail to you is refused: senders get an error',
    '("552 5.2.2 Quota exceeded") and you do not receive their messages.',
    '',
    'To make room, delete messages you no longer need (large attachments',
    'first) and empty the Trash and Junk folders. Your mail program shows',
    `the usage; ask postmaster@${spec.mailOrigin} for a larger quota.`,
    '',
  ].join('\n');

/** The script body, a real (commented) shell file in the repository. */
const WARNING_SCRIPT_BODY = readFileSync(join(__dirname, 'mirovoy-quota-warning.sh'), 'utf8').replace(/^#!.*\n/, '');

const file = (path: string, content: string, mode = '0644'): RenderedFile => ({ path, content, mode, owner: 'root', group: 'root' });

/** The warning script and one message per level. */
export const renderQuotaWarnings = (spec: ResolvedMailHostSpec): RenderedFile[] => [
  file(
    QUOTA_WARNING_SCRIPT,
    `#!/bin/bash\n${withHeader('#', 'host/dovecot/mirovoy-quota-warning.sh', renderShellAssignments({ MESSAGES: QUOTA_WARNING_MESSAGES, LDA: DOVECOT_LDA }))}${WARNING_SCRIPT_BODY}`,
    '0755',
  ),
  // The messages carry no generated header: they are mail, delivered as they are.
  ...QUOTA_WARNING_PERCENTAGES.map((percent) => file(`${QUOTA_WARNING_MESSAGES}/${percent}.eml`, quotaWarningMessage(spec, percent))),
];
