import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { renderMailHost } from '../../host';
import { grantStatements } from '../../host/mysql';
import { renderMailHostUserData, secretsReadBy, unpackBundle } from '../../host/provision';
import {
  APACHE_SITE_PATH,
  HEALTH_PAGE_PATH,
  renderWebHost,
  renderWebHostBundle,
  renderWebHostUserData,
  AUTOCONFIG_SITE_PATH,
  MOZILLA_AUTOCONFIG_PATH,
  ROUNDCUBE_CHECK_PATH,
  ROUNDCUBE_CONFIG_PATH,
  ROUNDCUBE_SCHEMA_PATH,
  WEBMAIL_SECRET_FILES,
  WebHostSpec,
  webHostSecretNames,
} from '../../host/web';
import { primarySpec } from './fixtures';

const spec: WebHostSpec = {
  hostname: 'webmail-1.example.com',
  publicHostname: 'webmail.example.com',
  mailHostname: 'mx1.example.com',
  trustedProxies: ['10.0.0.0/24', '10.0.1.0/24'],
  mailDomains: ['example.com', 'example.net'],
  database: { tlsCaFile: '/etc/mirovoy/db-ca.pem', mailDatabaseName: 'maildb' },
};
const rendering = renderWebHost(spec);
const fileAt = (path: string) => rendering.files.find((f) => f.path === path)!;

/** The config as PHP evaluates it, its secret files replaced by scratch ones. */
const evaluatedConfig = (): Record<string, unknown> => {
  const dir = mkdtempSync(join(tmpdir(), 'roundcube-config-'));
  let content = fileAt(ROUNDCUBE_CONFIG_PATH).content;
  const scratch = (path: string, text: string) => {
    const local = join(dir, path.split('/').pop()!);
    writeFileSync(local, text);
    content = content.split(`'${path}'`).join(`'${local}'`);
  };
  scratch(WEBMAIL_SECRET_FILES.roundcube, '[client]\nhost = db.example.test\npassword = p@ss/w+rd=~\n');
  scratch(WEBMAIL_SECRET_FILES.webmailPassword, '[client]\nhost = db.example.test\npassword = other%pass\n');
  scratch(WEBMAIL_SECRET_FILES.desKey, 'abcdefghijklmnopqrstuvwx\n');
  const file = join(dir, 'config.inc.php');
  writeFileSync(file, content);
  execFileSync('php', ['-l', file], { stdio: 'pipe' });
  return JSON.parse(execFileSync('php', ['-r', 'include $argv[1]; echo json_encode($config);', file], { encoding: 'utf8' }));
};

