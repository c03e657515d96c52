/**
 * One measured boot of the mail rehearsal in this process, for bench/rehearsal.ts: time to a
 * mail-ready system, the primary's provisioning phases, and idle memory per unit of the primary
 * and of the database stand-in. Prints its figures as one JSON line on stdout (progress goes to
 * stderr). A separate process because the cache location (MIROVOY_REHEARSAL_CACHE) is read once,
 * at import.
 */
import { existsSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { CACHE_ROOT } from '../rehearsal/cache';
import { startMailRehearsal } from '../rehearsal/mail-system';
import { progress } from '../rehearsal/progress';
import { listProcesses, sleep } from '../rehearsal/processes';
import { memoryByUnit, type MemoryFigures } from './guest-memory';
import { installedFigures, provisioningTimes, type InstalledFigures, type ProvisioningTimes } from './provisioning-times';

/** What one boot measured. */
export interface BootFigures {
  /** Cache directory used (a fresh temporary one for a cold boot). */
  readonly cache: string;
  /** Cache entries this boot had to build (none when the cache was warm). */
  readonly builtCacheEntries: readonly string[];
  /** From calling startMailRehearsal until it returned: every host booted and mail-ready. */
  readonly toMailReadySeconds: number;
  /** From calling startMailRehearsal until the primary's first journal entry: rootfs, apt repo, LAN, DNS, overlay. */
  readonly beforeBootSeconds: number;
  readonly primary: ProvisioningTimes;
  /** What the primary has installed (base image included) and what the base image alone has. */
  readonly installed: { readonly primary: InstalledFigures; readonly database: InstalledFigures };
  /**
   * In-place convergence of a one-setting change (Postgrey's delay) on the primary: from the new
   * bundle being served to it applied (one run of the provisioning unit), and the daemons restarted.
   */
  readonly convergence: { readonly seconds: number; readonly restarted: readonly string[] };
  /** Idle memory per unit label, [label, figures] pairs. */
  readonly primaryMemory: ReadonlyArray<readonly [string, MemoryFigures]>;
  readonly databaseMemory: ReadonlyArray<readonly [string, MemoryFigures]>;
  /**
   * 1-minute load average before and after the boot, the CPU count, and the hosts of other
   * rehearsals running when the boot started: they share the CPUs and slow a boot down.
   */
  readonly load: { readonly before: number; readonly after: number; readonly cpus: number; readonly otherHosts: number };
}

/** Let the daemons finish their start-up work (Amavis forks its children, fail2ban reads logs) before calling the host idle. */
const IDLE_SETTLE_MS = 15_000;

const cacheEntries = (): string[] => (existsSync(CACHE_ROOT) ? readdirSync(CACHE_ROOT).filter((name) => !/\.(log|lock|partial)$/.test(name)) : []);

/** Set (by `bench:rehearsal --primary-only`) to boot without the backup MX. */
export const PRIMARY_ONLY_VARIABLE = 'MIROVOY_BENCH_PRIMARY_ONLY';

async function main(): Promise<void> {
  const cachedBefore = new Set(cacheEntries());
  const loadBefore = loadavg()[0];
  const otherHosts = listProcesses().filter((p) => p.comm === 'systemd-nspawn').length;
  const started = Date.now();
  const mail = await startMailRehearsal(process.env[PRIMARY_ONLY_VARIABLE] ? { backupMx: false } : {});
  const toMailReadySeconds = (Date.now() - started) / 1000;
  try {
    const primary = mail.rehearsal.host('mx1');
    const times = await provisioningTimes(primary);
    progress(`bench: letting the hosts idle ${IDLE_SETTLE_MS / 1000} s before measuring memory`);
    await sleep(IDLE_SETTLE_MS);
    const primaryMemory = [...memoryByUnit(primary.pid1)];
    const databaseMemory = [...memoryByUnit(mail.rehearsal.host('db').pid1)];
    const installed = { primary: await installedFigures(primary), database: await installedFigures(mail.rehearsal.host('db')) };
    progress('bench: one setting changed (greylisting delay): converging the primary in place');
    mail.publishSpec('mx1', (spec) => ({ ...spec, postgrey: { ...spec.postgrey, delaySeconds: 301 } }));
    const convergeStarted = Date.now();
    const run = await mail.converge('mx1');
    const convergence = { seconds: (Date.now() - convergeStarted) / 1000, restarted: [...run.log.matchAll(/^mirovoy-provision: restarted (\S+)$/gm)].map((m) => m[1]) };
    if (run.code !== 0) throw new Error(`the convergence run failed (exit ${run.code}):\n${run.log}`);
    const figures: BootFigures = {
      cache: CACHE_ROOT,
      builtCacheEntries: cacheEntries().filter((name) => !cachedBefore.has(name)),
      toMailReadySeconds,
      beforeBootSeconds: (times.bootStartedAtMs - started) / 1000,
      primary: times,
      installed,
      convergence,
      primaryMemory,
      databaseMemory,
      load: { before: loadBefore, after: loadavg()[0], cpus: cpus().length, otherHosts },
    };
    console.log(JSON.stringify(figures));
  } finally {
    await mail.stop();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(`bench: rehearsal boot failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  });
}
