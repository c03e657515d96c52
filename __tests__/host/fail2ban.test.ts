import { fail2banSettings, renderMailHost, resolveMailHostSpec } from '../../host';
import { backupSpec, primarySpec } from './fixtures';

describe('fail2ban', () => {
  it('bans with nftables from the journal, on both roles', () => {
    const primary = fail2banSettings(resolveMailHostSpec(primarySpec));
    expect(Object.keys(primary)).toEqual(['DEFAULT', 'postfix', 'postfix-sasl', 'dovecot']);
    expect(primary.DEFAULT).toMatchObject({ banaction: 'nftables-multiport', bantime: '1h', findtime: '10m', maxretry: 5 });
    expect(primary.postfix).toMatchObject({ enabled: true, backend: 'systemd', mode: 'more' });
    expect(Object.keys(fail2banSettings(resolveMailHostSpec(backupSpec)))).toEqual(['DEFAULT', 'postfix', 'postfix-sasl']);
    expect(renderMailHost(backupSpec).units).toEqual(['postgrey', 'fail2ban']);
  });

  it('takes the rehearsal values and never bans localhost (the other ignored hosts: brute-force.test.ts)', () => {
    const spec = resolveMailHostSpec({ ...primarySpec, trustedNetworks: ['10.0.0.0/16'], fail2ban: { bantime: '20s', maxretry: 3 } });
    expect(fail2banSettings(spec).DEFAULT).toMatchObject({ bantime: '20s', maxretry: 3, ignoreip: ['127.0.0.1/8', '::1'] });
  });

  it('can be turned off, and rejects bad durations', () => {
    const off = renderMailHost({ ...primarySpec, fail2ban: { enabled: false } });
    expect(off.files.map((f) => f.path)).not.toContain('/etc/fail2ban/jail.d/mirovoy.local');
    expect(off.units).not.toContain('fail2ban');
    expect(() => resolveMailHostSpec({ ...primarySpec, fail2ban: { bantime: '1 hour' as never } })).toThrow(/fail2ban\.bantime/);
  });
});

describe('the provision contract of the filter layer', () => {
  const primary = renderMailHost(primarySpec);

  it('lists packages, units in start order, checks and the unit of each file', () => {
    expect(primary.packages).toEqual(expect.arrayContaining(['amavisd-new', 'clamav-daemon', 'postgrey', 'opendkim', 'postfix-policyd-spf-python', 'fail2ban', 'nftables']));
    expect(renderMailHost(backupSpec).packages).toEqual(['postgrey', 'postfix-policyd-spf-python', 'fail2ban', 'nftables', 'python3-systemd']);
    expect(primary.units).toEqual(['clamav-daemon', 'amavis', 'postgrey', 'mirovoy-from-check', 'opendkim', 'fail2ban']);
    expect(primary.checks.map((c) => c.command.join(' '))).toEqual([
      'amavisd showkeys',
      'clamd --config-file=/etc/clamav/clamd.conf --version',
      'sievec /etc/dovecot/sieve/spam-to-junk.sieve',
      '/usr/local/sbin/mirovoy-from-check --socket=inet:8893@127.0.0.1 --sender-login-map=mysql:/etc/postfix/mysql/sender-logins.cf --recipient-delimiter=+ --check',
      'opendkim -n -x /etc/opendkim.conf',
      'fail2ban-client --test',
    ]);
    expect(primary.unitOfPath).toEqual({
      '/etc/amavis/conf.d/50-user': 'amavis',
      '/etc/clamav/clamd.conf': 'clamav-daemon',
      '/etc/dovecot/sieve/spam-to-junk.sieve': 'dovecot',
      '/etc/default/postgrey': 'postgrey',
      '/etc/postgrey/whitelist_clients.local': 'postgrey',
      '/etc/systemd/system/amavis.service.d/mirovoy-quarantine.conf': 'amavis',
      '/etc/systemd/system/postgrey.service.d/mirovoy.conf': 'postgrey',
      '/etc/postfix-policyd-spf-python/policyd-spf.conf': null,
      '/usr/local/sbin/mirovoy-from-check': 'mirovoy-from-check',
      '/etc/systemd/system/mirovoy-from-check.service': 'mirovoy-from-check',
      '/etc/opendkim.conf': 'opendkim',
      '/etc/opendkim/signing.table': 'opendkim',
      '/etc/fail2ban/jail.d/mirovoy.local': 'fail2ban',
      '/etc/fail2ban/filter.d/dovecot.local': 'fail2ban',
    });
  });

  it('is deterministic and carries no secrets', () => {
    expect(renderMailHost(primarySpec)).toEqual(primary);
    for (const f of primary.files.filter((file) => file.path in primary.unitOfPath)) {
      expect(f.content).not.toMatch(/PRIVATE KEY|password/i);
    }
  });
});
