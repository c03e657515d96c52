import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AddressPool, DEFAULT_SUBNET } from './addresses';
import { ensureLocalAptRepo, type LocalAptRepoProps } from './apt-repo';
import { Container, type BootReport } from './container';
import type { DnsRecord } from './dns-records';
import { startDnsServer, type DnsServer } from './dns-server';
import { noCloudSeed, rehearsalOverrides, REMOVED_GUEST_PATHS, type GuestFile } from './guest-files';
import { newRunId, nodeName, runName, RUNS_ROOT } from './names';
import { ensureBaseRootfs } from './rootfs';
import { progress, seconds, timed } from './progress';
import { cleanupStale } from './cleanup';
import { inNetns, RehearsalLan } from './network';
import { signal, waitForExit } from './processes';
import { claimRunDirectory } from './run-owner';
import type { RunOptions, RunResult } from './command';
import { attachLoopDevice, copyVolumeImage, createBlankImage, detachLoopDevice, type RehearsalVolume } from './volumes';

/** One booted Debian host of a rehearsal. */
export interface RehearsalHostProps {
  /** Short name, unique in the run: lower-case letters, digits, "-" (e.g. "mx"). */
  readonly name: string;
  /** Fully qualified host name, e.g. "mx.example.test". */
  readonly fqdn: string;
  /** Its address on the rehearsal LAN. */
  readonly ip: string;
  /** cloud-init user-data, written to the NoCloud seed unchanged; a Buffer for gzip-compressed user-data. */
  readonly userData: string | Buffer;
  /** Files placed in the host before boot (secrets, a test ClamAV signature, ...). @default none */
  readonly extraFiles?: readonly GuestFile[];
  /** Block devices standing in for EBS volumes (see `volumes.ts`). @default none */
  readonly volumes?: readonly RehearsalVolume[];
}

/** A bare network namespace on the LAN from which host-side clients (swaks, openssl, python3) connect. */
export interface RehearsalClientProps {
  /** Short name, unique in the run, e.g. "client". */
  readonly name: string;
  /** @default a free address of the subnet */
  readonly ip?: string;
}

/** Options for {@link Rehearsal.start}. */
export interface RehearsalProps {
  readonly hosts: readonly RehearsalHostProps[];
  /** @default none */
  readonly clients?: readonly RehearsalClientProps[];
  /** What the rehearsal DNS serves; names not listed get NXDOMAIN. @default none */
  readonly dnsRecords?: readonly DnsRecord[];
  /** @default DEFAULT_SUBNET (10.203.0.0/24) */
  readonly subnet?: string;
  /** Address of the DNS server (its own node, "dns"). @default a free address of the subnet */
  readonly dnsIp?: string;
  /** Which packages the local apt repository offers. @default mail + database host packages */
  readonly repo?: LocalAptRepoProps;
  /** Give up on a host's boot (cloud-init included) after this long. @default 600000 (10 min) */
  readonly bootTimeoutMs?: number;
  /**
   * Runs once the LAN and DNS are up, before any host boots (e.g. a firewall rule in a node's
   * namespace, so a host meets an unreachable service at boot). @default none
   */
  readonly beforeBoot?: (lan: RehearsalLan) => Promise<void>;
}

/** Node names the rehearsal uses itself. */
const RESERVED_NODE_NAMES = ['dns', 'switch'];

/**
 * A running rehearsal: a private LAN with an authoritative DNS server, booted hosts running their
 * user-data, and client namespaces. {@link Rehearsal.start} returns once every host's cloud-init is done;
 * {@link stop} tears everything down and is also called on failure, SIGINT and SIGTERM.
 *
 * @example
 * const rehearsal = await Rehearsal.start({ hosts: [{ name: 'mx', fqdn: 'mx.example.test', ip: '10.203.0.10', userData }],
 *   clients: [{ name: 'client' }], dnsRecords: [{ type: 'A', name: 'mx.example.test', value: '10.203.0.10' }] });
 * try { await rehearsal.exec('client', ['swaks', '-s', '10.203.0.10', '-q', 'HELO']); } finally { await rehearsal.stop(); }
 */
