/**
 * Roundcube on a webmail host: `config.inc.php` as data through the PHP serializer, the Apache
 * site in front of it (behind the load balancer), the health page and the schema step.
 * Settings: /etc/roundcube/defaults.inc.php of Debian's roundcube-core 1.6, and the plugins'
 * config.inc.php.dist (password, managesieve).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAPS_PORT, MANAGESIEVE_PORT, SUBMISSIONS_PORT } from '../client-ports';
import { generatedHeader, RenderedFile } from '../files';
import { PhpValue, renderPhpAssignments } from '../format/php';
import { WEBMAIL_PASSWORD_COLUMNS } from '../mysql/grants';
import { PRIVATE_DIRECTORY } from '../secrets';
import { fallbackVirtualHostLines, healthPageLines, loadBalancerServerLines } from './behind-load-balancer';
import { ResolvedWebHostSpec } from './spec';
import { WEB_APPLICATION_HTTP_PORT } from './web-plan';

/** Roundcube's configuration, replacing Debian's (which includes the dbconfig-common file we do not use). */
export const ROUNDCUBE_CONFIG_PATH = '/etc/roundcube/config.inc.php';
/** The Apache site: the first in sites-enabled, so it is also the default for the health check's Host. */
export const APACHE_SITE_PATH = '/etc/apache2/sites-enabled/00-mirovoy-webmail.conf';
/** The schema step (`mirovoy-provision` runs it with `--wait`). */
export const ROUNDCUBE_SCHEMA_PATH = '/usr/local/sbin/mirovoy-roundcube-schema';
/** The configuration check run before Apache (re)starts. */
export const ROUNDCUBE_CHECK_PATH = '/usr/local/lib/mirovoy/roundcube-config-check.php';
/** The health page's file and its URL path (the target group's health check). */
export const HEALTH_PAGE_PATH = '/usr/local/share/mirovoy/webmail/mirovoy-health.php';
export const HEALTH_CHECK_URL_PATH = '/mirovoy-health';

/** Run-time files with secrets, written by the provision step, readable by Apache (group www-data). */
export const WEBMAIL_SECRET_FILES = {
  /** `[client]` host and password of Roundcube's database owner. */
  roundcube: `${PRIVATE_DIRECTORY.path}/mysql-roundcube.cnf`,
  /** `[client]` host and password of the password plugin's account. */
  webmailPassword: `${PRIVATE_DIRECTORY.path}/mysql-webmail-password.cnf`,
  /** Roundcube's `des_key`, alone. */
  desKey: `${PRIVATE_DIRECTORY.path}/roundcube-des-key`,
} as const;

const iniField = (path: string, field: 'host' | 'password'): PhpValue => ({
  of: { of: { call: 'parse_ini_file', args: [path, true, { constant: 'INI_SCANNER_RAW' }] }, key: 'client' },
  key: field,
});

/** A Roundcube DSN whose host and password are read from an option file at run time; TLS verified. */
const dsn = (spec: ResolvedWebHostSpec, user: string, optionFile: string, database: string): PhpValue => ({
  concat: [
    `mysql://${user}:`,
    { call: 'rawurlencode', args: [iniField(optionFile, 'password')] },
    '@',
    iniField(optionFile, 'host'),
    `:${spec.database.port}/${database}?ca=${spec.database.tlsCaFile}&verify_server_cert=1`,
  ],
});

/** Verify the mail host's certificate by name (IMAP, SMTP, ManageSieve alike). */
const verifiedTls = (spec: ResolvedWebHostSpec): PhpValue => ({
  ssl: { verify_peer: true, verify_peer_name: true, peer_name: spec.mailHostname, allow_self_signed: false },
});

