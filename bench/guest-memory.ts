/**
 * Memory of a booted rehearsal host, read from this machine's /proc (the host's processes are
 * ordinary processes here) and grouped by the systemd unit each process runs in — the unit is what
 * an operator sizes and restarts, and it gathers a daemon's helpers (Postfix's smtpd, cleanup,
 * policyd-spf …) under one name. Method as in rehearsal-feasibility.md §4: PSS summed from
 * /proc/PID/smaps_rollup, RSS summed per unit.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { sleep } from '../rehearsal/processes';

/** Memory of one group of processes, in KiB. */
export interface MemoryFigures {
  /** Proportional set size: shared pages divided among their users, so groups add up to the host. */
  readonly pssKiB: number;
  /** Resident set size summed over the processes: counts pages shared between them more than once. */
  readonly rssKiB: number;
  readonly processes: number;
}

/** Report labels for the units of a mail host; a unit not listed is reported under its own name. */
const UNIT_LABELS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^postfix(@.*)?\.service$/, 'postfix'],
  [/^dovecot\.service$/, 'dovecot'],
  [/^amavis\.service$/, 'amavis'],
  [/^clamav-daemon\.service$/, 'clamav-daemon'],
  [/^postgrey\.service$/, 'postgrey'],
  [/^opendkim\.service$/, 'opendkim'],
  [/^fail2ban\.service$/, 'fail2ban'],
  [/^mariadb\.service$/, 'mariadb'],
  [/^(init\.scope|systemd-.*\.service|dbus\.service)$/, 'systemd+journald'],
];

/** Label of processes in no unit: commands this harness runs in the host with nsenter. */
export const OUTSIDE_UNITS = '(nsenter from harness)';

/** The label of a process's systemd unit, from the cgroup v2 line of /proc/PID/cgroup ("0::/payload/system.slice/amavis.service"). */
const unitLabel = (cgroupFile: string): string => {
  const path = /^0::(.*)$/m.exec(cgroupFile)?.[1] ?? '';
  const unit = path.split('/').reverse().find((segment) => /\.(service|scope)$/.test(segment));
  if (unit === undefined) return OUTSIDE_UNITS;
  return UNIT_LABELS.find(([pattern]) => pattern.test(unit))?.[1] ?? unit;
};

/** The processes of the host whose PID 1 is `pid1` (same PID namespace), with their unit labels. */
const hostProcesses = (pid1: number): Array<{ pid: number; label: string }> => {
  const namespace = readlinkSync(`/proc/${pid1}/ns/pid`);
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      if (readlinkSync(`/proc/${entry}/ns/pid`) !== namespace) return [];
      return [{ pid: Number(entry), label: unitLabel(readFileSync(`/proc/${entry}/cgroup`, 'utf8')) }];
    } catch {
      return []; // exited while we looked
    }
  });
};

/** Reads one field ("Pss:", "Rss:") of a /proc file in kB; 0 when the process is gone or a kernel thread. */
const kibField = (file: string, field: string): number => {
  try {
    return Number(new RegExp(`^${field}\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

const addTo = (groups: Map<string, MemoryFigures>, label: string, figures: MemoryFigures): void => {
  const sum = groups.get(label) ?? { pssKiB: 0, rssKiB: 0, processes: 0 };
  groups.set(label, { pssKiB: sum.pssKiB + figures.pssKiB, rssKiB: sum.rssKiB + figures.rssKiB, processes: sum.processes + figures.processes });
};

/** Label of the sum over every process of a host. */
export const WHOLE_HOST = 'whole host';

/**
 * PSS and RSS per unit label of a booted host, plus {@link WHOLE_HOST}. Reads smaps_rollup,
 * which walks each process's page tables: fine once a second, not in a tight loop.
 */
export function memoryByUnit(pid1: number): Map<string, MemoryFigures> {
  const groups = new Map<string, MemoryFigures>();
  for (const { pid, label } of hostProcesses(pid1)) {
    const rollup = `/proc/${pid}/smaps_rollup`;
    const figures = { pssKiB: kibField(rollup, 'Pss:'), rssKiB: kibField(rollup, 'Rss:'), processes: 1 };
    addTo(groups, label, figures);
    addTo(groups, WHOLE_HOST, figures);
  }
  return groups;
}

/**
 * Samples {@link memoryByUnit} of a host every `intervalMs` and keeps each label's peak PSS and
 * peak summed RSS, e.g. while a load runs. Peaks of different labels may come from different
 * moments. PSS is the figure to size by: summed RSS counts the pages Postfix's many smtpd
 * processes (or Amavis' forked children) share once per process.
 */
export class PeakMemorySampler {
  private readonly peaks = new Map<string, MemoryFigures>();
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly pid1: number,
    private readonly intervalMs = 1000,
  ) {}

  /** Starts sampling in the background. */
  start(): void {
    this.running ??= (async () => {
      while (!this.stopped) {
        this.sample();
        await sleep(this.intervalMs);
      }
    })();
  }

  /** Stops sampling (after one last sample) and returns the peaks per label (`processes`: the most seen at once). */
  async stop(): Promise<ReadonlyMap<string, MemoryFigures>> {
    this.stopped = true;
    await this.running;
    this.sample();
    return this.peaks;
  }

  private sample(): void {
    for (const [label, now] of memoryByUnit(this.pid1)) {
      const peak = this.peaks.get(label) ?? now;
      this.peaks.set(label, {
        pssKiB: Math.max(peak.pssKiB, now.pssKiB),
        rssKiB: Math.max(peak.rssKiB, now.rssKiB),
        processes: Math.max(peak.processes, now.processes),
      });
    }
  }
}
