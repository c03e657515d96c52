/**
 * Teardown when a rehearsal is interrupted rather than stopped: Ctrl-C in a terminal (SIGINT to
 * the whole process group of `npm run rehearse`: npm, sh, tsx and node, each passing it on) must
 * remove everything, the SMTP sink included; so must SIGINT to the node process alone, repeated; a
 * run killed with SIGKILL is removed by the next rehearsal's start. The first test boots the
 * example's mail system (a few minutes); the others a hostless run (seconds).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runName, RUNS_ROOT } from '../../rehearsal/names';
import { listNetns } from '../../rehearsal/network';
import { listMountPoints } from '../../rehearsal/overlay';
import { listProcesses, sleep, waitForExit } from '../../rehearsal/processes';
import { Rehearsal } from '../../rehearsal/rehearsal';

jest.setTimeout(30 * 60_000);

const ROOT = join(__dirname, '../..');

/** Everything of a run still on the machine: namespaces, mounts, loop devices, processes, its directory. */
function leftoversOf(runId: string): string[] {
  const name = runName(runId);
  const directory = join(RUNS_ROOT, name);
  const loops = execFileSync('losetup', ['--list', '--noheadings', '--output', 'NAME,BACK-FILE'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(`${directory}/`));
  return [
    ...listNetns().filter((netns) => netns.startsWith(`${name}-`)).map((netns) => `netns ${netns}`),
    ...listMountPoints().filter((mount) => mount.includes(`/${name}/`)).map((mount) => `mount ${mount}`),
    ...loops.map((loop) => `loop ${loop.trim()}`),
    ...listProcesses().filter((p) => p.argv.some((arg) => arg.includes(name))).map((p) => `process ${p.pid} ${p.argv.join(' ')}`),
    ...(existsSync(directory) ? [`directory ${directory}`] : []),
  ];
}

/** Resolves with the first match of `pattern` in the child's stdout; rejects when it exits first or after `timeoutMs`. */
function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs / 1000} s; output:\n${output.slice(-2000)}`)), timeoutMs);
    child.stdout?.on('data', (data: Buffer) => {
      output += data.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before printing ${pattern}; output:\n${output.slice(-2000)}`));
    });
  });
}

/** True once no process of the group is left; false after `timeoutMs`. */
async function waitForGroupExit(pgid: number, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(250)) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return true;
    }
    if (Date.now() > deadline) return false;
  }
}

describe('Ctrl-C on npm run rehearse', () => {
  it('removes every process, namespace, mount, loop device and the run directory', async () => {
    // Its own process group, as a terminal's foreground job: npm, sh, tsx and node are in it.
    const npm = spawn('npm', ['run', 'rehearse'], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    const pgid = npm.pid!;
    let runId: string | undefined;
    try {
      [, runId] = await waitForOutput(npm, /is running \(run ([0-9a-f]{6})\)/, 20 * 60_000);
      const before = leftoversOf(runId);
      expect(before.some((l) => l.startsWith('netns '))).toBe(true);
      expect(before.some((l) => l.startsWith('mount '))).toBe(true);
      // The SMTP sink on the client: what outlived the run before.
      expect(before.some((l) => l.startsWith('process ') && l.includes('smtp-sink.ts'))).toBe(true);

      process.kill(-pgid, 'SIGINT');
      expect(await waitForGroupExit(pgid, 3 * 60_000)).toBe(true);
      expect(leftoversOf(runId)).toEqual([]);
    } finally {
      if (!(await waitForGroupExit(pgid, 0))) process.kill(-pgid, 'SIGKILL');
    }
  });
});

/**
 * Starts a small rehearsal (a client, DNS, and the SMTP sink as a service on the client) in its own
 * process group; resolves once the sink listens, with the run and the pid of its owner (the node
 * process under npx and tsx).
 */
async function startSmallRun(): Promise<{ child: ChildProcess; runId: string; ownerPid: number }> {
  const script = `
    const { join } = require('node:path');
    const { Rehearsal } = require('./rehearsal/rehearsal');
    Rehearsal.start({ hosts: [], clients: [{ name: 'client', ip: '10.203.0.100' }] }).then((r) => {
      const sink = r.startService('client', [join(process.cwd(), 'node_modules/.bin/tsx'), 'rehearsal/smtp-sink.ts', '10.203.0.100', r.directory], { stdout: 'pipe' });
      sink.stdout.once('data', () => console.log('READY ' + r.runId + ' ' + process.pid));
    });`;
  const child = spawn('npx', ['tsx', '-e', script], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const [, runId, ownerPid] = await waitForOutput(child, /READY (\w+) (\d+)/, 5 * 60_000);
  expect(leftoversOf(runId).some((l) => l.includes('smtp-sink.ts'))).toBe(true);
  return { child, runId, ownerPid: Number(ownerPid) };
}

/** Ends what is left of a process group started by a test. */
async function killGroup(child: ChildProcess | undefined): Promise<void> {
  if (child?.pid !== undefined && !(await waitForGroupExit(child.pid, 0))) process.kill(-child.pid, 'SIGKILL');
}

describe('SIGINT to the owner alone, twice (as tsx passes a Ctrl-C on)', () => {
  it('stops the sink and removes everything', async () => {
    let child: ChildProcess | undefined;
    try {
      const run = await startSmallRun();
      child = run.child;
      process.kill(run.ownerPid, 'SIGINT');
      await sleep(20);
      process.kill(run.ownerPid, 'SIGINT');
      expect(await waitForExit(run.ownerPid, 60_000)).toBe(true);
      expect(leftoversOf(run.runId)).toEqual([]);
    } finally {
      await killGroup(child);
    }
  });
});

describe('a run whose owner was killed with SIGKILL', () => {
  it('is removed by the next rehearsal before it starts', async () => {
    let child: ChildProcess | undefined;
    let second: Rehearsal | undefined;
    try {
      const killed = await startSmallRun();
      child = killed.child;
      process.kill(killed.ownerPid, 'SIGKILL');
      expect(await waitForExit(killed.ownerPid, 10_000)).toBe(true);
      expect(leftoversOf(killed.runId)).not.toEqual([]);

      second = await Rehearsal.start({ hosts: [], clients: [{ name: 'client' }] });
      expect(leftoversOf(killed.runId)).toEqual([]);
      expect(leftoversOf(second.runId)).not.toEqual([]);
    } finally {
      await second?.stop();
      await killGroup(child);
    }
  });
});
