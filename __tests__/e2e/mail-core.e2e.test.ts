/**
 * The mail host core, rehearsed for real: the example config's primary MX booted from its exact
 * user data (packages installed by cloud-init from the local repository), MariaDB standing in
 * for RDS, and real clients on another host: swaks, openssl s_client, curl (IMAP), sieve-connect (ManageSieve).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mailHostSpecFromConfig } from '../../adapters/mail-host-spec';
import { SYSTEM_ACCOUNTS } from '../../host/base/admin-user';
import { MANAGESIEVE_PORT } from '../../host/client-ports';
import { IMDS_ADDRESSES, IMDS_GUARD_UNIT } from '../../host/base/imds-guard';
import { DOVECOT_AUTH_FAILURE_DELAY_SECONDS } from '../../host/dovecot';
import { MIGRATIONS } from '../../host/mysql';
import { resolveMailHostSpec } from '../../host/spec';
import { MAIL_REHEARSAL_ADDRESSES, MailRehearsal, startMailRehearsal } from '../../rehearsal/mail-system';
import { failingFindings, testssl } from '../support/testssl';
import { deliver, eventually, imapsCurl, lastReplyCode, onClient, onHost, onPrimary, rcptReplyCode, searchInbox, swaks, uniqueSubject } from '../support/mail-clients';

jest.setTimeout(120_000);

const PASSWORD = { alice: 'alice-Secret-1', bob: 'bob-Secret-2', newbie: 'newbie-Secret-3', dave: 'dave-Secret-4', xandros: 'xandros-Ref-5', vivita: 'vivita-Ref-6', karl: 'karl-Ref-7' };
const PRIMARY = MAIL_REHEARSAL_ADDRESSES.primary;

let mail: MailRehearsal;
/** `mirovoy-admin domain list` right after the boot, before this suite changed anything. */
let domainsAtBoot: string;

/**
 * SQL as an operator runs it: from the mail host as the admin user (its option file names the
 * database host, written at run time from the seam), or with the master's rights, which no host
 * keeps: as the database's administrator, on the database host.
 */
const sql = (statements: string, as: 'admin' | 'master' = 'admin') =>
  as === 'admin'
    ? onPrimary(mail, 'mariadb --defaults-extra-file=/etc/mirovoy/private/mysql-admin.cnf --user=mirovoy_admin --ssl-ca=/etc/mirovoy/tls/database-ca.pem --ssl-verify-server-cert --batch maildb', { input: statements })
    : onHost(mail, 'db', 'mariadb --skip-ssl --batch maildb', { input: statements });
/** Where mirovoy-db-migrate writes the master's option file for its run. */
const MASTER_OPTION_FILE = '/etc/mirovoy/private/mysql-master.cnf';

const admin = (args: string, input?: string) => onPrimary(mail, `mirovoy-admin ${args}`, { input, allowFailure: true });

beforeAll(async () => {
  // Short greylisting (clients retry like MTAs), and no bans: this suite probes relays and
  // wrong passwords on purpose; the filter suite tests fail2ban itself.
  mail = await startMailRehearsal({ backupMx: false, tuneSpec: (spec) => ({ ...spec, postgrey: { delaySeconds: 2 }, fail2ban: { maxretry: 1000 } }) });
  // No `domain add`: provisioning added the config's mail domains.
  domainsAtBoot = (await admin('domain list')).output;
  for (const user of ['alice', 'bob', 'newbie', 'dave'] as const) {
    const added = await admin(`user add ${user}@example.com`, `${PASSWORD[user]}\n${PASSWORD[user]}\n`);
    if (added.code !== 0) throw new Error(`mirovoy-admin user add ${user}: ${added.output}`);
  }
  await admin('alias add postmaster@example.com alice@example.com');
  await admin('alias add @example.net bob@example.com');
  await sql("UPDATE users SET enabled = 0 WHERE id = 'dave@example.com'");
}, 600_000);

afterAll(async () => {
  await mail?.stop();
}, 120_000);

describe('honest config', () => {
  it("has the config's mail domains in the database right after boot (mailDomains)", () => {
    expect(domainsAtBoot.trim().split('\n')).toEqual(['example.com', 'example.net']);
  });

  // rootMailRecipient is postmaster@example.com, an alias of alice (beforeAll).
  it.each([
    ['root', 'cron and unattended-upgrades write to'],
    ['root@mx1.example.com', 'of the host name'],
    ['postmaster@mx1.example.com', 'of the host name'],
  ])('delivers local mail to %s (%s) to rootMailRecipient', async (recipient) => {
    const subject = uniqueSubject('root-mail');
    await onPrimary(mail, `/usr/sbin/sendmail -oi ${recipient}`, { input: `Subject: ${subject}\n\nfrom the host\n` });
    expect(await eventually(() => searchInbox(mail, 'alice@example.com', PASSWORD.alice, subject).then((u) => (u.length ? u.length : undefined)))).toBe(1);
  });

  it("accepts postmaster@ the host name from outside and delivers it to rootMailRecipient, and refuses the name's other addresses", async () => {
    const subject = uniqueSubject('postmaster-host');
    const sent = await deliver(mail, ['--to', 'postmaster@mx1.example.com', '--from', 'bob@sender.test', '--header', `Subject: ${subject}`]);
    expect(sent.output).toMatch(/250 2\.0\.0 Ok: queued/);
    expect(await eventually(() => searchInbox(mail, 'alice@example.com', PASSWORD.alice, subject).then((u) => (u.length ? u.length : undefined)))).toBe(1);
    expect(rcptReplyCode((await deliver(mail, ['--to', 'alice@mx1.example.com', '--from', 'bob@sender.test', '--quit-after', 'RCPT'])).output)).toBe(550);
  });
});

