/**
 * Operable hosts, rehearsed for real on the example's primary: provisioning that heals (the
 * database refuses connections while the host boots; the host becomes mail-ready once it is back,
 * with no manual step), a changed setting applied in place from a new configuration bundle
 * (no reboot, only the affected daemons restarted, mail submitted meanwhile delivered), and
 * bundles that are refused (a wrong sha256, a failing `postfix check`) while the last good
 * configuration keeps serving mail.
 */
import { createHash } from 'node:crypto';
import { packBundle, unpackBundle } from '../../host/provision';
import { MailRehearsal, startMailRehearsal } from '../../rehearsal/mail-system';
import { deliver, eventually, onHost, searchInbox, uniqueSubject } from '../support/mail-clients';

jest.setTimeout(300_000);

const PASSWORD = 'alice-Converge-1';
/** Daemons of the primary, by unit; `postfix@-` is Postfix's master process. */
const DAEMONS = ['postfix@-', 'dovecot', 'amavis', 'clamav-daemon', 'postgrey', 'opendkim', 'fail2ban'];

let mail: MailRehearsal;
const on = (command: string, allowFailure = false) => onHost(mail, 'mx1', command, { allowFailure });

/** Main PID of each daemon. */
const mainPids = async (): Promise<Record<string, string>> => {
  const output = (await on(DAEMONS.map((u) => `systemctl show -p MainPID --value ${u}`).join('; '))).output.trim().split('\n');
  return Object.fromEntries(DAEMONS.map((u, i) => [u, output[i]]));
};
const status = async () => JSON.parse((await on('cat /var/lib/mirovoy/status.json')).output) as { state: string; message: string; applied: string; refused: string };
const sendToAlice = (subject: string) => deliver(mail, ['--to', 'alice@example.com', '--from', 'bob@sender.test', '--header', `Subject: ${subject}`]);
const delivered = (subject: string) => eventually(() => searchInbox(mail, 'alice@example.com', PASSWORD, subject).then((u) => u.length), 60_000);

beforeAll(async () => {
  mail = await startMailRehearsal({
    backupMx: false,
    databaseDownAtBoot: true,
    tuneSpec: (spec) => ({ ...spec, postgrey: { delaySeconds: 2 }, fail2ban: { maxretry: 1000 } }),
  });
}, 600_000);

afterAll(async () => {
  await mail?.stop();
}, 120_000);

describe('provisioning that heals', () => {
  it('with the database down at boot, provisioning fails, is not mail-ready, and systemd runs it again', async () => {
    // A run that waited for the database in vain, failed, and was started again by systemd.
    const journal = () => on('journalctl --no-pager -o cat -u mirovoy-provision.service').then((r) => r.output);
    const failedOnDatabase = /waiting for the database[\s\S]*failed with exit 1; it runs again[\s\S]*Scheduled restart job/;
    expect(await eventually(async () => failedOnDatabase.test(await journal()), 280_000, 2_000)).toBe(true);
    expect(Number((await on('systemctl show -p NRestarts --value mirovoy-provision.service')).output.trim())).toBeGreaterThanOrEqual(1);
    expect((await on('test -e /run/mirovoy/ready', true)).code).not.toBe(0);
    expect(await status()).toMatchObject({ state: expect.stringMatching(/^(failed|converging)$/) });
  });

  it('becomes mail-ready once the database is back, with no manual step', async () => {
    await mail.releaseDatabase();
    await mail.waitForMailReady('mx1', 420_000);
    expect(await status()).toMatchObject({ state: 'applied' });
    await onHost(mail, 'mx1', 'mirovoy-admin user add alice@example.com', { input: `${PASSWORD}\n` });
    const subject = uniqueSubject('after-healing');
    expect((await sendToAlice(subject)).output).toMatch(/250 2\.0\.0 Ok: queued/);
    expect(await delivered(subject)).toBe(1);
  }, 540_000);
});