export class Rehearsal {
  private readonly containers = new Map<string, Container>();
  /** What each host was booted from, for {@link replaceHost}. */
  private readonly hostProps = new Map<string, RehearsalHostProps>();
  /** Each host's volumes: the image and loop device behind each guest device. */
  private readonly volumes = new Map<string, { device: string; image: string; loop: string }[]>();
  private base: { rootfs: string; repo: string; nameserver: string; timeoutMs?: number } | undefined;
  private readonly reports = new Map<string, BootReport>();
  private dnsServer: DnsServer | undefined;
  private network: RehearsalLan | undefined;
  /** Background programs of the run ({@link startService}), each the leader of its own process group. */
  private readonly services: ChildProcess[] = [];
  private stopping: Promise<void> | undefined;
  /**
   * Stays installed until the teardown is done: a terminal's Ctrl-C reaches the whole process
   * group, and wrappers (npm, tsx) pass it on once more; a second SIGINT without a handler would
   * end this process halfway through the teardown.
   */
  private readonly onSignal = (received: NodeJS.Signals): void => {
    if (this.stopping) {
      progress(`${received} received: teardown of ${runName(this.runId)} already under way`);
      return;
    }
    progress(`${received} received: tearing down ${runName(this.runId)}`);
    void this.stop().finally(() => process.exit(received === 'SIGINT' ? 130 : 143));
  };

  private constructor(
    /** Random id in every name of this run ("mvr-<runId>-..."). */
    readonly runId: string,
    /** Run directory: overlays, console logs, DNS files. */
    readonly directory: string,
  ) {}

  /** Builds or reuses the cached rootfs and apt repository, creates the LAN and DNS, boots every host. */
  static async start(props: RehearsalProps): Promise<Rehearsal> {
    if (process.getuid?.() !== 0) throw new Error('the rehearsal needs root (network namespaces, mounts, systemd-nspawn)');
    validateNodeNames([...props.hosts.map((h) => h.name), ...(props.clients ?? []).map((c) => c.name)]);
    const started = Date.now();
    const repo = await ensureLocalAptRepo(props.repo);
    const base = await ensureBaseRootfs(props.repo?.base);

    // What killed runs (SIGKILL, a crash) left behind; runs of live owners stay.
    await cleanupStale();

    const runId = newRunId();
    const rehearsal = new Rehearsal(runId, join(RUNS_ROOT, runName(runId)));
    claimRunDirectory(rehearsal.directory);
    process.on('SIGINT', rehearsal.onSignal);
    process.on('SIGTERM', rehearsal.onSignal);
    progress(`run ${runName(runId)} in ${rehearsal.directory}`);
    try {
      const addresses = new AddressPool(props.subnet ?? DEFAULT_SUBNET);
      const hostNodes = props.hosts.map((host) => ({ name: host.name, ip: addresses.claim(host.ip) }));
      const clientNodes = (props.clients ?? []).map((client) => ({
        name: client.name,
        ip: client.ip === undefined ? addresses.claimFree() : addresses.claim(client.ip),
      }));
      const dnsNode = { name: 'dns', ip: props.dnsIp === undefined ? addresses.claimFree() : addresses.claim(props.dnsIp) };
      rehearsal.network = await RehearsalLan.create({ runId, addresses, nodes: [...hostNodes, ...clientNodes, dnsNode] });
      rehearsal.dnsServer = await startDnsServer({
        netns: rehearsal.network.node('dns').netns,
        listenAddress: dnsNode.ip,
        records: props.dnsRecords ?? [],
        directory: rehearsal.directory,
      });
      await props.beforeBoot?.(rehearsal.network);
      rehearsal.base = { rootfs: base, repo, nameserver: dnsNode.ip, timeoutMs: props.bootTimeoutMs };
      await timed(`boot ${props.hosts.map((h) => h.fqdn).join(', ')} and run their user-data`, async () => {
        // allSettled, not all: teardown must wait until no boot is still creating its container.
        const boots = await Promise.allSettled(props.hosts.map((host) => rehearsal.bootHost(host)));
        const failed = boots.flatMap((boot) => (boot.status === 'rejected' ? [boot.reason] : []));
        if (failed.length > 0) throw failed.length === 1 ? failed[0] : new AggregateError(failed, failed.map(String).join('\n'));
      });
      progress(`run ${runName(runId)} ready ${seconds(started)} after start`);
      return rehearsal;
    } catch (error) {
      await rehearsal.stop();
      throw error;
    }
  }

