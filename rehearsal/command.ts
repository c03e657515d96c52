import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** Options for {@link run}. */
export interface RunOptions {
  /** Text written to the command's stdin. @default no stdin */
  readonly input?: string;
  /** Working directory. @default the current directory */
  readonly cwd?: string;
  /** Extra environment variables, added to this process's environment. @default none */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the command (SIGKILL) after this many milliseconds. @default no limit */
  readonly timeoutMs?: number;
  /** Resolve instead of throwing when the command exits non-zero. @default false */
  readonly allowFailure?: boolean;
  /**
   * Append stdout and stderr to this file instead of collecting them (for chatty, long commands such as
   * mmdebstrap); a failure then reports the end of the file. @default collect the output
   */
  readonly logFile?: string;
}

/** What a finished command left behind. */
export interface RunResult {
  /** Exit code, or null when a signal ended it. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A command failed; the message names the command, its exit status and the end of its stderr. */
export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: RunResult,
  ) {
    const output = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-15).join('\n');
    super(`command failed (exit ${result.code ?? 'by signal'}): ${argv.join(' ')}\n${output}`);
    this.name = 'CommandError';
  }
}

/**
 * Runs a command without a shell and collects its output.
 * Throws {@link CommandError} on a non-zero exit unless `allowFailure` is set.
 */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  const logFd = options.logFile === undefined ? undefined : openSync(options.logFile, 'a');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', logFd ?? 'pipe', logFd ?? 'pipe'],
    });
    if (logFd !== undefined) closeSync(logFd);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${file}: ${error.message} (is it installed? run rehearsal/host-tools.sh)`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const result = {
        code,
        stdout: Buffer.concat(stdout).toString(),
        stderr: options.logFile === undefined ? Buffer.concat(stderr).toString() : logTail(options.logFile),
      };
      if (code === 0 || options.allowFailure) resolve(result);
      else reject(new CommandError(argv, result));
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

function logTail(logFile: string): string {
  return `(log: ${logFile})\n${readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n')}`;
}

/** Runs a shell pipeline (for the few steps that need one, such as `tar | zstd`). */
export function runShell(script: string, options: RunOptions = {}): Promise<RunResult> {
  return run(['/bin/bash', '-o', 'pipefail', '-ec', script], options);
}

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
