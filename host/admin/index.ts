/**
 * `mirovoy-admin`, the host-side CLI for domains, mailboxes (with their quotas) and aliases (primary only).
 *
 * Python 3 with Debian's python3-pymysql rather than bash + mariadb: it needs parameterised
 * queries (addresses are user input), alias-loop checks and a password path that never
 * touches argv; in bash each of those is quoting work that is easy to get wrong.
 */
import { join } from 'path';
import { RenderedFile } from '../files';
import { generatedJsonFile } from '../format/json-file';
import { pythonScriptFile } from '../format/python-script';
import { databaseSecretFile } from '../secrets';
import { ResolvedMailHostSpec } from '../spec';

/** Where the CLI is installed. */
export const ADMIN_CLI_PATH = '/usr/local/sbin/mirovoy-admin';
/** Where its settings are (read by the CLI; no secrets). */
export const ADMIN_CONFIG_PATH = '/etc/mirovoy/admin.json';
/**
 * Scheme of new password hashes: the strongest `doveadm pw -l` lists on trixie (Dovecot
 * 2.4.1 built with libsodium). Old {SHA512-CRYPT}/{SHA256-CRYPT} and bare $6$/$5$ hashes
 * keep verifying through their prefix or the passdb default scheme CRYPT.
 */
export const PASSWORD_SCHEME = 'ARGON2ID';

/**
 * Settings the CLI reads, as written to admin.json. The database host and password are in
 * `option_file`, written at run time by the provision step.
 */
export const adminCliConfig = (spec: ResolvedMailHostSpec): Record<string, string | number | null> => ({
  port: spec.database.port,
  database: spec.database.name,
  user: spec.database.users.admin,
  option_file: databaseSecretFile('admin').path,
  tls_ca_file: spec.database.tlsCaFile,
  password_scheme: PASSWORD_SCHEME,
  mailbox_root: spec.mailboxRoot,
  vmail_uid: spec.vmailUid,
  vmail_gid: spec.vmailGid,
  // What users.quota '' means (host/dovecot/quota.ts), for `user quota`.
  default_quota_mib: spec.defaultQuotaMiB,
});

/** The CLI and its settings file. */
export const renderAdminCli = (spec: ResolvedMailHostSpec): RenderedFile[] => [
  pythonScriptFile(ADMIN_CLI_PATH, join(__dirname, 'mirovoy-admin.py'), 'host/admin/mirovoy-admin.py'),
  generatedJsonFile(ADMIN_CONFIG_PATH, 'host/admin/index.ts', adminCliConfig(spec)),
];
