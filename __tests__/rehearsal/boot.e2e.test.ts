/**
 * Smoke test of the whole substrate: a trixie host boots under systemd-nspawn, cloud-init runs its
 * user-data from the NoCloud seed and installs postfix from the local apt repository, and a client
 * namespace reaches it over the rehearsal LAN. The first run on a machine builds the cached rootfs and
 * repository (a few minutes); later runs take about 15 s.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupStale } from '../../rehearsal/cleanup';
import { runName, RUNS_ROOT } from '../../rehearsal/names';
import { listNetns } from '../../rehearsal/network';
import { listMountPoints } from '../../rehearsal/overlay';
import { listProcesses, waitForExit } from '../../rehearsal/processes';
import { Rehearsal } from '../../rehearsal/rehearsal';

jest.setTimeout(20 * 60_000);

const MX_IP = '10.203.0.10';

/** A cloud-config like production's, reduced to installing postfix non-interactively. */
const USER_DATA = `#cloud-config
fqdn: mx.example.test
manage_etc_hosts: true
apt:
  debconf_selections:
    postfix: |
      postfix postfix/main_mailer_type select Internet Site
      postfix postfix/mailname string mx.example.test
package_update: true
packages: [postfix]
`;

/** What a run leaves on the machine: namespaces, mounts and processes carrying its name. */
function leftoversOf(runId: string): string[] {
  const name = runName(runId);
  return [
    ...listNetns().filter((netns) => netns.startsWith(name)),
    ...listMountPoints().filter((mount) => mount.includes(`/${name}/`)),
    ...listProcesses().filter((p) => p.argv.some((arg) => arg.includes(name))).map((p) => `${p.comm} ${p.pid}`),
  ];
}

describe('rehearsal boot', () => {
  let rehearsal: Rehearsal;

  beforeAll(async () => {
    rehearsal = await Rehearsal.start({
      hosts: [{ name: 'mx', fqdn: 'mx.example.test', ip: MX_IP, userData: USER_DATA }],
      clients: [{ name: 'client', ip: '10.203.0.20' }],
      dnsRecords: [
        { type: 'A', name: 'mx.example.test', value: MX_IP },
        { type: 'MX', name: 'example.test', value: 'mx.example.test', priority: 10 },
      ],
    });
  });

  afterAll(async () => {
    await rehearsal?.stop();
  });

  it('runs the user-data to the end with every unit up', () => {
    const report = rehearsal.bootReport('mx');
    expect(report.cloudInit).toMatch(/^status: done$/m);
    expect(report.systemState).toBe('running');
    expect(report.failedUnits).toEqual([]);
  });

  it('installed postfix from the local repository through cloud-init', async () => {
    const mx = rehearsal.host('mx');
    expect((await mx.exec(['postconf', '-h', 'mail_version'])).stdout.trim()).toMatch(/^3\.\d+\.\d+$/);
    expect((await mx.exec(['apt-cache', 'policy', 'postfix'])).stdout).toContain('file:/srv/repo ./ Packages');
    expect(mx.readFile('/var/lib/cloud/seed/nocloud/user-data')).toBe(USER_DATA);
  });

  it('kept apt pointed at the local repository only', async () => {
    const { stdout } = await rehearsal.host('mx').exec(['sh', '-c', 'cat /etc/apt/sources.list.d/* /etc/apt/sources.list 2>/dev/null || true']);
    expect(stdout.split('\n').filter((line) => /^(deb|URIs:)/.test(line))).toEqual(['deb [trusted=yes] file:/srv/repo ./']);
  });

  it('took its FQDN and resolves names through the rehearsal DNS', async () => {
    const mx = rehearsal.host('mx');
    expect((await mx.exec(['hostname', '--fqdn'])).stdout.trim()).toBe('mx.example.test');
    expect((await mx.exec(['getent', 'ahostsv4', 'example.test'], { allowFailure: true })).code).not.toBe(0);
    expect(await dnsAnswer(rehearsal, 'example.test', 'MX')).toBe('10 mx.example.test.');
  });

  it('accepts SMTP from a client namespace', async () => {
    const { stdout } = await rehearsal.exec('client', ['swaks', '--server', MX_IP, '--helo', 'client.test', '--quit-after', 'HELO', '--timeout', '10']);
    expect(stdout).toContain('220 mx.example.test ESMTP Postfix');
  });

  it('has no default route, so nothing leaves the LAN', async () => {
    expect((await rehearsal.host('mx').exec(['ip', 'route', 'show', 'default'])).stdout).toBe('');
    expect((await rehearsal.exec('client', ['ip', 'route', 'show', 'default'])).stdout).toBe('');
  });

  it('tears down without leaving namespaces, mounts, processes or files', async () => {
    const runId = rehearsal.runId;
    expect(leftoversOf(runId)).not.toEqual([]);
    await rehearsal.stop();
    expect(leftoversOf(runId)).toEqual([]);
    expect(existsSync(rehearsal.directory)).toBe(false);
  });
});

describe('cleanupStale', () => {
  it('removes what a killed rehearsal left behind', async () => {
    // A separate process starts a rehearsal and is killed with SIGKILL once it is up: no teardown runs.
    const script = `
      const { Rehearsal } = require('./rehearsal/rehearsal');
      const { gzipSync } = require('node:zlib'); // exercises gzip-compressed user-data (the mail host's is); not asserted here
      Rehearsal.start({ hosts: [{ name: 'h', fqdn: 'h.example.test', ip: '10.203.0.30', userData: gzipSync('#cloud-config\\nfqdn: h.example.test\\n') }] })
        .then((r) => console.log('READY ' + r.runId + ' ' + process.pid));`;
    const child = spawn('npx', ['tsx', '-e', script], { cwd: join(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    const [runId, ownerPid] = await new Promise<[string, number]>((resolve, reject) => {
      child.stdout.on('data', (data: Buffer) => {
        const match = /READY (\w+) (\d+)/.exec(data.toString());
        if (match) resolve([match[1], Number(match[2])]);
      });
      child.on('exit', (code) => reject(new Error(`rehearsal process exited early (${code})`)));
    });
    // npx and tsx run the script in a grandchild: kill that one, the run's owner.
    process.kill(ownerPid, 'SIGKILL');
    child.kill('SIGKILL');
    expect(await waitForExit(ownerPid, 10_000)).toBe(true);
    expect(leftoversOf(runId)).not.toEqual([]);

    expect(await cleanupStale()).toContain(runName(runId));
    expect(leftoversOf(runId)).toEqual([]);
    expect(existsSync(join(RUNS_ROOT, runName(runId)))).toBe(false);
  });
});

async function dnsAnswer(r: Rehearsal, name: string, type: string): Promise<string> {
  const { stdout } = await r.exec('client', ['dig', `@${r.dns.address}`, '+short', '+time=2', '+tries=1', name, type]);
  return stdout.trim();
}