describe('a changed setting converges in place', () => {
  const NEW_LIMIT = 20 * 1024 * 1024;
  let before: Record<string, string>;
  let bootId: string;
  let seconds: number;
  let run: { code: number | null; log: string };
  const during: string[] = [];

  beforeAll(async () => {
    before = await mainPids();
    bootId = (await on('cat /proc/sys/kernel/random/boot_id')).output;
    const bundle = mail.publishSpec('mx1', (spec) => ({ ...spec, messageSizeLimit: NEW_LIMIT, postgrey: { ...spec.postgrey, delaySeconds: 3 } }));
    // Mail keeps being submitted while the host converges.
    const sending = (async () => {
      for (let i = 0; i < 4; i++) {
        const subject = uniqueSubject(`during-convergence-${i}`);
        during.push(subject);
        // As a sending MTA would: a session cut by the Postfix restart (or a 4xx) is tried again.
        for (let attempt = 0; attempt < 5 && !/250 2\.0\.0 Ok: queued/.test((await sendToAlice(subject)).output); attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 2_000));
        }
      }
    })();
    const started = Date.now();
    run = await mail.converge('mx1');
    seconds = (Date.now() - started) / 1000;
    await sending;
    expect((await status()).applied).toBe(bundle.sha256);
  });

  it('applies the new bundle: the new settings are live', async () => {
    expect(run.code).toBe(0);
    expect(run.log).toMatch(/applied bundle [0-9a-f]{64}/);
    expect((await on('postconf -h message_size_limit')).output.trim()).toBe(String(NEW_LIMIT));
    expect((await on('cat /etc/default/postgrey')).output).toMatch(/--delay=3\b/);
    process.stdout.write(`convergence of a two-setting change: ${seconds.toFixed(1)} s\n`);
  });

  it('without a reboot, restarting only Postfix and Postgrey: every other daemon keeps its PID', async () => {
    expect((await on('cat /proc/sys/kernel/random/boot_id')).output).toBe(bootId);
    const after = await mainPids();
    for (const unit of ['dovecot', 'amavis', 'clamav-daemon', 'opendkim', 'fail2ban']) expect([unit, after[unit]]).toEqual([unit, before[unit]]);
    expect(after['postgrey']).not.toBe(before['postgrey']);
    expect(run.log).toMatch(/restarted postfix/);
    expect(run.log).not.toMatch(/restarted (dovecot|amavis|clamav-daemon|opendkim|fail2ban)/);
  });

  it('delivers the mail submitted during the convergence', async () => {
    for (const subject of during) expect([subject, await delivered(subject)]).toEqual([subject, 1]);
  });
});

