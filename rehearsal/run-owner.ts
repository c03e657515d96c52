import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive, readProcess } from './processes';

const OWNER_FILE = 'owner.json';

/**
 * Creates a run directory owned by this process (pid and start time, which survive pid reuse).
 * It appears with its owner file in place (made under a hidden name, then renamed), so another
 * run's `cleanupStale` never takes it for a stale run without an owner.
 */
export function claimRunDirectory(directory: string): void {
  const self = readProcess(process.pid);
  const draft = join(dirname(directory), `.${basename(directory)}.claim`);
  mkdirSync(draft, { recursive: true });
  writeFileSync(join(draft, OWNER_FILE), JSON.stringify({ pid: process.pid, startTime: self?.startTime }));
  renameSync(draft, directory);
}

/** True when the process that created a run directory is still running: the run is live, not stale. */
export function isRunDirectoryOwned(directory: string): boolean {
  try {
    const owner = JSON.parse(readFileSync(join(directory, OWNER_FILE), 'utf8')) as { pid: number; startTime: number };
    return isProcessAlive(owner.pid) && readProcess(owner.pid)?.startTime === owner.startTime;
  } catch {
    return false;
  }
}
