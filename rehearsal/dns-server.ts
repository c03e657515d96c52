import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderDnsmasqConfig, type DnsRecord } from './dns-records';
import { inNetns } from './network';
import { isProcessAlive, signal, sleep, waitForExit } from './processes';

/** Options for {@link startDnsServer}. */
export interface DnsServerProps {
  /** Network namespace dnsmasq runs in (its own node on the LAN, or a client's). */
  readonly netns: string;
  /** Address in that namespace dnsmasq binds to; hosts' resolv.conf points here. */
  readonly listenAddress: string;
  readonly records: readonly DnsRecord[];
  /** Directory for the config, pid and query log files. */
  readonly directory: string;
}

/** A running rehearsal DNS server. */
export interface DnsServer {
  readonly pid: number;
  readonly address: string;
  /** Every query and answer, one per line (`--log-queries`). */
  readonly queryLog: string;
  stop(): Promise<void>;
}

/**
 * Starts dnsmasq as an authoritative-only server for `records` (no upstream, so no query ever leaves
 * the LAN) and waits until it serves.
 */
export async function startDnsServer(props: DnsServerProps): Promise<DnsServer> {
  const configFile = join(props.directory, 'dnsmasq.conf');
  const queryLog = join(props.directory, 'dnsmasq.log');
  writeFileSync(configFile, renderDnsmasqConfig(props.records));
  writeFileSync(queryLog, '');
  const argv = [
    'dnsmasq', '--keep-in-foreground', '--no-resolv', '--no-hosts', '--no-poll', '--bind-interfaces',
    `--listen-address=${props.listenAddress}`, '--log-queries', `--log-facility=${queryLog}`,
    `--pid-file=${join(props.directory, 'dnsmasq.pid')}`, `--conf-file=${configFile}`,
    // Stays root: dropping to "nobody" would need that user able to write the log in our run directory.
    '--user=root', '--group=root',
  ];
  const stderrFile = join(props.directory, 'dnsmasq.stderr');
  const stderr = openSync(stderrFile, 'w');
  const [file, ...args] = inNetns(props.netns, argv);
  // Detached: a Ctrl-C aimed at the test run must not kill it before the orderly teardown.
  const child = spawn(file, args, { detached: true, stdio: ['ignore', 'ignore', stderr] });
  closeSync(stderr);
  child.unref();
  const pid = child.pid ?? 0;
  const stop = async (): Promise<void> => {
    signal(pid, 'SIGTERM');
    if (!(await waitForExit(pid, 5000))) signal(pid, 'SIGKILL');
  };
  for (const deadline = Date.now() + 10_000; !/started, version/.test(readFileSync(queryLog, 'utf8')); await sleep(50)) {
    if (!isProcessAlive(pid) || Date.now() > deadline) {
      await stop();
      const reason = existsSync(stderrFile) ? readFileSync(stderrFile, 'utf8').trim() : '';
      throw new Error(`dnsmasq did not start in ${props.netns} on ${props.listenAddress}: ${reason || 'no output'} (config: ${configFile})`);
    }
  }
  return { pid, address: props.listenAddress, queryLog, stop };
}
