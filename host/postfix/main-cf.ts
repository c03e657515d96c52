/**
 * Postfix `main.cf` for both roles. Every setting that differs from the Postfix 3.10
 * default says why. https://www.postfix.org/postconf.5.html
 */
import { PostfixParameters } from '../format/postfix-parameters';
import { RELAY_PASSWORD_FILE } from '../secrets';
import { ResolvedMailHostSpec, rootMailAddresses } from '../spec';
import { MINIMUM_TLS_PROTOCOL, TLS12_CIPHERS } from '../tls-policy';
import { clientLimitParameters } from './client-limits';
import { PostfixExtensions } from './extensions';
import { postfixMapReference } from './mysql-maps';
import { postscreenParameters } from './postscreen';

/** Unix socket (relative to the Postfix queue directory) where Dovecot LMTP listens. */
export const DOVECOT_LMTP_SOCKET = 'private/dovecot-lmtp';
/** Unix socket (relative to the Postfix queue directory) where Dovecot auth answers SASL. */
export const DOVECOT_AUTH_SOCKET = 'private/auth';
/** The Postfix queue directory on Debian. */
export const POSTFIX_QUEUE_DIRECTORY = '/var/spool/postfix';

/** Postfix's `recipient_delimiter`: `+` with plus addressing, else none. */
export const recipientDelimiter = (spec: ResolvedMailHostSpec): string => (spec.plusAddressing ? '+' : '');

/** An inline access(5) table: each key with one action (`OK`, or an action with text). */
const inlineAccessMap = (keys: readonly string[], action: string): string =>
  `inline:{ ${keys.map((key) => (/\s/.test(action) ? `{ ${key} = ${action} }` : `${key}=${action}`)).join(', ')} }`;

/** The backup MX's name and addresses, each with one access(5) action (`OK`: past the policy services). */
const backupMxAccessMap = (backupMx: NonNullable<ResolvedMailHostSpec['backupMx']>, action: string): string =>
  inlineAccessMap([backupMx.hostname, ...backupMx.addresses], action);

/**
 * What the primary answers a client that greets with the backup MX's name (HELO) but was not
 * recognised as the backup by its address or forward-confirmed name, where a later restriction
 * (SPF, quota, a blocklist) would reject: a missed or failed reverse lookup must not make the
 * primary refuse relayed mail for good (the backup would bounce it), so the rejection becomes this
 * 450 and the backup retries. It grants nothing: a stranger using that HELO name is still checked
 * and greylisted, and never gets more than a deferral from the checks after this one.
 * https://www.postfix.org/access.5.html
 */
export const UNRECOGNISED_BACKUP_MX_REPLY = 'DEFER_IF_REJECT Backup MX not recognised by its address or name: keep the message queued and try again later';

/** The backup MX's HELO name, with the deferral of {@link UNRECOGNISED_BACKUP_MX_REPLY}. */
const unrecognisedBackupMxCheck = (backupMx: NonNullable<ResolvedMailHostSpec['backupMx']>): string =>
  `check_helo_access ${inlineAccessMap([backupMx.hostname], UNRECOGNISED_BACKUP_MX_REPLY)}`;

/** Where the backup MX keeps the trust anchors of its hop to the primary (spec `primaryMxTrustAnchors`). */
export const PRIMARY_MX_TRUST_ANCHOR_FILE = '/etc/postfix/primary-mx-trust-anchors.pem';

/**
 * The backup MX's next hop: the primary by name, without MX lookup (brackets) and without a port
 * (25 is the default), so that it is also the verbatim key of its TLS policy below.
 */
const primaryMxNexthop = (spec: ResolvedMailHostSpec): string => `[${spec.primaryMxHostname}]`;

/**
 * `smtp_tls_policy_maps` entries; every other next hop keeps opportunistic TLS (and Amavis its own
 * "none"). `secure`: TLS is required and the certificate must be valid for the name, or Postfix
 * defers the mail (it stays queued and is retried) — nobody in between can read or take it.
 * https://www.postfix.org/TLS_README.html#client_tls_secure
 */
const tlsPolicies = (spec: ResolvedMailHostSpec): string[] => [
  // The backup MX hands everything to the primary, by name; the name on the certificate proves it
  // reached the primary (a forged DNS answer or a hijacked route gets no mail), with the CA that
  // issues the primary's certificate as trust anchor where that is not a public one.
  ...(spec.role === 'backup'
    ? [`{ ${primaryMxNexthop(spec)} = secure match=${spec.primaryMxHostname}${spec.primaryMxTrustAnchors.length > 0 ? ` tafile=${PRIMARY_MX_TRUST_ANCHOR_FILE}` : ''} }`]
    : []),
  // The relay's certificate must match its name (secure: match=nexthop, dot-nexthop), so nobody in
  // between can collect the password.
  ...(spec.relay?.authenticated ? [`${spec.relay.host}=secure`] : []),
];

