/**
 * The package as another workspace gets it: `npm pack` (which builds dist/ first), the tarball
 * unpacked into a scratch copy of examples/reuse-constructs as node_modules/mirovoy-mail, its
 * dependencies linked from ours (what `npm install <tarball>` would fetch; this machine's npm
 * cache does not hold them, and CI is offline but for the registry), then the example app
 * type-checked against the packed declarations and synthesized with tsx.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'reuse-constructs');
let scratch: string;
let tarball: string;
let files: string[];

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'mirovoy-pack-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).replace(/^[^[]*/, '')) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarball = join(scratch, packed[0].filename);
  files = packed[0].files.map((f) => f.path);
}, 180_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('npm pack', () => {
  it('holds the compiled constructs, their declarations and the files host/ reads at run time', () => {
    for (const path of ['package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/modules/mail/mail-host.js', 'dist/modules/network/network.d.ts', 'dist/configs/schema.d.ts', 'dist/host/provision/mirovoy-provision.sh', 'dist/host/admin/mirovoy-admin.py']) {
      expect(files).toContain(path);
    }
  });

  it('holds no sources, tests, rehearsal or configs of ours', () => {
    expect(files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md'].includes(f))).toEqual([]);
    expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /^dist\/(rehearsal|__tests__|bench|configs\/environments)\//.test(f))).toEqual([]);
  });

  it('exports MailHost and Network, and the config types, from the package root', () => {
    const declarations = execFileSync('tar', ['-xOzf', tarball, 'package/dist/index.d.ts'], { encoding: 'utf8' });
    expect(declarations).toContain("export * from './modules/mail/mail-host';");
    expect(declarations).toContain("export * from './modules/network/network';");
    expect(declarations).toMatch(/export type \{ MirovoyConfig, MirovoyConfigInput \} from '.\/configs\/schema';/);
    const manifest = JSON.parse(execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' }));
    expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
  });
});

describe('a CDKTF app of another workspace (examples/reuse-constructs)', () => {
  let app: string;
  beforeAll(() => {
    app = join(scratch, 'app');
    mkdirSync(join(app, 'node_modules', 'mirovoy-mail'), { recursive: true });
    for (const file of ['main.ts', 'package.json', 'tsconfig.json']) cpSync(join(EXAMPLE, file), join(app, file));
    execFileSync('tar', ['-xzf', tarball, '-C', join(app, 'node_modules', 'mirovoy-mail'), '--strip-components=1']);
    const ours = JSON.parse(readFileSync(join(app, 'node_modules', 'mirovoy-mail', 'package.json'), 'utf8')).dependencies as Record<string, string>;
    const theirs = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).dependencies as Record<string, string>;
    for (const name of new Set([...Object.keys(ours), ...Object.keys(theirs)].filter((n) => n !== 'mirovoy-mail'))) {
      mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name));
    }
  });

  it('type-checks against the packed declarations', () => {
    const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', app], { cwd: app, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 60_000);

  it('synthesizes its own stack with the Network construct and its own props, no Mirovoy config', () => {
    const synth = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'main.ts'], { cwd: app, encoding: 'utf8', env: { ...process.env, CDKTF_OUTDIR: join(app, 'out') } });
    expect(synth.stderr).toBe('');
    expect(synth.status).toBe(0);
    const stack = JSON.parse(readFileSync(join(app, 'out', 'stacks', 'lab-network', 'cdk.tf.json'), 'utf8'));
    expect(Object.values(stack.resource.aws_vpc)).toEqual([expect.objectContaining({ cidr_block: '10.42.0.0/16', tags: { Name: 'mail-lab-vpc' } })]);
    expect(Object.keys(stack.resource.aws_subnet)).toHaveLength(6);
    expect(Object.keys(stack.output).sort()).toEqual(['data_subnet_ids', 'vpc_id']);
    const exported = spawnSync(process.execPath, ['-e', "const m = require('mirovoy-mail'); console.log([m.MailHost, m.Network, m.validateConfig, m.addMirovoyStacks].map((x) => typeof x).join(' '))"], { cwd: app, encoding: 'utf8' });
    expect(exported.stdout).toBe('function function function function\n');
    // It came from the tarball, not from our sources.
    expect(require.resolve('mirovoy-mail', { paths: [app] })).toBe(join(app, 'node_modules', 'mirovoy-mail', 'dist', 'index.js'));
  }, 60_000);
});
