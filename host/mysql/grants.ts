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

/** GRANT statements of one account (no CREATE USER: that needs the password, added at run time). */
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
  }
};
