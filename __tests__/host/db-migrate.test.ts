/**
 * `mirovoy-db-migrate` without a database: the migrations it ships, pinned, and the master option
 * file it writes for its own run, from the real rendered script run by bash against a fake seam.
 * Its refusals against a real MariaDB are in the rehearsal (mail-core.e2e.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB_MIGRATE_PATH, MIGRATIONS, migrationChecksum, migrationFileName } from '../../host/mysql';
import { DATABASE_HOST_VALUE } from '../../host/provision/runtime-seam';
import { DATABASE_SECRET_VALUE } from '../../host/secrets';
import { renderShellAssignments } from '../../host/format/shell';
import { fileOf, primarySpec } from './fixtures';

/**
 * Every shipped migration's checksum, as databases recorded it when they applied it. Never change
 * a line here: a database that applied the old text refuses the new one.
 */
const SHIPPED_CHECKSUMS: Readonly<Record<number, string>> = {
  1: '4e71110a79bace973fb474629a1897f605de85b9c2422c344c816db4a4cbf61d',
  2: '068ce0adc5e2d4aea374758c08d5ff79238198b9d9e709ca54f31195252040fd',
  3: '61a088edd20d2ed10d0b2ab7c6014501cf52bffc0ca302231e95636275976113',
  4: '4475be163d428a312efbba2061991746992706559997e80d9d8e3b8a70abfc9e',
};

describe('the shipped migrations', () => {
  it('are unchanged: each has the checksum it shipped with', () => {
    const problems = [
      ...MIGRATIONS.filter((m) => m.version in SHIPPED_CHECKSUMS && migrationChecksum(m) !== SHIPPED_CHECKSUMS[m.version]).map(
        (m) =>
          `${migrationFileName(m)} now has checksum ${migrationChecksum(m)}, it shipped with ${SHIPPED_CHECKSUMS[m.version]}: ` +
          'every database that applied it would refuse to migrate. Put it back and add a new migration instead.',
      ),
      ...MIGRATIONS.filter((m) => !(m.version in SHIPPED_CHECKSUMS)).map(
        (m) => `${migrationFileName(m)} is new: pin its checksum ${migrationChecksum(m)} in SHIPPED_CHECKSUMS once it ships`,
      ),
      ...Object.keys(SHIPPED_CHECKSUMS)
        .map(Number)
        .filter((version) => !MIGRATIONS.some((m) => m.version === version))
        .map((version) => `migration ${version} shipped and is gone: databases recorded it; keep it and add a new migration instead`),
    ];
    expect(problems).toEqual([]);
  });

  it('reach the script with those checksums, oldest first', () => {
    const listed = /^readonly MIGRATIONS=\((.*)\)$/m.exec(fileOf(primarySpec, DB_MIGRATE_PATH))?.[1];
    expect(listed).toBe(MIGRATIONS.map((m) => `'${m.version} ${migrationFileName(m)} ${SHIPPED_CHECKSUMS[m.version]}'`).join(' '));
  });
});

describe("mirovoy-db-migrate's master option file", () => {
  const script = fileOf(primarySpec, DB_MIGRATE_PATH);
  /** The functions of the script, without its generated settings and its main part. */
  const functions = script.slice(script.indexOf('set -euo pipefail'), script.indexOf('exec 7>/run/lock/mirovoy-db-migrate'));

  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mirovoy-db-migrate-test-'));
    // A seam like the rehearsal's: `setting <name>`, `secret <name> <field>`.
    writeFileSync(
      join(dir, 'fetch'),
      `#!/bin/bash\nset -euo pipefail\nif [[ $1 == setting ]]; then echo mail-db.abc123.eu-central-1.rds.amazonaws.com; exit; fi\n` +
        `f=${dir}/$2\n[[ -f $f ]] || { echo "no secret $2" >&2; exit 1; }\n` +
        `python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]], end="")' "$f" "$3"\n`,
      { mode: 0o755 },
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `write_master_option_file` of the real script with the master secret given (none: not readable). */
  const writeMasterOptionFile = (master?: { username: string; password: string }) => {
    if (master) writeFileSync(join(dir, 'db-master'), JSON.stringify(master));
    const settings = renderShellAssignments({
      FETCH: join(dir, 'fetch'),
      DB_HOST_SETTING: 'database-host',
      DB_HOST_VALUE: DATABASE_HOST_VALUE.source,
      MASTER_SECRET: 'db-master',
      MASTER_OPTION_FILE: join(dir, 'private/mysql-master.cnf'),
      PRIVATE_DIRECTORY: join(dir, 'private'),
      PRIVATE_DIRECTORY_MODE: '0711',
      SECRET_VALUE: DATABASE_SECRET_VALUE.source,
      LOCK_WAIT_SECONDS: '600',
    });
    const result = spawnSync('bash', ['-c', `${settings}${functions}write_master_option_file\n`], { encoding: 'utf8' });
    return { code: result.status, output: result.stdout + result.stderr };
  };

  it.each([
    ['punctuation RDS may generate', `a#b;c'd$e\`f\\g"h!%^&*()[]{}<>?|~=+,.:-_`, `"a#b;c'd$e\`f\\\\g\\"h!%^&*()[]{}<>?|~=+,.:-_"`],
    ['edge spaces and a trailing backslash', ' pass word \\', '" pass word \\\\"'],
    ['what looks like an escape', '\\n\\s', '"\\\\n\\\\s"'],
  ])('writes a master password with %s double-quoted and escaped for the MariaDB option-file parser, root-only (the e2e suites use it)', (_, password, written) => {
    expect(writeMasterOptionFile({ username: 'mirovoy', password })).toEqual({ code: 0, output: '' });
    const file = join(dir, 'private/mysql-master.cnf');
    expect(readFileSync(file, 'utf8')).toBe(`[client]\nhost = mail-db.abc123.eu-central-1.rds.amazonaws.com\nuser = mirovoy\npassword = ${written}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a master password with a character that is not printable ASCII', () => {
    const result = writeMasterOptionFile({ username: 'mirovoy', password: 'tab\there' });
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/secret db-master \(password\) has characters other than printable ASCII/);
  });

  it('says so when the seam does not give it the master secret (a host whose role may not read it)', () => {
    const result = writeMasterOptionFile();
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/could not fetch the secret db-master \(only the primary may read it\)/);
  });

});