describe('inbound mail on port 25', () => {
  it('delivers to a mailbox, readable over IMAPS with the user password', async () => {
    const subject = uniqueSubject('inbound');
    const sent = await deliver(mail, ['--to', 'alice@example.com', '--from', 'bob@sender.test', '--header', `Subject: ${subject}`]);
    expect(lastReplyCode(sent.output)).toBe(221);
    expect(sent.output).toMatch(/250 2\.0\.0 Ok: queued/);
    const uids = await eventually(() => searchInbox(mail, 'alice@example.com', PASSWORD.alice, subject).then((u) => (u.length ? u : undefined)));
    expect(uids).toHaveLength(1);
    const message = await imapsCurl(mail, 'alice@example.com', PASSWORD.alice, `INBOX;UID=${uids![0]}`);
    expect(message.output).toContain(`Subject: ${subject}`);
    expect(message.output).toMatch(/Received: from mx1\.example\.com\s+by mx1\.example\.com with LMTP/);
    // Dovecot moves a message from new/ to cur/ once an IMAP client has seen it.
    const files = await onPrimary(mail, `grep -rl "Subject: ${subject}" /var/spool/mail/virtual/example.com/alice/new /var/spool/mail/virtual/example.com/alice/cur`);
    expect(files.output.trim().split('\n')).toHaveLength(1);
  });

  it('delivers through an alias and a catch-all', async () => {
    const viaAlias = uniqueSubject('alias');
    const viaCatchAll = uniqueSubject('catchall');
    await deliver(mail, ['--to', 'postmaster@example.com', '--from', 'bob@sender.test', '--header', `Subject: ${viaAlias}`]);
    await deliver(mail, ['--to', 'anything-at-all@example.net', '--from', 'bob@sender.test', '--header', `Subject: ${viaCatchAll}`]);
    expect(await eventually(() => searchInbox(mail, 'alice@example.com', PASSWORD.alice, viaAlias).then((u) => u.length))).toBe(1);
    expect(await eventually(() => searchInbox(mail, 'bob@example.com', PASSWORD.bob, viaCatchAll).then((u) => u.length))).toBe(1);
  });

  it('delivers user+tag@domain to the user (plus-addressing, on by default)', async () => {
    const subject = uniqueSubject('plus');
    const sent = await deliver(mail, ['--to', 'alice+newsletters@example.com', '--from', 'bob@sender.test', '--header', `Subject: ${subject}`]);
    expect(sent.output).toMatch(/250 2\.0\.0 Ok: queued/);
    expect(await eventually(() => searchInbox(mail, 'alice@example.com', PASSWORD.alice, subject).then((u) => u.length))).toBe(1);
  });

  it('rejects an unknown recipient with 550 at RCPT', async () => {
    const result = await swaks(mail, ['--to', 'nobody@example.com', '--from', 'bob@sender.test', '--quit-after', 'RCPT']);
    expect(rcptReplyCode(result.output)).toBe(550);
  });

  it('gives a disabled user nothing: RCPT refused, login refused', async () => {
    const result = await swaks(mail, ['--to', 'dave@example.com', '--from', 'bob@sender.test', '--quit-after', 'RCPT']);
    expect(rcptReplyCode(result.output)).toBe(550);
    const login = await imapsCurl(mail, 'dave@example.com', PASSWORD.dave, 'INBOX', ['--request', 'NOOP']);
    expect(login.code).toBe(67); // curl: login denied
    const maildir = await onPrimary(mail, 'ls /var/spool/mail/virtual/example.com/dave 2>&1 || true');
    expect(maildir.output).toMatch(/No such file or directory/);
  });
});

