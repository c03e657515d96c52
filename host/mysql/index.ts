/**
 * Database files of a mail host: the migration SQL, the grants, and
 * `mirovoy-db-migrate`, which applies both idempotently at every provision run, and on a primary
 * that imports data `mirovoy-db-import` (`import.ts`), which runs right after it.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { ADMIN_CLI_PATH, ADMIN_CONFIG_PATH, renderAdminCli } from '../admin';
import { MailDaemon } from '../daemon';
import { RenderedFile, withHeader } from '../files';
import { renderShellAssignments, withoutCommentLines } from '../format/shell';
import { DATABASE_HOST_VALUE, FETCH_COMMAND, RUNTIME_SECRETS, RUNTIME_SETTINGS, STORE_COMMAND } from '../provision/runtime-seam';
import { credentialsFor, DATABASE_SECRET_VALUE, databaseSecretFile, PRIVATE_DIRECTORY, runsSchemaStep } from '../secrets';
import { ResolvedMailHostSpec } from '../spec';
import { grantStatements, ServiceCredential } from './grants';
import { DB_IMPORT_PATH, renderDataImports } from './import';
import { MIGRATIONS, migrationChecksum, migrationFileName, migrationSql } from './migrations';

export * from './grants';
export * from './import';
export * from './migrations';

/** Where the SQL files are installed. */
export const MYSQL_SHARE_DIRECTORY = '/usr/local/share/mirovoy/mysql';
/** Path of the apply script. */
export const DB_MIGRATE_PATH = '/usr/local/sbin/mirovoy-db-migrate';
/**
 * Named lock serialising schema changes in the database: a restore's run and the provision step's,
 * or a replaced primary booting while the old one still runs.
 */
export const SCHEMA_LOCK_NAME = 'mirovoy_mail_schema';
/** How long `mirovoy-db-migrate` waits for {@link SCHEMA_LOCK_NAME} unless `--lock-wait` says otherwise. */
export const SCHEMA_LOCK_WAIT_SECONDS = 600;

/** `mariadb` client options for TLS (none: the client library's defaults). */
export const mariadbTlsArguments = (spec: ResolvedMailHostSpec): string[] =>
  spec.database.tlsCaFile === null ? [] : [`--ssl-ca=${spec.database.tlsCaFile}`, '--ssl-verify-server-cert'];

const serviceCredentials = (spec: ResolvedMailHostSpec): ServiceCredential[] =>
  credentialsFor(spec).filter((c): c is ServiceCredential => c !== 'master');

/** Wraps prose into `-- ` comment lines of at most 90 characters. */
const sqlComment = (text: string): string =>
  text
    .split(' ')
    .reduce<string[]>((lines, word) => {
      const last = lines[lines.length - 1];
      if (last !== undefined && `${last} ${word}`.length <= 87) lines[lines.length - 1] = `${last} ${word}`;
      else lines.push(word);
      return lines;
    }, [])
    .map((line) => `-- ${line}\n`)
    .join('');

const file = (path: string, content: string, mode = '0644'): RenderedFile => ({ path, content, mode, owner: 'root', group: 'root' });

/** The script body, kept as a real (commented) shell file so it can be read and linted as one. */
const MIGRATE_BODY = withoutCommentLines(readFileSync(join(__dirname, 'mirovoy-db-migrate.sh'), 'utf8'));

/**
 * Migration and grant SQL plus the apply script, for the host that applies the schema (the
 * primary, `runsSchemaStep`): all migrations, and every service account, those of the backup MX
 * included (they are the primary's too).
 */
export const renderMysql = (spec: ResolvedMailHostSpec): RenderedFile[] => {
  const credentials = serviceCredentials(spec);
  // What mirovoy-db-migrate and mirovoy-db-import share: both run as the master account, the
  // import only from inside mirovoy-db-migrate (`--then`), while the master's option file exists.
  const session = {
    DB_PORT: String(spec.database.port),
    DB_NAME: spec.database.name,
    TLS_ARGS: mariadbTlsArguments(spec),
    MASTER_OPTION_FILE: databaseSecretFile('master').path,
    ACCOUNT_HOST: spec.database.clientHostPattern,
  };
  const config = renderShellAssignments({
    ...session,
    FETCH: FETCH_COMMAND,
    DB_HOST_SETTING: RUNTIME_SETTINGS.databaseHost,
    DB_HOST_VALUE: DATABASE_HOST_VALUE.source,
    MASTER_SECRET: RUNTIME_SECRETS.databaseMaster,
    PRIVATE_DIRECTORY: PRIVATE_DIRECTORY.path,
    PRIVATE_DIRECTORY_MODE: PRIVATE_DIRECTORY.mode,
    LOCK_WAIT_SECONDS: String(SCHEMA_LOCK_WAIT_SECONDS),
    SHARE_DIRECTORY: MYSQL_SHARE_DIRECTORY,
    LOCK_NAME: SCHEMA_LOCK_NAME,
    SECRET_VALUE: DATABASE_SECRET_VALUE.source,
    // "<version> <file> <sha256>" per migration, oldest first.
    MIGRATIONS: MIGRATIONS.map((m) => `${m.version} ${migrationFileName(m)} ${migrationChecksum(m)}`),
    // "<user> <secret file>" per account this host ensures.
    ACCOUNTS: credentials.map((c) => `${spec.database.users[c]} ${databaseSecretFile(c).path}`),
    // The mail domains of the config, added to `domains`.
    MAIL_DOMAINS: spec.mailDomains,
  });
  return [
    ...MIGRATIONS.map((m) =>
      file(
        `${MYSQL_SHARE_DIRECTORY}/migrations/${migrationFileName(m)}`,
        withHeader('--', 'host/mysql/migrations.ts', `${sqlComment(m.description)}\n${migrationSql(m)}`),
      ),
    ),
    ...credentials.map((c) =>
      file(
        `${MYSQL_SHARE_DIRECTORY}/grants/${spec.database.users[c]}.sql`,
        withHeader('--', 'host/mysql/grants.ts', grantStatements(spec, c).map((s) => `${s};`).join('\n') + '\n'),
      ),
    ),
    file(DB_MIGRATE_PATH, `#!/bin/bash\n${withHeader('#', 'host/mysql/mirovoy-db-migrate.sh', config)}${MIGRATE_BODY}`, '0755'),
    ...renderDataImports(spec, { ...session, FETCH: FETCH_COMMAND, STORE: STORE_COMMAND }),
  ];
};

/**
 * The mail database's side of the primary: its schema and grants applied by `mirovoy-db-migrate`
 * and `mirovoy-admin`, the CLI editing its domains, mailboxes and aliases. The backup MX only
 * reads the database through Postfix's maps (its own package). No unit: both run per use.
 */
export const mailDatabase: MailDaemon = {
  name: 'mail database',
  layer: 'mail',
  enabled: runsSchemaStep,
  // mariadb-client-core: the mariadb client and my_print_defaults, which is all mirovoy-db-migrate
  // needs (mariadb-client adds 64 MB of tools we never run); python3-pymysql: mirovoy-admin.
  packages: () => ['mariadb-client-core', 'python3-pymysql'],
  files: (spec) => [...renderAdminCli(spec), ...renderMysql(spec)],
  units: () => [],
  unitOfPath: [
    { prefix: ADMIN_CLI_PATH, unit: null },
    { prefix: ADMIN_CONFIG_PATH, unit: null },
    { prefix: `${MYSQL_SHARE_DIRECTORY}/`, unit: null },
    { prefix: DB_MIGRATE_PATH, unit: null },
    { prefix: DB_IMPORT_PATH, unit: null },
  ],
};
