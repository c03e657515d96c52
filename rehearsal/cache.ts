import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runShell, shellQuote } from './command';
import { isProcessAlive } from './processes';
import { progress, timed } from './progress';

/**
 * Where built root filesystems and apt repositories are kept between runs. Outside the repo on purpose:
 * the artefacts are hundreds of MB and must follow the Debian archive (security updates), not a commit.
 */
export const CACHE_ROOT = process.env.MIROVOY_REHEARSAL_CACHE ?? '/var/cache/mirovoy-mail';

/**
 * The ISO 8601 week of a date, e.g. "2026-W05". Part of every cache name so that an entry is
 * rebuilt at least weekly and picks up Debian's point and security updates.
 */
export function weekBucket(date: Date): string {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday); // the Thursday of this week decides the year
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/**
 * The name of a cache entry: `<kind>-<week>-<hash>`, the hash being sha256 over what the artefact is
 * built from (JSON of `inputs`), shortened to 16 hex digits.
 */
export function cacheEntryName(kind: string, inputs: unknown, date: Date): string {
  const hash = createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
  return `${kind}-${weekBucket(date)}-${hash}`;
}

/** How {@link ensureCachedDirectory} builds and keeps one entry. */
export interface CachedDirectoryProps {
  /** Entry name from {@link cacheEntryName}. */
  readonly name: string;
  /** Human description for progress lines, e.g. "trixie base rootfs". */
  readonly description: string;
  /** Fills `directory` (a path that does not exist yet); long tool output goes to `logFile`. */
  readonly build: (directory: string, logFile: string) => Promise<void>;
  /**
   * Also keep a `<name>.tar.zst` (numeric owners, xattrs, ACLs) and restore from it when the
   * directory is gone — worth it for a rootfs, not for a folder of already-compressed .debs.
   * @default false
   */
  readonly tarball?: boolean;
}

/**
 * Returns `CACHE_ROOT/<name>`, building it first when missing. The directory appears atomically
 * (built under a temporary name, then renamed), so its existence means it is complete; a lock makes
 * concurrent runs wait for one build instead of doing it twice. Entries of the same kind from
 * older weeks are removed afterwards.
 */
export async function ensureCachedDirectory(props: CachedDirectoryProps): Promise<string> {
  mkdirSync(CACHE_ROOT, { recursive: true });
  const directory = join(CACHE_ROOT, props.name);
  const tarball = `${directory}.tar.zst`;
  await withLock(`${directory}.lock`, async () => {
    if (existsSync(directory)) return;
    const partial = `${directory}.partial`;
    rmSync(partial, { recursive: true, force: true });
    if (props.tarball && existsSync(tarball)) {
      await timed(`unpack cached ${props.description} ${tarball}`, () => unpack(tarball, partial));
    } else {
      await timed(`build ${props.description} (not cached yet)`, () => props.build(partial, `${directory}.log`));
      if (props.tarball) await timed(`pack ${tarball}`, () => pack(partial, tarball));
    }
    renameSync(partial, directory);
    pruneOlderWeeks(props.name);
  });
  progress(`using ${props.description} ${directory}`);
  const now = new Date();
  utimesSync(directory, now, now); // mtime = last use, for people looking at the cache
  return directory;
}

async function pack(directory: string, tarball: string): Promise<void> {
  // --numeric-owner: the uids inside the rootfs are the guest's, not this host's user names.
  await runShell(
    `tar --numeric-owner --xattrs --acls -C ${shellQuote(directory)} -cf - . | zstd -q -T0 -3 -o ${shellQuote(`${tarball}.partial`)}`,
  );
  renameSync(`${tarball}.partial`, tarball);
}

async function unpack(tarball: string, directory: string): Promise<void> {
  mkdirSync(directory);
  await runShell(
    `zstd -q -dc ${shellQuote(tarball)} | tar --numeric-owner --xattrs --acls -C ${shellQuote(directory)} -xpf -`,
  );
}

/** Removes entries of the same kind whose week is neither the current nor the previous one. */
function pruneOlderWeeks(name: string): void {
  const match = /^(.*)-(\d{4}-W\d{2})-[0-9a-f]{16}$/.exec(name);
  if (!match) return;
  const [, kind, week] = match;
  const previousWeek = weekBucket(new Date(Date.now() - 7 * 86_400_000));
  for (const entry of readdirSync(CACHE_ROOT)) {
    const other = /^(.*)-(\d{4}-W\d{2})-[0-9a-f]{16}(\.tar\.zst)?$/.exec(entry);
    // Keep last week's entries: a rehearsal started before the week changed may still use them.
    if (other && other[1] === kind && other[2] !== week && other[2] !== previousWeek) {
      progress(`removing outdated cache entry ${entry}`);
      rmSync(join(CACHE_ROOT, entry), { recursive: true, force: true });
    }
  }
}

/**
 * Runs `body` while holding a lock directory. A lock left by a dead process is taken over;
 * a live holder is waited for (a cold build takes minutes).
 */
async function withLock<T>(lockDirectory: string, body: () => Promise<T>): Promise<T> {
  const ownerFile = join(lockDirectory, 'pid');
  for (;;) {
    try {
      mkdirSync(lockDirectory);
      writeFileSync(ownerFile, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSafe(ownerFile));
      if (owner && !isProcessAlive(owner)) rmSync(lockDirectory, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    return await body();
  } finally {
    rmSync(lockDirectory, { recursive: true, force: true });
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
