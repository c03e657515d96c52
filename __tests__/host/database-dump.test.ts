/**
 * The nightly dump's record (host/backup): its units, account and secret, which host gets them,
 * and the checks `mirovoy-restore` makes before it touches a database, run for real by bash on
 * dumps made here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { checkMailHostSpec, renderMailHost, resolveMailHostSpec } from '../../host';
import { DB_DUMP_PATH, RESTORE_PATH } from '../../host/backup';
import { unitsInStartOrder } from '../../host/daemons';
import { grantStatements, MAIL_TABLES } from '../../host/mysql';
import { secretFilesFor } from '../../host/secrets';
import { backupSpec, fileOf, primarySpec } from './fixtures';

const paths = (spec: typeof primarySpec) => renderMailHost(spec).files.map((f) => f.path);

describe('the dump record', () => {
  it('gives the primary a nightly timer with a randomized delay, made up after a night off', () => {
    expect(fileOf(primarySpec, '/etc/systemd/system/mirovoy-db-dump.timer')).toContain('[Timer]\nOnCalendar = *-*-* 02:30:00 UTC\nRandomizedDelaySec = 30min\nPersistent = true\n');
    const tuned = { ...primarySpec, databaseDumps: { onCalendar: 'daily', randomizedDelay: '2h' } };
    expect(fileOf(tuned, '/etc/systemd/system/mirovoy-db-dump.timer')).toContain('OnCalendar = daily\nRandomizedDelaySec = 2h\n');
    expect(unitsInStartOrder(renderMailHost(primarySpec).daemons)).toContain('mirovoy-db-dump.timer');
  });

  it('leaves a failed dump failed: a oneshot service without Restart=', () => {
    const service = fileOf(primarySpec, '/etc/systemd/system/mirovoy-db-dump.service');
    expect(service).toContain(`Type = oneshot\nExecStart = ${DB_DUMP_PATH}\n`);
    expect(service).not.toMatch(/Restart/);
  });

  it('checks the calendar expression with systemd before the timer starts', () => {
    expect(renderMailHost(primarySpec).daemons.flatMap((d) => d.checks)).toContainEqual({ unit: 'mirovoy-db-dump.timer', command: ['systemd-analyze', 'calendar', '*-*-* 02:30:00 UTC'] });
  });

  it('grants the dump account SELECT and SHOW VIEW on the mail database, nothing more', () => {
    expect(grantStatements(resolveMailHostSpec(primarySpec), 'dump')).toEqual(["GRANT SELECT, SHOW VIEW ON maildb.* TO 'mirovoy_dump'@'%'"]);
  });

  it('gives only the primary the dump secret, the commands and the units', () => {
    expect(secretFilesFor(resolveMailHostSpec(primarySpec)).map((f) => f.credential)).toContain('dump');
    expect(secretFilesFor(resolveMailHostSpec(backupSpec)).map((f) => f.credential)).not.toContain('dump');
    expect(paths(primarySpec)).toEqual(expect.arrayContaining([DB_DUMP_PATH, RESTORE_PATH]));
    expect(paths(backupSpec).filter((p) => /dump|restore/.test(p))).toEqual([]);
    // Turned off: no account, no files.
    const off = { ...primarySpec, databaseDumps: { enabled: false } };
    expect(secretFilesFor(resolveMailHostSpec(off)).map((f) => f.credential)).not.toContain('dump');
    expect(paths(off).filter((p) => /dump|restore/.test(p))).toEqual([]);
  });

  it('refuses a dump on the backup MX and a delay systemd would not read', () => {
    expect(checkMailHostSpec({ ...backupSpec, databaseDumps: { enabled: true, randomizedDelay: 'later' } }).map((p) => p.field)).toEqual([
      'databaseDumps.enabled',
      'databaseDumps.randomizedDelay',
    ]);
  });

  it.each([DB_DUMP_PATH, RESTORE_PATH])('%s is valid bash', (path) => {
    const check = spawnSync('bash', ['-n'], { input: fileOf(primarySpec, path), encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});

describe('mirovoy-restore before it touches the database', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mirovoy-restore-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A dump as mariadb-dump writes it (the parts the checks read). */
  const dumpOf = (tables: readonly string[], completed = true) =>
    [
      '-- MariaDB dump 10.19  Distrib 11.8.9-MariaDB',
      ...tables.map((t) => `DROP TABLE IF EXISTS \`${t}\`;\nCREATE TABLE \`${t}\` (\n  \`id\` int\n);`),
      ...(completed ? ['-- Dump completed on 2026-12-01  2:30:00'] : []),
    ].join('\n') + '\n';
  const ALL = [...MAIL_TABLES, 'schema_migrations'];

  /** Runs the rendered restore command on a local file (it is root here, as on a host). */
  const restore = (content: Buffer | string, ...args: string[]) => {
    const file = join(dir, 'dump.sql.gz');
    writeFileSync(file, content);
    const run = spawnSync('bash', ['-s', '--', 'database', '--file', file, ...args], { input: fileOf(primarySpec, RESTORE_PATH), encoding: 'utf8' });
    return { status: run.status, output: run.stdout + run.stderr };
  };

  it('checks a good dump and, without --confirm, only says what it would do', () => {
    const run = restore(gzipSync(dumpOf(ALL)));
    expect(run.output).toMatch(/dump checked: \d+ bytes, sha256 [0-9a-f]{64}, Dump completed on 2026-12-01/);
    expect(run.output).toContain('would load it into maildb_restore_staging, then swap its tables into maildb in one RENAME TABLE');
    expect(run.output).toContain('nothing was changed: add --confirm to replace the mail database');
    expect(run.status).toBe(2);
  });

  it.each([
    ['not gzip', 'plain text', 'the dump is not an intact gzip file; nothing was changed'],
    ['cut short', gzipSync(dumpOf(ALL, false)), "the dump does not end with '-- Dump completed' (cut short?); nothing was changed"],
    ['without the users table', gzipSync(dumpOf(ALL.filter((t) => t !== 'users'))), 'the dump has no table users; nothing was changed'],
    ['without the schema version', gzipSync(dumpOf([...MAIL_TABLES])), 'the dump has no table schema_migrations; nothing was changed'],
  ])('refuses a dump %s, with --confirm too', (_, content, message) => {
    const run = restore(content, '--confirm');
    expect(run.output).toContain(`mirovoy-restore: ${message}`);
    expect(run.status).toBe(1);
  });

  it('says how to call it', () => {
    const run = spawnSync('bash', ['-s', '--', 'database'], { input: fileOf(primarySpec, RESTORE_PATH), encoding: 'utf8' });
    expect(run.stderr).toContain('say which dump: --latest, --key <key> or --file <path>');
    expect(run.status).toBe(2);
  });
});
