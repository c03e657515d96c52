/**
 * Data loaded into the mail database once, on the primary, right after `mirovoy-db-migrate`:
 * a `mysqldump` of a reference (Flurdy/Mirovoy) server and the sample data of `testData`. Each
 * import is one transaction that starts by writing its row in `data_imports` (migration 4), so a
 * row there means "done": later provision runs, and a replaced primary, skip it, and a second
 * primary racing the first fails on the row's key and rolls back.
 *
 * A dump is never run against the mail database: `mirovoy-db-import` loads it into a scratch
 * database as a temporary account that may touch nothing else (its `DROP TABLE`/`CREATE TABLE`
 * and anything aimed at another database fail there), checks that it has the reference's tables
 * and columns, and copies the rows with explicit column lists (the SQL below).
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { RenderedFile, withHeader } from '../files';
import { renderShellAssignments, withoutCommentLines } from '../format/shell';
import { RUNTIME_SECRETS } from '../provision/runtime-seam';
import { DATABASE_SECRET_VALUE } from '../secrets';
import { ResolvedMailHostSpec } from '../spec';

/** Path of the import script. */
export const DB_IMPORT_PATH = '/usr/local/sbin/mirovoy-db-import';
/** The scratch database a dump is loaded into, and the temporary account that loads it (same name). */
export const IMPORT_SCRATCH_DATABASE = 'mirovoy_import';
/** Names of the imports in `data_imports`. */
export const DATA_IMPORT_NAMES = { referenceDump: 'reference-dump', testData: 'test-data' } as const;
/** The secret holding the sample mailboxes' passwords: `{"xandros": "…", "vivita": "…"}`. */
export const TEST_DATA_SECRET = RUNTIME_SECRETS.testData;
/** The sample mailboxes (local parts at the first mail domain), as the reference's `InsertTestData` made them. */
export const TEST_DATA_USERS = ['xandros', 'vivita'] as const;

/**
 * The reference's columns that the import reads, by table (mirovoy-inventory §4). `clear`, `uid`,
 * `gid` and `home` are not read: cleartext is never imported, and the owner and root of the
 * mailboxes are this host's. `backups` and `relays` (the reference's backup MX tables) are optional.
 */
export const REFERENCE_DUMP_COLUMNS = {
  domains: ['domain', 'transport', 'enabled'],
  users: ['id', 'name', 'maildir', 'enabled', 'change_password', 'crypt', 'quota'],
  aliases: ['mail', 'destination', 'enabled'],
  backups: ['domain', 'transport', 'enabled'],
  relays: ['recipient', 'enabled', 'status'],
} as const;

/** The reference's own rows for local delivery (its "required rows"); this system has no local delivery. */
const LOCAL_DOMAINS = ['localhost', 'localhost.localdomain'];

/** Where the SQL of the imports is installed. */
const importSqlPath = (name: string): string => `/usr/local/share/mirovoy/mysql/import/${name}.sql`;

const sqlString = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
const sqlList = (values: readonly string[]): string => values.map(sqlString).join(', ');

/** Whether a spec imports anything. */
export const importsData = (spec: ResolvedMailHostSpec): boolean => spec.dataImports.referenceDump !== null || spec.dataImports.testData;

/**
 * Run on the scratch database after the dump: one line per missing table or column (none: the
 * dump has the reference's shape). The optional tables are made empty first when the dump has none.
 */
export const referenceShapeSql = (): string => {
  const [backups, relays] = [REFERENCE_DUMP_COLUMNS.backups, REFERENCE_DUMP_COLUMNS.relays];
  const expected = Object.entries(REFERENCE_DUMP_COLUMNS)
    .flatMap(([table, columns]) => columns.map((column) => `SELECT ${sqlString(table)} AS t, ${sqlString(column)} AS c`))
    .join('\n  UNION ALL ');
  return [
    `CREATE TABLE IF NOT EXISTS backups (${backups[0]} VARCHAR(255) NOT NULL, ${backups[1]} VARCHAR(128) NOT NULL, ${backups[2]} TINYINT(1) NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS relays (${relays[0]} VARCHAR(255) NOT NULL, ${relays[1]} TINYINT(1) NOT NULL, ${relays[2]} VARCHAR(10) NOT NULL)`,
    `SELECT CONCAT('no column ', r.t, '.', r.c) FROM (\n  ${expected}\n) AS r\nLEFT JOIN information_schema.COLUMNS AS k\n  ON k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = r.t AND k.COLUMN_NAME = r.c\nWHERE k.COLUMN_NAME IS NULL`,
  ]
    .map((s) => `${s};\n`)
    .join('\n');
};

