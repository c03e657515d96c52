/**
 * Roundcube in a real browser: the webmail host of the rehearsal (its own namespace, the bundle
 * host/web renders, converged by mirovoy-provision) against the primary and the database, behind a
 * TLS-terminating proxy standing for the ALB; headless Chromium on the client logs in, reads a
 * message delivered by SMTP, sends one that reaches the SMTP sink, changes the password (IMAP then
 * accepts only the new one); the host replaced keeps the users' data, and a second schema run
 * changes nothing. Screenshots go to ARTIFACTS_DIRECTORY (printed).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { Browser, Page } from 'playwright-core';
import { ROUNDCUBE_SCHEMA_PATH } from '../../host/web';
import { MAIL_REHEARSAL_ADDRESSES, MailRehearsal, REHEARSAL_NAMES, startMailRehearsal } from '../../rehearsal/mail-system';
import { artifactsFolder, launchBrowserOn } from '../support/browser';
import { deliver, eventually, imapsCurl, onPrimary, uniqueSubject } from '../support/mail-clients';

jest.setTimeout(180_000);

let mail: MailRehearsal;
let browser: Browser;
let artifacts: string;
const USER = 'alice@example.com';
const PASSWORD = 'first-Passw0rd-alice';
const NEW_PASSWORD = 'second-Passw0rd-alice';
const timings: Record<string, number> = {};

const webmail = () => mail.webmail!;
const onWeb = async (command: string) => (await mail.rehearsal.host('web').exec(['bash', '-c', command], { timeoutMs: 120_000 })).stdout;
/** Roundcube's database as the server holds it, over the database host's local socket. */
const onDatabase = async (command: string) => (await mail.rehearsal.host('db').exec(['bash', '-c', command], { timeoutMs: 120_000 })).stdout;
/** Tables whose rows follow the sessions and message caches, not the users' data. */
const VOLATILE_TABLES = ['session', 'cache', 'cache_index', 'cache_thread', 'cache_messages', 'cache_shared'];
/** Over the local socket (a secure transport: no TLS needed there). */
const roundcubeDump = (options = '') =>
  onDatabase(`mariadb-dump --skip-ssl --skip-dump-date --skip-comments --order-by-primary ${VOLATILE_TABLES.map((t) => `--ignore-table=roundcube.${t}`).join(' ')} ${options} roundcube`);
/** The users' data that must survive: accounts (without the login time), identities, contacts, preferences. */
const usersData = () =>
  onDatabase("mariadb --skip-ssl --batch roundcube -e 'SELECT user_id, username, mail_host, preferences FROM users ORDER BY user_id; SELECT * FROM identities ORDER BY identity_id; SELECT contact_id, user_id, name, email, vcard FROM contacts ORDER BY contact_id'");

const newPage = async (): Promise<Page> => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  return context.newPage();
};

/** Runs a command of Roundcube's client (`rcmail.command`), as its toolbar buttons do. */
const rcmailCommand = (page: Page, command: string) =>
  page.evaluate((name) => (globalThis as unknown as { rcmail: { command(n: string, props: string): void } }).rcmail.command(name, ''), command);

/** Runs a browser step; when it fails, keeps the page (HTML, screenshot) and Roundcube's log with the artefacts. */
const step = async (page: Page, name: string, body: () => Promise<void>): Promise<void> => {
  try {
    await body();
  } catch (error) {
    await page.screenshot({ path: join(artifacts, `${name}-failed.png`) }).catch(() => undefined);
    writeFileSync(join(artifacts, `${name}-failed.html`), await page.content().catch(() => ''));
    writeFileSync(join(artifacts, `${name}-roundcube.log`), (await mail.rehearsal.host('web').exec(['journalctl', '--no-pager', '-n', '200', '-t', 'roundcube'], { allowFailure: true })).stdout);
    throw error;
  }
};

/** Opens the login page and logs in; records the page-load and login times. */
const logIn = async (page: Page, password: string, label: string): Promise<void> => {
  const started = Date.now();
  await page.goto(webmail().url, { waitUntil: 'load' });
  timings[`${label}: login page load (ms)`] = Date.now() - started;
  await page.fill('#rcmloginuser', USER);
  await page.fill('#rcmloginpwd', password);
  const clicked = Date.now();
  await Promise.all([page.waitForURL(/_task=mail/), page.click('#rcmloginsubmit')]);
  await page.waitForSelector('#messagelist');
  timings[`${label}: login to inbox (ms)`] = Date.now() - clicked;
};

