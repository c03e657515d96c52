/**
 * A dump of a reference (Flurdy/Mirovoy) mail database as `mysqldump --add-drop-table maildb` of
 * a MySQL 8.0 server writes it: the reference's own tables (smallint ids, varchar(120)
 * addresses, `clear` defaulting to 'ChangeMe', `maildir` to 'blah/'), its required rows for local
 * delivery, and mailboxes whose `crypt` holds SHA512-CRYPT or SHA256-CRYPT hashes made here with
 * `openssl passwd -6`/`-5` (prefixed `{SHA512-CRYPT}`/`{SHA256-CRYPT}` as the reference recommends, or bare).
 */
import { spawnSync } from 'node:child_process';

/** A mailbox of the old server. */
export interface ReferenceMailbox {
  readonly id: string;
  /** Its password (hashed into `crypt`), or a ready `crypt` value (e.g. a DES hash). */
  readonly password?: string;
  readonly crypt?: string;
  /** The crypt(3) scheme of the hash made from `password`. @default 'SHA512-CRYPT' */
  readonly scheme?: CryptScheme;
  /** Prefix the hash with its scheme, e.g. `{SHA512-CRYPT}`. @default true */
  readonly schemePrefix?: boolean;
  /** The cleartext the reference kept in `clear`. @default 'ChangeMe' */
  readonly clear?: string;
  /** @default '<domain>/<local>/' */
  readonly maildir?: string;
}

/** A reference dump's rows besides the required ones. */
export interface ReferenceDumpRows {
  readonly domains: readonly string[];
  readonly mailboxes: readonly ReferenceMailbox[];
  /** `[mail, destination]` pairs. */
  readonly aliases: readonly (readonly [string, string])[];
}

/** The two crypt(3) schemes the reference's users have (its docs recommend SHA512-CRYPT). */
export type CryptScheme = 'SHA512-CRYPT' | 'SHA256-CRYPT';

const OPENSSL_PASSWD_OPTION: Record<CryptScheme, string> = { 'SHA512-CRYPT': '-6', 'SHA256-CRYPT': '-5' };

const cryptHash = (password: string, scheme: CryptScheme): string => {
  const option = OPENSSL_PASSWD_OPTION[scheme];
  const run = spawnSync('openssl', ['passwd', option, '-stdin'], { input: password, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl passwd ${option} failed: ${run.stderr}`);
  return run.stdout.trim();
};

const quoted = (value: string | number): string => (typeof value === 'number' ? String(value) : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);

const table = (name: string, columns: string, rows: readonly (readonly (string | number)[])[], autoIncrement = true): string =>
  [
    `--\n-- Table structure for table \`${name}\`\n--\n`,
    `DROP TABLE IF EXISTS \`${name}\`;`,
    '/*!40101 SET @saved_cs_client     = @@character_set_client */;',
    '/*!50503 SET character_set_client = utf8mb4 */;',
    `CREATE TABLE \`${name}\` (\n${columns}\n) ENGINE=InnoDB${autoIncrement ? ` AUTO_INCREMENT=${rows.length + 1}` : ''} DEFAULT CHARSET=latin1;`,
    '/*!40101 SET character_set_client = @saved_cs_client */;',
    `\n--\n-- Dumping data for table \`${name}\`\n--\n`,
    `LOCK TABLES \`${name}\` WRITE;`,
    `/*!40000 ALTER TABLE \`${name}\` DISABLE KEYS */;`,
    ...(rows.length > 0 ? [`INSERT INTO \`${name}\` VALUES ${rows.map((r) => `(${r.map(quoted).join(',')})`).join(',')};`] : []),
    `/*!40000 ALTER TABLE \`${name}\` ENABLE KEYS */;`,
    'UNLOCK TABLES;',
    '',
  ].join('\n');

/** The dump text. */
export const referenceDump = (rows: ReferenceDumpRows): string => {
  const domains = ['localhost', 'localhost.localdomain', ...rows.domains].map((d, i) => [i + 1, d, 'virtual:', 1]);
  const users = rows.mailboxes.map((m) => {
    const [local, domain] = m.id.split('@');
    const scheme = m.scheme ?? 'SHA512-CRYPT';
    const crypt = m.crypt ?? `${m.schemePrefix === false ? '' : `{${scheme}}`}${cryptHash(m.password ?? '', scheme)}`;
    return [m.id, local, 5000, 5000, '/var/spool/mail/virtual', m.maildir ?? `${domain}/${local}/`, 1, 1, m.clear ?? 'ChangeMe', crypt, ''];
  });
  const required: [string, string][] = [
    ...['postmaster', 'sysadmin', 'webmaster', 'abuse', 'root'].map((l): [string, string] => [`${l}@localhost`, 'root@localhost']),
    ['@localhost', 'root@localhost'],
    ['@localhost.localdomain', '@localhost'],
  ];
  const aliases = [...required, ...rows.aliases].map(([mail, destination], i) => [i + 1, mail, destination, 1]);
  return [
    '-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)',
    '--',
    '-- Host: localhost    Database: maildb',
    '-- ------------------------------------------------------',
    '-- Server version\t8.0.36-0ubuntu0.22.04.1',
    '',
    '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;',
    '/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;',
    '/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;',
    '/*!50503 SET NAMES utf8mb4 */;',
    '/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;',
    "/*!40103 SET TIME_ZONE='+00:00' */;",
    '/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;',
    '/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;',
    "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;",
    '/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;',
    '',
    table(
      'aliases',
      "  `pkid` smallint NOT NULL AUTO_INCREMENT,\n  `mail` varchar(120) NOT NULL DEFAULT '',\n  `destination` varchar(120) NOT NULL DEFAULT '',\n  `enabled` tinyint(1) NOT NULL DEFAULT '1',\n  PRIMARY KEY (`pkid`),\n  UNIQUE KEY `mail` (`mail`)",
      aliases,
    ),
    table(
      'domains',
      "  `pkid` smallint NOT NULL AUTO_INCREMENT,\n  `domain` varchar(120) NOT NULL DEFAULT '',\n  `transport` varchar(120) NOT NULL DEFAULT 'virtual:',\n  `enabled` tinyint(1) NOT NULL DEFAULT '1',\n  PRIMARY KEY (`pkid`),\n  UNIQUE KEY `domain` (`domain`)",
      domains,
    ),
    table(
      'users',
      "  `id` varchar(128) NOT NULL DEFAULT '',\n  `name` varchar(128) NOT NULL DEFAULT '',\n  `uid` smallint unsigned NOT NULL DEFAULT '5000',\n  `gid` smallint unsigned NOT NULL DEFAULT '5000',\n" +
        "  `home` varchar(255) NOT NULL DEFAULT '/var/spool/mail/virtual',\n  `maildir` varchar(255) NOT NULL DEFAULT 'blah/',\n  `enabled` tinyint(1) NOT NULL DEFAULT '1',\n  `change_password` tinyint(1) NOT NULL DEFAULT '1',\n" +
        "  `clear` varchar(128) NOT NULL DEFAULT 'ChangeMe',\n  `crypt` varchar(128) NOT NULL DEFAULT 'sdtrusfX0Jj66',\n  `quota` varchar(255) NOT NULL DEFAULT '',\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `id` (`id`)",
      users,
      false,
    ),
    '/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;',
    '/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;',
    '/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;',
    '/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;',
    '/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;',
    '/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;',
    '/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;',
    '/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;',
    '',
    '-- Dump completed on 2026-01-01  3:00:00',
    '',
  ].join('\n');
};