describe('webmail host (Roundcube)', () => {
  it('renders a config.inc.php that PHP loads, with its secrets read from the run-time files', () => {
    const config = evaluatedConfig();
    expect(config.db_dsnw).toBe('mysql://mirovoy_roundcube:p%40ss%2Fw%2Brd%3D~@db.example.test:3306/roundcube?ca=/etc/mirovoy/db-ca.pem&verify_server_cert=1');
    expect(config.password_db_dsn).toBe('mysql://mirovoy_password:other%25pass@db.example.test:3306/maildb?ca=/etc/mirovoy/db-ca.pem&verify_server_cert=1');
    expect(config.des_key).toBe('abcdefghijklmnopqrstuvwx');
    expect(config).toMatchObject({
      imap_host: 'ssl://mx1.example.com:993',
      smtp_host: 'ssl://mx1.example.com:465',
      smtp_user: '%u',
      smtp_pass: '%p',
      use_https: true,
      trusted_host_patterns: ['^webmail\\.example\\.com$'],
      plugins: ['password', 'managesieve'],
      password_driver: 'sql',
      password_confirm_current: true,
      password_algorithm: 'sha512-crypt',
      password_algorithm_prefix: '{SHA512-CRYPT}',
      managesieve_host: 'tls://mx1.example.com:4190',
      managesieve_vacation: 1,
    });
    expect(config.imap_conn_options).toEqual({ ssl: { verify_peer: true, verify_peer_name: true, peer_name: 'mx1.example.com', allow_self_signed: false } });
    expect(config.password_query).toBe("UPDATE users SET crypt = %P, clear = '' WHERE id = %u AND enabled = 1");
  });

  it('the trusted host pattern accepts the public name only', () => {
    const [pattern] = evaluatedConfig().trusted_host_patterns as string[];
    const matches = (host: string) => new RegExp(pattern!, 'i').test(host);
    expect(matches('webmail.example.com')).toBe(true);
    expect(matches('webmailxexample.com')).toBe(false);
    expect(matches('webmail.example.com.evil.test')).toBe(false);
  });

  it('the Apache site trusts X-Forwarded-For only from the load balancer, and serves Roundcube under its public name only', () => {
    const site = fileAt(APACHE_SITE_PATH).content;
    expect(site.match(/^RemoteIPTrustedProxy .*$/gm)).toEqual(['RemoteIPTrustedProxy 10.0.0.0/24', 'RemoteIPTrustedProxy 10.0.1.0/24']);
    const [fallback, webmail] = site.split('<VirtualHost *:80>').slice(1);
    expect(fallback).toContain('ServerName health.invalid');
    expect(fallback).not.toContain('roundcube');
    expect(webmail).toContain('ServerName webmail.example.com');
    expect(webmail).toContain('DocumentRoot /var/lib/roundcube/public_html');
    expect(site).toContain('RemoteIPHeader X-Forwarded-For');
    expect(site).toContain('SetEnvIf X-Forwarded-Proto "^https$" HTTPS=on');
    expect(site).toContain(`Alias /mirovoy-health ${HEALTH_PAGE_PATH}`);
    expect(site).not.toMatch(/RemoteIPInternalProxy|RemoteIPTrustedProxy 0\.0\.0\.0/);
  });

  it('ships PHP the php CLI accepts (health page, schema step, configuration check)', () => {
    for (const path of [HEALTH_PAGE_PATH, ROUNDCUBE_SCHEMA_PATH, ROUNDCUBE_CHECK_PATH]) {
      const result = spawnSync('php', ['-l'], { input: fileAt(path).content, encoding: 'utf8' });
      expect(`${path}: ${result.stdout}${result.stderr}`).toContain('No syntax errors');
    }
  });

  it('converges with the mail hosts\' machinery: role web, no vmail or volumes, Roundcube\'s schema step, dbconfig-common off', () => {
    const bundle = renderWebHostBundle(spec);
    const files = unpackBundle(bundle.content);
    const provision = files.find((f) => f.path === '/usr/local/sbin/mirovoy-provision')!.content;
    expect(provision).toMatch(/^readonly ROLE='web'$/m);
    expect(provision).toMatch(/^readonly VMAIL_UID=''$/m);
    expect(provision).toMatch(/^readonly SWAP_SETTING=''$/m);
    expect(provision).toMatch(/^readonly DB_MIGRATE=''$/m);
    expect(provision).toContain(`readonly APP_SCHEMA='${ROUNDCUBE_SCHEMA_PATH}'`);
    expect(provision).toContain("'roundcube-core roundcube/dbconfig-install boolean false'");
    expect(provision).toMatch(/^readonly VOLUME_LABEL=\(\)$/m);
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining([ROUNDCUBE_CONFIG_PATH, APACHE_SITE_PATH, HEALTH_PAGE_PATH, ROUNDCUBE_SCHEMA_PATH]));
    // Secrets only by reference: read from the run-time files.
    expect(fileAt(ROUNDCUBE_CONFIG_PATH).content).toContain(`$config['des_key'] = trim(file_get_contents('${WEBMAIL_SECRET_FILES.desKey}'));`);
    expect(renderWebHostBundle(spec).sha256).toBe(bundle.sha256);
  });

  it("serves the mail domains' client autoconfiguration, describing the primary, and restarts Apache when its site changes", () => {
    const mozilla = fileAt(MOZILLA_AUTOCONFIG_PATH).content;
    expect(mozilla).toContain('<emailProvider id="example.net">');
    expect(mozilla).toContain('<hostname>mx1.example.com</hostname>');
    expect(mozilla).not.toContain('<port>143</port>');
    expect(renderWebHost({ ...spec, imapStartTls: true }).files.find((f) => f.path === MOZILLA_AUTOCONFIG_PATH)!.content).toContain('<port>143</port>');
    expect(fileAt(AUTOCONFIG_SITE_PATH).content).toContain('ServerAlias autodiscover.example.net');
    const units = (path: string) => rendering.plan.files.find((f) => f.path === path)!.units;
    expect(units(AUTOCONFIG_SITE_PATH)).toBe('apache2');
    expect(units(MOZILLA_AUTOCONFIG_PATH)).toBe('-');
    expect(rendering.plan.packages).toContain('php-xml');
  });

  it('has the same small bootstrap as a mail host', () => {
    const web = gunzipSync(renderWebHostUserData(spec)).toString();
    const mail = gunzipSync(renderMailHostUserData(renderMailHost(primarySpec))).toString();
    expect(web.replace(/webmail-1\.example\.com/g, 'HOST')).toBe(mail.replace(new RegExp(primarySpec.hostname.replace(/\./g, '\\.'), 'g'), 'HOST'));
  });

  it('reads the Roundcube secrets, never the master credential', () => {
    expect(webHostSecretNames(rendering)).toEqual(['db-roundcube', 'db-webmail-password', 'roundcube', 'db-ca']);
  });

  it('names every spec problem with its field and fix', () => {
    expect(() => renderWebHost({ ...spec, publicHostname: 'Webmail', trustedProxies: ['10.0.0.0/33'], database: { tlsCaFile: 'relative.pem', name: 'maildb' } })).toThrow(
      /publicHostname: "Webmail" is not a lower-case fully qualified host name[\s\S]*trustedProxies\[0\]: "10.0.0.0\/33" is not a CIDR[\s\S]*database.name: "maildb" must differ[\s\S]*database.tlsCaFile: "relative.pem" must be an absolute path/,
    );
    expect(() => renderWebHost({ ...spec, trustedProxies: [] })).toThrow(/trustedProxies: \[\] is empty/);
  });
});