describe('bundles that are refused', () => {
  let good: { content: string; sha256: string };

  beforeAll(async () => {
    const applied = (await status()).applied;
    good = { content: (await on(`cat /etc/mirovoy/rehearsal/bundles/mx1/${applied}.bundle`)).output, sha256: applied };
  });

  afterEach(async () => {
    mail.publishBundle('mx1', good.content);
    const back = await mail.converge('mx1');
    expect(back.code).toBe(0);
    expect(await status()).toMatchObject({ state: 'applied', applied: good.sha256 });
  });

  const stillServes = async (pids: Record<string, string>, mainCf: string) => {
    expect(await mainPids()).toEqual(pids);
    expect((await on('cat /etc/postfix/main.cf')).output).toBe(mainCf);
    const subject = uniqueSubject('after-refusal');
    expect((await sendToAlice(subject)).output).toMatch(/250 2\.0\.0 Ok: queued/);
    // Delivered, or (seen once, right after a convergence that restarted Postfix: Amavis' hand-back
    // got "451 Broken pipe") deferred with a 4xx and delivered by the next queue run: never lost.
    let count = await eventually(() => searchInbox(mail, 'alice@example.com', PASSWORD, subject).then((u) => u.length), 30_000);
    if (count === 0) {
      expect((await on('postqueue -j')).output).toMatch(/"delay_reason": "[^"]*\b4\.\d\.\d\b/);
      await on('postqueue -f');
      count = await delivered(subject);
    }
    const context = count === 1 ? '' : (await on('postqueue -p; journalctl --no-pager -o cat -n 80 -u postfix@- -u amavis')).output;
    expect({ count, context }).toEqual({ count: 1, context: '' });
  };

  it('refuses a bundle whose content does not have the sha256 its deployment names', async () => {
    const [pids, mainCf] = [await mainPids(), (await on('cat /etc/postfix/main.cf')).output];
    const tampered = good.content.replace('message_size_limit = ', 'message_size_limit = 1');
    mail.publishBundle('mx1', tampered, createHashOf(good.content.replace('message_size_limit = ', 'message_size_limit = 2')));
    const run = await mail.converge('mx1');
    expect(run.code).toBe(3);
    expect(run.log).toMatch(/bundle [0-9a-f]{64} refused: its content has sha256 [0-9a-f]{64}, not the/);
    expect(await status()).toMatchObject({ state: 'refused', applied: good.sha256 });
    await stillServes(pids, mainCf);
  });

  it('refuses a bundle whose postfix check fails, puts the previous files back and leaves the daemons alone', async () => {
    const [pids, mainCf] = [await mainPids(), (await on('cat /etc/postfix/main.cf')).output];
    const files = unpackBundle(good.content).map((f) => (f.path === '/etc/postfix/main.cf' ? { ...f, content: `${f.content}mail_owner = no-such-user\n` } : f));
    mail.publishBundle('mx1', packBundle(files, ['a bundle whose postfix check fails']).content);
    const run = await mail.converge('mx1');
    expect(run.code).toBe(3);
    expect(run.log).toMatch(/check of postfix failed: postfix check/);
    expect(run.log).toMatch(/put the previous configuration files back/);
    expect(run.log).toMatch(/refused: its configuration checks failed/);
    const state = await status();
    expect(state).toMatchObject({ state: 'refused', applied: good.sha256 });
    expect(state.refused).not.toBe(good.sha256);
    const journal = (await on('journalctl --no-pager -o cat -u mirovoy-provision.service -n 200')).output;
    expect(journal).toMatch(/ERROR: bundle [0-9a-f]{64} refused/);
    await stillServes(pids, mainCf);
  });
});

describe('packages follow the bundle, in place', () => {
  const FAIL2BAN_PACKAGES = ['fail2ban', 'python3-systemd'];
  const installed = async () => (await on(`dpkg-query -W -f '\${db:Status-Abbrev}\${Package}\\n' ${FAIL2BAN_PACKAGES.join(' ')} 2>/dev/null || true`)).output;

  it('a bundle without fail2ban removes its packages; the next one with it installs them again and fail2ban runs', async () => {
    const bootId = (await on('cat /proc/sys/kernel/random/boot_id')).output;
    mail.publishSpec('mx1', (spec) => ({ ...spec, fail2ban: { ...spec.fail2ban, enabled: false } }));
    const off = await mail.converge('mx1');
    expect(off.code).toBe(0);
    expect(off.log).toMatch(/removing packages no longer needed: .*fail2ban/);
    expect(await installed()).not.toMatch(/^ii +fail2ban$/m);

    mail.publishSpec('mx1', (spec) => spec);
    const on_ = await mail.converge('mx1');
    expect(on_.code).toBe(0);
    expect(on_.log).toMatch(/installing \d+ packages: .*fail2ban/);
    expect(await installed()).toMatch(/^ii +fail2ban$/m);
    expect((await on('systemctl is-active fail2ban')).output.trim()).toBe('active');
    expect((await on('cat /proc/sys/kernel/random/boot_id')).output).toBe(bootId);
  });
});

function createHashOf(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}
