/**
 * The complete Dovecot 2.4 configuration of the primary. It replaces Debian's
 * dovecot.conf (and so its conf.d includes): one reviewed file, checked with `doveconf -n`.
 * Setting reference: https://doc.dovecot.org/2.4.1/core/summaries/settings.html
 */
import { filesSpamIntoJunk, JUNK_SIEVE_PATH } from '../amavis';
import { IMAP_STARTTLS_PORT, IMAPS_PORT } from '../client-ports';
import { DovecotBlock } from '../format/dovecot-conf';
import { DOVECOT_AUTH_SOCKET, DOVECOT_LMTP_SOCKET, POSTFIX_QUEUE_DIRECTORY } from '../postfix/main-cf';
import { databaseSecretFile } from '../secrets';
import { ResolvedMailHostSpec } from '../spec';
import { MINIMUM_TLS_PROTOCOL, TLS12_CIPHERS } from '../tls-policy';
import { manageSieveSettings } from './managesieve';
import { dovecotQuotaSettings, USERDB_QUOTA_FIELD } from './quota';

/**
 * A user may log in or receive mail only when both the mailbox row and its domain row
 * are enabled (the reference's passdb ignored `enabled`).
 */
const ENABLED_USERS =
  "FROM users u JOIN domains d ON d.domain = SUBSTRING_INDEX(u.id, '@', -1) WHERE u.enabled = 1 AND d.enabled = 1";

/** The passdb, userdb and iterate queries, exported for tests and the rehearsal. */
export const DOVECOT_QUERIES = {
  passdb: `SELECT u.id AS user, u.crypt AS password ${ENABLED_USERS} AND u.id = '%{user}'`,
  // home = users.home + '/' + users.maildir, the reference's layout (e.g.
  // /var/spool/mail/virtual/example.com/alice/), so restored spool volumes keep working.
  // quota_storage_size: the mailbox's own quota, or NULL for the default (host/dovecot/quota.ts).
  userdb: `SELECT CONCAT(u.home, '/', u.maildir) AS home, ${USERDB_QUOTA_FIELD} ${ENABLED_USERS} AND u.id = '%{user}'`,
  iterate: `SELECT u.id AS user ${ENABLED_USERS}`,
} as const;

/**
 * How long Dovecot waits before it answers a failed login (`auth_failure_delay`), on IMAP and on
 * Postfix's SASL requests alike; below Postfix's 10 s SASL timeout with room for the password check.
 */
export const DOVECOT_AUTH_FAILURE_DELAY_SECONDS = 5;

/** Folders every client sees with their RFC 6154 special-use flag, created on first login. */
const SPECIAL_USE_FOLDERS: readonly [string, string][] = [
  ['Drafts', '\\Drafts'],
  ['Sent', '\\Sent'],
  ['Junk', '\\Junk'],
  ['Trash', '\\Trash'],
];

const postfixSocket = (relative: string, mode: string): DovecotBlock => ({
  [`unix_listener ${POSTFIX_QUEUE_DIRECTORY}/${relative}`]: { mode, user: 'postfix', group: 'postfix' },
});