/**
 * What the primary answers the backup MX where a mailbox policy service (quota) rejects: the backup
 * accepted the message already, so a 5xx would make it bounce to a sender who may be forged
 * (backscatter). A deferral keeps the message queued there and retried until the mailbox has room
 * or the backup's queue lifetime ends. DEFER_IF_REJECT turns a later 5xx into this 450.
 * https://www.postfix.org/access.5.html
 */
export const BACKUP_MX_FULL_MAILBOX_REPLY = 'DEFER_IF_REJECT Mailbox full: keep the message queued and try again later';

/**
 * `root@`/`postmaster@` the host name and `root@<mailOrigin>` to `rootMailRecipient`, as an inline
 * virtual alias table. Local delivery stays off (`mydestination` empty): the host name becomes a
 * virtual alias domain, in which only these addresses exist, so mail to them, from cron or from
 * outside, is rewritten by cleanup(8) like any other alias and delivered or relayed from there.
 * https://www.postfix.org/VIRTUAL_README.html#virtual_alias
 */
const rootMailAliases = (spec: ResolvedMailHostSpec, addresses = rootMailAddresses(spec)): string =>
  `inline:{ ${addresses.map((address) => `${address}=${spec.rootMailRecipient}`).join(', ')} }`;

/** Whether port 25 asks any policy service (quota, Postgrey, SPF), whose rejections the backup MX must not get. */
const policyChecked = (ext: PostfixExtensions): boolean => (ext.policyServices ?? []).length + (ext.mailboxPolicyServices ?? []).length > 0;

/** Restrictions shared by port 25 on both roles. */
const port25Restrictions = (spec: ResolvedMailHostSpec, ext: PostfixExtensions): PostfixParameters => ({
  // Refuse open relay: only our own or relayed domains without authentication. Debian's
  // default (defer_unauth_destination) answers 4xx, so relay attempts would keep retrying.
  // https://www.postfix.org/SMTPD_ACCESS_README.html
  smtpd_relay_restrictions: ['permit_mynetworks', 'permit_sasl_authenticated', 'reject_unauth_destination'],
  smtpd_recipient_restrictions: [
    'reject_non_fqdn_recipient',
    'reject_unknown_recipient_domain',
    // Before any policy service: an unknown mailbox must get 5xx at RCPT, not a greylisting 4xx.
    'reject_unlisted_recipient',
    // The recipient's mailbox (quota) for every client, so a full one is refused while the sender
    // is connected; the backup MX gets a deferral instead (BACKUP_MX_FULL_MAILBOX_REPLY).
    ...((ext.mailboxPolicyServices ?? []).length > 0 && spec.backupMx ? [`check_client_access ${backupMxAccessMap(spec.backupMx, BACKUP_MX_FULL_MAILBOX_REPLY)}`] : []),
    // A client with the backup's HELO name that the check above did not recognise: a later
    // rejection (quota, SPF) becomes a deferral (UNRECOGNISED_BACKUP_MX_REPLY). The first
    // DEFER_IF_REJECT that matches sets the reply, so the recognised backup keeps the one above.
    ...(policyChecked(ext) && spec.backupMx ? [unrecognisedBackupMxCheck(spec.backupMx)] : []),
    ...(ext.mailboxPolicyServices ?? []).map((p) => `check_policy_service ${p.endpoint}`),
    // This host's own mail (monitoring, notices) is neither SPF-checked nor greylisted, nor is
    // what the backup MX relays (it checked the sender itself). The backup is known by its
    // forward-confirmed name (Postfix's client name is "unknown" unless the PTR name resolves back
    // to the address) or its addresses; when neither is recognised, the HELO check above defers.
    ...((ext.policyServices ?? []).length > 0 ? ['permit_mynetworks', ...(spec.backupMx ? [`check_client_access ${backupMxAccessMap(spec.backupMx, 'OK')}`] : [])] : []),
    ...(ext.policyServices ?? []).map((p) => `check_policy_service ${p.endpoint}`),
  ],
  // A policy service that cannot be asked (stopped, crashed, timed out) defers the recipient: the
  // sender retries, nothing is accepted unchecked or refused for good. Postfix's own default,
  // pinned: the quota check relies on it.
  smtpd_policy_service_default_action: policyChecked(ext) ? '451 4.3.5 Policy service unavailable, try again later' : null,
  smtpd_helo_required: true,
  smtpd_helo_restrictions: ['permit_mynetworks', 'reject_invalid_helo_hostname', 'reject_non_fqdn_helo_hostname'],
  smtpd_sender_restrictions: ['reject_non_fqdn_sender', 'reject_unknown_sender_domain'],
  // No blocklist unless configured with a reply filter: Spamhaus answers queries that come
  // through public or cloud resolvers with 127.255.255.x, which an unfiltered
  // reject_rbl_client treats as "listed" for every client. https://www.spamhaus.org/resource-hub/dnsbl/
  smtpd_client_restrictions:
    spec.dnsBlocklists.length === 0
      ? null
      : [
          'permit_mynetworks',
          // The backup MX relays others' mail: its own listing must not refuse it (a recognised
          // backup passes, an unrecognised one is deferred at worst).
          ...(spec.backupMx ? [`check_client_access ${backupMxAccessMap(spec.backupMx, 'OK')}`, unrecognisedBackupMxCheck(spec.backupMx)] : []),
          ...spec.dnsBlocklists.map((l) => `reject_rbl_client ${l.zone}=${l.listedReplies}`),
        ],
  smtpd_data_restrictions: ['reject_unauth_pipelining'],
  // Address harvesting: VRFY tells a client which mailboxes exist.
  disable_vrfy_command: true,
});

