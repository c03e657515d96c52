/**
 * The phpMyAdmin host's renderers (issue 13, item 5): its configuration checked by the php CLI
 * (syntax, and what PHP makes of it with its run-time files), the Apache site behind the load
 * balancer, and the bundle: secret-free, installing Debian's package without dbconfig-common.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unpackBundle } from '../../host/provision';
import {
  PHPMYADMIN_BLOWFISH_SECRET,
  PHPMYADMIN_CONFIG_PATH,
  PHPMYADMIN_RUNTIME_FILES,
  PHPMYADMIN_SITE_PATH,
  PhpMyAdminHostSpec,
  renderPhpMyAdminHost,
  renderPhpMyAdminHostBundle,
} from '../../host/web/phpmyadmin';
import { webHostSecretNames } from '../../host/web/web-plan';

const SPEC: PhpMyAdminHostSpec = {
  hostname: 'pma1.example.com',
  publicHostname: 'phpmyadmin.example.com',
  trustedProxies: ['10.0.0.0/24', '10.0.1.0/24'],
  database: { tlsCaFile: '/etc/mirovoy/tls/database-ca.pem' },
};

const fileOf = (path: string, spec = SPEC) => {
  const file = renderPhpMyAdminHost(spec).files.find((f) => f.path === path);
  if (!file) throw new Error(`no ${path} rendered`);
  return file;
};

/** The configuration as PHP evaluates it, its run-time files (key, host name) in a scratch directory. */
const evaluatedConfig = (blowfishSecret: string): Record<string, unknown> => {
  const dir = mkdtempSync(join(tmpdir(), 'phpmyadmin-'));
  const local = { blowfishSecret: join(dir, 'blowfish'), databaseHost: join(dir, 'database-host') };
  writeFileSync(local.blowfishSecret, `${blowfishSecret}\n`);
  writeFileSync(local.databaseHost, 'db.rehearsal.test\n');
  let content = fileOf(PHPMYADMIN_CONFIG_PATH).content;
  for (const key of ['blowfishSecret', 'databaseHost'] as const) content = content.split(PHPMYADMIN_RUNTIME_FILES[key]).join(local[key]);
  const config = join(dir, 'mirovoy.php');
  writeFileSync(config, content);
  expect(execFileSync('php', ['-l', config], { encoding: 'utf8' })).toContain('No syntax errors');
  return JSON.parse(execFileSync('php', ['-r', '$cfg = ["Servers" => [9 => []]]; include $argv[1]; echo json_encode($cfg);', config], { encoding: 'utf8' }));
};

describe('phpMyAdmin configuration (checked by the php CLI)', () => {
  const key = 'A'.repeat(16) + '0123456789abcdef';

  it('is valid PHP that replaces whatever Debian set, with exactly one server', () => {
    const cfg = evaluatedConfig(key);
    expect(Object.keys(cfg.Servers as object)).toEqual(['1']);
  });

  it('connects to the database server named at run time, over TLS with the CA verified, with cookie login', () => {
    const server = (evaluatedConfig(key).Servers as Record<string, Record<string, unknown>>)['1'];
    expect(server).toMatchObject({
      host: 'db.rehearsal.test',
      port: '3306',
      connect_type: 'tcp',
      ssl: true,
      ssl_verify: true,
      ssl_ca: '/etc/mirovoy/tls/database-ca.pem',
      auth_type: 'cookie',
      AllowNoPassword: false,
    });
    expect(server).not.toHaveProperty('controluser');
    expect(server).not.toHaveProperty('pmadb');
  });

  it('reads blowfish_secret from its run-time file, never from the rendered text', () => {
    const cfg = evaluatedConfig(key);
    expect(cfg.blowfish_secret).toBe(key);
    expect(fileOf(PHPMYADMIN_CONFIG_PATH).content).not.toContain(key);
    expect(fileOf(PHPMYADMIN_CONFIG_PATH).content).toContain(`trim(file_get_contents('${PHPMYADMIN_RUNTIME_FILES.blowfishSecret}'))`);
  });

  it('allows no other server, no configuration storage and no calls home', () => {
    expect(evaluatedConfig(key)).toMatchObject({
      AllowArbitraryServer: false,
      ZeroConf: false,
      PmaNoRelation_DisableWarning: true,
      VersionCheck: false,
      SendErrorReports: 'never',
      PmaAbsoluteUri: 'https://phpmyadmin.example.com/',
      LoginCookieValidity: 1800,
    });
  });
});

