import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive, readProcess } from './processes';

const OWNER_FILE = 'owner.json';

/** Records this process as the owner of a run directory (pid and start time, which survive pid reuse). */
export function claimRunDirectory(directory: string): void {
  const self = readProcess(process.pid);
  writeFileSync(join(directory, OWNER_FILE), JSON.stringify({ pid: process.pid, startTime: self?.startTime }));
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