beforeAll(async () => {
  artifacts = artifactsFolder('webmail');
  mail = await startMailRehearsal({ backupMx: false, webmail: true, tuneSpec: (spec) => ({ ...spec, postgrey: { delaySeconds: 2 } }) });
  const added = await onPrimary(mail, `mirovoy-admin user add ${USER}`, { input: `${PASSWORD}\n${PASSWORD}\n`, allowFailure: true });
  if (added.code !== 0) throw new Error(`mirovoy-admin user add: ${added.output}`);
  browser = await launchBrowserOn(mail.rehearsal, 'client', { [webmail().rendering.spec.publicHostname]: MAIL_REHEARSAL_ADDRESSES.client });
}, 1_800_000);

afterAll(async () => {
  await browser?.close();
  await mail?.stop();
  console.log(`webmail e2e: screenshots in ${artifacts}\n${Object.entries(timings).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
});

describe('webmail host behind the load balancer', () => {
  it('answers its health check only when Roundcube has its database and schema', async () => {
    const health = await mail.rehearsal.exec('client', ['curl', '-sS', '-o', '-', '-w', ' %{http_code}', `http://${MAIL_REHEARSAL_ADDRESSES.webmail}/mirovoy-health`]);
    expect(health.stdout).toBe('ok\n 200');
  });

  it('sees the client address through mod_remoteip, and only from the proxy', async () => {
    const page = await newPage();
    await page.goto(webmail().url);
    const log = await onWeb('tail -n 5 /var/log/apache2/webmail-access.log');
    expect(log).toContain(`${MAIL_REHEARSAL_ADDRESSES.client} `);
    // A client that forges X-Forwarded-For directly at the host is logged with its own address.
    await mail.rehearsal.exec('prober', ['curl', '-sS', '-o', '/dev/null', '-H', 'X-Forwarded-For: 192.0.2.77', `http://${MAIL_REHEARSAL_ADDRESSES.webmail}/`]);
    const after = await onWeb('tail -n 1 /var/log/apache2/webmail-access.log');
    expect(after).toMatch(new RegExp(`^${MAIL_REHEARSAL_ADDRESSES.prober.replace(/\./g, '\\.')} `));
    await page.context().close();
  });

  it('serves Roundcube under its public name only', async () => {
    const status = async (host: string) =>
      (await mail.rehearsal.exec('client', ['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Host: ${host}`, '-H', 'X-Forwarded-Proto: https', `http://${MAIL_REHEARSAL_ADDRESSES.webmail}/`])).stdout;
    // The default virtual host: the health page, and 403 for its folder, nothing of Roundcube.
    expect(await status('evil.example.net')).toBe('403');
    expect(await status(webmail().rendering.spec.publicHostname)).toBe('200');
  });
});

describe('client autoconfiguration', () => {
  const fetchAs = async (host: string, path: string, curlArgs: readonly string[] = []) =>
    (await mail.rehearsal.exec('client', ['curl', '-sS', '-H', `Host: ${host}`, ...curlArgs, `http://${MAIL_REHEARSAL_ADDRESSES.webmail}${path}`])).stdout;
  const parse = (text: string) => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(text);
  const listening = async () => (await onPrimary(mail, "ss -Hltn | awk '{print $4}' | sed 's/.*://' | sort -un")).output.split('\n').map(Number);

  it("answers Mozilla's autoconfig with the primary's name and the ports it listens on", async () => {
    // One provider per mail domain (the example has two), each with the same servers.
    const providers: { id: string; incomingServer: object; outgoingServer: object[] }[] = [parse(await fetchAs('autoconfig.example.com', '/mail/config-v1.1.xml')).clientConfig.emailProvider].flat();
    expect(providers.map((p) => p.id)).toEqual(mail.config.mailDomains);
    const config = providers[0];
    const servers = [config.incomingServer, config.outgoingServer].flat() as { type: string; hostname: string; port: number; socketType: string }[];
    expect(servers.map((s) => `${s.type} ${s.hostname}:${s.port} ${s.socketType}`)).toEqual([
      `imap ${mail.primaryHostname}:993 SSL`,
      `smtp ${mail.primaryHostname}:465 SSL`,
      `smtp ${mail.primaryHostname}:587 STARTTLS`,
    ]);
    expect(await listening()).toEqual(expect.arrayContaining(servers.map((s) => s.port)));
    // The well-known path on the mail domain's own name gives the same file.
    expect([parse(await fetchAs('example.com', '/.well-known/autoconfig/mail/config-v1.1.xml')).clientConfig.emailProvider].flat()).toEqual(providers);
  });

  it("answers Microsoft's autodiscover POST for an address, and refuses a request with a DOCTYPE", async () => {
    const request = (address: string, doctype = '') =>
      `<?xml version="1.0" encoding="utf-8"?>${doctype}<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>${address}</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>`;
    const post = (body: string) => fetchAs('autodiscover.example.com', '/autodiscover/autodiscover.xml', ['-X', 'POST', '-H', 'Content-Type: text/xml', '--data-binary', body]);
    const answer = parse(await post(request(USER))).Autodiscover.Response.Account;
    const protocols = [answer.Protocol].flat().map((p: { Type: string; Server: string; Port: number; LoginName: string }) => `${p.Type} ${p.Server}:${p.Port} ${p.LoginName}`);
    expect(protocols).toEqual([`IMAP ${mail.primaryHostname}:993 ${USER}`, `SMTP ${mail.primaryHostname}:465 ${USER}`]);
    expect(await post(request(USER, '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'))).not.toContain('root:');
    expect(parse(await post(request(USER, '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'))).Autodiscover.Response.Error.ErrorCode).toBe(600);
  });
});

describe('Roundcube in a browser', () => {
  const received = uniqueSubject('Webmail inbound');
  const sent = uniqueSubject('Webmail outbound');

  it('logs in and reads a message delivered by SMTP (screenshots of the inbox and the message)', async () => {
    const delivery = await deliver(mail, ['--from', `carol@${REHEARSAL_NAMES.senderDomain}`, '--to', USER, '--header', `Subject: ${received}`, '--body', 'Hello from SMTP, read in Roundcube.']);
    expect(delivery.output).toMatch(/<-\s+250 .*queued/i);
    await eventually(async () => (await imapsCurl(mail, USER, PASSWORD, 'INBOX', ['--request', `SEARCH SUBJECT "${received}"`])).output.match(/\* SEARCH \d/));
    const page = await newPage();
    await logIn(page, PASSWORD, 'first login');
    // Secure session cookies, as behind the balancer's HTTPS.
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'roundcube_sessid')).toMatchObject({ secure: true, httpOnly: true });
    const row = page.locator('#messagelist tr', { hasText: received });
    await row.waitFor();
    await page.screenshot({ path: join(artifacts, 'inbox.png') });
    await row.dblclick();
    await page.waitForSelector('#messagebody, #messagecontframe');
    const body = page.frameLocator('#messagecontframe').locator('#messagebody');
    const text = (await page.locator('#messagebody').count()) > 0 ? await page.locator('#messagebody').innerText() : await body.innerText();
    expect(text).toContain('Hello from SMTP, read in Roundcube.');
    await page.screenshot({ path: join(artifacts, 'message.png') });
    await page.context().close();
  });

  it('sends a message (SMTP submission with the user\'s credentials) that reaches the sink', async () => {
    const page = await newPage();
    await step(page, 'compose', async () => {
      await logIn(page, PASSWORD, 'compose login');
      await page.goto(`${webmail().url}?_task=mail&_action=compose`);
      const to = page.locator('.recipient-input input').first();
      await to.fill(`someone@${REHEARSAL_NAMES.sinkDomain}`);
      await to.press('Enter');
      await page.fill('#compose-subject', sent);
      await page.fill('#composebody', 'Sent from Roundcube in the rehearsal.');
      await rcmailCommand(page, 'send');
    });
    const arrived = await eventually(async () => readdirSync(mail.sinkDirectory).map((f) => readFileSync(join(mail.sinkDirectory, f), 'utf8')).find((m) => m.includes(sent)), 60_000, 1_000);
    expect(arrived).toContain(`From: ${USER}`);
    expect(arrived).toContain('Sent from Roundcube in the rehearsal.');
    await page.context().close();
  });

  it('changes the password (old one asked for); IMAP then accepts only the new one', async () => {
    const page = await newPage();
    await step(page, 'password', async () => {
      await logIn(page, PASSWORD, 'password login');
      // The plugin's page (it is not loaded in framed requests: its `noframe`).
      await page.goto(`${webmail().url}?_task=settings&_action=plugin.password`);
      await page.fill('#curpasswd', PASSWORD, { timeout: 15_000 });
      await page.fill('#newpasswd', NEW_PASSWORD);
      await page.fill('#confpasswd', NEW_PASSWORD);
      await page.screenshot({ path: join(artifacts, 'password.png') });
      await rcmailCommand(page, 'plugin.password-save');
    });
    const hash = await eventually(async () => {
      const row = await onDatabase(`mariadb --skip-ssl --batch --skip-column-names ${mail.config.database.mailDatabaseName} -e "SELECT crypt FROM users WHERE id = '${USER}'"`);
      return row.startsWith('{SHA512-CRYPT}$6$') ? row : '';
    }, 30_000);
    expect(hash).toMatch(/^\{SHA512-CRYPT\}\$6\$/);
    const login = (password: string) => imapsCurl(mail, USER, password, 'INBOX', ['--request', 'NOOP']);
    const accepted = await login(NEW_PASSWORD);
    if (accepted.code !== 0) writeFileSync(join(artifacts, 'password-dovecot.log'), (await onPrimary(mail, 'journalctl --no-pager -n 80 -u dovecot', { allowFailure: true })).output);
    expect(`curl exit ${accepted.code}: ${accepted.output}`).toBe('curl exit 0: ');
    expect((await login(PASSWORD)).code).toBe(67);
    await page.context().close();
  });
});