describe('submission', () => {
  const submit = (port: number, tls: string[], password: string, to: string, subject: string) =>
    swaks(mail, ['--port', String(port), ...tls, '--tls-ca-path', mail.rootCaFile, '--auth', 'PLAIN', '--auth-user', 'alice@example.com', '--auth-password', password,
      '--from', 'alice@example.com', '--to', to, '--header', `Subject: ${subject}`]);

  /** How many messages with the subject the SMTP sink ("the internet") received. */
  const sinkCount = (subject: string) => {
    const found = spawnSync('grep', ['-rl', `Subject: ${subject}`, mail.sinkDirectory], { encoding: 'utf8' }).stdout.trim();
    return found ? found.split('\n').length : 0;
  };
  const sinkHas = (subject: string) => eventually(async () => sinkCount(subject), 20_000);

  it.each([
    [587, ['--tls']],
    [465, ['--tls-on-connect']],
  ])('relays to an external domain after AUTH on port %i', async (port, tls) => {
    const subject = uniqueSubject(`submission-${port}`);
    const result = await submit(port, tls, PASSWORD.alice, 'carol@elsewhere.test', subject);
    expect(result.output).toMatch(/235 2\.7\.0 Authentication successful/);
    expect(result.output).toMatch(/250 2\.0\.0 Ok: queued/);
    expect(await sinkHas(subject)).toBe(1);
  });

  it('offers no AUTH before STARTTLS on 587 and refuses one sent anyway', async () => {
    const ehlo = await swaks(mail, ['--port', '587', '--quit-after', 'EHLO']);
    expect(ehlo.output).toMatch(/250-STARTTLS/);
    expect(ehlo.output).not.toMatch(/AUTH/);
    const credentials = Buffer.from(`\0alice@example.com\0${PASSWORD.alice}`).toString('base64');
    // One command at a time, as a client must without PIPELINING before the greeting.
    const say = (line: string) => `sleep 0.5; printf '${line}\\r\\n' >&3`;
    const raw = await onClient(mail, ['bash', '-c', [`exec 3<>/dev/tcp/${PRIMARY}/587`, say('EHLO client.sender.test'), say(`AUTH PLAIN ${credentials}`), say('QUIT'), 'timeout 10 cat <&3'].join('; ')]);
    expect(raw.output).toMatch(/^5\d\d .*(TLS|STARTTLS|not (enabled|supported))/im);
    expect(raw.output).not.toMatch(/^235/m);
  });

  it("lets a user send only as an address they own (their mailbox or an alias to it)", async () => {
    const sendAs = (from: string) =>
      swaks(mail, ['--port', '587', '--tls', '--tls-ca-path', mail.rootCaFile, '--auth', 'PLAIN', '--auth-user', 'alice@example.com', '--auth-password', PASSWORD.alice,
        '--from', from, '--to', 'carol@elsewhere.test', '--quit-after', 'RCPT']);
    expect(rcptReplyCode((await sendAs('bob@example.com')).output)).toBe(553);
    expect(rcptReplyCode((await sendAs('postmaster@example.com')).output)).toBe(250);
    expect(rcptReplyCode((await sendAs('alice@example.com')).output)).toBe(250);
  });

  describe('header From (issue 12: the envelope is tied to the login, the header must be too)', () => {
    /** alice submits on 587 with her own envelope sender and the given header From fields. */
    const submitWithHeaderFrom = (subject: string, from: string, ...moreFrom: string[]) =>
      swaks(mail, ['--port', '587', '--tls', '--tls-ca-path', mail.rootCaFile, '--auth', 'PLAIN', '--auth-user', 'alice@example.com', '--auth-password', PASSWORD.alice,
        '--from', 'alice@example.com', '--to', 'carol@elsewhere.test', '--header', `Subject: ${subject}`, '--header', `From: ${from}`, ...moreFrom.flatMap((f) => ['--add-header', `From: ${f}`])]);
    /** The sink's copy of the message with the subject. */
    const sinkMessage = async (subject: string) => {
      await sinkHas(subject);
      const file = spawnSync('grep', ['-rl', `Subject: ${subject}`, mail.sinkDirectory], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
      return execFileSync('cat', [file], { encoding: 'utf8' });
    };

    it("refuses another user's address with a clear 550 5.7.1, and sends nothing", async () => {
      const subject = uniqueSubject('from-forged');
      const result = await submitWithHeaderFrom(subject, 'Bob <bob@example.com>');
      expect(result.output).toMatch(/^<~\* 550 5\.7\.1 header From <bob@example\.com> is not an address of login alice@example\.com$/m);
      expect(result.output).not.toMatch(/queued/);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(sinkCount(subject)).toBe(0);
    });

    it('accepts an alias of the login, and OpenDKIM signs it for its domain', async () => {
      const subject = uniqueSubject('from-alias');
      const result = await submitWithHeaderFrom(subject, 'Postmaster <postmaster@example.com>');
      expect(result.output).toMatch(/250 2\.0\.0 Ok: queued/);
      const message = await sinkMessage(subject);
      expect(message).toMatch(/^From: Postmaster <postmaster@example\.com>$/m);
      expect(message).toMatch(/^DKIM-Signature:[^]*?\bd=example\.com;/m);
    });

    it('accepts the login with a plus tag (the same lookups as the envelope check)', async () => {
      const result = await submitWithHeaderFrom(uniqueSubject('from-tag'), 'alice+lists@example.com');
      expect(result.output).toMatch(/250 2\.0\.0 Ok: queued/);
    });

    it('refuses two From fields, even when the first is the login', async () => {
      const result = await submitWithHeaderFrom(uniqueSubject('from-two'), 'alice@example.com', 'bob@example.com');
      expect(result.output).toMatch(/^<~\* 550 5\.7\.1 a submitted message needs exactly one From header field, this one has 2$/m);
    });

    it('defers (451) when it cannot ask the owner table, and when it is down: never lets the message through unchecked', async () => {
      const map = '/etc/postfix/mysql/sender-logins.cf';
      // The map file unreadable to the milter stands for a table it cannot ask (postmap fails as when the database is down).
      await onPrimary(mail, `chmod 0600 ${map}`);
      try {
        const result = await submitWithHeaderFrom(uniqueSubject('from-lookup-down'), 'alice@example.com');
        expect(result.output).toMatch(/^<~\* 451 4\.3\.0 cannot check header From <alice@example\.com> now, try again later$/m);
      } finally {
        await onPrimary(mail, `chmod 0640 ${map}`);
      }
      await onPrimary(mail, 'systemctl stop mirovoy-from-check');
      try {
        const result = await submitWithHeaderFrom(uniqueSubject('from-milter-down'), 'alice@example.com');
        // Postfix answers the first command after it finds the milter missing with a 4xx (454 to STARTTLS).
        expect(result.output).toMatch(/^<\*\*\s+45[14] 4\.\d\.\d /m);
        expect(result.output).not.toMatch(/queued/);
      } finally {
        await onPrimary(mail, 'systemctl start mirovoy-from-check; for i in $(seq 50); do ss -ltn | grep -q 127.0.0.1:8893 && break; sleep 0.2; done');
      }
    });
  });

  it('refuses a wrong password', async () => {
    const result = await submit(587, ['--tls'], 'not-the-password', 'carol@elsewhere.test', uniqueSubject('wrong'));
    expect(result.output).toMatch(/535 5\.7\.8/);
    expect(result.output).not.toMatch(/queued/);
  });

  it('offers no AUTH on port 25', async () => {
    const ehlo = await swaks(mail, ['--tls', '--tls-ca-path', mail.rootCaFile, '--quit-after', 'EHLO']);
    expect(ehlo.output).toMatch(/STARTTLS/);
    expect(ehlo.output).not.toMatch(/250[- ]AUTH/);
  });
});

describe('open relay', () => {
  // Classic tricks to smuggle a foreign recipient past a relay check (RFC 2505 and the
  // well-known relay test suites), sent without authentication to port 25 and 587.
  const TRICKS = [
    'carol@elsewhere.test',
    'carol%elsewhere.test@example.com',
    'carol%elsewhere.test@[10.203.0.10]',
    '"carol@elsewhere.test"@example.com',
    '"carol%elsewhere.test"',
    'elsewhere.test!carol@example.com',
    'elsewhere.test!carol',
    '@example.com:carol@elsewhere.test',
    'carol@elsewhere.test@example.com',
    'carol@[10.203.0.100]',
    'carol@elsewhere.test.',
    'carol@ELSEWHERE.TEST',
  ];

  it.each(TRICKS)('does not relay to %s', async (recipient) => {
    const result = await swaks(mail, ['--to', recipient, '--from', 'bob@sender.test', '--quit-after', 'RCPT'], 'prober');
    const code = rcptReplyCode(result.output);
    expect({ recipient, code }).toEqual({ recipient, code: expect.any(Number) });
    expect(code).toBeGreaterThanOrEqual(500);
  });

  it('does not relay on 587 without AUTH', async () => {
    const result = await swaks(mail, ['--port', '587', '--tls', '--tls-ca-path', mail.rootCaFile, '--to', 'carol@elsewhere.test', '--from', 'alice@example.com', '--quit-after', 'RCPT'], 'prober');
    expect(rcptReplyCode(result.output)).toBeGreaterThanOrEqual(500);
  });
});

describe('TLS', () => {
  const handshake = (port: number, versionFlag: string, starttls?: string) =>
    onClient(mail, [
      'openssl', 's_client', '-connect', `${PRIMARY}:${port}`, '-servername', mail.primaryHostname, '-CAfile', mail.rootCaFile,
      '-verify_return_error', '-verify_hostname', mail.primaryHostname, versionFlag,
      // Let the client offer old versions, so the refusal is the server's.
      '-cipher', 'DEFAULT:@SECLEVEL=0', ...(starttls ? ['-starttls', starttls] : []), '-brief',
    ], '');

  it.each([
    [465, undefined],
    [587, 'smtp'],
    [993, undefined],
    [25, 'smtp'],
  ])('port %i speaks TLS 1.2+ with a verified certificate and refuses TLS 1.0/1.1 (port 25 too: README, "Certificates")', async (port, starttls) => {
    const modern = await handshake(port, '-tls1_2', starttls);
    expect(modern.output).toMatch(/Verification: OK/);
    expect(modern.output).toMatch(/Protocol version: TLSv1\.2/);
    expect((await handshake(port, '-tls1_3', starttls)).output).toMatch(/Protocol version: TLSv1\.3/);
    for (const old of ['-tls1_1', '-tls1']) {
      const refused = await handshake(port, old, starttls);
      expect(refused.code).not.toBe(0);
      expect(refused.output).not.toMatch(/Protocol version: TLSv1(\.1)?$/m);
    }
  });

  it('passes testssl.sh on 25, 465, 587 and 993: nothing MEDIUM or worse but the test CA, AEAD suites only, in the server order', async () => {
    const ports = [[25, 'smtp'], [465, undefined], [587, 'smtp'], [993, undefined]] as const;
    // testssl.sh opens hundreds of connections from one address: over the per-client limits (anvil),
    // whose 421s it would report as findings and which would then throttle the client for the tests
    // after it. They are lifted for its run; the restart afterwards starts anvil's counts afresh.
    await onPrimary(mail, 'cp /etc/postfix/main.cf /run/main.cf.before && postconf -e smtpd_client_connection_count_limit=0 smtpd_client_connection_rate_limit=0 smtpd_client_message_rate_limit=0 && systemctl restart postfix');
    const reports = await Promise.all(ports.map(async ([port, starttls]) => ({ port, findings: await testssl(mail, PRIMARY, port, starttls) }))).finally(() =>
      onPrimary(mail, 'cp /run/main.cf.before /etc/postfix/main.cf && rm /run/main.cf.before && systemctl restart postfix'),
    );
    for (const { port, findings } of reports) {
      const byId = (id: string) => findings.find((f) => f.id === id)?.finding;
      expect({ port, failing: failingFindings(findings) }).toEqual({ port, failing: [] });
      expect({ port, tls1: byId('TLS1'), tls11: byId('TLS1_1'), cbc: byId('cipherlist_AVERAGE'), anonymous: byId('cipherlist_aNULL'), lucky13: byId('LUCKY13'), order: byId('cipher_order') }).toEqual({
        port,
        tls1: 'not offered',
        tls11: 'not offered',
        cbc: 'not offered',
        anonymous: 'not offered',
        lucky13: 'not vulnerable',
        order: 'server',
      });
    }
  }, 900_000);

  it.each([465, 993])('serves exactly the chain it was given on %i', async (port) => {
    const result = await onClient(mail, ['openssl', 's_client', '-connect', `${PRIMARY}:${port}`, '-servername', mail.primaryHostname, '-showcerts'], '');
    const served = result.output.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? [];
    expect(served.join('')).toBe(mail.primaryChainPem);
  });

  it('does not listen for IMAP on 143 (STARTTLS is off in the config)', async () => {
    const result = await onClient(mail, ['bash', '-c', `timeout 5 bash -c 'exec 3<>/dev/tcp/${PRIMARY}/143' 2>&1; echo exit=$?`]);
    expect(result.output).toMatch(/Connection refused/);
  });
});

describe('IMAP', () => {
  it('lets a user who never received mail log in and open the INBOX (the "maildir:" case)', async () => {
    const result = await imapsCurl(mail, 'newbie@example.com', PASSWORD.newbie, 'INBOX', ['--request', 'EXAMINE INBOX', '--verbose']);
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/\* 0 EXISTS/);
  });

  it('refuses a wrong password', async () => {
    expect((await imapsCurl(mail, 'alice@example.com', 'wrong', 'INBOX', ['--request', 'NOOP'])).code).toBe(67);
  });
});