  /** The LAN (for the namespaces' names and {@link RehearsalLan.exec}). */
  get lan(): RehearsalLan {
    if (!this.network) throw new Error('the rehearsal LAN is not up');
    return this.network;
  }

  /** The DNS server (its address and query log). */
  get dns(): DnsServer {
    if (!this.dnsServer) throw new Error('the rehearsal DNS is not running');
    return this.dnsServer;
  }

  /**
   * Serves another record set from now on (dnsmasq restarted with it, at the same address), as a
   * changed zone looks to the hosts: e.g. a wrong record that a health check must find.
   */
  async serveDns(records: readonly DnsRecord[]): Promise<void> {
    const { address } = this.dns;
    await this.dns.stop();
    this.dnsServer = undefined;
    this.dnsServer = await startDnsServer({ netns: this.lan.node('dns').netns, listenAddress: address, records, directory: this.directory });
  }

  /**
   * Starts a long-running host-side program in the network namespace of node `name` (e.g. the SMTP
   * sink on the client), owned by the run: {@link stop} ends it (its whole process group, so
   * wrappers such as tsx go with their child) before the namespaces are deleted. Its argv should
   * name a path in the run directory, so that `cleanup` finds it after the owner was killed.
   */
  startService(name: string, argv: readonly string[], options: { readonly stdout?: 'pipe' | 'ignore' } = {}): ChildProcess {
    const [file, ...args] = inNetns(this.lan.node(name).netns, argv);
    // Own process group: a Ctrl-C aimed at the owner does not reach it; the teardown stops it.
    const child = spawn(file, args, { detached: true, stdio: ['ignore', options.stdout ?? 'ignore', 'inherit'] });
    this.services.push(child);
    return child;
  }

  /** A booted host by its short name. */
  host(name: string): Container {
    const container = this.containers.get(name);
    if (!container) throw new Error(`no host "${name}" in this rehearsal; hosts: ${[...this.containers.keys()].join(', ')}`);
    return container;
  }

  /** How a host's boot went (system state, failed units, cloud-init status, seconds). */
  bootReport(name: string): BootReport {
    const report = this.reports.get(name);
    if (!report) throw new Error(`host "${name}" has not finished booting`);
    return report;
  }

  /** Runs a host-side program in the network namespace of node `name` (a client, a host, or "dns"). */
  exec(name: string, argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    return this.lan.exec(name, argv, options);
  }

  /** The raw image behind a host's volume (its guest device, e.g. `/dev/sdf`). */
  volumeImage(name: string, device: string): string {
    const volume = this.volumes.get(name)?.find((v) => v.device === device);
    if (!volume) throw new Error(`host "${name}" has no volume ${device}`);
    return volume.image;
  }

  /**
   * A snapshot of a running host's volume, as EBS takes one: the file system mounted at
   * `mountPoint` in the guest is frozen (`fsfreeze`) while its image is copied. Returns the copy's
   * path (in the run directory), to give a host as `volumes[].image`.
   */
  async snapshotVolume(name: string, device: string, mountPoint: string): Promise<string> {
    const image = this.volumeImage(name, device);
    const snapshot = join(this.directory, 'volumes', `snapshot-${Date.now().toString(36)}-${basename(image)}`);
    const host = this.host(name);
    await host.exec(['fsfreeze', '--freeze', mountPoint]);
    try {
      copyVolumeImage(image, snapshot);
    } finally {
      await host.exec(['fsfreeze', '--unfreeze', mountPoint]);
    }
    return snapshot;
  }

  /**
   * Replaces a host by a fresh one, as a new EC2 instance: the old one is halted and its root file
   * system discarded; the new one boots from a fresh overlay with the same props but `changes`
   * (e.g. other `volumes`), on the same address. Returns once its cloud-init is done.
   */
  async replaceHost(name: string, changes: Partial<Omit<RehearsalHostProps, 'name' | 'fqdn' | 'ip'>> = {}): Promise<void> {
    const props = this.hostProps.get(name);
    if (!props) throw new Error(`no host "${name}" in this rehearsal`);
    await this.removeHost(name);
    await timed(`replace ${props.fqdn} by a fresh host`, () => this.bootHost({ ...props, ...changes }));
  }