describe('the primary makes the webmail accounts', () => {
  const primary = renderMailHost({ ...primarySpec, database: { ...primarySpec.database, webmail: { enabled: true } } });

  it('creates Roundcube\'s database and owner, and the password account with column grants only', () => {
    expect(grantStatements(primary.spec, 'roundcube')).toEqual([
      'CREATE DATABASE IF NOT EXISTS roundcube CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci',
      "GRANT ALL PRIVILEGES ON roundcube.* TO 'mirovoy_roundcube'@'%'",
    ]);
    expect(grantStatements(primary.spec, 'webmailPassword')).toEqual([`GRANT SELECT (id, enabled), UPDATE (crypt, clear) ON ${primary.spec.database.name}.users TO 'mirovoy_password'@'%'`]);
    expect(secretsReadBy(primary)).toEqual(expect.arrayContaining(['db-roundcube', 'db-webmail-password']));
  });

  it('without webmail, makes neither', () => {
    expect(secretsReadBy(renderMailHost(primarySpec))).not.toContain('db-roundcube');
  });

  it("refuses Roundcube's database being the mail database", () => {
    expect(() => renderMailHost({ ...primarySpec, database: { ...primarySpec.database, name: 'roundcube', webmail: { enabled: true } } })).toThrow(/database.webmail.databaseName = "roundcube": give Roundcube a database of its own/);
  });
});
