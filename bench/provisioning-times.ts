/**
 * How long a booted mail host took to become mail-ready, from the host's own records (its
 * journal), not from this harness's clock — so the cache and LAN set-up before the boot are
 * not counted, and the figure means the same on EC2.
 */
import type { Container } from '../rehearsal/container';

/** Phases of one host's boot, in seconds. */
export interface ProvisioningTimes {
  /** First journal entry of the boot (journald starts ~0.1 s after PID 1) → the provision script's "mail-ready" line. */
  readonly bootToMailReady: number;
  /** mirovoy-provision's package installation (its "packages" step, whole seconds, from the local apt repo). */
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
  // The script logs "[<seconds>s] <step>" as each step starts; packages are the first step.
  const steps = (await host.exec(['journalctl', '-b', '-o', 'cat', '--no-pager', '-u', 'mirovoy-provision.service'])).stdout;
  const stepAt = (name: string) => new RegExp(`^mirovoy-provision: \\[(\\d+)s\\] ${name}`, 'm').exec(steps)?.[1];
  const [packagesAt, afterPackagesAt] = [stepAt('packages'), stepAt('vmail account')];
  const script = / after (\d+)s/.exec(ready.MESSAGE)?.[1];
  if (packagesAt === undefined || afterPackagesAt === undefined || script === undefined) throw new Error(`cannot read the provisioning phases:\n${steps}\n${ready.MESSAGE}`);
  const packageInstall = Number(afterPackagesAt) - Number(packagesAt);
  return {
    bootToMailReady: (microsToMs(ready.__REALTIME_TIMESTAMP) - bootStartedAtMs) / 1000,
    packageInstall,
    provisionScript: Number(script),
    bootStartedAtMs,
  };
}

/** What is installed on a host: deterministic figures, unlike times. */
export interface InstalledFigures {
  /** Packages dpkg has installed. */
  readonly packages: number;
  /** Their Installed-Size, summed (KiB, as dpkg counts). */
  readonly installedKiB: number;
  /** Regular files those packages unpacked. */
  readonly files: number;
}

/** Reads {@link InstalledFigures} from a host's dpkg database. */
export async function installedFigures(host: Container): Promise<InstalledFigures> {
  const sizes = (await host.exec(['dpkg-query', '-W', '-f', '${db:Status-Abbrev} ${Installed-Size}\\n'])).stdout
    .split('\n')
    .filter((line) => line.startsWith('ii '));
  const files = await host.exec([
    'python3', '-c',
    'import glob, os; paths = {l.rstrip("\\n") for f in glob.glob("/var/lib/dpkg/info/*.list") for l in open(f)}; print(sum(1 for p in paths if os.path.isfile(p) and not os.path.islink(p)))',
  ]);
  return { packages: sizes.length, installedKiB: sizes.reduce((sum, line) => sum + Number(line.split(' ').pop() || 0), 0), files: Number(files.stdout.trim()) };
}
