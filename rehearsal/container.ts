import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunOptions, type RunResult } from './command';
import { GUEST_REPO_PATH, readGuestFile, removeGuestPath, writeGuestFile, type GuestFile } from './guest-files';
import { NETNS_DIR } from './network';
import { listMountPoints, mountOverlay, unmount } from './overlay';
import { listProcesses, isProcessAlive, signal, sleep, waitForExit } from './processes';
import { progress, seconds } from './progress';

/** Options for {@link Container.create}. */
export interface ContainerProps {
  /** Machine name (unique on this host, starts with the rehearsal prefix), e.g. "mvr-1a2b3c-mx". */
  readonly machineName: string;
  /** The host's FQDN; nspawn sets it as the kernel hostname, as EC2 would before cloud-init runs. */
  readonly hostname: string;
  /** Network namespace (from `ip netns add`) the container joins. */
  readonly netns: string;
  /** Read-only base rootfs, the overlay's lower dir. */
  readonly baseRootfs: string;
  /** Local apt repository, bind-mounted read-only at /srv/repo. */
  readonly aptRepo: string;
  /** Per-container directory for the overlay layers and the console log; must not be in use. */
  readonly directory: string;
  /** Guest paths deleted before `files` are written. @default none */
  readonly removePaths?: readonly string[];
  /** Files written into the overlay before boot (seed, rehearsal overrides, caller's extra files). */
  readonly files: readonly GuestFile[];
  /** Block devices of this machine bound into the guest (`--bind=<source>:<target>`), e.g. a loop device as /dev/sdf. @default none */
  readonly devices?: readonly { readonly source: string; readonly target: string }[];
}

/** The state of a host once its boot (including cloud-init) has finished. */
export interface BootReport {
  /** `systemctl is-system-running`: "running", or "degraded" when a unit failed. */
  readonly systemState: string;
  /** Units that failed, e.g. ["amavis.service"]. */
  readonly failedUnits: readonly string[];
  /** `cloud-init status --long` output. */
  readonly cloudInit: string;
  /** Seconds from nspawn's start until cloud-init was done. */
  readonly seconds: number;
}

/**
 * A cgroup (v2) of its own for each container, beside this process's cgroup:
 * `<cgroup2 mount><own cgroup>/<machine name>`. With `--keep-unit --register=no`, nspawn puts
 * its guest into a `payload` child of the cgroup it was started in, so without this every
 * container of every concurrent rehearsal shares `/payload`, and each guest's systemd sees the
 * others' processes in its own units: `systemctl stop postfix` on mx1 then waited the full
 * 90 s stop timeout for the postfix of mx2 (and of other runs), invisible in mx1's PID namespace.
 * Undefined when there is no cgroup2 mount (nspawn then uses its own cgroup, as before).
 */
export function containerCgroupPath(machineName: string): string | undefined {
  const mount = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .find((fields) => fields[fields.indexOf('-') + 1] === 'cgroup2')?.[4];
  const own = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
  return mount === undefined || own === undefined ? undefined : join(mount, own, machineName);
}

/** Removes a cgroup and its (empty) children; cgroupfs directories go with rmdir only. Best effort. */
export function removeCgroup(path: string): void {
  if (!existsSync(path)) return;
  for (const entry of readdirSync(path)) {
    const child = join(path, entry);
    if (statSync(child).isDirectory()) removeCgroup(child);
  }
  try {
    rmdirSync(path);
  } catch {
    // Still populated (a process outlived the guest): left for the host's cleanup.
  }
}

/** The PATH and locale commands see inside a host, instead of this process's environment. */
const GUEST_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8', 'HOME=/root'];

/**
 * One Debian host booted by systemd-nspawn: systemd as PID 1, its own overlay over the base rootfs,
 * its own network namespace. Lifecycle: {@link Container.create} → {@link boot} → {@link waitUntilReady}
 * → {@link exec} … → {@link stop} → {@link remove}.
 */
export class Container {
  private nspawnPid: number | undefined;
  private startedAt = 0;
  private systemdPid: number | undefined;
  /** The container's own cgroup (see {@link containerCgroupPath}). */
  private cgroup: string | undefined;

