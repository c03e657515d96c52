import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PhpAssignments, phpValue, renderPhpAssignments } from '../../host/format/php';

/** What PHP itself makes of a rendered file: `php -l`, then its `$config` as JSON. */
const evaluated = (assignments: PhpAssignments): unknown => {
  const file = join(mkdtempSync(join(tmpdir(), 'php-format-')), 'config.inc.php');
  writeFileSync(file, renderPhpAssignments('// test\n', 'config', assignments));
  execFileSync('php', ['-l', file], { stdio: 'pipe' });
  return JSON.parse(execFileSync('php', ['-r', 'include $argv[1]; echo json_encode($config);', file], { encoding: 'utf8' }));
};

describe('PHP serializer (checked by the php CLI)', () => {
  it('round-trips strings with quotes, backslashes, $, newlines and UTF-8 exactly', () => {
    const tricky = ["it's", 'back\\slash', 'trailing\\', "\\'", '$config', '{$x}', 'line\nbreak', '?> <?php', 'ä€😀', ''];
    const assignments = Object.fromEntries(tricky.map((s, i) => [`k${i}`, s]));
    expect(evaluated(assignments)).toEqual(assignments);
  });

  it('renders booleans, null, numbers, lists and maps as PHP types', () => {
    const value = { yes: true, no: false, none: null, n: 42, f: 1.5, list: ['a', 1], map: { "k'ey": 'v', nested: { x: [true] } }, empty: [] };
    expect(evaluated(value)).toEqual(value);
  });

  it('keeps odd keys as data', () => {
    expect(evaluated({ "a'b\\": 1, 'x]': 2 })).toEqual({ "a'b\\": 1, 'x]': 2 });
  });

  it('evaluates the typed expressions on the host', () => {
    const dir = mkdtempSync(join(tmpdir(), 'php-format-'));
    const ini = join(dir, 'option.cnf');
    writeFileSync(ini, '[client]\nhost = db.example.test\npassword = a+b/c=d~e^f@g%h:i-j_k.\n');
    const read = { call: 'parse_ini_file', args: [ini, true, { constant: 'INI_SCANNER_RAW' }] };
    const client = { of: read, key: 'client' };
    expect(
      evaluated({
        dsn: { concat: ['mysql://u:', { call: 'rawurlencode', args: [{ of: client, key: 'password' }] }, '@', { of: client, key: 'host' }, '/db'] },
        map: { call: 'x', args: 'not an expression' } as never,
      }),
    ).toEqual({ dsn: 'mysql://u:a%2Bb%2Fc%3Dd~e%5Ef%40g%25h%3Ai-j_k.@db.example.test/db', map: { call: 'x', args: 'not an expression' } });
  });

  it('refuses what is no PHP value or name', () => {
    expect(() => phpValue(Number.NaN)).toThrow(/not finite/);
    expect(() => phpValue({ call: 'system("x")', args: [] })).toThrow(/function name .* is not an identifier/);
    expect(() => phpValue({ constant: 'A;B' })).toThrow(/constant name/);
    expect(() => phpValue({ concat: [] })).toThrow(/at least one part/);
    expect(() => renderPhpAssignments('', 'con fig', {})).toThrow(/variable name/);
  });
});
