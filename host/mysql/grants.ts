/**
 * Least-privilege database accounts. The master account is only used by
 * `mirovoy-db-migrate` to apply migrations and to create these accounts.
 */
import { POSTFIX_MAP_COLUMNS } from '../postfix/mysql-maps';
import { DatabaseCredential } from '../secrets';
import { ResolvedMailHostSpec } from '../spec';

/** The accounts we create (every credential except the master's). */
export type ServiceCredential = Exclude<DatabaseCredential, 'master'>;

/** The mail tables (every table of the schema but `schema_migrations`). */
export const MAIL_TABLES = ['domains', 'users', 'aliases', 'backups', 'relays'] as const;

/**
 * The columns of `users` Roundcube's password plugin touches: it sets `crypt` (and empties
 * `clear`, a reference-era cleartext copy that would otherwise keep the old password readable),
 * finding the row by `id` among enabled mailboxes (host/web/roundcube.ts `password_query`).
 */
export const WEBMAIL_PASSWORD_COLUMNS = { update: ['crypt', 'clear'], select: ['id', 'enabled'] } as const;

/**
 * GRANT statements of one account (no CREATE USER: that needs the password, added at run time);
 * Roundcube's owner account first creates its database.
 */
export const grantStatements = (spec: ResolvedMailHostSpec, credential: ServiceCredential): string[] => {
  const db = spec.database;
  const account = `'${db.users[credential]}'@'${db.clientHostPattern}'`;
  switch (credential) {
    case 'lookup':
      // Dovecot passdb/userdb: read only. The passdb needs users.crypt.
      return MAIL_TABLES.map((t) => `GRANT SELECT ON ${db.name}.${t} TO ${account}`);
    case 'postfix':
      // Postfix maps: the columns their queries read, no password hash or cleartext (its map files
      // are readable by group postfix). Column grants, as for Amavis.
      return Object.entries(POSTFIX_MAP_COLUMNS).map(([table, columns]) => `GRANT SELECT (${columns.join(', ')}) ON ${db.name}.${table} TO ${account}`);
    case 'admin':
      // mirovoy-admin: row changes only; no DDL (the reference's mail user had CREATE/DROP).
      return MAIL_TABLES.map((t) => `GRANT SELECT, INSERT, UPDATE, DELETE ON ${db.name}.${t} TO ${account}`);
    case 'amavis':
      // Amavis only asks "is this a local domain/recipient"; it never sees password hashes.
      return [
        `GRANT SELECT ON ${db.name}.domains TO ${account}`,
        `GRANT SELECT (id, enabled) ON ${db.name}.users TO ${account}`,
      ];
    case 'dump':
      // mariadb-dump --single-transaction of the whole database (schema_migrations included, so a
      // restored database knows its schema version): SELECT and SHOW VIEW are all it needs. It
      // runs with --no-tablespaces (else MySQL 8 wants PROCESS) and --skip-triggers (the TRIGGER
      // privilege would also let it create triggers; the migrations create none). No LOCK TABLES:
      // --single-transaction reads one consistent snapshot without locking.
      return [`GRANT SELECT, SHOW VIEW ON ${db.name}.* TO ${account}`];
    case 'roundcube':
      // Roundcube's own database: initdb/updatedb create and alter its tables (host/web), so the
      // owner has every privilege there but GRANT OPTION, and none on the mail database.
      return [
        `CREATE DATABASE IF NOT EXISTS ${db.webmail.databaseName} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
        `GRANT ALL PRIVILEGES ON ${db.webmail.databaseName}.* TO ${account}`,
      ];
    case 'webmailPassword':
      // The password plugin's UPDATE: column grants (a WHERE clause needs SELECT on its columns).
      return [
        `GRANT SELECT (${WEBMAIL_PASSWORD_COLUMNS.select.join(', ')}), UPDATE (${WEBMAIL_PASSWORD_COLUMNS.update.join(', ')}) ON ${db.name}.users TO ${account}`,
      ];
  }
};