/** The `$config` entries of config.inc.php. */
export const roundcubeSettings = (spec: ResolvedWebHostSpec): Record<string, PhpValue> => {
  const { users } = spec.database;
  return {
    db_dsnw: dsn(spec, users.roundcube, WEBMAIL_SECRET_FILES.roundcube, spec.database.name),
    // The primary by its stable name: Roundcube's users rows are keyed by it (a replaced MX keeps them).
    imap_host: `ssl://${spec.mailHostname}:${IMAPS_PORT}`,
    imap_conn_options: verifiedTls(spec),
    // Submission with the user's own credentials (implicit TLS, RFC 8314).
    smtp_host: `ssl://${spec.mailHostname}:${SUBMISSIONS_PORT}`,
    smtp_user: '%u',
    smtp_pass: '%p',
    smtp_conn_options: verifiedTls(spec),
    des_key: { call: 'trim', args: [{ call: 'file_get_contents', args: [WEBMAIL_SECRET_FILES.desKey] }] },
    product_name: spec.productName,
    support_url: '',
    skin: 'elastic',
    // Behind the load balancer, which terminates TLS: Roundcube treats requests as HTTPS (secure
    // cookies, https URLs). mod_remoteip gives it the client's address (REMOTE_ADDR), so it needs
    // no proxy_whitelist of its own.
    use_https: true,
    session_samesite: 'Strict',
    trusted_host_patterns: [`^${spec.publicHostname.replace(/\./g, '\\.')}$`],
    login_rate_limit: 3,
    log_driver: 'syslog',
    enable_installer: false,
    enable_spellcheck: false,
    plugins: ['password', ...(spec.managesieve ? ['managesieve'] : [])],
    // Password plugin: the old password is asked for and checked; the new one is hashed with
    // SHA512-CRYPT under Dovecot's scheme prefix, which the passdb verifies (host/admin: old
    // {SHA512-CRYPT} hashes keep verifying). Argon2id (PHP's password_hash, {ARGON2ID}) was tried:
    // in the rehearsal, Dovecot refused the new password right after the change and accepted it
    // later (cause not found yet), so it is not used.
    password_driver: 'sql',
    password_confirm_current: true,
    password_minimum_length: spec.minimumPasswordLength,
    password_algorithm: 'sha512-crypt',
    password_algorithm_prefix: '{SHA512-CRYPT}',
    password_db_dsn: dsn(spec, users.webmailPassword, WEBMAIL_SECRET_FILES.webmailPassword, spec.database.mailDatabaseName),
    // %P the new hash, %u the login (the mailbox address); only the columns its grant names.
    password_query: `UPDATE users SET ${WEBMAIL_PASSWORD_COLUMNS.update[0]} = %P, ${WEBMAIL_PASSWORD_COLUMNS.update[1]} = '' WHERE id = %u AND enabled = 1`,
    ...(spec.managesieve
      ? {
          // Dovecot's ManageSieve on the primary, STARTTLS (tls://) required there.
          managesieve_host: `tls://${spec.mailHostname}:${MANAGESIEVE_PORT}`,
          managesieve_conn_options: verifiedTls(spec),
          managesieve_vacation: 1,
          managesieve_forward: 1,
        }
      : {}),
  };
};

/** /etc/roundcube/config.inc.php (group www-data: Apache's PHP reads it). */
export const renderRoundcubeConfig = (spec: ResolvedWebHostSpec): RenderedFile => ({
  path: ROUNDCUBE_CONFIG_PATH,
  content: renderPhpAssignments(generatedHeader('//', 'host/web/roundcube.ts'), 'config', roundcubeSettings(spec)),
  mode: '0640',
  owner: 'root',
  group: 'www-data',
});

/**
 * The Apache site. mod_remoteip takes the client's address from X-Forwarded-For only from the
 * load balancer's networks (https://httpd.apache.org/docs/2.4/mod/mod_remoteip.html); HTTPS=on
 * only when the balancer says the client used HTTPS. Roundcube answers only under its public name
 * (its own `trusted_host_patterns` merely keeps a forged Host out of the URLs it makes); any other
 * Host — the balancer's health check asks by the instance's address — gets the first, default
 * virtual host: the health page and 404s.
 */
export const renderApacheSite = (spec: ResolvedWebHostSpec): RenderedFile => {
  const health = healthPageLines(HEALTH_CHECK_URL_PATH, HEALTH_PAGE_PATH);
  const lines = [
    ...loadBalancerServerLines(spec.trustedProxies),
    ...fallbackVirtualHostLines(WEB_APPLICATION_HTTP_PORT, 'webmail', health, HEALTH_PAGE_PATH),
    `<VirtualHost *:${WEB_APPLICATION_HTTP_PORT}>`,
    `  ServerName ${spec.publicHostname}`,
    '  DocumentRoot /var/lib/roundcube/public_html',
    '  Header always set Strict-Transport-Security "max-age=31536000"',
    '  CustomLog ${APACHE_LOG_DIR}/webmail-access.log mirovoy_client',
    ...health,
    '</VirtualHost>',
  ];
  return { path: APACHE_SITE_PATH, content: `${generatedHeader('#', 'host/web/roundcube.ts')}${lines.join('\n')}\n`, mode: '0644', owner: 'root', group: 'root' };
};

const shipped = (name: string): string => readFileSync(join(__dirname, name), 'utf8');

/** The health page, the schema step and the configuration check, shipped as they are in this folder. */
export const roundcubeScripts = (): RenderedFile[] => [
  { path: ROUNDCUBE_CHECK_PATH, content: shipped('mirovoy-roundcube-check.php'), mode: '0644', owner: 'root', group: 'root' },
  { path: HEALTH_PAGE_PATH, content: shipped('mirovoy-health.php'), mode: '0644', owner: 'root', group: 'root' },
  { path: ROUNDCUBE_SCHEMA_PATH, content: shipped('mirovoy-roundcube-schema.php'), mode: '0755', owner: 'root', group: 'root' },
];
