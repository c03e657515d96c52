/**
 * `npm run bench:rehearsal [-- --skip-cold]`: how long the mail rehearsal takes to become
 * mail-ready with a warm cache and with a cold one (base rootfs and local apt repository rebuilt
 * from the Debian mirror), how much of that is the primary's own provisioning, and the idle memory
 * per daemon of the primary and of the database stand-in.
 *
 * The cold boot points MIROVOY_REHEARSAL_CACHE at a fresh temporary directory instead of moving
 * the real cache aside: rehearsals of other people on this machine keep using the warm cache
 * meanwhile, and nothing needs restoring after a crash. Each boot runs in its own process
 * (bench/rehearsal-once.ts), bounded in time; a Ctrl-C reaches it and it tears its rehearsal down.
 */
import { PRIMARY_ONLY_VARIABLE } from './rehearsal-once';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OUTSIDE_UNITS, WHOLE_HOST, type MemoryFigures } from './guest-memory';
import { againstTarget, mib, renderTable } from './report';
import type { BootFigures } from './rehearsal-once';

/** Targets of the rehearsal (seconds). */
const TARGETS = { cold: 300, warm: 90, provisioning: 60, convergence: 15 };

/**
 * The primary as main installed it before the bundle work (f8ddd7e: the AWS CLI, cloud-init
 * installing with recommendations, sa-compile's compiler chain), measured the same way
 * (dpkg database of the booted rehearsal primary, base image included). The target is 60 % of it.
 */
const BASELINE_INSTALLED = { packages: 568, installedKiB: 999_576, files: 23_662 };
const INSTALLED_TARGET = 0.6;
/** Give up on a boot after this long; a cold one builds ~500 MB from the mirror. */
const TIME_LIMIT_MS = { warm: 10 * 60_000, cold: 25 * 60_000 };
const TSX = join(__dirname, '../node_modules/.bin/tsx');

/** Runs bench/rehearsal-once.ts with extra environment and returns its figures. */
function measureBoot(kind: 'warm' | 'cold', env: NodeJS.ProcessEnv): Promise<BootFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [join(__dirname, 'rehearsal-once.ts')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    // SIGTERM, not SIGKILL: the child's Rehearsal tears its hosts and namespaces down on it.
    const timer = setTimeout(() => child.kill('SIGTERM'), TIME_LIMIT_MS[kind]);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as BootFigures);
      else reject(new Error(`${kind} boot failed (exit ${code ?? signal}; limit ${TIME_LIMIT_MS[kind] / 60_000} min): see its output above`));
    });
  });
}

/** Boot with an empty cache of its own, removed afterwards. */
async function measureColdBoot(env: NodeJS.ProcessEnv): Promise<BootFigures> {
  const cache = mkdtempSync('/var/tmp/mirovoy-bench-cold-cache-');
  try {
    return await measureBoot('cold', { ...env, MIROVOY_REHEARSAL_CACHE: cache });
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

const timingRows = (kind: 'warm' | 'cold', figures: BootFigures): string[][] => [
  [
    `${kind} boot to mail-ready`,
    againstTarget(figures.toMailReadySeconds, TARGETS[kind], 's'),
    figures.builtCacheEntries.length > 0 && kind === 'warm' ? `NOT WARM: built ${figures.builtCacheEntries.join(', ')}` : `cache ${figures.cache}`,
  ],
  [`  ${kind}: machine load`, `${figures.load.before.toFixed(1)} → ${figures.load.after.toFixed(1)}`, `1-min load average before → after; ${figures.load.cpus} CPUs; ${figures.load.otherHosts} hosts of other rehearsals running at start`],
  [`  ${kind}: before the primary booted`, `${figures.beforeBootSeconds.toFixed(1)} s`, 'rootfs + apt repo (built or reused), LAN, DNS, overlays'],
  [`  ${kind}: provisioning (boot → mail-ready)`, againstTarget(figures.primary.bootToMailReady, TARGETS.provisioning, 's'), 'primary journal: first entry → "mail-ready" line'],
  [`  ${kind}: of which package install`, `${figures.primary.packageInstall} s`, 'mirovoy-provision\'s "packages" step'],
  [`  ${kind}: of which provision script`, `${figures.primary.provisionScript} s`, 'the script\'s own "after Ns" (packages included)'],
  [`  ${kind}: in-place convergence`, againstTarget(figures.convergence.seconds, TARGETS.convergence, 's'), `one setting changed; restarted: ${figures.convergence.restarted.join(', ') || 'nothing'}`],
];

const installedRows = (figures: BootFigures): string[][] => {
  const { primary, database } = figures.installed;
  const share = primary.installedKiB / BASELINE_INSTALLED.installedKiB;
  return [
    ['primary: packages', String(primary.packages), `baseline ${BASELINE_INSTALLED.packages}; the database stand-in (base image + MariaDB) ${database.packages}`],
    ['primary: installed size', `${(primary.installedKiB / 1024).toFixed(0)} MiB`, `${(share * 100).toFixed(1)} % of the baseline's ${(BASELINE_INSTALLED.installedKiB / 1024).toFixed(0)} MiB (target ≤ ${INSTALLED_TARGET * 100} %: ${share <= INSTALLED_TARGET ? 'met' : 'MISSED'})`],
    ['primary: files unpacked', String(primary.files), `baseline ${BASELINE_INSTALLED.files}`],
  ];
};

const memoryRows = (host: string, memory: ReadonlyArray<readonly [string, MemoryFigures]>): string[][] =>
  [...memory]
    .filter(([label]) => label !== OUTSIDE_UNITS) // this harness's own nsenter commands
    .sort(([a, x], [b, y]) => (a === WHOLE_HOST ? 1 : b === WHOLE_HOST ? -1 : y.pssKiB - x.pssKiB))
    .map(([label, m]) => [`${host}: ${label}`, mib(m.pssKiB), mib(m.rssKiB), String(m.processes)]);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'skip-cold': { type: 'boolean', default: false }, 'primary-only': { type: 'boolean', default: false } } });
  // --primary-only: the database and the primary alone, closer to one EC2 instance provisioning on its own CPUs.
  const hosts = values['primary-only'] ? { [PRIMARY_ONLY_VARIABLE]: '1' } : {};
  // The boots tear themselves down on Ctrl-C; this process stays to remove the cold cache after them.
  process.on('SIGINT', () => undefined);
  const results: Array<['warm' | 'cold', BootFigures]> = [['warm', await measureBoot('warm', hosts)]];
  if (!values['skip-cold']) results.push(['cold', await measureColdBoot(hosts)]);

  const booted = values['primary-only'] ? 'database and primary only' : 'every host startMailRehearsal boots by default';
  console.log(`\nMail rehearsal boot (${booted}; ${results.map(([k]) => k).join(' and ')})\n`);
  console.log(renderTable([['measure', 'figure', 'how'], ...results.flatMap(([kind, figures]) => timingRows(kind, figures))]));
  const [, warm] = results[0];
  console.log(`\nInstalled on the primary after the warm boot (dpkg database, base image included; deterministic)\n`);
  console.log(renderTable([['measure', 'figure', 'compared with'], ...installedRows(warm)]));
  console.log(`\nIdle memory after the warm boot (MiB; PSS from smaps_rollup, RSS summed per unit)\n`);
  console.log(renderTable([['host: unit', 'PSS', 'RSS', 'procs'], ...memoryRows('mx1', warm.primaryMemory), ...memoryRows('db', warm.databaseMemory)]));
}

main().catch((error) => {
  console.error(`bench:rehearsal failed: ${(error as Error).message}`);
  process.exit(1);
});
