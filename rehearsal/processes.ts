import { readdirSync, readFileSync } from 'node:fs';

/** One process as seen in /proc. */
export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  /** Kernel command name (at most 15 characters), e.g. "systemd". */
  readonly comm: string;
  /** State letter from /proc/PID/stat: R, S, D, Z (zombie) ... */
  readonly state: string;
  /** argv, split at NUL bytes. */
  readonly argv: readonly string[];
  /** Start time in clock ticks since boot: with the pid it identifies a process even after pid reuse. */
  readonly startTime: number;
}

/** Reads one process from /proc, or undefined when it is gone. */
export function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: it ends at the last ")".
    const commEnd = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, commEnd);
    const fields = stat.slice(commEnd + 2).split(' '); // fields[0] is field 3 (state)
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((arg) => arg !== '');
    return { pid, state: fields[0], ppid: Number(fields[1]), comm, argv, startTime: Number(fields[19]) };
  } catch {
    return undefined;
  }
}

/** Every process on the host. */
export function listProcesses(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readProcess(Number(entry)))
    .filter((info): info is ProcessInfo => info !== undefined && hasNotExited(info));
}

/** True while a process exists and has not exited (zombies count as exited). */
export function isProcessAlive(pid: number): boolean {
  const info = readProcess(pid);
  return info !== undefined && hasNotExited(info);
}

function hasNotExited(info: ProcessInfo): boolean {
  return info.state !== 'Z' && info.state !== 'X';
}

/** Waits until `pid` has exited; returns false when it is still alive after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** Sends a signal, ignoring a process that is already gone. */
export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