describe('phpMyAdmin Apache site', () => {
  const site = fileOf(PHPMYADMIN_SITE_PATH).content;

  it('trusts X-Forwarded-For and -Proto from the load balancer networks only', () => {
    expect(site.match(/^RemoteIPTrustedProxy .*$/gm)).toEqual(['RemoteIPTrustedProxy 10.0.0.0/24', 'RemoteIPTrustedProxy 10.0.1.0/24']);
    expect(site).toContain('\nRemoteIPHeader X-Forwarded-For\n');
    expect(site).toContain('\nSetEnvIf X-Forwarded-Proto "^https$" HTTPS=on\n');
  });

  it('serves phpMyAdmin at / of its public name only, the health page under any name, and not its code directories', () => {
    const hosts = site.split('<VirtualHost *:80>').slice(1);
    expect(hosts.map((h) => /ServerName (\S+)/.exec(h)?.[1])).toEqual(['health.invalid', 'phpmyadmin.example.com']);
    expect(hosts[0]).not.toContain('/usr/share/phpmyadmin');
    expect(hosts[1]).toContain('  DocumentRoot /usr/share/phpmyadmin\n');
    expect(site).not.toContain('ServerAlias');
    expect(site).toContain('  Alias /mirovoy-health /usr/local/share/mirovoy/phpmyadmin/mirovoy-health.php\n');
    expect(site).toMatch(/<Directory \/usr\/share\/phpmyadmin\/libraries>\n {4}Require all denied/);
    expect(site).toMatch(/<Directory \/usr\/share\/phpmyadmin\/templates>\n {4}Require all denied/);
  });

  it('confines PHP to phpMyAdmin, its run-time files and the CA, with a session as long as the login', () => {
    const basedir = /php_admin_value open_basedir (\S+)/.exec(site)?.[1].split(':');
    expect(basedir).toEqual(expect.arrayContaining(['/usr/share/phpmyadmin/', '/etc/phpmyadmin/', PHPMYADMIN_RUNTIME_FILES.blowfishSecret, PHPMYADMIN_RUNTIME_FILES.databaseHost, '/etc/mirovoy/tls/database-ca.pem']));
    expect(basedir).not.toContain('/etc/mirovoy/private/');
    const session = fileOf(PHPMYADMIN_SITE_PATH, { ...SPEC, loginIdleMinutes: 60 }).content;
    expect(session).toContain('php_admin_value session.gc_maxlifetime 3600');
    expect(fileOf(PHPMYADMIN_CONFIG_PATH, { ...SPEC, loginIdleMinutes: 60 }).content).toContain("$cfg['LoginCookieValidity'] = 3600;");
  });
});

describe('phpMyAdmin host bundle', () => {
  const rendering = renderPhpMyAdminHost(SPEC);
  const bundle = renderPhpMyAdminHostBundle(SPEC);
  const provision = unpackBundle(bundle.content).find((f) => f.path === '/usr/local/sbin/mirovoy-provision');

  it('installs Debian phpmyadmin with dbconfig-common and the package web server setup answered off', () => {
    expect(rendering.plan.packages).toEqual(expect.arrayContaining(['phpmyadmin', 'apache2', 'libapache2-mod-php', 'php-mysql']));
    expect(rendering.plan.debconfSelections).toEqual(expect.arrayContaining(['phpmyadmin phpmyadmin/dbconfig-install boolean false', 'phpmyadmin phpmyadmin/reconfigure-webserver multiselect']));
    expect(provision?.content).toContain("'phpmyadmin phpmyadmin/dbconfig-install boolean false'");
  });

  it('holds no secret: the key, the host name and the CA are fetched at run time', () => {
    expect(webHostSecretNames(rendering)).toEqual([PHPMYADMIN_BLOWFISH_SECRET.name, 'db-ca']);
    expect(rendering.plan.secretFiles.map((e) => [e.format, e.path, e.group])).toEqual([
      ['secret-field', PHPMYADMIN_RUNTIME_FILES.blowfishSecret, 'www-data'],
      ['database-host', PHPMYADMIN_RUNTIME_FILES.databaseHost, 'www-data'],
      ['pem-field', '/etc/mirovoy/tls/database-ca.pem', 'root'],
    ]);
    expect(bundle.content).not.toMatch(/-----BEGIN [A-Z ]+-----\n/);
    expect(bundle.content).not.toMatch(/blowfish_secret'\] = '/);
  });

  it('checks Apache and the health page before Apache restarts, and is ready when port 80 answers', () => {
    expect(rendering.plan.checks.map((c) => c.command)).toEqual([['apache2ctl', 'configtest'], ['php', '-f', '/usr/local/share/mirovoy/phpmyadmin/mirovoy-health.php']]);
    expect(rendering.plan).toMatchObject({ role: 'web', vmail: null, schemaStep: '', applicationSchemaStep: '', units: ['apache2'], readyPorts: [80], dataVolumes: false });
  });

  it('is deterministic', () => {
    expect(renderPhpMyAdminHostBundle(SPEC).sha256).toBe(bundle.sha256);
  });
});

describe('phpMyAdmin host spec', () => {
  it('names every bad field with its value and the fix', () => {
    expect(() =>
      renderPhpMyAdminHost({ hostname: 'PMA', publicHostname: 'phpmyadmin.example.com', trustedProxies: ['10.0.0.0/33'], database: { port: 0, tlsCaFile: 'ca.pem' }, loginIdleMinutes: 1 }),
    ).toThrow(
      [
        'Invalid phpMyAdmin host spec:',
        '  - hostname: "PMA" is not a lower-case fully qualified host name: use e.g. phpmyadmin.example.com',
        '  - trustedProxies[0]: "10.0.0.0/33" is not a CIDR such as 10.0.0.0/24',
        '  - database.port: 0 must be a TCP port (1-65535)',
        '  - database.tlsCaFile: "ca.pem" must be an absolute path (letters, digits, . _ - /): the database connection is always TLS with the CA verified',
        '  - loginIdleMinutes: 1 must be a whole number of minutes from 5 to 720',
      ].join('\n'),
    );
  });

  it('refuses an empty list of trusted proxies', () => {
    expect(() => renderPhpMyAdminHost({ ...SPEC, trustedProxies: [] })).toThrow("trustedProxies: [] is empty: name the load balancer's subnets");
  });
});