/** Run on the scratch database once its shape is right: one line per row the import refuses. */
export const referenceRowsSql = (): string =>
  [
    "SELECT CONCAT('users.id is not an address: ', QUOTE(id)) FROM users WHERE id NOT REGEXP '^[^@[:space:]]+@[^@[:space:]]+$'",
    // home is this host's mailbox root; a maildir must stay below it.
    "SELECT CONCAT('users.maildir of ', id, ' leads out of the mailbox root: ', QUOTE(maildir)) FROM users WHERE maildir LIKE '/%' OR maildir LIKE '%..%'",
  ]
    .map((s) => `${s};\n`)
    .join('\n');

/**
 * The copy from the scratch database into the mail database, in one transaction; `@dump_sha256`
 * is set before it. What differs from the reference's rows:
 * - `clear` is always '' (migration 3's rule: nothing reads it, a value there only waits to be stolen);
 * - `crypt` of a traditional DES hash (13 characters, the reference's default for a row whose
 *   password was never set, and crackable in any case) becomes '' (no login until
 *   `mirovoy-admin user password`); NULL becomes '';
 * - `uid`/`gid`/`home` are this host's vmail account and mailbox root, so a maildir moved to
 *   `<mailbox root>/<maildir>` is found; a `maildir` of '' or the reference's default 'blah/'
 *   (every such mailbox shared one directory) becomes `<domain>/<local part>/`, as mirovoy-admin makes it;
 * - the reference's rows for local delivery (domains localhost and localhost.localdomain, aliases
 *   from or to them) and self-aliases (the Postfix maps map every mailbox to itself) are left out;
 * - a domain already present (the config's, added by mirovoy-db-migrate) keeps its row.
 * A mailbox or alias that exists already fails the transaction: nothing is overwritten.
 */
export const referenceCopySql = (spec: ResolvedMailHostSpec): string => {
  const db = spec.database.name;
  const from = IMPORT_SCRATCH_DATABASE;
  const source = spec.dataImports.referenceDump;
  if (source === null) throw new Error('referenceCopySql: the spec imports no reference dump');
  const local = sqlList(LOCAL_DOMAINS);
  const localAddress = LOCAL_DOMAINS.map((d) => `s.destination LIKE ${sqlString(`%@${d}`)} OR s.destination LIKE ${sqlString(`%@${d},%`)}`).join(' OR ');
  const des = "s.crypt REGEXP '^[./0-9A-Za-z]{13}$'";
  const maildirOf = "CASE WHEN s.maildir IN ('', 'blah/') THEN CONCAT(SUBSTRING_INDEX(s.id, '@', -1), '/', SUBSTRING_INDEX(s.id, '@', 1), '/') ELSE s.maildir END";
  return [
    // Errors, not warnings: a value too long for a column fails the import instead of being cut.
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'",
    'START TRANSACTION',
    // First, so a second primary importing at the same time waits here and then fails on the key.
    `INSERT INTO ${db}.data_imports (name, source, sha256) VALUES (${sqlString(DATA_IMPORT_NAMES.referenceDump)}, ${sqlString(`s3://${source.bucket}/${source.key}`)}, @dump_sha256)`,
    `INSERT INTO ${db}.domains (domain, transport, enabled)\n  SELECT s.domain, s.transport, s.enabled FROM ${from}.domains AS s\n  WHERE s.domain NOT IN (${local}) AND NOT EXISTS (SELECT 1 FROM ${db}.domains AS d WHERE d.domain = s.domain)`,
    'SET @domains = ROW_COUNT()',
    `SELECT COUNT(*) INTO @des FROM ${from}.users AS s WHERE ${des}`,
    `INSERT INTO ${db}.users (id, name, uid, gid, home, maildir, enabled, change_password, clear, crypt, quota)\n  SELECT s.id, s.name, ${spec.vmailUid}, ${spec.vmailGid}, ${sqlString(spec.mailboxRoot)}, ${maildirOf}, s.enabled, s.change_password, '',\n    CASE WHEN s.crypt IS NULL OR ${des} THEN '' ELSE s.crypt END, COALESCE(s.quota, '')\n  FROM ${from}.users AS s`,
    'SET @users = ROW_COUNT()',
    `INSERT INTO ${db}.aliases (mail, destination, enabled)\n  SELECT s.mail, s.destination, s.enabled FROM ${from}.aliases AS s\n  WHERE s.mail <> s.destination AND SUBSTRING_INDEX(s.mail, '@', -1) NOT IN (${local}) AND NOT (${localAddress})`,
    'SET @aliases = ROW_COUNT()',
    `INSERT INTO ${db}.backups (domain, transport, enabled) SELECT s.domain, s.transport, s.enabled FROM ${from}.backups AS s`,
    `INSERT INTO ${db}.relays (recipient, enabled, status) SELECT s.recipient, s.enabled, s.status FROM ${from}.relays AS s`,
    `SET @summary = CONCAT(@domains, ' domains, ', @users, ' mailboxes (', @des, ' with a DES password hash, which cannot log in until mirovoy-admin user password), ', @aliases, ' aliases')`,
    `UPDATE ${db}.data_imports SET summary = @summary WHERE name = ${sqlString(DATA_IMPORT_NAMES.referenceDump)}`,
    'COMMIT',
    'SELECT @summary',
  ]
    .map((s) => `${s};\n`)
    .join('');
};

