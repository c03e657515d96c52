/**
 * Upkeep of running mail hosts, rehearsed for real: the convergence run (mirovoy-provision.service,
 * every few minutes from its timer) refreshes every secret — a renewed certificate reaches
 * 465/587/993 and both MXes' port 25 by a reload, a bad one is refused, rotated relay credentials
 * are used by the next relayed message —
 * and outbound mail through an authenticated relay (the rehearsal's stand-in for Amazon SES:
 * AUTH only after STARTTLS, a certificate from the test CA). The example config's primary and
 * backup MX, booted from their exact user data.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../configs/load';
import { MAIL_REHEARSAL_ADDRESSES, MailRehearsal, REHEARSAL_NAMES, startMailRehearsal } from '../../rehearsal/mail-system';
import { HostCertificate } from '../../rehearsal/test-ca';
import { deliver, eventually, onClient, onHost, searchInbox, swaks, uniqueSubject } from '../support/mail-clients';

jest.setTimeout(180_000);

const PASSWORD = { alice: 'alice-Upkeep-1' };
const { primary: PRIMARY, backup: BACKUP } = MAIL_REHEARSAL_ADDRESSES;
const TIMER = 'mirovoy-provision.timer';

const EXAMPLE = loadConfig('example');
const PRIMARY_NAME = EXAMPLE.mail.primary.hostname;
const BACKUP_NAME = EXAMPLE.mail.backupMx.hostname!;

let mail: MailRehearsal;

const on = (host: 'mx1' | 'mx2', command: string, allowFailure = false) => onHost(mail, host, command, { allowFailure });

/** The chain a TLS client gets from a host's port (all certificates the server sent, PEM). */
const servedChain = async (ip: string, port: number, servername: string, starttls?: 'smtp') => {
  const result = await onClient(mail, ['openssl', 's_client', '-connect', `${ip}:${port}`, '-servername', servername, '-showcerts', ...(starttls ? ['-starttls', starttls] : [])], '');
  return (result.output.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? []).join('');
};

/** Every TLS endpoint serving a host certificate: [label, ip, port, server name, STARTTLS]. */
const ENDPOINTS: [string, string, number, string, 'smtp' | undefined][] = [
  ['mx1:465', PRIMARY, 465, PRIMARY_NAME, undefined],
  ['mx1:587', PRIMARY, 587, PRIMARY_NAME, 'smtp'],
  ['mx1:993', PRIMARY, 993, PRIMARY_NAME, undefined],
  ['mx1:25', PRIMARY, 25, PRIMARY_NAME, 'smtp'],
  ['mx2:25', BACKUP, 25, BACKUP_NAME, 'smtp'],
];

/** Daemon identity and reload count of a host: main PIDs, and systemd's "Reloading" lines for them. */
const daemons = async (host: 'mx1' | 'mx2') => {
  const units = host === 'mx1' ? ['postfix', 'dovecot'] : ['postfix'];
  const pids = await on(host, units.map((u) => `systemctl show -p MainPID --value ${u}`).join('; '));
  const reloads = await on(host, `journalctl --no-pager -o cat ${units.map((u) => `-u ${u}`).join(' ')} | grep -c '^Reloading ' || true`);
  return { pids: pids.output.trim(), reloads: Number(reloads.output.trim()) };
};

/** Runs one convergence on a host, as its timer does; its exit code and what it logged in that run. */
const refresh = (host: 'mx1' | 'mx2') => mail.converge(host);

const installedFiles = (host: 'mx1' | 'mx2') => on(host, 'sha256sum /etc/mirovoy/tls/mail-chain.pem /etc/mirovoy/tls/mail-key.pem');
const tlsSecret = (c: HostCertificate) => ({ certificate_chain: c.chainPem, private_key: c.keyPem });

beforeAll(async () => {
  mail = await startMailRehearsal({
    authenticatedRelay: true,
    // The first test checks the timers; it stops them afterwards, so the suite's own runs are the only ones.
    convergenceTimers: true,
    tuneSpec: (spec) => ({ ...spec, postgrey: { delaySeconds: 2 }, fail2ban: { maxretry: 1000 } }),
  });
  await onHost(mail, 'mx1', 'mirovoy-admin user add alice@example.com', { input: `${PASSWORD.alice}\n` });
}, 600_000);

