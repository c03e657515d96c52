/** The real entry point, run as a user runs it: `tsx main.ts` with MIROVOY_CONFIG. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

const runMain = (outdir: string, selector?: string) =>
  spawnSync(TSX, [join(ROOT, 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, ...(selector ? { MIROVOY_CONFIG: selector } : {}) },
    encoding: 'utf8',
  });

describe('main.ts', () => {
  let work: string;
  beforeEach(() => (work = mkdtempSync(join(tmpdir(), 'mirovoy-cli-'))));
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('synthesizes the embedded example with no input', () => {
    const outdir = join(work, 'out');
    const result = runMain(outdir);
    expect(result.status).toBe(0);
    expect(readdirSync(join(outdir, 'stacks')).sort()).toEqual(['example-database', 'example-mail', 'example-network', 'example-web']);
    expect(JSON.parse(readFileSync(join(outdir, 'stacks/example-network/cdk.tf.json'), 'utf8')).resource.aws_vpc).toBeDefined();
  });

  it('exits non-zero for a bad config, lists its problems and writes nothing', () => {
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, 'environment: Prod\nregion: eu-central-1\nhostedZone: { name: example.com }\nmailDomains: [example.com]\nmail: { primary: { hostname: mx1.example.org } }\ncertificates: { acme: { accountEmail: nobody } }\n');
    const outdir = join(work, 'out');
    const result = runMain(outdir, bad);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Invalid configuration ${bad} (2 problems):`);
    expect(result.stderr).toContain('environment: must be 2–20 lower-case letters, digits or hyphens, starting with a letter (got "Prod")');
    expect(result.stderr).toContain('certificates.acme.accountEmail: must be an e-mail address');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(outdir)).toBe(false);
    expect(readdirSync(work)).toEqual(['bad.yaml']); // no staging folder left behind
  });

  it('leaves the previous output untouched when the new config is bad', () => {
    const outdir = join(work, 'out');
    expect(runMain(outdir).status).toBe(0);
    const before = execFileSync('find', [outdir, '-type', 'f', '-newer', join(ROOT, 'package.json')], { encoding: 'utf8' });
    expect(runMain(outdir, 'no-such-config').status).toBe(1);
    expect(execFileSync('find', [outdir, '-type', 'f', '-newer', join(ROOT, 'package.json')], { encoding: 'utf8' })).toBe(before);
  });

  it('names the available configs when the selection is unknown', () => {
    const result = runMain(join(work, 'out'), 'prodd');
    expect(result.stderr).toContain('MIROVOY_CONFIG: names no config; use one of all-options, example');
  });
});