/** The dovecot.conf settings tree of a primary mail host. */
export const dovecotConfig = (spec: ResolvedMailHostSpec): DovecotBlock => ({
  // Must come first: selects the 2.4 setting names and defaults.
  dovecot_config_version: '2.4.0',
  dovecot_storage_version: '2.4.0',
  // `sieve` is ManageSieve (RFC 5804): users upload and activate their own scripts.
  protocols: ['imap', 'lmtp', ...(spec.sieve ? ['sieve'] : [])],
  listen: spec.inetProtocols === 'all' ? '*, ::' : '*',

  // TLS: no login without it (also on 143 and ManageSieve's 4190, which then require STARTTLS first).
  ssl: 'required',
  ssl_server_cert_file: spec.tls.certificateChainFile,
  ssl_server_key_file: spec.tls.privateKeyFile,
  // The same TLS as Postfix (host/tls-policy.ts), in our order. The server filter keeps the
  // cipher list off Dovecot's own client connections (to the database).
  ssl_min_protocol: MINIMUM_TLS_PROTOCOL,
  ssl_server: { ssl_cipher_list: TLS12_CIPHERS, ssl_server_prefer_ciphers: 'server' },

  // LOGIN in addition to PLAIN for older Outlook versions; both only inside TLS.
  auth_mechanisms: ['plain', 'login'],

  // One system user owns every mailbox; the fixed GID keeps restored volumes readable.
  mail_uid: spec.vmailUid,
  mail_gid: spec.vmailGid,
  first_valid_uid: spec.vmailUid,
  last_valid_uid: spec.vmailUid,
  first_valid_gid: spec.vmailGid,
  last_valid_gid: spec.vmailGid,

  // Explicit format and path: Dovecot never guesses the layout from what exists on disk,
  // so a user who has never received mail can log in and SELECT INBOX (the reference's
  // "maildir:" prefix fix). The Maildir is the home directory itself, as in the reference.
  mail_driver: 'maildir',
  mail_path: '%{home}',
  // Courier-compatible names (INBOX.Sent) as in the reference, so existing clients keep their folders.
  'namespace inbox': {
    inbox: true,
    separator: '.',
    prefix: 'INBOX.',
    ...Object.fromEntries(SPECIAL_USE_FOLDERS.map(([name, flag]) => [`mailbox ${name}`, { special_use: flag, auto: 'subscribe' }])),
  },
  // Same delimiter as Postfix, so LMTP finds user@domain for user+tag@domain.
  recipient_delimiter: spec.plusAddressing ? '+' : '',

  sql_driver: 'mysql',
  // A fixed label: the host is not known when this file is rendered. An empty mysql_host
  // makes Dovecot pass no host to libmariadb, which then takes `host` from the option file.
  'mysql database': {
    mysql_host: '',
    mysql_port: spec.database.port,
    mysql_dbname: spec.database.name,
    mysql_user: spec.database.users.lookup,
    // Host and password come from a MySQL option file ([client] group) written at run time.
    mysql_option_file: databaseSecretFile('lookup').path,
    mysql_ssl: spec.database.tlsCaFile !== null ? true : null,
    ssl_client_ca_file: spec.database.tlsCaFile,
  },
  'passdb sql': {
    // Bare $6$/$5$ hashes from the reference verify as CRYPT; {SCHEME}-prefixed ones by prefix.
    default_password_scheme: 'CRYPT',
    query: DOVECOT_QUERIES.passdb,
  },
  'userdb sql': {
    query: DOVECOT_QUERIES.userdb,
    iterate_query: DOVECOT_QUERIES.iterate,
  },

  'service imap-login': {
    // 993 always; 143 (STARTTLS) only when asked for: port 0 disables the listener.
    'inet_listener imap': { port: spec.imapStartTls ? IMAP_STARTTLS_PORT : 0 },
    'inet_listener imaps': { port: IMAPS_PORT, ssl: true },
  },
  // Postfix delivers over LMTP and authenticates submission users through this socket.
  'service lmtp': postfixSocket(DOVECOT_LMTP_SOCKET, '0600'),
  'service auth': postfixSocket(DOVECOT_AUTH_SOCKET, '0660'),
  // Every failed login waits this long for its answer, from any address: what slows a guesser
  // who spreads over many addresses (each one failing too rarely for fail2ban or for the per-address
  // penalty below to matter) is the time each guess holds one of its connections. Dovecot's default
  // is 2 s; more than Postfix's 10 s wait for the SASL answer (below) would turn every failed AUTH
  // on 587/465 into "Connection lost to authentication server" (with fail2ban off, the penalty
  // adds to it and does so from an address's third quick failure on: a 454, still a failure).
  auth_failure_delay: `${DOVECOT_AUTH_FAILURE_DELAY_SECONDS} secs`,
  // With fail2ban on, no auth penalty: Dovecot delays each further failed login of an address
  // (2, 4, 8, 15 s) while Postfix waits at most 10 s for Dovecot's SASL answer (AUTH_TIMEOUT
  // in xsasl_dovecot_server.c), so from the third quick failure on, submission logged only
  // "Connection lost to authentication server", which fail2ban's postfix-sasl filter ignores
  // by design: a fast password guesser on 587 was never banned (seen in the rehearsal).
  // fail2ban does the penalty's job. https://doc.dovecot.org/2.4.0/core/config/auth/penalty.html
  ...(spec.fail2ban.enabled ? { 'service anvil': { 'unix_listener anvil-auth-penalty': { mode: '0' } } } : {}),

  // Every mail process tracks and enforces quotas (quota-status too, which needs the plugin).
  mail_plugins: { quota: true },
  ...dovecotQuotaSettings(spec),

  'protocol imap': {
    // Phones, laptops and webmail behind one NAT address exceed the default of 10.
    mail_max_userip_connections: spec.maxUserIpConnections,
    // The IMAP QUOTA extension (RFC 9208): mail programs show the usage.
    mail_plugins: { imap_quota: true },
  },
  ...(spec.sieve
    ? {
        'protocol lmtp': { mail_plugins: { sieve: true } },
        // Each user's active script (Pigeonhole); no script means plain delivery to INBOX.
        'sieve_script personal': { sieve_script_driver: 'file', sieve_script_path: '~/sieve', sieve_script_active_path: '~/.dovecot.sieve' },
        ...manageSieveSettings(),
      }
    : {}),
  // Spam tagged by Amavis goes to Junk; it runs before the user's script, which may override it.
  ...(filesSpamIntoJunk(spec)
    ? { 'sieve_script spam-to-junk': { sieve_script_type: 'before', sieve_script_driver: 'file', sieve_script_path: JUNK_SIEVE_PATH } }
    : {}),
});
