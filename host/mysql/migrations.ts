/**
 * The mail schema as versioned migrations. Each runs once (recorded in
 * `schema_migrations` with its checksum) and is written so that re-running a half
 * applied one is harmless: MySQL commits DDL implicitly, so a migration cannot be
 * a transaction.
 *
 * Compatibility with the reference: same tables, same column names in the same order
 * (mysqldump writes positional `INSERT ... VALUES`), types only widened. An existing server's
 * dump is imported by `mirovoy-db-import` (`import.ts`, config `migration.databaseDumpS3Uri`)
 * through a scratch database, never run against this one; migration 2 still upgrades tables
 * that were made by the reference itself.
 */
import { createHash } from 'crypto';

/** One schema change. */
export interface Migration {
  /** Increasing, never reused. */
  readonly version: number;
  /** File-name slug. */
  readonly name: string;
  /** Why it exists (written into the SQL file). */
  readonly description: string;
  /** Statements, each idempotent on its own. */
  readonly statements: readonly string[];
}

const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci';

/** All migrations, oldest first. Never edit one that has shipped; add a new one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'mail-schema',
    description:
      'Tables of the reference (domains, users, aliases, backups, relays). Deviations: ids widened to INT, ' +
      'addresses to 255 characters, users.crypt to 255 (Argon2 hashes), alias destinations to 1024 (lists); ' +
      "users.clear defaults to '' instead of a shared cleartext password, users.crypt to '' (no login) instead " +
      "of a DES hash of it, users.maildir to '' instead of 'blah/'. users.uid/gid are kept for compatibility; " +
      'Dovecot uses the fixed vmail UID/GID instead.',
    statements: [
      `CREATE TABLE IF NOT EXISTS domains (
  pkid INT UNSIGNED NOT NULL AUTO_INCREMENT,
  domain VARCHAR(255) NOT NULL DEFAULT '',
  transport VARCHAR(128) NOT NULL DEFAULT 'virtual:',
  enabled TINYINT(1) NOT NULL DEFAULT 1,
  PRIMARY KEY (pkid),
  UNIQUE KEY domain (domain)
) ${TABLE_OPTIONS}`,
      `CREATE TABLE IF NOT EXISTS users (
  id VARCHAR(255) NOT NULL DEFAULT '',
  name VARCHAR(128) NOT NULL DEFAULT '',
  uid INT UNSIGNED NOT NULL DEFAULT 5000,
  gid INT UNSIGNED NOT NULL DEFAULT 5000,
  home VARCHAR(255) NOT NULL DEFAULT '/var/spool/mail/virtual',
  maildir VARCHAR(255) NOT NULL DEFAULT '',
  enabled TINYINT(1) NOT NULL DEFAULT 1,
  change_password TINYINT(1) NOT NULL DEFAULT 1,
  clear VARCHAR(128) NOT NULL DEFAULT '',
  crypt VARCHAR(255) NOT NULL DEFAULT '',
  quota VARCHAR(255) NOT NULL DEFAULT '',
  PRIMARY KEY (id)
) ${TABLE_OPTIONS}`,
      `CREATE TABLE IF NOT EXISTS aliases (
  pkid INT UNSIGNED NOT NULL AUTO_INCREMENT,
  mail VARCHAR(255) NOT NULL DEFAULT '',
  destination VARCHAR(1024) NOT NULL DEFAULT '',
  enabled TINYINT(1) NOT NULL DEFAULT 1,
  PRIMARY KEY (pkid),
  UNIQUE KEY mail (mail)
) ${TABLE_OPTIONS}`,
      `CREATE TABLE IF NOT EXISTS backups (
  pkid INT UNSIGNED NOT NULL AUTO_INCREMENT,
  domain VARCHAR(255) NOT NULL DEFAULT '',
  transport VARCHAR(128) NOT NULL DEFAULT ':[]',
  enabled TINYINT(1) NOT NULL DEFAULT 1,
  PRIMARY KEY (pkid),
  UNIQUE KEY domain (domain)
) ${TABLE_OPTIONS}`,
      `CREATE TABLE IF NOT EXISTS relays (
  pkid INT UNSIGNED NOT NULL AUTO_INCREMENT,
  recipient VARCHAR(255) NOT NULL DEFAULT '',
  enabled TINYINT(1) NOT NULL DEFAULT 1,
  status VARCHAR(10) NOT NULL DEFAULT 'OK',
  PRIMARY KEY (pkid),
  UNIQUE KEY recipient (recipient)
) ${TABLE_OPTIONS}`,
    ],
  },
  {
    version: 2,
    name: 'upgrade-reference-tables',
    description:
      'Brings tables created by the reference (or by a dump with its CREATE TABLEs) to the column sizes and ' +
      'defaults of migration 1. No-ops on tables created by migration 1.',
    statements: [
      "UPDATE users SET crypt = '' WHERE crypt IS NULL",
      "ALTER TABLE users MODIFY crypt VARCHAR(255) NOT NULL DEFAULT ''",
      "ALTER TABLE users ALTER COLUMN clear SET DEFAULT ''",
      "ALTER TABLE users ALTER COLUMN maildir SET DEFAULT ''",
    ],
  },
  {
    version: 3,
    name: 'blank-reference-cleartext',
    description:
      'Blanks users.clear: the reference kept a cleartext password there (a shared default, or the ' +
      "user's own), and rows imported from it still hold one. Nothing reads the column (Dovecot checks " +
      "users.crypt, mirovoy-admin writes ''), so a value in it only waits to be stolen.",
    statements: ["UPDATE users SET clear = '' WHERE clear <> ''"],
  },
  {
    version: 4,
    name: 'data-imports',
    description:
      'Records each import of data (a reference dump, the test data) by mirovoy-db-import, written in the ' +
      'transaction of its rows: a row here means it is done, on this primary and on any that replaces it.',
    statements: [
      `CREATE TABLE IF NOT EXISTS data_imports (
  name VARCHAR(64) NOT NULL,
  source VARCHAR(1024) NOT NULL DEFAULT '',
  sha256 CHAR(64) NOT NULL DEFAULT '',
  summary VARCHAR(1024) NOT NULL DEFAULT '',
  imported_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (name)
) ${TABLE_OPTIONS}`,
    ],
  },
];

/** The SQL text of a migration as shipped (statements end with `;`). */
export const migrationSql = (m: Migration): string => m.statements.map((s) => `${s};`).join('\n\n') + '\n';

/**
 * SHA-256 of the statements (not of the file header), recorded when applied; a mismatch
 * later means a shipped migration was edited.
 */
export const migrationChecksum = (m: Migration): string => createHash('sha256').update(migrationSql(m)).digest('hex');

/** File name of a migration, e.g. `0001-mail-schema.sql`. */
export const migrationFileName = (m: Migration): string => `${String(m.version).padStart(4, '0')}-${m.name}.sql`;
