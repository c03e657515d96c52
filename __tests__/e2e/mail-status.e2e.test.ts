/**
 * Health on the host, rehearsed for real: `mirovoy-status` on the example config's booted primary
 * and backup MX is healthy (exit 0, human and JSON), then reports each injected fault with exit 1
 * and a line naming it — a stopped daemon, a full log volume (a small file system of its own,
 * filled), a certificate about to expire (published through the secret and converged), a stale
 * database backup, a wrong DNS record (served by the rehearsal's DNS) — and is healthy again once
 * the fault is undone. The metrics timer's push carries the contract's names and the figures.
 */
import { loadConfig } from '../../configs/load';
import { CONVERGE_STATUS_FILE } from '../../host/provision';
import { REHEARSAL_STORE_DIRECTORY } from '../../host/provision/runtime-seam';
import { BACKUP_STATE_FILE } from '../../host/backup';
import { FIRST_READY_FILE, METRICS_TIMER, METRICS_UNIT } from '../../host/status';
import { DnsRecord } from '../../rehearsal/dns-records';
import { MAIL_REHEARSAL_ADDRESSES, MailRehearsal } from '../../rehearsal/mail-system';
import { HostCertificate } from '../../rehearsal/test-ca';
import { eventually, onHost } from '../support/mail-clients';
import { acquireMailRehearsal, releaseMailRehearsal } from '../support/shared-mail-rehearsal';

jest.setTimeout(180_000);

const EXAMPLE = loadConfig('example');
const PRIMARY_NAME = EXAMPLE.mail.primary.hostname;
const BACKUP_NAME = EXAMPLE.mail.backupMx.hostname!;
const DOMAIN = EXAMPLE.mailDomains[0];

let mail: MailRehearsal;

interface StatusRun {
  readonly code: number | null;
  readonly output: string;
}

/** `mirovoy-status [args]` on a host: exit code and standard output. */
const status = async (host: 'mx1' | 'mx2', ...args: string[]): Promise<StatusRun> => {
  const run = await mail.rehearsal.host(host).exec(['mirovoy-status', ...args], { allowFailure: true, timeoutMs: 120_000 });
  return { code: run.code, output: run.stdout };
};

/** The JSON report of a host. */
const report = async (host: 'mx1' | 'mx2') => {
  const run = await status(host, '--json');
  return { code: run.code, report: JSON.parse(run.output) };
};

/** Polls until the host is healthy again (a restarted daemon takes a moment to listen); its last run. */
const healthyAgain = (host: 'mx1' | 'mx2') => eventually(async () => {
  const run = await status(host);
  return run.code === 0 ? run : null;
}, 30_000).then((run) => run ?? status(host));

const on = (host: 'mx1' | 'mx2', command: string) => onHost(mail, host, command);
const tlsSecret = (c: HostCertificate) => ({ certificate_chain: c.chainPem, private_key: c.keyPem });

beforeAll(async () => {
  // Shared with mail-quota (its greylisting and fail2ban tuning are nothing the status checks); alone it boots its own.
  mail = await acquireMailRehearsal('example-backup-mx');
}, 600_000);

afterAll(async () => {
  await releaseMailRehearsal('example-backup-mx', mail);
}, 120_000);