afterAll(async () => {
  await mail?.stop();
}, 120_000);

describe('certificate refresh', () => {
  it.each(['mx1', 'mx2'] as const)('%s: the convergence timer is enabled and scheduled within minutes', async (host) => {
    const state = await on(host, `systemctl is-enabled ${TIMER}; systemctl is-active ${TIMER}; date -d "$(systemctl list-timers --all --no-legend ${TIMER} | awk '{print $1, $2, $3, $4}')" +%s`);
    const [enabled, active, next] = state.output.trim().split('\n');
    expect([enabled, active]).toEqual(['enabled', 'active']);
    // The next run is a few minutes away (3 min after the last one, plus up to 90 s at random).
    expect(next).toMatch(/^\d+$/);
    const nextMs = Number(next) * 1000;
    expect(nextMs - Date.now()).toBeGreaterThan(0);
    expect(nextMs - Date.now()).toBeLessThan(6 * 60 * 1000);
    await on(host, `systemctl stop ${TIMER}`);
  });

  it.each(['mx1', 'mx2'] as const)('%s: with the secret unchanged, the service installs nothing and reloads nothing', async (host) => {
    const [files, before] = [await installedFiles(host), await daemons(host)];
    const mtimes = await on(host, 'stat -c %Y /etc/mirovoy/tls/mail-chain.pem /etc/mirovoy/tls/mail-key.pem');
    const run = await refresh(host);
    expect(run.code).toBe(0);
    expect(run.log).toMatch(/mirovoy-provision: nothing changed/);
    expect(run.log).not.toMatch(/updated|reloaded|restarted/);
    expect(await daemons(host)).toEqual(before);
    expect((await installedFiles(host)).output).toBe(files.output);
    expect((await on(host, 'stat -c %Y /etc/mirovoy/tls/mail-chain.pem /etc/mirovoy/tls/mail-key.pem')).output).toBe(mtimes.output);
  });

  describe('a renewed certificate', () => {
    const renewed: Partial<Record<'mx1' | 'mx2', HostCertificate>> = {};
    const before: Partial<Record<'mx1' | 'mx2', { pids: string; reloads: number }>> = {};

    beforeAll(async () => {
      for (const host of ['mx1', 'mx2'] as const) {
        // The chain served so far is not the new one (a fresh key and serial).
        renewed[host] = await mail.issueCertificate(host);
        before[host] = await daemons(host);
        mail.putSecret(host, 'tls', tlsSecret(renewed[host]!));
      }
    });

    it.each(['mx1', 'mx2'] as const)('%s: is installed by the convergence run, which reloads Postfix (and Dovecot) without restarting them', async (host) => {
      const run = await refresh(host);
      expect(run.code).toBe(0);
      expect(run.log).toMatch(/updated \/etc\/mirovoy\/tls\/mail-chain\.pem \(secret\)/);
      for (const unit of host === 'mx1' ? ['postfix', 'dovecot'] : ['postfix']) expect(run.log).toContain(`reloaded ${unit} (a secret it reads changed)`);
      expect(run.log).not.toMatch(/restarted/);
      const after = await daemons(host);
      expect(after.pids).toBe(before[host]!.pids);
      expect(after.reloads).toBe(before[host]!.reloads + (host === 'mx1' ? 2 : 1));
      expect((await on(host, 'cat /etc/mirovoy/tls/mail-chain.pem')).output).toBe(renewed[host]!.chainPem);
    });

    it.each(ENDPOINTS)('%s serves the new chain', async (label, ip, port, servername, starttls) => {
      const expected = renewed[label.startsWith('mx1') ? 'mx1' : 'mx2']!.chainPem;
      // A reload lets busy processes finish; new connections get new processes, with the new chain.
      expect(await eventually(async () => ((await servedChain(ip, port, servername, starttls)) === expected ? expected : ''), 15_000)).toBe(expected);
    });

    it('still lets mail flow: inbound on 25, and IMAPS with a client that verifies the new chain', async () => {
      const subject = uniqueSubject('after-renewal');
      const sent = await deliver(mail, ['--to', 'alice@example.com', '--from', 'bob@sender.test', '--header', `Subject: ${subject}`]);
      expect(sent.output).toMatch(/250 2\.0\.0 Ok: queued/);
      expect(await eventually(() => searchInbox(mail, 'alice@example.com', PASSWORD.alice, subject).then((u) => u.length))).toBe(1);
    });
  });

  it.each([
    ['a private key of another certificate', async () => ({ ...tlsSecret(await mail.issueCertificate('mx1')), private_key: (await mail.issueCertificate('mx1')).keyPem }), /the private key does not belong to the certificate/],
    ['a chain that is not PEM', async () => ({ ...tlsSecret(await mail.issueCertificate('mx1')), certificate_chain: 'this is not a certificate' }), /secret tls \(certificate_chain\) is not PEM/],
  ])('refuses %s with a clear message, and leaves the files and the running daemons alone', async (_, bad, message) => {
    const good = JSON.parse((await on('mx1', 'cat /etc/mirovoy/rehearsal/secrets/tls')).output) as object;
    const [files, before, served] = [await installedFiles('mx1'), await daemons('mx1'), await servedChain(PRIMARY, 993, PRIMARY_NAME)];
    mail.putSecret('mx1', 'tls', await bad());
    try {
      const run = await refresh('mx1');
      expect(run.code).not.toBe(0);
      expect(run.log).toMatch(message);
      expect(run.log).toMatch(/nothing was installed/);
      // The host keeps serving with what it had; the status file says what went wrong.
      expect((await on('mx1', 'cat /var/lib/mirovoy/status.json')).output).toMatch(/"state": "failed"/);
      expect((await installedFiles('mx1')).output).toBe(files.output);
      expect(await daemons('mx1')).toEqual(before);
      expect(await servedChain(PRIMARY, 993, PRIMARY_NAME)).toBe(served);
    } finally {
      mail.putSecret('mx1', 'tls', good);
      expect((await refresh('mx1')).code).toBe(0);
    }
  });
});

