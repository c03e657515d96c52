/**
 * Postfix `master.cf`: the stock Debian service table (with chroot off, the Postfix 3.x
 * default, because our map, TLS and option files live outside the queue directory),
 * with postscreen on port 25, plus submission services on the primary and the services of
 * `PostfixExtensions`.
 * https://www.postfix.org/master.5.html
 */
import { MasterService } from '../format/postfix-master-cf';
import { PostfixParameters } from '../format/postfix-parameters';
import { ResolvedMailHostSpec } from '../spec';
import { submissionAuthRateLimit } from './client-limits';
import { PostfixExtensions } from './extensions';
import { POSTSCREEN_SERVICES } from './postscreen';

/** Postfix's own internal services (the stock table). */
const INTERNAL_SERVICES: readonly MasterService[] = [
  { service: 'pickup', type: 'unix', private: false, wakeup: '60', maxproc: 1, command: ['pickup'] },
  { service: 'cleanup', type: 'unix', private: false, maxproc: 0, command: ['cleanup'] },
  { service: 'qmgr', type: 'unix', private: false, wakeup: '300', maxproc: 1, command: ['qmgr'] },
  { service: 'tlsmgr', type: 'unix', wakeup: '1000?', maxproc: 1, command: ['tlsmgr'] },
  { service: 'rewrite', type: 'unix', command: ['trivial-rewrite'] },
  { service: 'bounce', type: 'unix', maxproc: 0, command: ['bounce'] },
  { service: 'defer', type: 'unix', maxproc: 0, command: ['bounce'] },
  { service: 'trace', type: 'unix', maxproc: 0, command: ['bounce'] },
  { service: 'verify', type: 'unix', maxproc: 1, command: ['verify'] },
  { service: 'flush', type: 'unix', private: false, wakeup: '1000?', maxproc: 0, command: ['flush'] },
  { service: 'proxymap', type: 'unix', command: ['proxymap'] },
  { service: 'proxywrite', type: 'unix', maxproc: 1, command: ['proxymap'] },
  { service: 'smtp', type: 'unix', command: ['smtp'] },
  {
    service: 'relay',
    type: 'unix',
    command: ['smtp'],
    overrides: { syslog_name: '${multi_instance_name?{$multi_instance_name}:{postfix}}/$service_name' },
  },
  { service: 'showq', type: 'unix', private: false, command: ['showq'] },
  { service: 'error', type: 'unix', command: ['error'] },
  { service: 'retry', type: 'unix', command: ['error'] },
  { service: 'discard', type: 'unix', command: ['discard'] },
  { service: 'local', type: 'unix', unprivileged: false, command: ['local'] },
  { service: 'virtual', type: 'unix', unprivileged: false, command: ['virtual'] },
  { service: 'lmtp', type: 'unix', command: ['lmtp'] },
  { service: 'anvil', type: 'unix', maxproc: 1, command: ['anvil'] },
  { service: 'scache', type: 'unix', maxproc: 1, command: ['scache'] },
  { service: 'postlog', type: 'unix-dgram', private: false, maxproc: 1, command: ['postlogd'] },
];

/**
 * Overrides shared by the two mail-submission services (RFC 8314): TLS first, then AUTH,
 * then only authenticated users may send. Port 25's HELO/sender/policy checks are for
 * other MTAs and would reject laptops (non-FQDN HELO) or greylist our own users.
 */
const submissionOverrides = (name: string, spec: ResolvedMailHostSpec, ext: PostfixExtensions): PostfixParameters => ({
  syslog_name: `postfix/${name}`,
  smtpd_tls_security_level: 'encrypt',
  smtpd_sasl_auth_enable: true,
  smtpd_tls_auth_only: true,
  ...submissionAuthRateLimit(spec),
  smtpd_helo_restrictions: '',
  // A user may send only as an address they own (its mailbox, or an alias to it): without
  // this any user could send as anyone@ourdomain, and our DKIM key would sign it.
  smtpd_sender_restrictions: ['reject_sender_login_mismatch'],
  smtpd_client_restrictions: ['permit_sasl_authenticated', 'reject'],
  smtpd_relay_restrictions: ['permit_sasl_authenticated', 'reject'],
  // A full local mailbox is refused here too, so our own user is told at once instead of by a
  // bounce days later (quota-status answers DUNNO for other domains' addresses).
  smtpd_recipient_restrictions: [
    'reject_non_fqdn_recipient',
    'reject_unknown_recipient_domain',
    ...(ext.mailboxPolicyServices ?? []).map((p) => `check_policy_service ${p.endpoint}`),
  ],
  // Mail from our users never goes through port 25's inbound filter: it goes to the
  // filter's outbound entry point when there is one (virus scan, no spam scoring).
  content_filter: ext.contentFilter?.submissionNexthop ?? '',
  // Their own milter list: the header From check (submission only), then those of port 25 (OpenDKIM).
  ...(ext.milters?.submissionEndpoints?.length ? { smtpd_milters: [...ext.milters.submissionEndpoints] } : {}),
  ...(ext.milters?.submissionDefaultAction ? { milter_default_action: ext.milters.submissionDefaultAction } : {}),
});

/** The `master.cf` services of a host, in file order. */
export const postfixMasterServices = (spec: ResolvedMailHostSpec, ext: PostfixExtensions = {}): MasterService[] => [
  // Port 25: postscreen first, then smtpd (host/postfix/postscreen.ts).
  ...POSTSCREEN_SERVICES,
  ...(spec.role === 'primary'
    ? [
        // 587: STARTTLS required before AUTH.
        { service: 'submission', type: 'inet', private: false, command: ['smtpd'], overrides: submissionOverrides('submission', spec, ext) } as const,
        // 465: implicit TLS ("wrapper mode"), which the reference enabled without this flag.
        {
          service: 'submissions',
          type: 'inet',
          private: false,
          command: ['smtpd'],
          overrides: { ...submissionOverrides('submissions', spec, ext), smtpd_tls_wrappermode: true },
        } as const,
      ]
    : []),
  ...INTERNAL_SERVICES,
  ...(ext.masterServices ?? []),
];
