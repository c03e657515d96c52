/**
 * How long a booted mail host took to become mail-ready, from the host's own records (journal,
 * cloud-init), not from this harness's clock — so the cache and LAN set-up before the boot are
 * not counted, and the figure means the same on EC2.
 */
import type { Container } from '../rehearsal/container';

/** Phases of one host's boot, in seconds. */
export interface ProvisioningTimes {
  /** First journal entry of the boot (journald starts ~0.1 s after PID 1) → the provision script's "mail-ready" line. */
  readonly bootToMailReady: number;
  /** cloud-init's package installation (`config-package-update-upgrade-install`, from the local apt repo). */
  readonly packageInstall: number;
  /** The provision script alone, as it reports itself ("mail-ready: … after Ns", whole seconds). */
  readonly provisionScript: number;
  /** Wall-clock time (ms since the epoch) of the host's first journal entry. */
  readonly bootStartedAtMs: number;
}

/** journalctl's JSON gives timestamps in microseconds since the epoch, as strings. */
const microsToMs = (value: string | number): number => Number(value) / 1000;

/** Reads the provisioning phases of a mail host whose cloud-init has finished. */
export async function provisioningTimes(host: Container): Promise<ProvisioningTimes> {
  const boots = JSON.parse((await host.exec(['journalctl', '--list-boots', '--output=json'])).stdout) as Array<{ first_entry: number }>;
  const bootStartedAtMs = microsToMs(boots[boots.length - 1].first_entry);
  const readyLines = (await host.exec(['journalctl', '-b', '--output=json', '--no-pager', '--grep', 'mirovoy-provision: mail-ready: '])).stdout.trim().split('\n');
  if (readyLines[0] === '') throw new Error('no "mail-ready" line in the host journal: did the provision script finish?');
  const ready = JSON.parse(readyLines[readyLines.length - 1]) as { __REALTIME_TIMESTAMP: string; MESSAGE: string };
  const blame = (await host.exec(['cloud-init', 'analyze', 'blame'])).stdout;
  const packageInstall = /([\d.]+)s \(modules-final\/config-package-update-upgrade-install\)/.exec(blame)?.[1];
  const script = / after (\d+)s/.exec(ready.MESSAGE)?.[1];
  if (packageInstall === undefined || script === undefined) throw new Error(`cannot read the provisioning phases:\n${blame}\n${ready.MESSAGE}`);
  return {
    bootToMailReady: (microsToMs(ready.__REALTIME_TIMESTAMP) - bootStartedAtMs) / 1000,
    packageInstall: Number(packageInstall),
    provisionScript: Number(script),
    bootStartedAtMs,
  };
}
