/**
 * `mirovoy-status`, the health of a mail host, and the timer that pushes its figures as
 * CloudWatch metrics: one record (see `MailDaemon`), on every mail host.
 *
 * Python 3, like `mirovoy-admin`: it reads JSON (its settings, the convergence and backup state
 * files), compares record sets and builds a JSON request body, all of which is quoting work in
 * bash. DNS is resolved with Debian's python3-dnspython (1 MB, pure Python, needs only python3)
 * rather than dig (bind9-dnsutils pulls bind9-libs and a dozen libraries, ~6 MB, and its output
 * would have to be parsed back).
 */
import { join } from 'node:path';
import { BACKUP_STATE_FILE } from '../backup';
import { MailDaemon } from '../daemon';
import { dkimTxtValue, mailDomainRecords, MailDnsRecord } from '../dns/mail-records';
import { RenderedFile } from '../files';
import { generatedJsonFile } from '../format/json-file';
import { pythonScriptFile } from '../format/python-script';
import { systemdUnitFile } from '../format/systemd-unit';
import { OPENDKIM_KEY_TABLE } from '../opendkim';
import { CONVERGE_STATUS_FILE } from '../provision/bootstrap';
import { METRICS_NAMESPACE, REHEARSAL_SEAM_DIRECTORY, STORE_COMMAND } from '../provision/runtime-seam';
import { DATA_VOLUMES } from '../provision/volumes';
import { ResolvedMailHostSpec } from '../spec';
import { METRICS_PUSH_MINUTES, STATUS_METRICS } from './metrics';

export * from './metrics';

/** Where the command is installed. */
export const STATUS_COMMAND = '/usr/local/sbin/mirovoy-status';
/** Its settings (the script reads this fixed path). */
export const STATUS_SETTINGS_PATH = '/etc/mirovoy/status-checks.json';
/** The records we publish for the mail domains, as the host checks them. */
export const DNS_EXPECTED_PATH = '/etc/mirovoy/dns-expected.json';
/** The unit that pushes the metrics, and its timer. */
export const METRICS_UNIT = 'mirovoy-metrics';
/** Its timer (the unit the record enables). */
export const METRICS_TIMER = `${METRICS_UNIT}.timer`;
/** When the host was first mail-ready (written once by mirovoy-provision): the age of "no backup yet". */
export const FIRST_READY_FILE = '/var/lib/mirovoy/first-ready';

/** Thresholds of a problem, the same as the alarms'. */
export const STATUS_THRESHOLDS = {
  /** A certificate with fewer days left is a problem (renewal runs at `certificates.acme.minDaysRemaining`). */
  certificateMinDays: 14,
  /** A file system more used than this (percent) is a problem. */
  diskMaxPercent: 80,
  /** A last good database dump older than this (hours) is a problem: the nightly one failed. */
  backupMaxAgeHours: 26,
} as const;

/**
 * Where outbound port 25 is tried on EC2 (AWS blocks it on new accounts until asked): a large
 * receiver's MX that always answers with a 220 greeting.
 */
export const OUTBOUND_SMTP_PROBE = { hostname: 'gmail-smtp-in.l.google.com', port: 25 } as const;

/** How often the metrics are pushed: the alarms' 5-minute periods. */
const PUSH_EVERY = { OnBootSec: `${METRICS_PUSH_MINUTES}min`, OnUnitActiveSec: `${METRICS_PUSH_MINUTES}min` } as const;

/** One service the status checks: a daemon's units (active) and ready ports (listening). */
interface StatusService {
  readonly name: string;
  readonly units: readonly string[];
  readonly ports: readonly number[];
}

/** The services of the enabled daemons that run units, in list order. */
const statusServices = (spec: ResolvedMailHostSpec, daemons: readonly MailDaemon[]): StatusService[] =>
  daemons
    .filter((d) => d.enabled(spec) && d.units(spec).length > 0)
    .map((d) => ({ name: d.name, units: d.units(spec), ports: d.readyPorts?.(spec) ?? [] }));