  /**
   * Stops the services, halts every host, stops DNS, deletes the namespaces, mounts and the run
   * directory. Safe to call more than once and after a failed start; every step is attempted, and
   * the errors are reported together.
   */
  stop(): Promise<void> {
    this.stopping ??= timed(`tear down ${runName(this.runId)}`, async () => {
      const steps = [
        ...this.services.map((service) => stopProcessGroup(service)),
        ...[...this.containers.keys()].map((name) => this.removeHost(name)),
        this.dnsServer?.stop(),
      ];
      const errors = (await Promise.allSettled(steps)).flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
      try {
        await this.network?.destroy();
        rmSync(this.directory, { recursive: true, force: true });
      } catch (error) {
        errors.push(error);
      }
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
      if (errors.length > 0) throw new AggregateError(errors, `teardown of ${runName(this.runId)} failed: ${errors.map(String).join('; ')} (run "npx tsx rehearsal/cli.ts cleanup")`);
    });
    return this.stopping;
  }

  /** Halts a host, deletes its overlay and detaches its loop devices (the images stay). */
  private async removeHost(name: string): Promise<void> {
    try {
      await this.containers.get(name)?.remove();
    } finally {
      this.containers.delete(name);
      for (const volume of this.volumes.get(name) ?? []) await detachLoopDevice(volume.loop);
      this.volumes.delete(name);
    }
  }

  /** Attaches a host's volumes: each image (a new blank one unless given) as a loop device. */
  private async attachVolumes(host: RehearsalHostProps): Promise<{ device: string; image: string; loop: string }[]> {
    const attached: { device: string; image: string; loop: string }[] = [];
    this.volumes.set(host.name, attached);
    for (const volume of host.volumes ?? []) {
      const image = volume.image ?? join(this.directory, 'volumes', `${host.name}-${basename(volume.device)}.img`);
      if (!volume.image) createBlankImage(image, volume.sizeMiB ?? 256);
      attached.push({ device: volume.device, image, loop: await attachLoopDevice(image) });
    }
    return attached;
  }

  private async bootHost(host: RehearsalHostProps): Promise<void> {
    if (!this.base) throw new Error('the rehearsal LAN is not up');
    const { rootfs: base, repo, nameserver, timeoutMs } = this.base;
    this.hostProps.set(host.name, host);
    const machineName = nodeName(this.runId, host.name);
    const volumes = await this.attachVolumes(host);
    const container = await Container.create({
      machineName,
      hostname: host.fqdn,
      netns: this.lan.node(host.name).netns,
      baseRootfs: base,
      aptRepo: repo,
      directory: join(this.directory, host.name),
      removePaths: REMOVED_GUEST_PATHS,
      devices: volumes.map((v) => ({ source: v.loop, target: v.device })),
      files: [
        ...noCloudSeed({ userData: host.userData, instanceId: machineName, hostname: host.fqdn.split('.')[0] }),
        ...rehearsalOverrides({ nameserver }),
        ...(host.extraFiles ?? []),
      ],
    });
    this.containers.set(host.name, container);
    await container.boot();
    this.reports.set(host.name, await container.waitUntilReady(timeoutMs));
  }
}

/** SIGTERM to a service's process group, SIGKILL after 5 s; resolves once its leader is gone. */
async function stopProcessGroup(service: ChildProcess): Promise<void> {
  const pid = service.pid;
  if (pid === undefined) return;
  signal(-pid, 'SIGTERM');
  if (await waitForExit(pid, 5000)) return;
  signal(-pid, 'SIGKILL');
  if (!(await waitForExit(pid, 5000))) throw new Error(`service ${service.spawnargs.join(' ')} (pid ${pid}) did not exit after SIGKILL`);
}

function validateNodeNames(names: readonly string[]): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (RESERVED_NODE_NAMES.includes(name)) problems.push(`"${name}" is reserved for the rehearsal itself; rename the host or client`);
    if (seen.has(name)) problems.push(`"${name}" is used twice; hosts and clients need distinct names`);
    seen.add(name);
    try {
      nodeName('000000', name);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new Error(`invalid rehearsal node names:\n- ${problems.join('\n- ')}`);
}
