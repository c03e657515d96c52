/**
 * ManageSieve (RFC 5804, Pigeonhole's `managesieve` service) and the limits of users' own Sieve
 * scripts: users (and Roundcube's managesieve plugin) upload and activate the scripts the
 * `sieve_script personal` storage holds, e.g. a vacation reply or a forward.
 * Settings: https://doc.dovecot.org/2.4.1/core/config/sieve/managesieve.html,
 * https://doc.dovecot.org/2.4.1/core/plugins/sieve.html
 */
import { MANAGESIEVE_PORT } from '../client-ports';
import { DovecotBlock } from '../format/dovecot-conf';

/**
 * How many `redirect` actions one script run may take (Pigeonhole's default, stated): enough to
 * forward to a few addresses, too few for one delivered message to fan out into many.
 */
export const SIEVE_MAX_REDIRECTS = 4;

/** Scripts a user may keep (Roundcube keeps one set; a few more for hand-written ones). */
export const SIEVE_QUOTA_SCRIPT_COUNT = 20;

/** Where Pigeonhole hands vacation replies and redirected copies: Postfix's sendmail(1). */
export const SIEVE_SENDMAIL_PATH = '/usr/sbin/sendmail';

/**
 * The settings of a primary with Sieve on. TLS before login needs nothing here: the global
 * `ssl = required` applies to every login service, so AUTHENTICATE is refused until STARTTLS.
 */
export const manageSieveSettings = (): DovecotBlock => ({
  'service managesieve-login': { 'inet_listener sieve': { port: MANAGESIEVE_PORT } },
  // vacation-seconds (RFC 6131) would let a script answer every message, down to a reply per
  // message between two auto-responders; it is off by default and stays off: vacation's
  // `:days` (at least sieve_vacation_min_period, one day) is the only period.
  sieve_extensions: { vacation: true, 'vacation-seconds': false },
  sieve_max_redirects: SIEVE_MAX_REDIRECTS,
  // A forwarded copy leaves with the user's address as its envelope sender, not the original
  // sender's: the receiving host then checks SPF against our domain, which our MX may send for,
  // and bounces of the copy go to the user who forwards (no open bounce relay).
  sieve_redirect_envelope_from: 'recipient',
  sieve_quota_script_count: SIEVE_QUOTA_SCRIPT_COUNT,
  // Scripts are small; the cap keeps an account from filling the spool volume through 4190.
  sieve_quota_storage_size: '1M',
  // LMTP runs as the mail user, and Postfix's sendmail works for any user (postdrop is setgid):
  // replies enter through pickup, so they get the non-SMTP milters (OpenDKIM signs them) and
  // Postfix's queue, retries and relay settings. Vacation replies go out with the null sender
  // (sieve_vacation_send_from_recipient = no, the default, RFC 5230 §5.4); Pigeonhole's own
  // checks skip list mail, auto-submitted mail, bulk precedence and mail not addressed to the user;
  // spam tagged by Amavis stops in the Junk script before the user's script runs
  // (host/amavis/junk-sieve.ts), so it is neither answered nor forwarded.
  sendmail_path: SIEVE_SENDMAIL_PATH,
});