describe('a healthy host', () => {
  it('mx1: exit 0, a line a check, every one ok (outbound port 25 skipped in the rehearsal)', async () => {
    const run = await status('mx1');
    expect(run.output).toMatch(new RegExp(`^mirovoy-status ${PRIMARY_NAME} \\(primary\\) at \\S+Z: healthy$`, 'm'));
    expect(run.output).not.toMatch(/^PROBLEM/m);
    for (const line of [
      /^ok +service postfix: postfix active; ports 25 465 587 listening$/m,
      /^ok +service dovecot: dovecot active; ports 993 4190 listening$/m,
      /^ok +service from-check: mirovoy-from-check active; port 8893 listening$/m,
      /^ok +service status: mirovoy-metrics\.timer active$/m,
      /^ok +queue postfix: \d+ active, \d+ deferred, \d+ hold$/m,
      /^ok +certificate \/etc\/mirovoy\/tls\/mail-chain\.pem: (29|30)\.\d days left \(until \S+\)$/m,
      /^ok +disk root: \d+\.\d % used at \/$/m,
      /^ok +disk spool: \d+\.\d % used at \/var\/spool \(on the file system of \/\)$/m,
      // A new host: no dump yet, within the 26 h its first nightly dump has.
      /^ok +backup database: no backup yet; mail-ready since \S+Z \(0\.\d h\)$/m,
      /^ok +convergence bundle: applied, bundle [0-9a-f]{12}, at \S+Z: /m,
      new RegExp(`^ok +dns MX ${DOMAIN}: 10 ${PRIMARY_NAME} \\| 20 ${BACKUP_NAME}$`, 'm'),
      new RegExp(`^ok +dns TXT ${DOMAIN}: v=spf1 mx -all$`, 'm'),
      new RegExp(`^ok +dns TXT _dmarc\\.${DOMAIN}: v=DMARC1; p=quarantine; adkim=s; aspf=s; rua=mailto:`, 'm'),
      new RegExp(`^ok +dns TXT _mta-sts\\.${DOMAIN}: v=STSv1; id=\\w+$`, 'm'),
      new RegExp(`^ok +dns TXT mail\\._domainkey\\.${DOMAIN}: v=DKIM1; k=rsa; p=`, 'm'),
      new RegExp(`^ok +dns A ${PRIMARY_NAME}: ${MAIL_REHEARSAL_ADDRESSES.primary}$`, 'm'),
      new RegExp(`^ok +dns PTR 10\\.0\\.203\\.10\\.in-addr\\.arpa: ${PRIMARY_NAME}$`, 'm'),
      /^skipped +outbound-smtp gmail-smtp-in\.l\.google\.com:25: not checked in the rehearsal/m,
    ]) expect(run.output).toMatch(line);
    expect(run.code).toBe(0);
  });

  it('mx1 --json: the same checks as data, with the figures the metrics carry', async () => {
    const { code, report: r } = await report('mx1');
    expect(code).toBe(0);
    expect(r).toMatchObject({ hostname: PRIMARY_NAME, role: 'primary', ok: true, mail_ready: true, problems: [] });
    expect(r.checks.every((c: { status: string }) => c.status !== 'problem')).toBe(true);
    expect(Object.keys(r.figures).sort()).toEqual(['certificate_days_left', 'disk_used_percent', 'last_backup_age_hours', 'mail_ready', 'problems', 'queue']);
    expect(Object.keys(r.figures.queue).sort()).toEqual(['active', 'deferred', 'hold']);
    expect(Object.keys(r.figures.disk_used_percent).sort()).toEqual(['log', 'root', 'spool']);
    expect(r.figures.certificate_days_left).toBeGreaterThan(29);
    expect(r.figures.last_backup_age_hours).toBeLessThan(1);
  });

  it('mx2: healthy too, with no backup check and no DKIM key of its own', async () => {
    const run = await status('mx2');
    expect(run.output).toMatch(new RegExp(`^mirovoy-status ${BACKUP_NAME} \\(backup\\) at \\S+Z: healthy$`, 'm'));
    expect(run.output).toMatch(/^ok +service postfix: postfix active; port 25 listening$/m);
    expect(run.output).toMatch(new RegExp(`^ok +dns PTR 11\\.0\\.203\\.10\\.in-addr\\.arpa: ${BACKUP_NAME}$`, 'm'));
    expect(run.output).not.toMatch(/ backup database:|_domainkey/);
    expect(run.code).toBe(0);
  });
});

