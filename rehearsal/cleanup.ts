import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { containerCgroupPath, removeCgroup } from './container';
import { NAME_PREFIX, runIdOf, runName, RUNS_ROOT } from './names';
import { deleteNetns, listNetns } from './network';
import { listMountPoints, unmount } from './overlay';
import { listProcesses, signal, waitForExit, type ProcessInfo } from './processes';
import { progress } from './progress';
import { run } from './command';
import { detachLoopDevice } from './volumes';
import { isRunDirectoryOwned } from './run-owner';

/** Where nspawn keeps per-machine state; /run is not a tmpfs on our CI machines, so it outlives a run. */
const NSPAWN_STATE_DIRS = ['/run/systemd/nspawn/propagate', '/run/systemd/nspawn/unix-export'];

/**
 * Removes what crashed rehearsal runs left behind: nspawn and dnsmasq processes, overlay mounts,
 * network namespaces and run directories with the rehearsal prefix. Runs whose owning process is
 * still alive are left alone, so it is safe while other rehearsals run. Returns the cleaned run names.
 */
export async function cleanupStale(): Promise<string[]> {
  const runIds = new Set<string>();
  const runDirectories = existsSync(RUNS_ROOT) ? readdirSync(RUNS_ROOT) : [];
  const processes = listProcesses();
  // A process naming its run is found even when the run's directory and namespaces are gone.
  const processRuns = processes.flatMap((p) => p.argv.flatMap((arg) => runNamedIn(arg) ?? []));
  for (const name of [...runDirectories, ...listNetns(), ...processRuns]) {
    const runId = runIdOf(name);
    if (runId) runIds.add(runId);
  }
  const stale = [...runIds].filter((runId) => !isRunDirectoryOwned(join(RUNS_ROOT, runName(runId))));
  for (const runId of stale) {
    const name = runName(runId);
    const directory = join(RUNS_ROOT, name);
    progress(`cleaning up stale run ${name}`);
    await stopProcesses(processes.filter((p) => p.argv.some((arg) => runNamedIn(arg) === name)), processes);
    const mounts = listMountPoints().filter((mount) => mount.startsWith(`${directory}/`)).sort().reverse();
    for (const mount of mounts) await unmount(mount);
    // Loop devices of the hosts' volumes (rehearsal/volumes.ts), whose images are in the run directory.
    for (const loop of await loopDevicesUnder(directory)) await detachLoopDevice(loop);
    for (const netns of listNetns().filter((netns) => netns.startsWith(`${name}-`))) await deleteNetns(netns);
    for (const stateDir of NSPAWN_STATE_DIRS) {
      if (existsSync(stateDir)) for (const entry of readdirSync(stateDir).filter((e) => e.startsWith(`${name}-`))) rmSync(join(stateDir, entry), { recursive: true, force: true });
    }
    // The containers' own cgroups (see containerCgroupPath), once their processes are gone.
    const cgroups = containerCgroupPath(name);
    if (cgroups && existsSync(dirname(cgroups))) {
      for (const entry of readdirSync(dirname(cgroups)).filter((e) => e.startsWith(`${name}-`))) removeCgroup(join(dirname(cgroups), entry));
    }
    rmSync(directory, { recursive: true, force: true });
  }
  if (stale.length === 0) progress(`no stale ${NAME_PREFIX}* runs found`);
  return stale.map(runName);
}

/** An argument naming a path in a run's directory (`…/mvr-1a2b3c`, `--opt=…/mvr-1a2b3c/x`). */
const RUN_PATH = new RegExp(`(?:^|=)${RUNS_ROOT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([^/]+)(?:/|$)`);

/**
 * The run a process argument names: a path in its directory, or one of its node names
 * (`mvr-1a2b3c-mx`, `-M mvr-1a2b3c-mx`, `--network-namespace-path=/run/netns/mvr-1a2b3c-mx`).
 */
function runNamedIn(arg: string): string | undefined {
  const inDirectory = RUN_PATH.exec(arg)?.[1];
  const runId = runIdOf(inDirectory ?? arg) ?? runIdOf(arg.slice(arg.lastIndexOf('/') + 1)) ?? runIdOf(arg.slice(arg.indexOf('=') + 1));
  return runId === undefined ? undefined : runName(runId);
}

/** Loop devices whose backing file is under a directory. */
async function loopDevicesUnder(directory: string): Promise<string[]> {
  const list = await run(['losetup', '--list', '--noheadings', '--output', 'NAME,BACK-FILE'], { allowFailure: true });
  return list.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([name, file]) => name && file?.startsWith(`${directory}/`))
    .map(([name]) => name);
}

/** SIGTERM (nspawn halts its guest cleanly), then SIGKILL for each process and its direct children. */
async function stopProcesses(targets: readonly ProcessInfo[], all: readonly ProcessInfo[]): Promise<void> {
  for (const target of targets) {
    progress(`stopping ${target.comm} (pid ${target.pid})`);
    signal(target.pid, 'SIGTERM');
  }
  for (const target of targets) {
    if (await waitForExit(target.pid, 15_000)) continue;
    // For nspawn the child is the guest's PID 1: killing it ends the whole guest.
    for (const child of all.filter((p) => p.ppid === target.pid)) signal(child.pid, 'SIGKILL');
    signal(target.pid, 'SIGKILL');
    await waitForExit(target.pid, 5000);
  }
}
