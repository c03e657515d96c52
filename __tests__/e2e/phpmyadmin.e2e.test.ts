/**
 * phpMyAdmin in a real browser (issue 13, item 5): the phpMyAdmin host of the rehearsal (its own
 * namespace, the bundle host/web/phpmyadmin.ts renders, converged by mirovoy-provision) against the
 * rehearsal's database over verified TLS, behind a TLS-terminating proxy standing for the ALB;
 * headless Chromium on the client logs in with the mail database's administration account
 * (`mirovoy_admin`) and sees the mail database's tables; a wrong password is refused. Screenshots
 * go to ARTIFACTS_DIRECTORY (printed).
 */
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../configs/load';
import { PHPMYADMIN_HEALTH_PAGE_PATH } from '../../host/web';
import { MAIL_REHEARSAL_ADDRESSES, MailRehearsal, startMailRehearsal } from '../../rehearsal/mail-system';
import { artifactsFolder, launchBrowserOn } from '../support/browser';
import { onPrimary } from '../support/mail-clients';

jest.setTimeout(180_000);

let mail: MailRehearsal;
let browser: Browser;
let artifacts: string;
const ADMIN = 'mirovoy_admin';
let adminPassword: string;

const pma = () => mail.phpMyAdmin!;
const onPma = async (command: string) => (await mail.rehearsal.host('pma').exec(['bash', '-c', command], { timeoutMs: 120_000 })).stdout;

const newPage = async (): Promise<Page> => {
  // The proxy's certificate is the test CA's, which Chromium does not know (as the webmail suite).
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  return context.newPage();
};

/** Fills phpMyAdmin's login form (cookie authentication) and submits it. */
const logIn = async (page: Page, user: string, password: string) => {
  await page.goto(pma().url);
  await page.fill('#input_username', user);
  await page.fill('#input_password', password);
  await Promise.all([page.waitForLoadState('load'), page.click('#input_go')]);
};

beforeAll(async () => {
  const example = loadConfig('example');
  const config = { ...example, phpMyAdmin: { ...example.phpMyAdmin, enabled: true, hostname: 'phpmyadmin.example.com' } };
  mail = await startMailRehearsal({ config, backupMx: false, phpMyAdmin: true });
  artifacts = artifactsFolder('phpmyadmin');
  console.log(`phpMyAdmin screenshots: ${artifacts}`);
  // The administration account's password, as its secret gives it (here from the primary's copy).
  const options = (await onPrimary(mail, 'cat /etc/mirovoy/private/mysql-admin.cnf')).output;
  adminPassword = /^password\s*=\s*(\S+)$/m.exec(options)?.[1] ?? '';
  expect(adminPassword).not.toBe('');
  browser = await launchBrowserOn(mail.rehearsal, 'client', { [new URL(pma().url).hostname]: pma().address });
}, 1_500_000);

afterAll(async () => {
  await browser?.close();
  await mail?.stop();
});

describe('the phpMyAdmin host', () => {
  it('holds the blowfish secret and the database name only in its run-time files, not in its configuration', async () => {
    const config = await onPma('cat /etc/phpmyadmin/conf.d/mirovoy.php');
    expect(config).toContain("file_get_contents('/etc/mirovoy/private/phpmyadmin-blowfish-secret')");
    expect(config).not.toMatch(/db\.rehearsal\.test/);
    expect(await onPma('stat -c "%a %U %G" /etc/mirovoy/private/phpmyadmin-blowfish-secret')).toBe('640 root www-data\n');
    expect(await onPma('wc -c < /etc/mirovoy/private/phpmyadmin-blowfish-secret')).toBe('32\n');
  });

  it('answers the health check by its address, as the load balancer asks', async () => {
    const health = await mail.rehearsal.exec('pma-lb', ['curl', '-s', '-o', '-', '-w', ' %{http_code}', `http://${MAIL_REHEARSAL_ADDRESSES.phpMyAdmin}/mirovoy-health`]);
    expect(health.stdout).toBe('ok\n 200');
    expect(await onPma(`php -f ${PHPMYADMIN_HEALTH_PAGE_PATH}`)).toBe('ok\n');
  });

  it('logs in a database account through the proxy and shows the mail database tables', async () => {
    const page = await newPage();
    const started = Date.now();
    await logIn(page, ADMIN, adminPassword);
    await page.goto(`${pma().url}index.php?route=/database/structure&db=maildb`);
    // The structure page lists each table as a link of its name.
    const seen = async (table: string) => (await page.getByRole('link', { name: table, exact: true }).first().waitFor({ timeout: 10_000 }).then(() => true, () => false)) && table;
    const tables = [];
    for (const table of ['aliases', 'domains', 'users']) tables.push(await seen(table));
    console.log(`phpMyAdmin login and maildb structure: ${Date.now() - started} ms`);
    tables.push(await seen('no_such_table'));
    await page.screenshot({ path: join(artifacts, 'maildb-structure.png') });
    expect(tables).toEqual(['aliases', 'domains', 'users', false]);
    // Behind the balancer: HTTPS as the client used it, so the login cookie is Secure.
    const cookies = await page.context().cookies();
    expect(cookies.filter((c) => c.name.startsWith('__Secure-pmaAuth-1')).map((c) => c.secure)).toEqual([true]);
    await page.context().close();
  });

  it('takes the client address from X-Forwarded-For of its proxy only', async () => {
    // RemoteIPTrustedProxy believes a public client address (the rehearsal client's is private, which
    // mod_remoteip leaves in the header by design), and only from the balancer's networks.
    const forged = (from: string) =>
      mail.rehearsal.exec(from, ['curl', '-sS', '-o', '/dev/null', '-H', 'Host: phpmyadmin.example.com', '-H', 'X-Forwarded-For: 203.0.113.9', `http://${MAIL_REHEARSAL_ADDRESSES.phpMyAdmin}/mirovoy-health`]);
    await forged('pma-lb');
    expect(await onPma('tail -n 1 /var/log/apache2/phpmyadmin-access.log')).toMatch(/^203\.0\.113\.9 /);
    await forged('prober');
    expect(await onPma('tail -n 1 /var/log/apache2/phpmyadmin-access.log')).toMatch(new RegExp(`^${MAIL_REHEARSAL_ADDRESSES.prober.replace(/\./g, '\\.')} `));
  });

  it('refuses a wrong password with the server’s access-denied error', async () => {
    const page = await newPage();
    await logIn(page, ADMIN, `${adminPassword}-wrong`);
    await expect(page.locator('.alert-danger', { hasText: 'Access denied' }).innerText()).resolves.toMatch(/Access denied for user 'mirovoy_admin'/);
    await page.screenshot({ path: join(artifacts, 'wrong-password.png') });
    expect(await page.locator('#input_username').count()).toBe(1);
    expect((await page.context().cookies()).some((c) => c.name.startsWith('__Secure-pmaAuth-1'))).toBe(false);
    await page.context().close();
  });
});