describe('outbound mail through an authenticated relay', () => {
  const relay = () => mail.relay!;
  /** Messages the relay accepted whose text contains `text`. */
  const relayed = (text: string) =>
    readdirSync(relay().directory)
      .map((f) => readFileSync(join(relay().directory, f), 'utf8'))
      .filter((m) => m.includes(text));
  const submit = (subject: string) =>
    swaks(mail, ['--port', '587', '--tls', '--tls-ca-path', mail.rootCaFile, '--auth', 'PLAIN', '--auth-user', 'alice@example.com', '--auth-password', PASSWORD.alice,
      '--from', 'alice@example.com', '--to', 'carol@elsewhere.test', '--header', `Subject: ${subject}`]);

  it('logs in with the relay credentials, over TLS with the relay certificate verified, and the relay gets the message', async () => {
    const subject = uniqueSubject('via-relay');
    expect((await submit(subject)).output).toMatch(/250 2\.0\.0 Ok: queued/);
    const messages = await eventually(async () => (relayed(`Subject: ${subject}`).length ? relayed(`Subject: ${subject}`) : undefined), 30_000);
    expect(messages).toHaveLength(1);
    const message = messages![0];
    expect(message).toMatch(new RegExp(`^X-Sink-Auth-User: ${relay().username}\\r$`, 'm'));
    expect(message).toMatch(/^X-Sink-Tls: yes\r$/m);
    expect(message).toMatch(/^X-Sink-Rcpt-To: carol@elsewhere\.test\r$/m);
    // "Verified": the policy for the relay (secure) applied, not opportunistic TLS.
    const log = await on('mx1', `journalctl --no-pager -o cat -t postfix/smtp | grep -F 'TLS connection established to ${REHEARSAL_NAMES.relayHost}'`);
    expect(log.output).toMatch(/^Verified TLS connection established to relay\.rehearsal\.test\[[\d.]+\]:587/m);
    // Nothing went straight to the recipients' MX.
    expect(readdirSync(mail.sinkDirectory).map((f) => readFileSync(join(mail.sinkDirectory, f), 'utf8')).some((m) => m.includes(subject))).toBe(false);
  });

  it.each(['mx1', 'mx2'] as const)('%s: keeps the relay credentials in a root-only file, out of the user data', async (host) => {
    const file = await on(host, 'stat -c "%a %U %G" /etc/mirovoy/private/relay-password; cut -d" " -f1 /etc/mirovoy/private/relay-password');
    expect(file.output).toBe(`600 root root\n[${REHEARSAL_NAMES.relayHost}]:587\n`);
    const { password } = JSON.parse((await on(host, 'cat /etc/mirovoy/rehearsal/secrets/relay')).output) as { password: string };
    expect((await on(host, `gunzip -c /var/lib/cloud/seed/nocloud/user-data | grep -cF -- ${JSON.stringify(password)} || true`)).output.trim()).toBe('0');
  });

  it('uses rotated credentials from the next convergence on: the next relayed message logs in with them', async () => {
    const good = JSON.parse((await on('mx1', 'cat /etc/mirovoy/rehearsal/secrets/relay')).output) as { username: string; password: string };
    const pids = (await on('mx1', 'systemctl show -p MainPID --value postfix@-')).output;
    mail.putSecret('mx1', 'relay', relay().rotated);
    try {
      const run = await refresh('mx1');
      expect(run.code).toBe(0);
      expect(run.log).toMatch(/updated \/etc\/mirovoy\/private\/relay-password \(secret\)/);
      expect(run.log).toContain('reloaded postfix (a secret it reads changed)');
      expect((await on('mx1', 'systemctl show -p MainPID --value postfix@-')).output).toBe(pids);
      const subject = uniqueSubject('rotated-credentials');
      expect((await submit(subject)).output).toMatch(/250 2\.0\.0 Ok: queued/);
      const messages = await eventually(async () => (relayed(`Subject: ${subject}`).length ? relayed(`Subject: ${subject}`) : undefined), 30_000);
      expect(messages?.[0]).toMatch(new RegExp(`^X-Sink-Auth-User: ${relay().rotated.username}\\r$`, 'm'));
    } finally {
      mail.putSecret('mx1', 'relay', good);
      await refresh('mx1');
    }
  });

  it('defers mail while the relay refuses the credentials, and sends it once they are right again', async () => {
    const good = JSON.parse((await on('mx1', 'cat /etc/mirovoy/rehearsal/secrets/relay')).output) as { username: string; password: string };
    mail.putSecret('mx1', 'relay', { ...good, password: 'wrong-password' });
    const subject = uniqueSubject('wrong-credentials');
    try {
      // The provision step installs the changed credentials and restarts Postfix.
      expect((await on('mx1', 'mirovoy-provision')).output).toMatch(/updated \/etc\/mirovoy\/private\/relay-password/);
      expect((await submit(subject)).output).toMatch(/250 2\.0\.0 Ok: queued/);
      const deferred = await eventually(async () => (await on('mx1', `journalctl --no-pager -o cat -t postfix/smtp | grep -F 'SASL authentication failed' || true`)).output.trim(), 30_000);
      // On failure, show what Postfix did with the message instead.
      const context = deferred ? '' : (await on('mx1', 'postqueue -p; journalctl --no-pager -o cat -n 30')).output;
      expect({ deferred, context }).toEqual({ deferred: expect.stringMatching(/status=deferred \(SASL authentication failed; server relay\.rehearsal\.test/), context: '' });
      expect(relayed(`Subject: ${subject}`)).toHaveLength(0);
    } finally {
      mail.putSecret('mx1', 'relay', good);
      await on('mx1', 'mirovoy-provision');
    }
    await on('mx1', 'postqueue -f');
    expect(await eventually(async () => relayed(`Subject: ${subject}`).length, 30_000)).toBe(1);
  });
});