/**
 * The sample data, in one transaction; `@xandros` and `@vivita` (their password hashes) are set
 * before it. Like the reference's `InsertTestData` at the config's domains instead of example.com
 * and example.net: two mailboxes at the first domain, karl@ forwarding to both (the reference
 * forwarded to an outside address), and each further domain caught whole for xandros@ (the
 * reference's @example.net). A row that exists already is kept as it is.
 */
export const testDataSql = (spec: ResolvedMailHostSpec): string => {
  const db = spec.database.name;
  const [first, ...others] = spec.mailDomains;
  const address = (local: string) => `${local}@${first}`;
  const users = TEST_DATA_USERS.map(
    (local) =>
      `(${sqlList([address(local), `${local[0].toUpperCase()}${local.slice(1)} (test data)`])}, ${spec.vmailUid}, ${spec.vmailGid}, ${sqlList([spec.mailboxRoot, `${first}/${local}/`])}, 1, 0, '', @${local})`,
  );
  const aliases = [
    [address('karl'), TEST_DATA_USERS.map(address).join(',')],
    ...others.map((domain) => [`@${domain}`, address(TEST_DATA_USERS[0])]),
  ].map((pair) => `(${sqlList(pair)})`);
  return [
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'",
    'START TRANSACTION',
    `INSERT INTO ${db}.data_imports (name, source) VALUES (${sqlString(DATA_IMPORT_NAMES.testData)}, ${sqlString(`secret ${TEST_DATA_SECRET}`)})`,
    `INSERT INTO ${db}.users (id, name, uid, gid, home, maildir, enabled, change_password, clear, crypt) VALUES\n  ${users.join(',\n  ')}\n  ON DUPLICATE KEY UPDATE id = id`,
    `INSERT INTO ${db}.aliases (mail, destination) VALUES\n  ${aliases.join(',\n  ')}\n  ON DUPLICATE KEY UPDATE mail = mail`,
    `UPDATE ${db}.data_imports SET summary = ${sqlString(`mailboxes ${TEST_DATA_USERS.map(address).join(', ')}; aliases ${aliases.length}`)} WHERE name = ${sqlString(DATA_IMPORT_NAMES.testData)}`,
    'COMMIT',
  ]
    .map((s) => `${s};\n`)
    .join('');
};

const file = (path: string, content: string, mode = '0644'): RenderedFile => ({ path, content, mode, owner: 'root', group: 'root' });
const sqlFile = (name: string, content: string): RenderedFile => file(importSqlPath(name), withHeader('--', 'host/mysql/import.ts', content));

const IMPORT_BODY = withoutCommentLines(readFileSync(join(__dirname, 'mirovoy-db-import.sh'), 'utf8'));

/** The import script and its SQL (none when the spec imports nothing). */
export const renderDataImports = (spec: ResolvedMailHostSpec, common: Readonly<Record<string, string | readonly string[]>>): RenderedFile[] => {
  if (!importsData(spec)) return [];
  const dump = spec.dataImports.referenceDump;
  const config = renderShellAssignments({
    ...common,
    SCRATCH: IMPORT_SCRATCH_DATABASE,
    IMPORT_NAMES: [dump === null ? '' : DATA_IMPORT_NAMES.referenceDump, spec.dataImports.testData ? DATA_IMPORT_NAMES.testData : ''].filter((n) => n !== ''),
    REFERENCE_DUMP_NAME: DATA_IMPORT_NAMES.referenceDump,
    TEST_DATA_NAME: DATA_IMPORT_NAMES.testData,
    DUMP_BUCKET: dump?.bucket ?? '',
    DUMP_KEY: dump?.key ?? '',
    SHAPE_SQL: importSqlPath('reference-shape'),
    ROWS_SQL: importSqlPath('reference-rows'),
    COPY_SQL: importSqlPath('reference-copy'),
    TEST_DATA_SQL: importSqlPath('test-data'),
    TEST_DATA_SECRET,
    TEST_DATA_USERS: [...TEST_DATA_USERS],
    PASSWORD_VALUE: DATABASE_SECRET_VALUE.source,
  });
  return [
    ...(dump === null
      ? []
      : [sqlFile('reference-shape', referenceShapeSql()), sqlFile('reference-rows', referenceRowsSql()), sqlFile('reference-copy', referenceCopySql(spec))]),
    ...(spec.dataImports.testData ? [sqlFile('test-data', testDataSql(spec))] : []),
    file(DB_IMPORT_PATH, `#!/bin/bash\n${withHeader('#', 'host/mysql/mirovoy-db-import.sh', config)}${IMPORT_BODY}`, '0755'),
  ];
};