/** `main.cf` parameters of a host, in the order they are written. */
export const postfixMainParameters = (spec: ResolvedMailHostSpec, ext: PostfixExtensions = {}): PostfixParameters => {
  const primary = spec.role === 'primary';
  const rejectCode = spec.unknownLocalRecipientRejectCode;
  return {
    // Opt into every Postfix 3.10 default (e.g. smtputf8, chroot off); Debian's main.cf says 3.9.
    compatibility_level: '3.10',
    myhostname: spec.hostname,
    mydomain: spec.mailOrigin,
    // Unqualified senders (cron's "root") become root@<mail origin>, not root@<host name>.
    myorigin: '$mydomain',
    // All mail domains are virtual (from the database); nothing is delivered to Unix accounts.
    mydestination: '',
    local_recipient_maps: '',
    local_transport: 'error:5.1.1 local delivery is disabled on this host',
    alias_maps: '',
    alias_database: '',
    // root@ and postmaster@ this host (rootMailAliases); the mail domains are the database's.
    virtual_alias_domains: spec.hostname,
    // Only this host may relay without authentication; never the whole subnet.
    mynetworks: spec.inetProtocols === 'all' ? ['127.0.0.0/8', '[::1]/128'] : ['127.0.0.0/8'],
    inet_interfaces: 'all',
    inet_protocols: spec.inetProtocols,
    relayhost: spec.relay?.host ?? '',
    // Plus addressing: user+tag@domain is delivered to user@domain (the tag is kept for Sieve).
    recipient_delimiter: recipientDelimiter(spec),
    biff: false,
    message_size_limit: spec.messageSizeLimit,
    // Mailboxes are limited by Dovecot, not by Postfix's local(8) default of 50 MB.
    mailbox_size_limit: 0,
    maximal_queue_lifetime: spec.maximalQueueLifetime,
    bounce_queue_lifetime: spec.bounceQueueLifetime,
    // Tell senders after 4 h that delivery is delayed (off by default).
    delay_warning_time: spec.delayWarningTime,
    unknown_local_recipient_reject_code: rejectCode,
    unknown_virtual_mailbox_reject_code: rejectCode,
    unknown_virtual_alias_reject_code: rejectCode,
    unknown_relay_recipient_reject_code: rejectCode,

    ...(primary
      ? {
          virtual_mailbox_domains: postfixMapReference('virtual-mailbox-domains'),
          virtual_mailbox_maps: postfixMapReference('virtual-mailbox-maps'),
          // The database's aliases first: an operator's alias of root@<mail origin> wins.
          virtual_alias_maps: [postfixMapReference('virtual-alias-maps'), postfixMapReference('mailbox-self-aliases'), rootMailAliases(spec)],
          // Deliver to Dovecot (quota, Sieve, indexes) instead of Postfix's virtual(8).
          virtual_transport: `lmtp:unix:${DOVECOT_LMTP_SOCKET}`,
          // Which login owns a sender address, for the submission services'
          // reject_sender_login_mismatch. Set here, not per service, so that proxymap's
          // default proxy_read_maps ($smtpd_sender_login_maps) admits the table.
          smtpd_sender_login_maps: postfixMapReference('sender-logins'),
        }
      : {
          relay_domains: postfixMapReference('relay-domains'),
          // Accept only recipients that exist on the primary (same database) or are listed
          // in relays: no accept-then-bounce backscatter.
          relay_recipient_maps: [
            postfixMapReference('relay-recipients'),
            postfixMapReference('mailbox-self-aliases'),
            postfixMapReference('virtual-alias-maps'),
            // root@<mail origin> exists on the primary even without a database alias (rootMailAliases).
            rootMailAliases(spec),
          ],
          // Everything for relay_domains is queued here and handed to the primary MX, over verified
          // TLS only (tlsPolicies); while it is down or fails the check, mail waits here for up to
          // maximal_queue_lifetime.
          relay_transport: `relay:${primaryMxNexthop(spec)}`,
          // Only root@/postmaster@ this host is rewritten here; root@<mail origin> (cron's mail) is
          // relayed as it is, for the primary to expand with the database's aliases first.
          virtual_alias_maps: rootMailAliases(spec, rootMailAddresses(spec).filter((a) => a.endsWith(`@${spec.hostname}`))),
        }),

    ...port25Restrictions(spec, ext),
    ...postscreenParameters(spec),
    ...clientLimitParameters(spec),

    // Inbound TLS. Opportunistic on 25 (RFC 3207: a public MX must not require TLS); the
    // submission services raise the level to "encrypt" in master.cf.
    smtpd_tls_cert_file: spec.tls.certificateChainFile,
    smtpd_tls_key_file: spec.tls.privateKeyFile,
    smtpd_tls_security_level: 'may',
    // The same TLS on every port (host/tls-policy.ts): TLS 1.2+ with AEAD suites in our order,
    // also where it is opportunistic (25). A sender that speaks only TLS 1.0/1.1 or CBC suites
    // then sends in clear (Postfix and most MTAs retry without STARTTLS), which it could be made
    // to do anyway by anyone on the path; offering it weak TLS would only look safer (README, "TLS").
    smtpd_tls_protocols: `>=${MINIMUM_TLS_PROTOCOL}`,
    smtpd_tls_mandatory_protocols: `>=${MINIMUM_TLS_PROTOCOL}`,
    smtpd_tls_ciphers: 'high',
    smtpd_tls_mandatory_ciphers: 'high',
    tls_high_cipherlist: TLS12_CIPHERS,
    // Postfix adds anonymous suites to an opportunistic server's list unless excluded.
    smtpd_tls_exclude_ciphers: ['aNULL'],
    tls_preempt_cipherlist: true,
    // Never offer AUTH before STARTTLS (AUTH itself is enabled only on 587/465).
    smtpd_tls_auth_only: true,
    smtpd_tls_session_cache_database: 'btree:${data_directory}/smtpd_scache',
    // Log the TLS protocol and cipher of each session, and record them in Received:.
    smtpd_tls_loglevel: 1,
    smtpd_tls_received_header: true,

    // Outbound TLS: opportunistic (most MXes offer it) except where tlsPolicies requires it, session
    // reuse, the system's CA store (public CAs; "Trusted"/"Verified" in the log).
    smtp_tls_security_level: 'may',
    smtp_tls_CAfile: '/etc/ssl/certs/ca-certificates.crt',
    smtp_tls_session_cache_database: 'btree:${data_directory}/smtp_scache',
    smtp_tls_loglevel: 1,
    smtp_tls_policy_maps: tlsPolicies(spec).length > 0 ? `inline:{ ${tlsPolicies(spec).join(', ')} }` : null,
    ...(spec.relay?.authenticated
      ? {
          // Log in to the relay (e.g. Amazon SES) with the credentials the provision step writes.
          // texthash needs no postmap; the SMTP client reads it as root, before dropping privileges.
          // https://www.postfix.org/SASL_README.html#client_sasl_enable
          smtp_sasl_auth_enable: true,
          smtp_sasl_password_maps: `texthash:${RELAY_PASSWORD_FILE}`,
          // Relays offer PLAIN/LOGIN (the default also forbids plaintext mechanisms); they are safe
          // here because the password only ever goes over verified TLS (tlsPolicies).
          smtp_sasl_security_options: 'noanonymous',
          smtp_sasl_tls_security_options: 'noanonymous',
          // (TLS to the relay is required and verified: tlsPolicies.)
        }
      : {}),

    ...(primary
      ? {
          // SASL through Dovecot's auth socket. Off here, so port 25 offers no AUTH; the
          // submission services turn it on. https://www.postfix.org/SASL_README.html#server_dovecot
          smtpd_sasl_type: 'dovecot',
          smtpd_sasl_path: DOVECOT_AUTH_SOCKET,
          smtpd_sasl_auth_enable: false,
          smtpd_sasl_security_options: 'noanonymous',
          smtpd_sasl_tls_security_options: 'noanonymous',
        }
      : {}),

    content_filter: ext.contentFilter?.nexthop ?? null,
    // Port 25 and local mail; the submission services name their own in master.cf.
    smtpd_milters: ext.milters?.endpoints.length ? [...ext.milters.endpoints] : null,
    non_smtpd_milters: ext.milters?.endpoints.length ? [...ext.milters.endpoints] : null,
    milter_default_action: ext.milters?.endpoints.length ? (ext.milters.defaultAction ?? 'accept') : null,
  };
};