  private constructor(
    private readonly props: ContainerProps,
    /** The merged overlay: the host's `/`, readable from here. */
    readonly root: string,
  ) {}

  /** Mounts the overlay and writes the files; the host is not booted yet. */
  static async create(props: ContainerProps): Promise<Container> {
    const { root } = await mountOverlay(props.baseRootfs, props.directory);
    const container = new Container(props, root);
    try {
      for (const path of props.removePaths ?? []) removeGuestPath(root, path);
      for (const file of props.files) writeGuestFile(root, file);
    } catch (error) {
      await container.remove();
      throw error;
    }
    return container;
  }

  /** nspawn's console output (the guest's boot messages). */
  get consoleLog(): string {
    return join(this.props.directory, 'console.log');
  }

  /** The machine name given at creation. */
  get machineName(): string {
    return this.props.machineName;
  }

  /** The host's PID 1 (systemd) as seen from this machine; throws before {@link boot}. */
  get pid1(): number {
    if (this.systemdPid === undefined) throw new Error(`${this.machineName} is not booted`);
    return this.systemdPid;
  }

  /** Starts systemd-nspawn and waits until the guest's systemd runs as PID 1. */
  async boot(timeoutMs = 30_000): Promise<void> {
    const argv = [
      '-D', this.root, '-M', this.props.machineName,
      // No systemd on this machine's PID 1 (no machined, no system bus): do not register or create a scope.
      '--register=no', '--keep-unit',
      `--network-namespace-path=${NETNS_DIR}/${this.props.netns}`,
      `--hostname=${this.props.hostname}`,
      '--resolv-conf=off', // keep the rehearsal's resolv.conf written into the overlay
      '--capability=CAP_NET_ADMIN', // the namespace is the host's own: nftables / fail2ban may change it
      '--console=read-only', // boot output to our log file (--console=pipe printed nothing in the study)
      `--bind-ro=${this.props.aptRepo}:${GUEST_REPO_PATH}`,
      ...(this.props.devices ?? []).map((d) => `--bind=${d.source}:${d.target}`),
      '--boot',
    ];
    const console = openSync(this.consoleLog, 'a');
    this.cgroup = containerCgroupPath(this.props.machineName);
    if (this.cgroup) mkdirSync(this.cgroup, { recursive: true });
    // The shell moves itself into the container's cgroup, then becomes nspawn (same pid).
    const [command, args] = this.cgroup
      ? ['sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec systemd-nspawn "$@"', this.cgroup, ...argv]]
      : ['systemd-nspawn', argv];
    const child = spawn(command, args, {
      detached: true, // own process group: a Ctrl-C reaches us, and we halt the guest cleanly
      stdio: ['ignore', console, console],
      // A pure cgroup2 hierarchy, as on EC2; systemd >= 258 in the guest would refuse the host's hybrid layout.
      env: { ...process.env, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY: '1' },
    });
    closeSync(console);
    child.unref();
    this.startedAt = Date.now();
    this.nspawnPid = child.pid;
    const nspawnPid = child.pid ?? 0;
    // nspawn forks a short-lived helper before the guest's systemd; only the latter has the namespaces.
    for (const deadline = Date.now() + timeoutMs; ; await sleep(100)) {
      this.systemdPid = listProcesses().find((p) => p.ppid === nspawnPid && p.comm === 'systemd')?.pid;
      if (this.systemdPid !== undefined) break;
      if (!isProcessAlive(nspawnPid) || Date.now() > deadline) {
        throw new Error(`${this.machineName}: systemd did not start as PID 1 within ${timeoutMs} ms\n${this.consoleTail()}`);
      }
    }
    progress(`${this.machineName}: systemd is PID ${this.systemdPid} (${seconds(this.startedAt)} after start)`);
  }

  /**
   * Waits until boot is over — systemd has no more jobs, cloud-init has finished the user-data — and reports
   * the outcome. Throws when cloud-init ends in error, with its status and the end of its output log.
   */
  async waitUntilReady(timeoutMs = 600_000): Promise<BootReport> {
    const deadline = Date.now() + timeoutMs;
    let systemState = '';
    // Right after PID 1 starts there is no bus yet ("Failed to connect to system scope bus"): retry.
    while (systemState === '' || systemState === 'starting' || systemState === 'initializing') {
      if (Date.now() > deadline) throw new Error(`${this.machineName}: boot not finished after ${timeoutMs} ms\n${this.consoleTail()}`);
      const result = await this.exec(['systemctl', 'is-system-running', '--wait'], { allowFailure: true, timeoutMs: Math.max(1000, deadline - Date.now()) });
      systemState = result.stdout.trim();
      if (systemState === '') await sleep(200);
    }
    const status = await this.exec(['cloud-init', 'status', '--wait', '--long'], { allowFailure: true, timeoutMs: Math.max(1000, deadline - Date.now()) });
    const failedUnits = (await this.exec(['systemctl', 'list-units', '--failed', '--plain', '--no-legend'])).stdout
      .split('\n').map((line) => line.split(/\s+/)[0]).filter(Boolean);
    const report = { systemState, failedUnits, cloudInit: status.stdout.trim(), seconds: (Date.now() - this.startedAt) / 1000 };
    progress(`${this.machineName}: system ${systemState}, cloud-init exit ${status.code}, ${report.seconds.toFixed(1)} s after start${failedUnits.length ? `, failed units: ${failedUnits.join(' ')}` : ''}`);
    // Exit 1 is a cloud-init error; 2 is "done with recoverable errors" (warnings), reported in cloudInit.
    if (status.code === 1) {
      const output = await this.exec(['tail', '-n', '40', '/var/log/cloud-init-output.log'], { allowFailure: true });
      throw new Error(`${this.machineName}: cloud-init failed\n${report.cloudInit}\n--- /var/log/cloud-init-output.log (end) ---\n${output.stdout}`);
    }
    return report;
  }

  /** Runs a command inside the host (all its namespaces, a clean environment) as root. */
  exec(argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    return run(['nsenter', '-t', String(this.pid1), '-m', '-u', '-i', '-n', '-p', '--', 'env', '-i', ...GUEST_ENV, ...argv], options);
  }

  /** Reads a file of the host (through the overlay; also after {@link stop}, until {@link remove}). */
  readFile(guestPath: string): string {
    return readGuestFile(this.root, guestPath);
  }

  /** Writes a file into the host; before boot, or while it runs (daemons see it on their next read). */
  writeFile(file: GuestFile): void {
    writeGuestFile(this.root, file);
  }

  /**
   * Halts the host: SIGTERM makes nspawn ask systemd for a clean shutdown (a few seconds);
   * after `timeoutMs` the guest is killed.
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    const nspawnPid = this.nspawnPid;
    if (nspawnPid === undefined || !isProcessAlive(nspawnPid)) return;
    const started = Date.now();
    signal(nspawnPid, 'SIGTERM');
    if (!(await waitForExit(nspawnPid, timeoutMs))) {
      progress(`${this.machineName}: no clean halt within ${timeoutMs} ms, killing it`);
      // Killing the guest's PID 1 ends every process in its PID namespace; nspawn then exits.
      if (this.systemdPid !== undefined) signal(this.systemdPid, 'SIGKILL');
      signal(nspawnPid, 'SIGKILL');
      await waitForExit(nspawnPid, 10_000);
    }
    progress(`${this.machineName}: stopped in ${seconds(started)}`);
  }

  /** Stops the host if needed, unmounts its overlay and deletes its directory (upper layer, logs). */
  async remove(): Promise<void> {
    await this.stop();
    if (listMountPoints().includes(this.root)) await unmount(this.root);
    if (this.cgroup) removeCgroup(this.cgroup);
    rmSync(this.props.directory, { recursive: true, force: true });
  }

  private consoleTail(): string {
    try {
      return `--- ${this.consoleLog} (end) ---\n${readFileSync(this.consoleLog, 'utf8').split('\n').slice(-30).join('\n')}`;
    } catch {
      return '(no console output)';
    }
  }
}