describe('filters (ManageSieve on the primary)', () => {
  // Regression: the primary's active Sieve link was ~/.dovecot.sieve in the Maildir++ root (users'
  // home is their maildir); Dovecot took it for a folder, quota counting failed and every message to
  // the user was deferred with 450 "Internal quota calculation error". It is ~/dovecot.sieve now.
  it('sets a vacation rule in the UI that answers a test message', async () => {
    const subject = uniqueSubject('Vacation probe');
    const before = await deliver(mail, ['--from', `carol@${REHEARSAL_NAMES.senderDomain}`, '--to', USER, '--header', `Subject: ${uniqueSubject('Before the rule')}`, '--body', 'No rule yet.']);
    expect(before.output).toMatch(/<-\s+250 .*queued/i);
    const page = await newPage();
    await step(page, 'vacation', async () => {
      await logIn(page, NEW_PASSWORD, 'vacation login');
      await page.goto(`${webmail().url}?_task=settings&_action=plugin.managesieve-vacation&_framed=1`);
      await page.fill('#vacation_subject', 'Away (rehearsal)', { timeout: 30_000 });
      await page.fill('#vacation_reason', 'I am away; this answer comes from the vacation rule set in Roundcube.');
      await page.selectOption('#vacation_status', 'on');
      await page.screenshot({ path: join(artifacts, 'vacation.png') });
      await rcmailCommand(page, 'plugin.managesieve-save');
      await page.waitForSelector('#messagestack .confirmation, #messagestack .notice', { timeout: 30_000 });
    });
    const sender = `dan@${REHEARSAL_NAMES.senderDomain}`;
    const delivery = await deliver(mail, ['--from', sender, '--to', USER, '--header', `Subject: ${subject}`, '--body', 'Are you there?']);
    if (!/<-\s+250 .*queued/i.test(delivery.output)) {
      const logs = await onPrimary(mail, `doveadm quota get -u ${USER}; doveadm mailbox list -u ${USER}; journalctl --no-pager -n 120 -u dovecot`, { allowFailure: true });
      writeFileSync(join(artifacts, 'vacation-dovecot.log'), logs.output);
    }
    expect(delivery.output).toMatch(/<-\s+250 .*queued/i);
    // The sender's domain's MX is the client's SMTP sink: the answer lands there.
    const answer = await eventually(
      async () => readdirSync(mail.sinkDirectory).map((f) => readFileSync(join(mail.sinkDirectory, f), 'utf8')).find((m) => m.includes('Away (rehearsal)') && m.includes(sender)),
      60_000,
      1_000,
    );
    expect(answer).toContain('I am away; this answer comes from the vacation rule set in Roundcube.');
    await page.context().close();
  });
});