describe('each fault is reported, and gone once undone', () => {
  afterEach(async () => {
    // Whatever a test did, the next one starts from a healthy primary.
    const run = await healthyAgain('mx1');
    expect(run.output).toMatch(/: healthy$/m);
  });

  it('a stopped daemon: its unit and its port', async () => {
    await on('mx1', 'systemctl stop dovecot');
    try {
      const run = await status('mx1');
      expect(run.code).toBe(1);
      expect(run.output).toMatch(/^PROBLEM +service dovecot: dovecot inactive; ports 993 4190 not all listening \(closed: 993 4190\)$/m);
      expect((await report('mx1')).report).toMatchObject({ ok: false, mail_ready: false, figures: { mail_ready: 0, problems: 1 } });
    } finally {
      await on('mx1', 'systemctl start dovecot');
    }
  });

  it('a full volume: /var/log on a small file system of its own (as the log volume is on EC2), filled', async () => {
    await on('mx1', 'mount -t tmpfs -o size=4m mirovoy-test-log /var/log && head -c 3800000 /dev/zero >/var/log/fill');
    try {
      const run = await status('mx1');
      expect(run.code).toBe(1);
      expect(run.output).toMatch(/^PROBLEM +disk log: 9\d\.\d % used at \/var\/log, above 80 %$/m);
      expect((await report('mx1')).report.figures.disk_used_percent.log).toBeGreaterThan(90);
    } finally {
      await on('mx1', 'umount /var/log');
    }
  });

  it('a certificate about to expire: published through its secret and converged, then renewed', async () => {
    mail.putSecret('mx1', 'tls', tlsSecret(await mail.issueCertificate('mx1', 2)));
    expect((await mail.converge('mx1')).code).toBe(0);
    const run = await status('mx1');
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/^PROBLEM +certificate \/etc\/mirovoy\/tls\/mail-chain\.pem: [12]\.\d days left \(until \S+\); renew it: fewer than 14 days left$/m);
    mail.putSecret('mx1', 'tls', tlsSecret(await mail.issueCertificate('mx1')));
    expect((await mail.converge('mx1')).code).toBe(0);
  });

  it('a stale backup: the last good dump three days old; a fresh one passes', async () => {
    const dump = (hoursAgo: number) => JSON.stringify({
      finished: new Date(Date.now() - hoursAgo * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      key: 'database/maildb/20261129T020000Z.sql.gz',
      bytes: 52_311,
      sha256: 'a'.repeat(64),
    });
    try {
      await on('mx1', `printf '%s\\n' '${dump(72)}' >${BACKUP_STATE_FILE}`);
      const stale = await status('mx1');
      expect(stale.code).toBe(1);
      expect(stale.output).toMatch(/^PROBLEM +backup database: last good dump \S+Z \(72\.0 h ago, database\/maildb\/20261129T020000Z\.sql\.gz\), older than 26 h$/m);
      expect((await report('mx1')).report.figures.last_backup_age_hours).toBe(72);
      await on('mx1', `printf '%s\\n' '${dump(3)}' >${BACKUP_STATE_FILE}`);
      expect((await status('mx1')).output).toMatch(/^ok +backup database: last good dump \S+Z \(3\.0 h ago, /m);
    } finally {
      await on('mx1', `rm -f ${BACKUP_STATE_FILE}`);
    }
  });

  it('no backup two days after the host was first mail-ready: the nightly dump does not run', async () => {
    const firstReady = (await on('mx1', `cat ${FIRST_READY_FILE}`)).output.trim();
    try {
      await on('mx1', `date -u -d '-2 days' +%FT%TZ >${FIRST_READY_FILE}`);
      const run = await status('mx1');
      expect(run.code).toBe(1);
      expect(run.output).toMatch(/^PROBLEM +backup database: no backup yet; mail-ready since \S+Z \(48\.0 h\), longer than 26 h: the nightly dump does not run$/m);
    } finally {
      await on('mx1', `echo ${firstReady} >${FIRST_READY_FILE}`);
    }
  });

  it('a wrong DNS record: the SPF record changed on the DNS server, named with both values', async () => {
    const published = mail.dnsRecords;
    const isSpf = (r: DnsRecord) => r.type === 'TXT' && r.name === DOMAIN && [r.value].flat().join('').startsWith('v=spf1');
    expect(published.filter(isSpf)).toHaveLength(1);
    await mail.serveDns(published.map((r) => (isSpf(r) ? { ...r, value: 'v=spf1 a -all' } : r)));
    try {
      const run = await status('mx1');
      expect(run.code).toBe(1);
      expect(run.output).toMatch(new RegExp(`^PROBLEM +dns TXT ${DOMAIN}: resolves to v=spf1 a -all, we publish v=spf1 mx -all$`, 'm'));
      // The backup MX checks the same published set.
      expect((await status('mx2')).output).toMatch(new RegExp(`^PROBLEM +dns TXT ${DOMAIN}: `, 'm'));
    } finally {
      await mail.serveDns(published);
    }
  });

  it('a refused bundle: the convergence state', async () => {
    const saved = (await on('mx1', `cat ${CONVERGE_STATUS_FILE}`)).output;
    try {
      await on('mx1', `python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); s.update(state="refused", message="its configuration checks failed"); json.dump(s, open(sys.argv[1], "w"))' ${CONVERGE_STATUS_FILE}`);
      const run = await status('mx1');
      expect(run.code).toBe(1);
      expect(run.output).toMatch(/^PROBLEM +convergence bundle: refused, bundle [0-9a-f]{12}, at \S+Z: its configuration checks failed$/m);
    } finally {
      mail.rehearsal.host('mx1').writeFile({ path: CONVERGE_STATUS_FILE, content: saved });
    }
  });
});

describe('metrics', () => {
  /** Runs the metrics unit now, as its timer does; the body it gave mirovoy-store. */
  const push = async (host: 'mx1' | 'mx2') => {
    const directory = `${REHEARSAL_STORE_DIRECTORY}/metrics`;
    const before = (await onHost(mail, host, `ls ${directory} 2>/dev/null || true`)).output.split('\n').filter(Boolean);
    await onHost(mail, host, `systemctl start ${METRICS_UNIT}.service`);
    const after = (await onHost(mail, host, `ls ${directory}`)).output.split('\n').filter(Boolean);
    const added = after.filter((f) => !before.includes(f));
    expect(added.length).toBeGreaterThanOrEqual(1);
    return JSON.parse((await onHost(mail, host, `cat ${directory}/${added[added.length - 1]}`)).output);
  };
  type Datum = { MetricName: string; Dimensions: { Name: string; Value: string }[]; Value: number; Unit: string; Timestamp: number };
  const valueOf = (body: { MetricData: Datum[] }, name: string, volume?: string) =>
    body.MetricData.find((d) => d.MetricName === name && (volume === undefined || d.Dimensions.some((x) => x.Name === 'Volume' && x.Value === volume)))?.Value;

  it('the timer is enabled and runs every 5 minutes', async () => {
    const state = await on('mx1', `systemctl is-enabled ${METRICS_TIMER}; systemctl is-active ${METRICS_TIMER}; systemctl show -p TimersMonotonic --value ${METRICS_TIMER}`);
    const [enabled, active, timers] = state.output.trim().split('\n');
    expect([enabled, active]).toEqual(['enabled', 'active']);
    expect(timers).toMatch(/OnUnitActiveUSec=5min/);
  });

  it("mx1 pushes one body with the contract's names, units, dimensions and the figures", async () => {
    const body = await push('mx1');
    expect(body.Namespace).toBe('Mirovoy/Mail');
    const names = body.MetricData.map((d: Datum) => `${d.MetricName} ${d.Unit} ${d.Dimensions.map((x) => `${x.Name}=${x.Value}`).join(',')}`);
    expect(names).toEqual([
      `MailReady Count Host=${PRIMARY_NAME}`,
      `Problems Count Host=${PRIMARY_NAME}`,
      `QueueActive Count Host=${PRIMARY_NAME}`,
      `QueueDeferred Count Host=${PRIMARY_NAME}`,
      `QueueHold Count Host=${PRIMARY_NAME}`,
      `CertificateDaysLeft None Host=${PRIMARY_NAME}`,
      `DiskUsedPercent Percent Host=${PRIMARY_NAME},Volume=log`,
      `DiskUsedPercent Percent Host=${PRIMARY_NAME},Volume=root`,
      `DiskUsedPercent Percent Host=${PRIMARY_NAME},Volume=spool`,
      `LastBackupAgeHours None Host=${PRIMARY_NAME}`,
    ]);
    expect([valueOf(body, 'MailReady'), valueOf(body, 'Problems'), valueOf(body, 'QueueHold')]).toEqual([1, 0, 0]);
    expect(valueOf(body, 'CertificateDaysLeft')).toBeGreaterThan(29);
    expect(valueOf(body, 'DiskUsedPercent', 'root')).toBeGreaterThan(0);
    expect(Math.abs(body.MetricData[0].Timestamp - Date.now() / 1000)).toBeLessThan(120);
  });

  it('the figures follow a fault: a stopped daemon pushes MailReady 0 and one problem', async () => {
    await on('mx1', 'systemctl stop dovecot');
    try {
      const body = await push('mx1');
      expect([valueOf(body, 'MailReady'), valueOf(body, 'Problems')]).toEqual([0, 1]);
    } finally {
      await on('mx1', 'systemctl start dovecot');
      await healthyAgain('mx1');
    }
  });

  it('mx2 pushes no backup age (its dumps run on the primary)', async () => {
    const body = await push('mx2');
    expect(body.MetricData.map((d: Datum) => d.MetricName)).not.toContain('LastBackupAgeHours');
    expect(body.MetricData.every((d: Datum) => d.Dimensions[0].Value === BACKUP_NAME)).toBe(true);
  });
});
