/**
 * The local apt repository holds the whole closure: a mail host and a database host install their
 * complete package lists through cloud-init, offline, with no unit failing (about 50 s).
 */
import { DATABASE_HOST_PACKAGES, MAIL_HOST_PACKAGES } from '../../rehearsal/apt-repo';
import { Rehearsal } from '../../rehearsal/rehearsal';

jest.setTimeout(20 * 60_000);

const installing = (fqdn: string, packages: readonly string[]): string =>
  `#cloud-config\nfqdn: ${fqdn}\nmanage_etc_hosts: true\npackage_update: true\npackages: [${packages.join(', ')}]\n`;

describe('local apt repository', () => {
  let rehearsal: Rehearsal;

  beforeAll(async () => {
    rehearsal = await Rehearsal.start({
      hosts: [
        { name: 'mx', fqdn: 'mx.example.test', ip: '10.203.0.10', userData: installing('mx.example.test', MAIL_HOST_PACKAGES) },
        { name: 'db', fqdn: 'db.example.test', ip: '10.203.0.11', userData: installing('db.example.test', DATABASE_HOST_PACKAGES) },
      ],
    });
  });

  afterAll(async () => {
    await rehearsal?.stop();
  });

  it.each(['mx', 'db'])('lets %s install its packages with every unit up', (host) => {
    const report = rehearsal.bootReport(host);
    expect(report.cloudInit).toMatch(/^status: done$/m);
    expect(report.failedUnits).toEqual([]);
  });

  it('installed every package, Recommends included', async () => {
    const { stdout } = await rehearsal.host('mx').exec(['dpkg-query', '-W', '-f', '${db:Status-Abbrev}${Package}\\n', ...MAIL_HOST_PACKAGES]);
    expect(stdout.trim().split('\n').filter((line) => !line.startsWith('ii '))).toEqual([]);
    // spamassassin Recommends spamc: present only because the closure follows Recommends, as apt on EC2 does.
    expect((await rehearsal.host('mx').exec(['dpkg-query', '-W', '-f', '${db:Status-Abbrev}', 'spamc'])).stdout).toBe('ii ');
  });

  it('runs the daemons (clamd waits for a signature database, which freshclam cannot fetch offline)', async () => {
    const active = (host: string, units: string[]) => rehearsal.host(host).exec(['systemctl', 'is-active', ...units], { allowFailure: true });
    expect((await active('mx', ['postfix', 'dovecot', 'amavis', 'opendkim', 'postgrey', 'fail2ban'])).stdout.trim().split('\n')).toEqual(Array(6).fill('active'));
    expect((await active('db', ['mariadb'])).stdout.trim()).toBe('active');
  });
});
