/**
 * Credentials never appear in rendered files. The provision step fetches them at run
 * time and writes the files listed here before any daemon or script that reads them
 * starts. This module is the contract between the renderers and that step.
 */
import { POSTFIX_MAP_DIRECTORY, POSTFIX_MAP_TEMPLATE_DIRECTORY, postfixMapsFor } from './postfix/mysql-maps';
import { ResolvedMailHostSpec } from './spec';

/** Database accounts whose passwords a host may hold. */
export type DatabaseCredential = 'master' | 'lookup' | 'postfix' | 'admin' | 'amavis' | 'dump' | 'roundcube' | 'webmailPassword';

/** A file with a secret in it, written by the provision step (not by a renderer). */
export interface SecretFile {
  readonly path: string;
  readonly mode: string;
  readonly owner: string;
  readonly group: string;
  /** Which database account's credential goes in the file. */
  readonly credential: DatabaseCredential;
  /**
   * - `mysql-option-file`: one `[client]` group holding `host = <database host>` and
   *   `password = <value>` (the master's, written by `mirovoy-db-migrate`, also `user = <name>`,
   *   whose name comes with the secret). Every reader takes the host from here: the `mariadb` client
   *   (`--defaults-extra-file`), libmariadb (Dovecot with an empty `mysql_host`, DBD::MariaDB
   *   without `host=`) and `mirovoy-admin`.
   * - `postfix-mysql-map`: the rendered `template` file followed by
   *   `hosts = inet:<database host>:<port>` and `password = <value>`.
   *
   * The database host is the run-time setting `database-host` (host/provision/runtime-seam.ts).
   * `mirovoy-provision` writes both (host/provision/mirovoy-provision.sh) and refuses a value
   * that does not match `DATABASE_SECRET_VALUE`.
   */
  readonly format: 'mysql-option-file' | 'postfix-mysql-map';
  /** For `postfix-mysql-map`: the rendered file the secret file starts with. */
  readonly template?: string;
  /** Who reads it, for people and logs. */
  readonly readers: string;
}

/** Directory of all secret files: traversable by daemons, not listable. */
export const PRIVATE_DIRECTORY = { path: '/etc/mirovoy/private', mode: '0711', owner: 'root', group: 'root' } as const;

/**
 * Postfix's credentials for an authenticated relay (`smtp_sasl_password_maps`, texthash:
 * `[host]:port username:password`), written at run time from the secret `relay`, root-only:
 * Postfix's SMTP client opens it before it drops root privileges.
 */
export const RELAY_PASSWORD_FILE = `${PRIVATE_DIRECTORY.path}/relay-password`;

/**
 * Characters a database secret may hold. Its files are read by the `mariadb` client
 * (`--defaults-extra-file`), libmariadb (Dovecot `mysql_option_file`, DBD::MariaDB), Postfix's
 * map parser and PyMySQL (`read_default_file`), which disagree on quoting and escapes (PyMySQL
 * strips quotes but does not unescape), so only values that need neither are written; `#` and
 * `;` would start a comment. https://mariadb.com/kb/en/configuring-mariadb-with-option-files/
 */
export const DATABASE_SECRET_VALUE = /^[A-Za-z0-9_.+=/:~^@%-]+$/;

const FILES: Readonly<Record<DatabaseCredential, Omit<SecretFile, 'credential' | 'format'>>> = {
  lookup: {
    path: `${PRIVATE_DIRECTORY.path}/mysql-lookup.cnf`,
    mode: '0600',
    owner: 'root',
    group: 'root',
    readers: 'Dovecot auth-worker (root), mirovoy-db-migrate',
  },
  // Postfix itself reads its password from the map files (postfixMapSecretFiles); this option
  // file is what mirovoy-db-migrate sets the account's password from.
  postfix: {
    path: `${PRIVATE_DIRECTORY.path}/mysql-postfix.cnf`,
    mode: '0600',
    owner: 'root',
    group: 'root',
    readers: 'mirovoy-db-migrate',
  },
  // Written by mirovoy-db-migrate itself when it starts, removed when it ends (primary only).
  master: {
    path: `${PRIVATE_DIRECTORY.path}/mysql-master.cnf`,
    mode: '0600',
    owner: 'root',
    group: 'root',
    readers: 'mirovoy-db-migrate, while it runs',
  },
  admin: {
    path: `${PRIVATE_DIRECTORY.path}/mysql-admin.cnf`,
    mode: '0600',
    owner: 'root',
    group: 'root',
    readers: 'mirovoy-admin (run as root), mirovoy-db-migrate',
  },
  // Root-only until Amavis is installed and on; then see `amavisReadableSecretFile`.
  amavis: {
    path: `${PRIVATE_DIRECTORY.path}/mysql-amavis.cnf`,
    mode: '0600',
    owner: 'root',
    group: 'root',
    readers: 'mirovoy-db-migrate',
  },
  dump: {
    path: `${PRIVATE_DIRECTORY.path}/mysql-dump.cnf`,
    mode: '0600',
    owner: 'root',
    group: 'root',
    readers: 'mirovoy-db-dump (run as root by its timer), mirovoy-db-migrate',
  },
  // On the primary root-only (the schema step sets the accounts' passwords from them); a web host
  // writes its own copies readable by Apache (host/web).
  roundcube: {
    path: `${PRIVATE_DIRECTORY.path}/mysql-roundcube.cnf`,
    mode: '0600',
    owner: 'root',
    group: 'root',
    readers: 'mirovoy-db-migrate',
  },
  webmailPassword: {
    path: `${PRIVATE_DIRECTORY.path}/mysql-webmail-password.cnf`,
    mode: '0600',
    owner: 'root',
    group: 'root',
    readers: 'mirovoy-db-migrate',
  },
};