describe('ManageSieve (issue 13 item 4): users manage their own Sieve scripts on 4190', () => {
  const VERA = { user: 'vera@example.com', password: 'vera-Sieve-8' };
  /** The vacation reply and the forward a user would set in Roundcube, as one script. */
  const SCRIPT = [
    'require ["vacation", "copy"];',
    'redirect :copy "bob@example.com";',
    'vacation :days 1 :subject "Away until Monday" "I read your message when I am back.";',
    '',
  ].join('\r\n');
  /** sieve-connect from the client: STARTTLS with the rehearsal CA verified, never without TLS, the password on stdin. */
  const sieveConnect = (password: string, args: readonly string[]) =>
    onClient(mail, ['sieve-connect', '--server', PRIMARY, '--port', String(MANAGESIEVE_PORT), '--nosrv', '--tlscafile', mail.rootCaFile, '--tlshostname', mail.primaryHostname,
      '--noclearchan', '--user', VERA.user, '--passwordfd', '0', ...args], `${password}\n`);
  /** The sink's copy of what our host sent to an address (its envelope recipient). */
  const sinkMessageTo = (address: string) => {
    const found = spawnSync('grep', ['-rlF', `X-Sink-Rcpt-To: ${address}`, mail.sinkDirectory], { encoding: 'utf8' }).stdout.trim();
    return found ? found.split('\n').map((file) => execFileSync('cat', [file], { encoding: 'utf8' })) : [];
  };

  beforeAll(async () => {
    const added = await admin(`user add ${VERA.user}`, `${VERA.password}\n${VERA.password}\n`);
    if (added.code !== 0) throw new Error(`mirovoy-admin user add vera: ${added.output}`);
  });

  it('refuses AUTHENTICATE before STARTTLS, offering no SASL mechanism until then', async () => {
    const credentials = Buffer.from(`\0${VERA.user}\0${VERA.password}`).toString('base64');
    const say = (line: string) => `sleep 0.5; printf '${line}\\r\\n' >&3`;
    const raw = await onClient(mail, ['bash', '-c', [`exec 3<>/dev/tcp/${PRIMARY}/${MANAGESIEVE_PORT}`, say(`AUTHENTICATE \\"PLAIN\\" \\"${credentials}\\"`), say('LOGOUT'), 'timeout 10 cat <&3'].join('; ')]);
    expect(raw.output).toMatch(/^"STARTTLS"\r?$/m);
    expect(raw.output).toMatch(/^"SASL" ""\r?$/m);
    expect(raw.output).toMatch(/^NO .*(TLS|SSL|secure)/im);
    expect(raw.output).not.toMatch(/^OK "Logged in/m);
  });

  it('lets a user upload and activate a vacation and forward script with sieve-connect over STARTTLS', async () => {
    const file = join(mail.rehearsal.directory, 'away.sieve');
    writeFileSync(file, SCRIPT);
    const upload = await sieveConnect(VERA.password, ['--upload', '--localsieve', file, '--remotesieve', 'away']);
    expect(upload).toMatchObject({ code: 0 });
    expect((await sieveConnect(VERA.password, ['--activate', '--remotesieve', 'away'])).code).toBe(0);
    const list = await sieveConnect(VERA.password, ['--list']);
    expect(list.output).toMatch(/^"away" ACTIVE$/m);
  });

  it('answers mail from outside with one vacation reply at the sender (null sender, DKIM-signed), forwards a copy, and does not answer list mail', async () => {
    const stamp = uniqueSubject('x').split(' ')[1];
    const sender = `away-${stamp}@elsewhere.test`;
    const listSender = `news-${stamp}@elsewhere.test`;
    const subject = uniqueSubject('vacation');
    const listSubject = uniqueSubject('vacation-list');
    const send = (from: string, subjectLine: string, extra: string[] = []) =>
      deliver(mail, ['--to', VERA.user, '--from', from, '--header', `Subject: ${subjectLine}`, ...extra]);
    // The list message first: once the other one is answered, a reply to it would have been sent too.
    expect((await send(listSender, listSubject, ['--add-header', 'List-Id: Elsewhere news <news.elsewhere.test>'])).output).toMatch(/250 2\.0\.0 Ok: queued/);
    expect((await send(sender, subject)).output).toMatch(/250 2\.0\.0 Ok: queued/);

    const replies = await eventually(async () => (sinkMessageTo(sender).length ? sinkMessageTo(sender) : undefined), 30_000);
    expect(replies).toHaveLength(1);
    const reply = replies![0];
    expect(reply).toMatch(/^X-Sink-Mail-From: \r?$/m); // RFC 5230: replies go out with the null sender
    expect(reply).toMatch(/^Subject: Away until Monday\r?$/m);
    expect(reply).toMatch(/^Auto-Submitted: auto-replied/m);
    expect(reply).toMatch(/^From: .*vera@example\.com/m);
    expect(reply).toMatch(/^DKIM-Signature:[^]*?\bd=example\.com;/m);
    expect(reply).toContain('I read your message when I am back.');

    // Both messages are in vera's INBOX, and copies of both in bob's (redirect :copy).
    expect(await eventually(() => searchInbox(mail, VERA.user, VERA.password, subject).then((u) => u.length))).toBe(1);
    expect(await eventually(() => searchInbox(mail, VERA.user, VERA.password, listSubject).then((u) => u.length))).toBe(1);
    expect(await eventually(() => searchInbox(mail, 'bob@example.com', PASSWORD.bob, subject).then((u) => u.length))).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(sinkMessageTo(listSender)).toEqual([]);
  });

  it("counts a failed ManageSieve login in fail2ban's dovecot jail", async () => {
    const failed = async () => Number(/Total failed:\s+(\d+)/.exec((await onPrimary(mail, 'fail2ban-client status dovecot')).output)?.[1] ?? NaN);
    const before = await failed();
    const login = await sieveConnect('wrong-password', ['--list']);
    expect(login.code).not.toBe(0);
    expect(await eventually(async () => (await failed()) > before, 20_000)).toBe(true);
  });
});

describe('migration from the reference architecture', () => {
  const hash = (scheme: '-5' | '-6', password: string) => execFileSync('openssl', ['passwd', scheme, password], { encoding: 'utf8' }).trim();

  it('imports a reference-shaped mysqldump whose SHA512-CRYPT/SHA256-CRYPT users can log in and receive mail', async () => {
    // `mysqldump --no-create-info maildb` of a reference server: positional INSERTs in the
    // reference's column order (users: id, name, uid, gid, home, maildir, enabled,
    // change_password, clear, crypt, quota), hashes made by `doveadm pw -s SHA512-CRYPT`.
    const dump = `
LOCK TABLES \`domains\` WRITE;
INSERT INTO \`domains\` VALUES (100,'example.org','virtual:',1);
UNLOCK TABLES;
LOCK TABLES \`users\` WRITE;
INSERT INTO \`users\` VALUES ('xandros@example.org','Xandros',5000,5000,'/var/spool/mail/virtual','example.org/xandros/',1,1,'','{SHA512-CRYPT}${hash('-6', PASSWORD.xandros)}',''),('vivita@example.org','Vivita',5000,5000,'/var/spool/mail/virtual','example.org/vivita/',1,1,'','{SHA256-CRYPT}${hash('-5', PASSWORD.vivita)}',''),('karl@example.org','Karl',5000,5000,'/var/spool/mail/virtual','example.org/karl/',1,1,'','${hash('-6', PASSWORD.karl)}','');
UNLOCK TABLES;
LOCK TABLES \`aliases\` WRITE;
INSERT INTO \`aliases\` VALUES (100,'abuse@example.org','xandros@example.org',1);
UNLOCK TABLES;
`;
    // Restored with the master user, as the reference's restore did (LOCK TABLES needs it).
    const imported = await sql(dump, 'master');
    expect(imported.code).toBe(0);
    for (const [user, password] of [['xandros', PASSWORD.xandros], ['vivita', PASSWORD.vivita], ['karl', PASSWORD.karl]]) {
      const login = await imapsCurl(mail, `${user}@example.org`, password, 'INBOX', ['--request', 'EXAMINE INBOX']);
      expect({ user, code: login.code }).toEqual({ user, code: 0 });
    }
    const subject = uniqueSubject('migrated');
    await deliver(mail, ['--to', 'abuse@example.org', '--from', 'bob@sender.test', '--header', `Subject: ${subject}`]);
    expect(await eventually(() => searchInbox(mail, 'xandros@example.org', PASSWORD.xandros, subject).then((u) => u.length))).toBe(1);
  });
});

// Issue 12, item 3: Postfix's map files (group postfix) held the password of an account that could
// read every column of users, password hashes and reference cleartexts included.
describe('the Postfix database account', () => {
  const asPostfix = (statement: string) =>
    onPrimary(
      mail,
      `mariadb --defaults-extra-file=/etc/mirovoy/private/mysql-postfix.cnf --user=mirovoy_postfix --ssl-ca=/etc/mirovoy/tls/database-ca.pem --ssl-verify-server-cert --batch --skip-column-names maildb`,
      { input: statement, allowFailure: true },
    );

  it('may not read password hashes or cleartexts, and every map of the primary still resolves with it', async () => {
    for (const column of ['crypt', 'clear']) {
      const denied = await asPostfix(`SELECT ${column} FROM users`);
      expect({ column, code: denied.code }).toEqual({ column, code: 1 });
      expect(denied.output).toMatch(new RegExp(`SELECT command denied to user 'mirovoy_postfix'.*for column '${column}' in table 'users'`));
    }
    expect((await asPostfix('SELECT * FROM users')).output).toMatch(/SELECT command denied to user 'mirovoy_postfix'/);
    const map = await onPrimary(mail, 'cat /etc/postfix/mysql/virtual-mailbox-maps.cf');
    expect(map.output).toMatch(/^user = mirovoy_postfix$/m);
    const lookups: [string, string, RegExp][] = [
      ['virtual-mailbox-domains', 'example.com', /^example\.com$/],
      ['virtual-mailbox-maps', 'alice@example.com', /^OK$/],
      ['virtual-alias-maps', 'postmaster@example.com', /^alice@example\.com$/],
      ['mailbox-self-aliases', 'alice@example.com', /^alice@example\.com$/],
      ['sender-logins', 'postmaster@example.com', /^alice@example\.com$/],
    ];
    for (const [name, key, expected] of lookups) {
      // Through proxymap, as smtpd and cleanup ask.
      const answer = await onPrimary(mail, `postmap -q ${key} proxy:mysql:/etc/postfix/mysql/${name}.cf`, { allowFailure: true });
      expect({ name, code: answer.code, answer: answer.output.trim() }).toEqual({ name, code: 0, answer: expect.stringMatching(expected) });
    }
  });

  it("blanks the cleartext password of a reference row when the migration runs", async () => {
    // A row imported from the reference before the migration existed, then the upgrade: migration 3 applied anew.
    const imported = await sql(
      "INSERT INTO users (id, name, clear, crypt) VALUES ('legacy@example.com', 'Legacy', 'Reference-Cleartext-8', '');\n" +
        'DELETE FROM schema_migrations WHERE version = 3;',
      'master',
    );
    expect(imported.code).toBe(0);
    const migrated = await onPrimary(mail, '/usr/local/sbin/mirovoy-db-migrate');
    expect(migrated.output).toContain('mirovoy-db-migrate: applied 0003-blank-reference-cleartext.sql');
    const row = await sql("SELECT CONCAT('[', clear, ']') FROM users WHERE id = 'legacy@example.com';\nDELETE FROM users WHERE id = 'legacy@example.com';", 'master');
    expect(row.output).toMatch(/^\[\]$/m);
    expect(row.output).not.toContain('Reference-Cleartext-8');
  });
});

// Issue 14, item 6: mirovoy-db-migrate's refusals, against the real database. A probe is the
// installed script with one more migration (creating the table refusal_probe), so that what a
// refusal must not apply is there to be applied.
describe('mirovoy-db-migrate refusals', () => {
  const PROBE = '/root/migrate-probe';
  const probeChecksum = 'a'.repeat(64);
  // The probe is the migration after the last shipped one.
  const SHIPPED = MIGRATIONS.map((m) => m.version);
  const PROBE_VERSION = Math.max(...SHIPPED) + 1;
  const PROBE_FILE = `${String(PROBE_VERSION).padStart(4, '0')}-refusal-probe.sql`;
  /** The probe; `editedVersion`: that shipped migration with another checksum, as an edit of it would ship. */
  const makeProbe = (editedVersion?: number) =>
    onPrimary(
      mail,
      [
        'rm -rf /root/probe-share && cp -r /usr/local/share/mirovoy/mysql /root/probe-share',
        `echo 'CREATE TABLE IF NOT EXISTS refusal_probe (id INT);' > /root/probe-share/migrations/${PROBE_FILE}`,
        `sed -e "s|^readonly SHARE_DIRECTORY=.*|readonly SHARE_DIRECTORY=/root/probe-share|" ` +
          `-e "s|^readonly MIGRATIONS=(\\(.*\\))$|readonly MIGRATIONS=(\\1 '${PROBE_VERSION} ${PROBE_FILE} ${probeChecksum}')|" ` +
          (editedVersion ? `-e "s|'${editedVersion} \\([^ ]*\\) [0-9a-f]*'|'${editedVersion} \\1 ${'f'.repeat(64)}'|" ` : '') +
          `/usr/local/sbin/mirovoy-db-migrate > ${PROBE} && chmod 0700 ${PROBE}`,
        `grep -c "${PROBE_FILE}" ${PROBE}`,
      ].join(' && '),
    );
  /** Nothing of the probe applied, the shipped migrations as they were, and no master credential left. */
  const expectNothingApplied = async () => {
    expect((await sql("SHOW TABLES LIKE 'refusal_probe'; SELECT GROUP_CONCAT(version ORDER BY version) FROM schema_migrations;", 'master')).output.trim().split('\n').pop()).toBe(SHIPPED.join(','));
    expect((await sql("SHOW TABLES LIKE 'refusal_probe';", 'master')).output.trim()).toBe('');
    expect((await onPrimary(mail, `test -e ${MASTER_OPTION_FILE}`, { allowFailure: true })).code).toBe(1);
  };

  afterAll(async () => {
    await sql(`DROP TABLE IF EXISTS refusal_probe; DELETE FROM schema_migrations WHERE version = ${PROBE_VERSION};`, 'master');
    await onPrimary(mail, `rm -rf ${PROBE} /root/probe-share`);
  });

  it('refuses a shipped migration that was edited, before it applies anything, and says to add a new one', async () => {
    await makeProbe(2);
    const refused = await onPrimary(mail, PROBE, { allowFailure: true });
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(
      /mirovoy-db-migrate: migration 0002-upgrade-reference-tables\.sql was applied with checksum [0-9a-f]{64} but ships with f{64}: add a new migration instead of editing one; nothing was changed/,
    );
    expect(refused.output).not.toContain(`applied ${PROBE_FILE}`);
    await expectNothingApplied();
  });

  it('waits for the schema lock another session holds, then gives up having changed nothing; the master credential is on disk only meanwhile', async () => {
    await makeProbe();
    const { password } = JSON.parse((await onPrimary(mail, 'cat /etc/mirovoy/rehearsal/secrets/db-master')).output) as { password: string };
    // An RDS-style password (punctuation and spaces), which the option file must carry exactly.
    expect(password).toMatch(/[#;'"\\$` ]/);
    const holder = sql("SELECT GET_LOCK('mirovoy_mail_schema', 0); SELECT SLEEP(20);", 'master');
    try {
      expect(await eventually(async () => ((await sql("SELECT IS_USED_LOCK('mirovoy_mail_schema') IS NOT NULL;", 'master')).output.trim().endsWith('1') ? true : undefined), 10_000, 200)).toBe(true);
      const refused = await onPrimary(mail, `${PROBE} --lock-wait 6 & sleep 3; my_print_defaults --defaults-file=${MASTER_OPTION_FILE} client; wait $!; echo "exit $?"`, { allowFailure: true });
      expect(refused.output).toMatch(/could not take the lock mirovoy_mail_schema within 6 s: another run holds it.*nothing was changed/);
      expect(refused.output).toMatch(/^exit 1$/m);
      expect(refused.output.split('\n')).toContain(`--password=${password}`);
      await expectNothingApplied();
    } finally {
      await holder;
    }
    // Unhindered, the same probe applies its migration: the refusals above were the script's own.
    const applied = await onPrimary(mail, PROBE);
    expect(applied.output).toContain(`applied ${PROBE_FILE}`);
    expect((await sql("SHOW TABLES LIKE 'refusal_probe';", 'master')).output).toMatch(/refusal_probe/);
    expect((await onPrimary(mail, `test -e ${MASTER_OPTION_FILE}`, { allowFailure: true })).code).toBe(1);
  });
});

describe('mirovoy-admin', () => {
  it.each([
    ['an invalid address', 'user add not-an-address', /not-an-address/],
    ['an unknown domain', 'user add carol@unknown.example', /unknown\.example.*(not a mail domain|add it first)/],
    ['a duplicate mailbox', 'user add alice@example.com', /alice@example\.com.*(exists|already)/],
    ['an alias to nowhere', 'alias add team@example.com nobody-here@example.com', /nobody-here@example\.com/],
  ])('refuses %s with a clear message and a non-zero exit', async (_, args, message) => {
    const result = await admin(args, 'Some-Password-1\nSome-Password-1\n');
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(message);
    expect(result.output).not.toMatch(/Traceback/);
  });

  it('lists what it manages', async () => {
    expect((await admin('user list')).output).toMatch(/alice@example\.com/);
    expect((await admin('alias list')).output).toMatch(/postmaster@example\.com\s+alice@example\.com/);
  });
});

describe('provisioning', () => {
  it('sets the host name, /etc/mailname and unattended security upgrades, rebooting for them at the configured time', async () => {
    const result = await onPrimary(
      mail,
      'hostname --fqdn; cat /etc/mailname; apt-config dump APT::Periodic::Unattended-Upgrade Unattended-Upgrade::Automatic-Reboot Unattended-Upgrade::Automatic-Reboot-Time; dpkg-query -W -f \'${Status}\' unattended-upgrades',
    );
    expect(result.output).toBe(
      'mx1.example.com\nexample.com\nAPT::Periodic::Unattended-Upgrade "1";\nUnattended-Upgrade::Automatic-Reboot "true";\nUnattended-Upgrade::Automatic-Reboot-Time "04:00";\ninstall ok installed',
    );
  });

  it('has no account an administrator could be refused for missing: every system account is in SYSTEM_ACCOUNTS', async () => {
    const accounts = await onPrimary(mail, "getent passwd | awk -F: '$3 < 1000 || $3 >= 60000 { print $1 }'");
    const unknown = accounts.output.split('\n').filter((name) => name && !SYSTEM_ACCOUNTS.includes(name) && !name.startsWith('systemd-'));
    expect(unknown).toEqual([]);
    expect(accounts.output.split('\n')).toEqual(expect.arrayContaining(['postfix', 'dovecot', 'amavis', 'clamav', 'opendkim']));
  });

  it('received its secrets through the seam, never in its user data or its configuration bundle', async () => {
    const seed = await onPrimary(mail, 'gunzip -c /var/lib/cloud/seed/nocloud/user-data');
    const bundle = await onPrimary(mail, 'cat /etc/mirovoy/rehearsal/bundles/mx1/*.bundle');
    const secrets = await onPrimary(mail, 'cat /etc/mirovoy/rehearsal/secrets/*');
    const values = [...secrets.output.matchAll(/"(?:password|private_key)":"([^"]+)"/g)].map((m) => m[1].slice(0, 40));
    expect(values.length).toBeGreaterThanOrEqual(5);
    for (const value of values) {
      expect(seed.output).not.toContain(value);
      expect(bundle.output).not.toContain(value);
    }
    expect(seed.output).toMatch(/^#cloud-config\n/);
    expect(bundle.output).toMatch(/^#mirovoy-bundle 1\n/);
  });

  it('learnt the database host at run time: it is in the option and map files, in no rendered file', async () => {
    const written = await onPrimary(mail, 'grep -h "^host" /etc/mirovoy/private/mysql-lookup.cnf /etc/postfix/mysql/virtual-mailbox-maps.cf');
    expect(written.output).toBe('host = db.rehearsal.test\nhosts = inet:db.rehearsal.test:3306\n');
    const rendered = await onPrimary(mail, '{ gunzip -c /var/lib/cloud/seed/nocloud/user-data; cat /etc/mirovoy/rehearsal/bundles/mx1/*.bundle; } | grep -c rehearsal.test || true');
    expect(rendered.output.trim()).toBe('0');
    // Dovecot found it too (its filter has an empty mysql_host): a user lookup goes to the database.
    expect((await onPrimary(mail, 'doveadm user -f home alice@example.com')).output.trim()).toMatch(/\/example\.com\/alice\/?$/);
  });


  it('a second run changes no file and restarts nothing', async () => {
    const snapshot = () =>
      onPrimary(mail, [
        // Not the rehearsal's stand-in for S3/CloudWatch, where mirovoy-metrics.timer (every 5 min) may write meanwhile.
        'find /etc/postfix /etc/dovecot /etc/mirovoy /etc/mailname /usr/local/sbin /var/lib/mirovoy/staged -path /etc/mirovoy/rehearsal/store -prune -o -type f -print0 | sort -z | xargs -0 stat -c "%n %s %Y %a %U %G"',
        'for u in postfix dovecot; do echo "$u $(systemctl show -p MainPID -p ActiveEnterTimestampMonotonic --value $u | tr "\\n" " ")"; done',
        'pgrep -x master; pgrep -x dovecot',
      ].join('; '));
    const before = await snapshot();
    const domains = await admin('domain list');
    const rerun = await onPrimary(mail, 'mirovoy-provision');
    expect(rerun.output).toMatch(/nothing changed/);
    expect(rerun.output).toMatch(/mail domains ensured: 2/);
    expect(rerun.output).not.toMatch(/added the mail domain/);
    expect((await admin('domain list')).output).toBe(domains.output);
    expect(rerun.output).not.toMatch(/updated|restarted/);
    expect(rerun.output).toMatch(/mail-ready: primary mx1\.example\.com/);
    expect((await snapshot()).output).toBe(before.output);
    // Issue 12, item 2: the schema step ran (domains ensured) and left no master credential behind.
    expect((await onPrimary(mail, `test -e ${MASTER_OPTION_FILE}`, { allowFailure: true })).code).toBe(1);
  });

  it('booted from the exact bootstrap, whose cloud-init run is done without degradation', async () => {
    const report = mail.rehearsal.bootReport('mx1');
    expect(report.failedUnits).toEqual([]);
    // "degraded done" would hide a real problem behind an expected one (ssh host keys, once).
    expect(report.cloudInit).toMatch(/^extended_status: done$/m);
    expect(report.cloudInit).toMatch(/^errors: \[\]$/m);
    expect(report.cloudInit).toMatch(/^recoverable_errors: \{\}$/m);
  });

  it('applied its bundle through the provisioning unit: packages installed without recommendations, the applied hash recorded', async () => {
    const wanted = (await onPrimary(mail, 'cat /etc/mirovoy/rehearsal/settings/bundle')).output.trim().split(' ')[1];
    const state = await onPrimary(mail, "cat /var/lib/mirovoy/applied; python3 -c 'import json; print(json.load(open(\"/var/lib/mirovoy/status.json\"))[\"state\"])'");
    expect(state.output).toBe(`${wanted}\napplied\n`);
    const journal = await onPrimary(mail, 'journalctl --no-pager -o cat -u mirovoy-provision.service');
    expect(journal.output).toMatch(/mirovoy-provision: .*installing \d+ packages: /);
    expect(journal.output).toMatch(/mail-ready: primary mx1\.example\.com/);
    // No AWS CLI and no compiler on a mail host.
    expect((await onPrimary(mail, "dpkg-query -W -f '${db:Status-Abbrev}${Package}\\n' | grep -E '^ii +(awscli|gcc|cpp|make)$' || true")).output.trim()).toBe('');
  });
});

// Issue 12, item 1: a daemon's user cannot take the instance role's credentials.
describe('the instance metadata service', () => {
  const urls = [`http://${IMDS_ADDRESSES.ipv4}/latest/credentials`, `http://[${IMDS_ADDRESSES.ipv6}]/latest/credentials`];
  /** `<HTTP status> <curl exit code>` of one request as `user`. */
  const ask = async (user: string, url: string) =>
    (await onPrimary(mail, `${user === 'root' ? '' : `runuser -u ${user} -- `}curl -gs -m 5 -o /dev/null -w '%{http_code} ' '${url}'; echo $?`)).output.trim();

  it('answers root only: amavis and nobody are refused at once, by the guard the bootstrap loaded', async () => {
    expect((await onPrimary(mail, `systemctl is-enabled ${IMDS_GUARD_UNIT}; systemctl is-active ${IMDS_GUARD_UNIT}`)).output).toBe('enabled\nactive\n');
    // A stand-in for IMDS on both its addresses, in the host's own namespace (the rehearsal's), gone afterwards.
    await onPrimary(
      mail,
      `mkdir -p /run/imds-stand-in/latest && echo '{"AccessKeyId": "stand-in"}' > /run/imds-stand-in/latest/credentials
       ip addr add ${IMDS_ADDRESSES.ipv4}/32 dev lo && ip -6 addr add ${IMDS_ADDRESSES.ipv6}/128 dev lo nodad
       for address in ${IMDS_ADDRESSES.ipv4} ${IMDS_ADDRESSES.ipv6}; do
         systemd-run --quiet --unit="imds-stand-in-\${address//[.:]/-}" --working-directory=/run/imds-stand-in python3 -m http.server --bind "$address" 80
       done`,
    );
    try {
      for (const url of urls) expect(await eventually(async () => ((await ask('root', url)) === '200 0' ? true : undefined))).toBe(true);
      for (const url of urls) {
        expect(await ask('amavis', url)).toBe('000 7');
        expect(await ask('nobody', url)).toBe('000 7');
      }
    } finally {
      await onPrimary(
        mail,
        `systemctl stop 'imds-stand-in-*'; ip addr del ${IMDS_ADDRESSES.ipv4}/32 dev lo; ip -6 addr del ${IMDS_ADDRESSES.ipv6}/128 dev lo; rm -r /run/imds-stand-in`,
        { allowFailure: true },
      );
    }
  });
});

// Last: the prober ends this block rate-limited for a minute.
describe('brute force and floods (issue 12 item 6)', () => {
  const PROBER = MAIL_REHEARSAL_ADDRESSES.prober;
  /** A bash script on the prober (the abusive client): its output. */
  const onProber = async (script: string): Promise<string> => {
    const result = await mail.rehearsal.exec('prober', ['bash', '-c', script], { allowFailure: true, timeoutMs: 90_000 });
    return result.stdout + result.stderr;
  };
  /** postscreen's log. */
  const postscreenLog = async () => (await onPrimary(mail, 'journalctl --no-pager -o cat -t postfix/postscreen')).output;
  /** The first line each of `count` connections to port 25 reads, opened at once and held `holdSeconds`, or one after another. */
  const greetings = async (count: number, mode: 'at once' | 'one after another', holdSeconds = 0): Promise<string[]> => {
    const connect = `exec 3<>/dev/tcp/${PRIMARY}/25 && IFS= read -r -t 20 line <&3 && echo "$line"; sleep ${holdSeconds}; printf 'QUIT\\r\\n' >&3`;
    const script = mode === 'at once' ? `for i in $(seq ${count}); do (${connect}) & done; wait` : `for i in $(seq ${count}); do (${connect}); done`;
    return (await onProber(script)).split('\n').map((line) => line.trim()).filter(Boolean);
  };

  it('rejects a client that talks before the greeting on port 25 (postscreen pregreet), and passes it once it waits its turn', async () => {
    // An address postscreen has not seen (the prober passed it in the tests above and is remembered
    // for a day): a second address of the prober, on the rehearsal LAN.
    const NEWCOMER = '10.203.0.102';
    await mail.rehearsal.exec('prober', ['ip', 'addr', 'add', `${NEWCOMER}/24`, 'dev', 'eth0']);
    try {
      // Every command at once, right after connecting: what a bot does to save time.
      const bot = [
        'import socket',
        `s = socket.create_connection(("${PRIMARY}", 25), timeout=30, source_address=("${NEWCOMER}", 0))`,
        's.sendall(b"EHLO bot.test\\r\\nMAIL FROM:<someone@elsewhere.test>\\r\\nRCPT TO:<alice@example.com>\\r\\nQUIT\\r\\n")',
        'print(b"".join(iter(lambda: s.recv(4096), b"")).decode())',
      ].join('\n');
      const early = await mail.rehearsal.exec('prober', ['python3', '-c', bot], { allowFailure: true, timeoutMs: 60_000 });
      expect(early.stdout).toMatch(/^550 5\.5\.1 Protocol error/m);
      const newcomer = NEWCOMER.replace(/\./g, '\\.');
      expect(await postscreenLog()).toMatch(new RegExp(`PREGREET \\d+ after [\\d.]+ from \\[${newcomer}\\]`));
      // The same address, now waiting for the greeting as an MTA does: handed to smtpd (Postgrey may defer it).
      const polite = await swaks(mail, ['--local-interface', NEWCOMER, '--to', 'alice@example.com', '--from', 'someone@elsewhere.test', '--quit-after', 'RCPT'], 'prober');
      expect([250, 450]).toContain(rcptReplyCode(polite.output));
      expect(polite.output).not.toMatch(/Protocol error/);
      expect(await postscreenLog()).toMatch(new RegExp(`PASS NEW \\[${newcomer}\\]`));
    } finally {
      await mail.rehearsal.exec('prober', ['ip', 'addr', 'del', `${NEWCOMER}/24`, 'dev', 'eth0'], { allowFailure: true });
    }
  });

  it('answers a burst of connections from one address beyond the limits with 421: too many at once, too many in a minute (anvil)', async () => {
    const { connectionCount, connectionRate } = resolveMailHostSpec(mailHostSpecFromConfig(mail.config, 'primary')).smtpClientLimits;
    // Passed postscreen once (remembered for a day), so the burst reaches smtpd's limits whatever ran before.
    await swaks(mail, ['--quit-after', 'EHLO'], 'prober');
    const atOnce = await greetings(connectionCount + 3, 'at once', 5);
    expect(atOnce.filter((line) => line.startsWith('220 ')).length).toBeLessThanOrEqual(connectionCount);
    expect(atOnce.filter((line) => /^421 4\.7\.0 .*too many connections/i.test(line)).length).toBeGreaterThanOrEqual(3);
    // Within the same minute: the connections above count too.
    const inAMinute = await greetings(connectionRate, 'one after another');
    expect(inAMinute.filter((line) => /^421 4\.7\.0 .*too many connections/i.test(line)).length).toBeGreaterThan(0);
    const log = await onPrimary(mail, `journalctl --no-pager -o cat -t postfix/smtpd -t postfix/postscreen | grep -F '[${PROBER}]' || true`);
    // Too many at once is smtpd's anvil limit, or postscreen's (the same number) while they are still in postscreen.
    expect(log.output).toMatch(/Connection concurrency limit exceeded|CONNECT from \[[\d.]+\]:\d+: too many connections/);
    expect(log.output).toMatch(/Connection rate limit exceeded: \d+ from \S+ for service smtp/);
    // The well-behaved client, on another address, is not affected.
    expect((await swaks(mail, ['--quit-after', 'EHLO'])).output).toMatch(/^<-\s+250 /m);
  });

  it('answers a failed IMAP login only after auth_failure_delay, a correct one at once', async () => {
    const timed = async (password: string) => {
      const start = Date.now();
      const result = await imapsCurl(mail, 'alice@example.com', password, 'INBOX', ['--request', 'NOOP']);
      return { code: result.code, seconds: (Date.now() - start) / 1000 };
    };
    const good = await timed(PASSWORD.alice);
    const bad = await timed('not-alices-password');
    expect([good.code, bad.code]).toEqual([0, 67]);
    // Generous bounds: Dovecot checks its delayed failures every so often, on a loaded machine.
    expect(bad.seconds - good.seconds).toBeGreaterThan(DOVECOT_AUTH_FAILURE_DELAY_SECONDS - 1.5);
    expect(bad.seconds).toBeLessThan(DOVECOT_AUTH_FAILURE_DELAY_SECONDS + 12);
  });

  it('fail2ban ignores only localhost and the backup MX, not the VPC', async () => {
    for (const jail of ['postfix', 'postfix-sasl', 'dovecot']) {
      const listed = (await onPrimary(mail, `fail2ban-client get ${jail} ignoreip`)).output;
      const ignored = [...listed.matchAll(/^[|`]- (\S+)$/gm)].map((m) => m[1]).sort();
      expect(ignored).toEqual(['127.0.0.0/8', '::1', mail.config.mail.backupMx.hostname!].sort());
      expect(ignored).not.toContain(mail.config.network.cidr);
    }
  });
});