/** The settings the script reads, as written to {@link STATUS_SETTINGS_PATH}. */
const statusSettings = (spec: ResolvedMailHostSpec, daemons: readonly MailDaemon[]) => ({
  hostname: spec.hostname,
  role: spec.role,
  services: statusServices(spec, daemons),
  certificate_file: spec.tls.certificateChainFile,
  certificate_min_days: STATUS_THRESHOLDS.certificateMinDays,
  volumes: [{ name: 'root', path: '/' }, ...DATA_VOLUMES.map((v) => ({ name: v.name, path: v.mountPoint }))],
  disk_max_percent: STATUS_THRESHOLDS.diskMaxPercent,
  // Dumps run on the primary only.
  backup:
    spec.role === 'primary'
      ? { state_file: BACKUP_STATE_FILE, first_ready_file: FIRST_READY_FILE, max_age_hours: STATUS_THRESHOLDS.backupMaxAgeHours }
      : null,
  convergence_file: CONVERGE_STATUS_FILE,
  dns_expected_file: DNS_EXPECTED_PATH,
  // With a smarthost, mail leaves on its port (SES: 587); a blocked 25 is then worth a line, not a problem.
  outbound_smtp: { ...OUTBOUND_SMTP_PROBE, required: spec.relay === null },
  rehearsal_directory: REHEARSAL_SEAM_DIRECTORY,
  store_command: STORE_COMMAND,
  metrics: {
    namespace: METRICS_NAMESPACE,
    metrics: Object.values(STATUS_METRICS).map(({ name, unit, figure, ...rest }) => ({ name, unit, figure, ...('dimension' in rest ? { dimension: rest.dimension } : {}) })),
  },
});

/** A published record set as the script compares it: one text per value (TXT strings joined, MX "<priority> <host>"). */
const comparable = (record: MailDnsRecord): { type: string; name: string; values: string[] } | null => {
  switch (record.type) {
    case 'MX':
      return { type: 'MX', name: record.name, values: record.values.map((v) => `${v.priority} ${v.host}`) };
    case 'TXT':
      return { type: 'TXT', name: record.name, values: record.values.map((strings) => strings.join('')) };
    default:
      // SRV and CAA are for clients and CAs, not for mail flow; A and PTR are checked for this host alone.
      return null;
  }
};

/**
 * What {@link DNS_EXPECTED_PATH} holds: the MX and TXT records (SPF, DMARC, TLS-RPT, MTA-STS) of
 * every mail domain, this host's name (its A and PTR are checked against its public address),
 * and where its DKIM keys are (their TXT records are computed from them). `null` when the spec
 * names no published record set.
 */
const expectedDns = (spec: ResolvedMailHostSpec) =>
  spec.publishedDns === null
    ? null
    : {
        records: mailDomainRecords({ domains: spec.mailDomains, ...spec.publishedDns })
          .map(comparable)
          .filter((r) => r !== null),
        hostname: spec.hostname,
        dkim: spec.dkim.enabled ? { key_table: OPENDKIM_KEY_TABLE, value_prefix: dkimTxtValue('') } : null,
      };

/** The command, its settings, the expected records, and the metrics unit and timer. */
const renderStatus = (spec: ResolvedMailHostSpec, daemons: readonly MailDaemon[]): RenderedFile[] => {
  const expected = expectedDns(spec);
  return [
    pythonScriptFile(STATUS_COMMAND, join(__dirname, 'mirovoy-status.py'), 'host/status/mirovoy-status.py'),
    generatedJsonFile(STATUS_SETTINGS_PATH, 'host/status/index.ts', statusSettings(spec, daemons)),
    ...(expected ? [generatedJsonFile(DNS_EXPECTED_PATH, 'host/status/index.ts', expected)] : []),
    systemdUnitFile(`${METRICS_UNIT}.service`, 'host/status/index.ts', {
      Unit: { Description: 'Push the figures of mirovoy-status as CloudWatch metrics' },
      // Problems are figures to push, not a failure of the unit; it fails only when the push does.
      Service: { Type: 'oneshot', ExecStart: `${STATUS_COMMAND} --push-metrics` },
    }),
    systemdUnitFile(METRICS_TIMER, 'host/status/index.ts', {
      Unit: { Description: 'Push the health figures every 5 minutes' },
      Timer: PUSH_EVERY,
      Install: { WantedBy: 'timers.target' },
    }),
  ];
};

/**
 * The status record. It checks the other daemons of the host, so it is made with the list they
 * are in (`daemons.ts`), asked only when its files are rendered.
 */
export const statusReport = (allDaemons: () => readonly MailDaemon[]): MailDaemon => ({
  name: 'status',
  // Its timer starts after the services it checks.
  layer: 'mail',
  enabled: () => true,
  packages: (spec) => (spec.publishedDns ? ['python3-dnspython'] : []),
  files: (spec) => renderStatus(spec, allDaemons()),
  units: () => [METRICS_TIMER],
  unitOfPath: [
    { prefix: STATUS_COMMAND, unit: null },
    { prefix: STATUS_SETTINGS_PATH, unit: null },
    { prefix: DNS_EXPECTED_PATH, unit: null },
    { prefix: `/etc/systemd/system/${METRICS_UNIT}.`, unit: METRICS_TIMER },
  ],
});
