/**
 * Checks the rendered files with the real trixie daemons' own checkers, in a throwaway
 * chroot built outside the repository (skipped when it is absent or we are not root):
 *   mmdebstrap --variant=apt --include=postfix,postfix-mysql,dovecot-imapd,dovecot-lmtpd,\
 *     dovecot-mysql,dovecot-sieve,mariadb-client,python3-pymysql trixie /var/tmp/mirovoy-hostcheck \
 *     "deb <Debian mirror> trixie main"
 * Nothing is started: the rehearsal boots the daemons for real.
 */
import { execFileSync } from 'child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { renderMailHost } from '../../host';
import { primarySpec } from './fixtures';

const ROOT = process.env.MIROVOY_HOSTCHECK_ROOT ?? '/var/tmp/mirovoy-hostcheck';
const available = existsSync(join(ROOT, 'usr/sbin/postfix')) && process.getuid?.() === 0;
const inChroot = (...command: string[]): string =>
  execFileSync('chroot', [ROOT, ...command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

(available ? describe : describe.skip)(`rendered files against the daemons in ${ROOT}`, () => {
  beforeAll(() => {
    const rendering = renderMailHost({ ...primarySpec, imapStartTls: true });
    for (const f of rendering.files) {
      mkdirSync(dirname(join(ROOT, f.path)), { recursive: true });
      writeFileSync(join(ROOT, f.path), f.content);
      chmodSync(join(ROOT, f.path), parseInt(f.mode, 8));
    }
  });

  it('postfix check and postconf -n accept main.cf and master.cf without warnings', () => {
    inChroot('postfix', '-c', '/etc/postfix', 'check');
    const out = execFileSync('chroot', [ROOT, 'postconf', '-n'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toMatch(/^smtpd_relay_restrictions = .*reject_unauth_destination/m);
    expect(inChroot('sh', '-c', 'postconf -n 2>&1 >/dev/null; postconf -M 2>&1 >/dev/null')).toBe('');
  });

  it('doveconf -n accepts dovecot.conf', () => {
    expect(inChroot('doveconf', '-n')).toMatch(/^ssl = required$/m);
  });

  it('doveadm verifies the reference hash formats and lists ARGON2ID', () => {
    expect(inChroot('doveadm', '-O', 'pw', '-l')).toMatch(/\bARGON2ID\b/);
    const sha512 = '$6$abcdefgh$DyQI5HePml34J.dFEazYdDVLhybtJcYjTNXG4w7eXwQL6q9VdnCCN/9o4ScTBV6.DjRNvSl08OSq1RwMPl8I40';
    const sha256 = '$5$abcdefgh$0qm6ZxLurFW.u7jy6mKuBDlSmHpVyh1Ce7tcmHBok68';
    for (const hash of [`{SHA512-CRYPT}${sha512}`, `{SHA256-CRYPT}${sha256}`, `{CRYPT}${sha512}`, `{CRYPT}${sha256}`]) {
      expect(inChroot('doveadm', '-O', 'pw', '-t', hash, '-p', 'refpass')).toMatch(/\(verified\)/);
    }
  });

  it('mirovoy-admin compiles and prints its help', () => {
    inChroot('python3', '-m', 'py_compile', '/usr/local/sbin/mirovoy-admin');
    expect(inChroot('/usr/local/sbin/mirovoy-admin', '--help')).toMatch(/usage: mirovoy-admin/);
    inChroot('bash', '-n', '/usr/local/sbin/mirovoy-db-migrate');
  });
});