/** The secret file of one credential. */
export const databaseSecretFile = (credential: DatabaseCredential): SecretFile => ({
  ...FILES[credential],
  credential,
  format: 'mysql-option-file',
});

/**
 * Credentials whose files stay on a host. The backup MX only looks up relay recipients (Postfix), so
 * it gets neither Dovecot's lookup password (which reads the hashes), nor the admin or Amavis one;
 * the dump user's only the host that dumps (the primary, `databaseDumps`). The master's is no
 * host's: see {@link runsSchemaStep}.
 */
export const credentialsFor = (spec: Pick<ResolvedMailHostSpec, 'role' | 'databaseDumps' | 'database'>): readonly DatabaseCredential[] =>
  spec.role === 'primary'
    ? [
        'lookup',
        'postfix',
        'admin',
        'amavis',
        ...(spec.databaseDumps.enabled ? (['dump'] as const) : []),
        // The webmail hosts' accounts: made here, used there.
        ...(spec.database.webmail.enabled ? (['roundcube', 'webmailPassword'] as const) : []),
      ]
    : ['postfix'];

/**
 * Whether the host applies the schema: the migrations and every service account, the backup MX's
 * Postfix account included (issue 12, item 2). The primary only: it is the one host that may
 * fetch the master credential, and `mirovoy-db-migrate` holds it on disk only while it runs. A
 * backup MX that boots first finds no account yet; its Postfix lookups fail and it defers (4xx)
 * until the primary has made it.
 */
export const runsSchemaStep = (spec: Pick<ResolvedMailHostSpec, 'role'>): boolean => spec.role === 'primary';

/**
 * Live Postfix map files: template + the Postfix account's password. proxymap(8) runs as the
 * postfix user, hence group postfix; the account may read no password hash (host/mysql/grants.ts),
 * so a process that gets at these files learns addresses and aliases, not credentials.
 */
export const postfixMapSecretFiles = (spec: ResolvedMailHostSpec): SecretFile[] =>
  postfixMapsFor(spec).map((name) => ({
    path: `${POSTFIX_MAP_DIRECTORY}/${name}.cf`,
    mode: '0640',
    owner: 'root',
    group: 'postfix',
    credential: 'postfix',
    format: 'postfix-mysql-map',
    template: `${POSTFIX_MAP_TEMPLATE_DIRECTORY}/${name}.cf`,
    readers: 'Postfix proxymap (postmap -q as root)',
  }));

/**
 * The file as written on a host, given the spec: Amavis (user amavis, DBI with
 * mariadb_read_default_file) reads its credential through the amavis group when it runs.
 * Dovecot's auth process runs as the `dovecot` user and makes SQL lookups itself as well as
 * through its root auth-worker; with a root-only file the first logins after a start failed
 * ("Access denied … using password: NO", seen in the rehearsal).
 */
const hostSecretFile = (spec: ResolvedMailHostSpec, credential: DatabaseCredential): SecretFile => {
  const file = databaseSecretFile(credential);
  if (credential === 'amavis' && spec.amavis.enabled) return { ...file, mode: '0640', group: 'amavis', readers: 'Amavis (group amavis), mirovoy-db-migrate' };
  if (credential === 'lookup' && spec.role === 'primary') return { ...file, mode: '0640', group: 'dovecot', readers: 'Dovecot auth and auth-worker, mirovoy-db-migrate' };
  return file;
};

/** Every secret file the provision step must write on this host, in writing order. */
export const secretFilesFor = (spec: ResolvedMailHostSpec): readonly SecretFile[] => [
  ...credentialsFor(spec).map((credential) => hostSecretFile(spec, credential)),
  ...postfixMapSecretFiles(spec),
];

