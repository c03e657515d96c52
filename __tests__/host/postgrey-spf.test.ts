import { postfixExtensionsFor, POSTGREY_SOCKET, postfixMainParameters, resolveMailHostSpec, spfSettings } from '../../host';
import { backupSpec, primarySpec, fileOf } from './fixtures';

const withPeers = { ...primarySpec, trustedNetworks: ['10.0.0.0/16'], backupMx: { hostname: 'mx2.example.com', addresses: ['203.0.113.7'] } };

describe.each([
  ['primary', primarySpec],
  ['backup', backupSpec],
])('port 25 policy services on the %s', (_role, input) => {
  const spec = resolveMailHostSpec(input);
  const list = postfixMainParameters(spec, postfixExtensionsFor(spec)).smtpd_recipient_restrictions as string[];

  it('asks reject_unlisted_recipient < SPF < Postgrey', () => {
    const unlisted = list.indexOf('reject_unlisted_recipient');
    const spf = list.indexOf('check_policy_service unix:private/policyd-spf');
    const grey = list.indexOf('check_policy_service unix:postgrey/socket');
    expect(unlisted).toBeGreaterThanOrEqual(0);
    expect(spf).toBeGreaterThan(unlisted);
    expect(grey).toBeGreaterThan(spf);
  });

  it('spawns policyd-spf as its own user with a time limit above smtpd connection reuse (-o before argv=, else policyd-spf gets it as an argument)', () => {
    const master = fileOf(input, '/etc/postfix/master.cf');
    expect(master).toMatch(/^policyd-spf unix .* spawn\n  -o policyd-spf_time_limit=3600s\n  user=policyd-spf argv=\/usr\/bin\/policyd-spf$/m);
  });
});

describe('authenticated submission', () => {
  it('is neither SPF-checked nor greylisted (its own recipient restrictions)', () => {
    const master = fileOf(primarySpec, '/etc/postfix/master.cf');
    const submission = master.split('\nsubmissions')[0].split('\nsubmission ')[1];
    expect(submission).not.toContain('policyd-spf');
    expect(submission).not.toContain(POSTGREY_SOCKET);
    // Only the recipient's quota is checked (host/dovecot/quota.ts).
    expect(submission).toContain('smtpd_recipient_restrictions = reject_non_fqdn_recipient, reject_unknown_recipient_domain, check_policy_service unix:private/quota-status }');
  });
});

describe('Postgrey', () => {
  it('listens on a unix socket in the Postfix spool with the configured delay', () => {
    expect(fileOf(primarySpec, '/etc/default/postgrey')).toContain('POSTGREY_OPTS="--unix=/var/spool/postfix/postgrey/socket --delay=300"');
    expect(fileOf({ ...primarySpec, postgrey: { delaySeconds: 2 } }, '/etc/default/postgrey')).toContain('--delay=2"');
    expect(fileOf(primarySpec, '/etc/systemd/system/postgrey.service.d/mirovoy.conf')).toContain(
      'ExecStartPre=/usr/bin/install -d -m 0755 -o postgrey -g postgrey /var/spool/postfix/postgrey',
    );
  });

  it('whitelists our networks', () => {
    const list = fileOf(withPeers, '/etc/postgrey/whitelist_clients.local').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(list).toEqual(['10.0.0.0/16']);
  });

  it('is never asked about the backup MX: Postfix lets its verified name and its addresses past both policy services', () => {
    const block = fileOf(withPeers, '/etc/postfix/main.cf').match(/^smtpd_recipient_restrictions =\n((?:\s+.*\n)+)/m)![1];
    const restrictions = block.split('\n').map((line) => line.trim().replace(/,$/, '')).filter(Boolean);
    expect(restrictions.slice(restrictions.indexOf('permit_mynetworks'))).toEqual([
      'permit_mynetworks',
      'check_client_access inline:{ mx2.example.com=OK, 203.0.113.7=OK }',
      'check_policy_service unix:private/policyd-spf',
      `check_policy_service unix:${POSTGREY_SOCKET}`,
    ]);
    expect(restrictions.indexOf('reject_unlisted_recipient')).toBeLessThan(restrictions.indexOf('permit_mynetworks'));
    expect(fileOf(primarySpec, '/etc/postfix/main.cf')).not.toContain('check_client_access');
  });

  it('can be turned off', () => {
    const spec = resolveMailHostSpec({ ...primarySpec, postgrey: { enabled: false } });
    expect(postfixExtensionsFor(spec).policyServices).toEqual([{ endpoint: 'unix:private/policyd-spf' }]);
  });
});

describe('policyd-spf', () => {
  it('rejects hard fails by default and only annotates when asked', () => {
    expect(spfSettings(resolveMailHostSpec(primarySpec))).toMatchObject({ HELO_reject: 'Fail', Mail_From_reject: 'Fail', TestOnly: 1 });
    expect(spfSettings(resolveMailHostSpec({ ...primarySpec, spf: { hardFail: 'annotate' } }))).toMatchObject({
      HELO_reject: 'False',
      Mail_From_reject: 'False',
    });
  });

  it('skips localhost and our networks', () => {
    const conf = fileOf(withPeers, '/etc/postfix-policyd-spf-python/policyd-spf.conf');
    expect(conf).toContain('skip_addresses = 127.0.0.0/8,::ffff:127.0.0.0/104,::1,10.0.0.0/16\n');
    // Its PTR test trusts an unverified name (and matches by suffix): never used.
    expect(conf).not.toContain('Whitelist_PTR');
  });

  it('refuses a malformed network', () => {
    expect(() => resolveMailHostSpec({ ...primarySpec, trustedNetworks: ['10.0.0.0/16; rm'] })).toThrow(/trustedNetworks\[0\]/);
  });
});
