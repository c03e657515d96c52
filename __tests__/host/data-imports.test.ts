/**
 * The SQL and script of `mirovoy-db-import` (issue 14, items 3 and 4): what they may and may not
 * do to the mail database. That they do it on a real server is the rehearsal's
 * (__tests__/e2e/mail-migration.e2e.test.ts).
 */
import { checkMailHostSpec, DB_IMPORT_PATH, MIGRATIONS, referenceCopySql, referenceShapeSql, renderMailHost, resolveMailHostSpec, testDataSql } from '../../host';
import { secretsReadBy } from '../../host/provision';
import { backupSpec, fileOf, primarySpec } from './fixtures';

const DUMP = { bucket: 'old-mail', key: 'mail/maildb.sql' };
const importing = resolveMailHostSpec({ ...primarySpec, mailDomains: ['example.com', 'example.net'], vmailUid: 5001, dataImports: { referenceDump: DUMP, testData: true } });
const statements = (sql: string) => sql.split(';\n').map((s) => s.trim()).filter(Boolean);

describe('the reference dump copy', () => {
  const copy = statements(referenceCopySql(importing));

  it('is one transaction whose first write is its data_imports row (a racing second primary fails on its key)', () => {
    expect(copy[1]).toBe('START TRANSACTION');
    expect(copy[2]).toBe("INSERT INTO maildb.data_imports (name, source, sha256) VALUES ('reference-dump', 's3://old-mail/mail/maildb.sql', @dump_sha256)");
    expect(copy[copy.length - 2]).toBe('COMMIT');
    // Strict: a value too long for a column fails instead of being cut.
    expect(copy[0]).toMatch(/sql_mode = 'STRICT_ALL_TABLES/);
  });

  it('writes only rows, with explicit column lists, into the mail tables: no DDL, nothing from the scratch database run', () => {
    for (const s of copy) expect(s).not.toMatch(/\b(DROP|CREATE|ALTER|TRUNCATE|RENAME|GRANT)\b/i);
    const inserts = copy.filter((s) => s.startsWith('INSERT'));
    expect(inserts.map((s) => /^INSERT INTO (\S+) \(/.exec(s)?.[1])).toEqual(['maildb.data_imports', 'maildb.domains', 'maildb.users', 'maildb.aliases', 'maildb.backups', 'maildb.relays']);
  });

  it("imports no cleartext, no DES hash, and this host's owner and mailbox root (migration 3's rule, and where the reference differs)", () => {
    const users = copy.find((s) => s.startsWith('INSERT INTO maildb.users'))!;
    expect(users).toMatch(/\(id, name, uid, gid, home, maildir, enabled, change_password, clear, crypt, quota\)\s+SELECT s\.id, s\.name, 5001, 5000, '\/var\/spool\/mail\/virtual', CASE WHEN s\.maildir IN \(''/);
    expect(users).toMatch(/s\.change_password, '',\s+CASE WHEN s\.crypt IS NULL OR s\.crypt REGEXP '\^\[\.\/0-9A-Za-z\]\{13\}\$' THEN '' ELSE s\.crypt END/);
    expect(users).not.toMatch(/s\.clear/);
  });

  it("leaves out the reference's local-delivery rows and self-aliases, and keeps a domain that is there already", () => {
    expect(copy.find((s) => s.startsWith('INSERT INTO maildb.domains'))).toMatch(/WHERE s\.domain NOT IN \('localhost', 'localhost\.localdomain'\) AND NOT EXISTS/);
    expect(copy.find((s) => s.startsWith('INSERT INTO maildb.aliases'))).toMatch(/WHERE s\.mail <> s\.destination AND SUBSTRING_INDEX\(s\.mail, '@', -1\) NOT IN \('localhost', 'localhost\.localdomain'\) AND NOT \(s\.destination LIKE '%@localhost'/);
  });

  it("checks the dump's shape against the reference's tables and columns (backups and relays made empty when absent)", () => {
    const shape = referenceShapeSql();
    expect(shape).toContain('CREATE TABLE IF NOT EXISTS backups');
    for (const column of ['domains.domain', 'users.crypt', 'users.maildir', 'aliases.destination', 'relays.status']) {
      const [table, name] = column.split('.');
      expect(shape).toContain(`SELECT '${table}' AS t, '${name}' AS c`);
    }
  });
});

describe('the test data', () => {
  const sql = testDataSql(importing);

  it("holds no password: only the hashes set before it, @xandros and @vivita", () => {
    expect(sql).toContain("('xandros@example.com', 'Xandros (test data)', 5001, 5000, '/var/spool/mail/virtual', 'example.com/xandros/', 1, 0, '', @xandros)");
    expect(sql).toContain("'', @vivita)");
  });

  it("is the reference's set at the config's domains: karl@ to both, the second domain caught for xandros", () => {
    expect(sql).toContain("('karl@example.com', 'xandros@example.com,vivita@example.com'),\n  ('@example.net', 'xandros@example.com')");
    expect(statements(sql)[2]).toBe("INSERT INTO maildb.data_imports (name, source) VALUES ('test-data', 'secret test-data')");
  });

  it("is read from the secret test-data by the primary, which the deployment must provide", () => {
    expect(secretsReadBy(renderMailHost({ ...primarySpec, dataImports: { testData: true } }))).toContain('test-data');
    expect(secretsReadBy(renderMailHost({ ...primarySpec, dataImports: { referenceDump: DUMP } }))).not.toContain('test-data');
  });
});

describe('the import script', () => {
  it('is rendered only for a primary that imports something, with SQL files for what it imports', () => {
    expect(renderMailHost(primarySpec).files.map((f) => f.path)).not.toContain(DB_IMPORT_PATH);
    const paths = renderMailHost({ ...primarySpec, dataImports: { testData: true } }).files.map((f) => f.path).filter((p) => /\/import\/|-import$/.test(p));
    expect(paths).toEqual(['/usr/local/share/mirovoy/mysql/import/test-data.sql', DB_IMPORT_PATH]);
  });

  it('loads the dump as the scratch account in the client sandbox, never as the master', () => {
    const script = fileOf({ ...primarySpec, dataImports: { referenceDump: DUMP } }, DB_IMPORT_PATH);
    expect(script).toMatch(/mariadb --defaults-extra-file="\$options" --port="\$DB_PORT" "\$\{TLS_ARGS\[@\]\}" --sandbox --local-infile=0 \\\n\s+--batch "\$SCRATCH" <"\$dump"/);
    expect(script).toContain("GRANT ALL ON $SCRATCH.* TO '$SCRATCH'@'$ACCOUNT_HOST';");
  });

  it('refuses a backup MX that imports, and a key with ".."', () => {
    expect(checkMailHostSpec({ ...backupSpec, dataImports: { testData: true } }).map((p) => p.field)).toEqual(['dataImports']);
    expect(checkMailHostSpec({ ...primarySpec, dataImports: { referenceDump: { bucket: 'old-mail', key: 'mail/../x.sql' } } }).map((p) => p.field)).toEqual(['dataImports.referenceDump.key']);
  });

  it('records its imports in a table of their own (migration 4)', () => {
    expect(MIGRATIONS.find((m) => m.name === 'data-imports')?.statements[0]).toMatch(/^CREATE TABLE IF NOT EXISTS data_imports \(\n  name VARCHAR\(64\) NOT NULL,[\s\S]*PRIMARY KEY \(name\)/);
  });
});
