/**
 * Checks the filter layer's rendered files with trixie's own tools, in a throwaway chroot
 * outside the repository (skipped when it is absent or we are not root). Built as the
 * host check chroot (see real-daemons.test.ts) plus:
 *   chroot <root> apt-get install -y amavisd-new spamassassin clamav clamav-daemon postgrey \
 *     opendkim opendkim-tools postfix-policyd-spf-python fail2ban nftables
 * with a policy-rc.d that exits 101, so nothing starts. Nothing is started here either.
 */
import { execFileSync } from 'child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { renderMailHost } from '../../host';
import { primarySpec } from './fixtures';

const ROOT = process.env.MIROVOY_FILTERCHECK_ROOT ?? '/var/tmp/mirovoy-filtercheck';
const available = existsSync(join(ROOT, 'usr/sbin/amavisd')) && process.getuid?.() === 0;
const inChroot = (command: readonly string[]): string =>
  execFileSync('chroot', [ROOT, ...command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

(available ? describe : describe.skip)(`filter layer files against the tools in ${ROOT}`, () => {
  const rendering = renderMailHost({
    ...primarySpec,
    mailDomains: ['example.com', 'example.org'],
    trustedNetworks: ['10.0.0.0/16'],
    backupMx: { hostname: 'mx2.example.com', addresses: ['203.0.113.7'] },
  });

  beforeAll(() => {
    for (const f of rendering.files) {
      mkdirSync(dirname(join(ROOT, f.path)), { recursive: true });
      writeFileSync(join(ROOT, f.path), f.content);
      chmodSync(join(ROOT, f.path), parseInt(f.mode, 8));
    }
    // fail2ban-client --test needs its runtime directory.
    mkdirSync(join(ROOT, 'run/fail2ban'), { recursive: true });
  });

  it('postfix check accepts main.cf and master.cf with the filter services, without warnings', () => {
    inChroot(['postfix', 'check']);
    expect(inChroot(['sh', '-c', 'postconf -n 2>&1 >/dev/null; postconf -M 2>&1 >/dev/null'])).toBe('');
  });

  it.each(rendering.checks.map((c) => [c.unit, c.command] as const))('%s check passes: %j', (_unit, command) => {
    inChroot(command);
  });

  it('uses fail2ban filters and jails that exist in fail2ban 1.1', () => {
    const dump = inChroot(['fail2ban-client', '-d']);
    for (const jail of ['postfix', 'postfix-sasl', 'dovecot']) expect(dump).toContain(`['add', '${jail}', 'systemd']`);
  });

  it('doveconf -n reads the global Sieve script setting', () => {
    expect(inChroot(['doveconf', '-n'])).toMatch(/sieve_script spam-to-junk \{[^}]*type = before/);
  });

  it('policyd-spf reads its configuration and answers a request', () => {
    const request = 'request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=127.0.0.1\nsender=a@example.net\nhelo_name=x\n\n';
    const out = execFileSync('chroot', [ROOT, '/usr/bin/policyd-spf', '/etc/postfix-policyd-spf-python/policyd-spf.conf'], {
      input: request,
      encoding: 'utf8',
      timeout: 10000,
    });
    expect(out).toMatch(/^action=/);
  });
});