describe('schema safety', () => {
  it('a second schema run changes nothing', async () => {
    const before = await roundcubeDump();
    const run = await onWeb(`${ROUNDCUBE_SCHEMA_PATH} --wait 10`);
    expect(run).toMatch(/schema version \d+ is current/);
    const after = await roundcubeDump();
    expect(after).toBe(before);
  });

  it('a replaced webmail host (new instance, same database) keeps settings, identities and contacts', async () => {
    // A preference through Roundcube's own tool, a contact as Roundcube stores one.
    await onWeb('/usr/share/roundcube/bin/moduserprefs.sh --user=1 --type=string htmleditor 1');
    await onDatabase(
      "mariadb --skip-ssl roundcube -e \"INSERT INTO contacts (changed, del, name, email, firstname, surname, vcard, words, user_id) VALUES (NOW(), 0, 'Dora Kept', 'dora@example.org', 'Dora', 'Kept', 'BEGIN:VCARD\\nVERSION:3.0\\nN:Kept;Dora;;;\\nFN:Dora Kept\\nEMAIL;TYPE=INTERNET:dora@example.org\\nEND:VCARD', ' dora kept dora@example.org', 1)\"",
    );
    const before = await usersData();
    expect(before).toContain('Dora Kept');
    expect(before).toContain(`${USER}\t${mail.primaryHostname}`);
    const schemaBefore = await roundcubeDump('--no-data');
    await webmail().replace();
    expect(await usersData()).toBe(before);
    expect(await roundcubeDump('--no-data')).toBe(schemaBefore);
    const page = await newPage();
    await step(page, 'contacts', async () => {
      await logIn(page, NEW_PASSWORD, 'after replacement');
      await page.goto(`${webmail().url}?_task=addressbook`);
      await page.locator('#contacts-table tr', { hasText: 'Dora Kept' }).waitFor({ timeout: 30_000 });
    });
    await page.context().close();
  });
});
