/**
 * phpMyAdmin on a web host (Debian 13's `phpmyadmin` 5.2 with PHP 8.4 under Apache): its
 * configuration as data through the PHP serializer, the Apache site behind the load balancer, the
 * health page, and the provision plan and bundle of such a host — the same `mirovoy-provision`
 * (role `web`) as the mail and webmail hosts. Settings: phpMyAdmin's `libraries/config.default.php`
 * and https://docs.phpmyadmin.net/en/latest/config.html.
 *
 * No phpMyAdmin configuration storage (no `pmadb`, no control user): nothing here needs it, and
 * it would be one more database and account. Administrators log in with database accounts of
 * their own (e.g. `mirovoy_admin` for the mail database); the host holds no database password.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedHeader, RenderedFile } from '../files';
import { PhpValue, renderPhpAssignments } from '../format/php';
import { HostBundle, ProvisionPlan, SecretFileEntry, unattendedUpgradeFiles } from '../provision';
import { RUNTIME_SECRETS } from '../provision/runtime-seam';
import { PRIVATE_DIRECTORY } from '../secrets';
import { fallbackVirtualHostLines, healthPageLines, loadBalancerServerLines } from './behind-load-balancer';
import type { WebHostOptions } from './index';
import { HEALTH_CHECK_URL_PATH } from './roundcube';
import { renderWebBootstrapUserData, renderWebPlanBundle, WEB_APPLICATION_HTTP_PORT, webProvisionPlan } from './web-plan';
import { PhpMyAdminHostSpec, ResolvedPhpMyAdminHostSpec, resolvePhpMyAdminHostSpec } from './phpmyadmin-spec';

export * from './phpmyadmin-spec';

/**
 * Our configuration: the last file Debian's `/etc/phpmyadmin/config.inc.php` includes (conf.d/*.php).
 * It starts from an empty `$cfg`, so nothing of Debian's dbconfig defaults survives, while Debian's
 * own file stays as the package ships it and its upgrades apply without a conffile question.
 */
export const PHPMYADMIN_CONFIG_PATH = '/etc/phpmyadmin/conf.d/mirovoy.php';
/** Debian's configuration, which phpMyAdmin loads (and which includes ours). */
export const PHPMYADMIN_DEBIAN_CONFIG_PATH = '/etc/phpmyadmin/config.inc.php';
/** phpMyAdmin's code, the site's document root. */
export const PHPMYADMIN_ROOT = '/usr/share/phpmyadmin';
/** The Apache site: the first in sites-enabled, so it is also the default for the health check's Host. */
export const PHPMYADMIN_SITE_PATH = '/etc/apache2/sites-enabled/00-mirovoy-phpmyadmin.conf';
/** The health page's file (at the web hosts' `HEALTH_CHECK_URL_PATH`, the target group's health check). */
export const PHPMYADMIN_HEALTH_PAGE_PATH = '/usr/local/share/mirovoy/phpmyadmin/mirovoy-health.php';
/** Debian's directory for uploads and phpMyAdmin's template cache (owned by www-data). */
const TEMP_DIRECTORY = '/var/lib/phpmyadmin/tmp';

/**
 * The secret holding the cookie encryption key, `{"blowfish_secret": "<32 letters and digits>"}`:
 * made by the web stack (host/provision/web-host-seam.ts of the Terraform side names it the same),
 * the same on every instance, so a login survives the balancer choosing another one.
 */
export const PHPMYADMIN_BLOWFISH_SECRET = { name: 'phpmyadmin-blowfish-secret', field: 'blowfish_secret' } as const;
/** phpMyAdmin 5.2 encrypts with sodium's secretbox: a key of exactly this many bytes. */
export const BLOWFISH_SECRET_BYTES = 32;

/** Run-time files written by the provision step, readable by Apache (group www-data). */
export const PHPMYADMIN_RUNTIME_FILES = {
  /** The cookie encryption key, alone. */
  blowfishSecret: `${PRIVATE_DIRECTORY.path}/phpmyadmin-blowfish-secret`,
  /** The database server's host name (setting `database-host`), alone. */
  databaseHost: `${PRIVATE_DIRECTORY.path}/database-host`,
} as const;

const fileText = (path: string): PhpValue => ({ call: 'trim', args: [{ call: 'file_get_contents', args: [path] }] });

/** The `$cfg` entries of our configuration. */
export const phpMyAdminSettings = (spec: ResolvedPhpMyAdminHostSpec): Record<string, PhpValue> => ({
  blowfish_secret: fileText(PHPMYADMIN_RUNTIME_FILES.blowfishSecret),
  // One server, the mail database server; nobody can name another on the login page.
  Servers: {
    '1': {
      verbose: 'Mirovoy Mail database',
      host: fileText(PHPMYADMIN_RUNTIME_FILES.databaseHost),
      port: String(spec.database.port),
      connect_type: 'tcp',
      // TLS always, the server's certificate checked against the RDS CA (mysqlnd also checks its name).
      ssl: true,
      ssl_ca: spec.database.tlsCaFile,
      ssl_verify: true,
      auth_type: 'cookie',
      AllowNoPassword: false,
    },
  },
  AllowArbitraryServer: false,
  // Behind the load balancer: the URLs and redirects phpMyAdmin makes use the public name.
  PmaAbsoluteUri: `https://${spec.publicHostname}/`,
  LoginCookieValidity: spec.loginIdleMinutes * 60,
  // No configuration storage (see the file comment): neither look for nor warn about it.
  ZeroConf: false,
  PmaNoRelation_DisableWarning: true,
  // Nothing leaves the host on its own: no version check, no error reports to phpmyadmin.net.
  VersionCheck: false,
  SendErrorReports: 'never',
  TempDir: TEMP_DIRECTORY,
  UploadDir: '',
  SaveDir: '',
});

/** /etc/phpmyadmin/conf.d/mirovoy.php (no secret in it: the key is read from its file per request). */
export const renderPhpMyAdminConfig = (spec: ResolvedPhpMyAdminHostSpec): RenderedFile => ({
  path: PHPMYADMIN_CONFIG_PATH,
  content: renderPhpAssignments(generatedHeader('//', 'host/web/phpmyadmin.ts'), 'cfg', phpMyAdminSettings(spec)),
  mode: '0644',
  owner: 'root',
  group: 'root',
});

/**
 * Where phpMyAdmin's PHP may read and write (Debian's list, as its apache.conf has it, plus the
 * run-time files and the CA): a bug in phpMyAdmin reads nothing else of the host.
 */
const openBasedir = (spec: ResolvedPhpMyAdminHostSpec): string =>
  [
    `${PHPMYADMIN_ROOT}/`,
    '/usr/share/doc/phpmyadmin/',
    '/etc/phpmyadmin/',
    '/var/lib/phpmyadmin/',
    '/usr/share/php/',
    '/usr/share/javascript/',
    ...Object.values(PHPMYADMIN_RUNTIME_FILES),
    spec.database.tlsCaFile,
  ].join(':');

/**
 * The Apache site: phpMyAdmin at `/` of its own name, behind the load balancer; its code's inner
 * directories are not served (as Debian's apache.conf). Any other Host — the balancer's health check
 * asks by the instance's address — gets the first, default virtual host: the health page and 404s.
 */
export const renderPhpMyAdminSite = (spec: ResolvedPhpMyAdminHostSpec): RenderedFile => {
  const health = healthPageLines(HEALTH_CHECK_URL_PATH, PHPMYADMIN_HEALTH_PAGE_PATH);
  const lines = [
    ...loadBalancerServerLines(spec.trustedProxies),
    ...fallbackVirtualHostLines(WEB_APPLICATION_HTTP_PORT, 'phpmyadmin', health, PHPMYADMIN_HEALTH_PAGE_PATH),
    `<VirtualHost *:${WEB_APPLICATION_HTTP_PORT}>`,
    `  ServerName ${spec.publicHostname}`,
    `  DocumentRoot ${PHPMYADMIN_ROOT}`,
    '  Header always set Strict-Transport-Security "max-age=31536000"',
    '  CustomLog ${APACHE_LOG_DIR}/phpmyadmin-access.log mirovoy_client',
    ...health,
    `  <Directory ${PHPMYADMIN_ROOT}>`,
    '    Options SymLinksIfOwnerMatch',
    '    DirectoryIndex index.php',
    '    Require all granted',
    `    php_admin_value upload_tmp_dir ${TEMP_DIRECTORY}`,
    `    php_admin_value open_basedir ${openBasedir(spec)}`,
    // PHP's session must outlive the login cookie, or phpMyAdmin logs users out early (and says so).
    `    php_admin_value session.gc_maxlifetime ${spec.loginIdleMinutes * 60}`,
    '  </Directory>',
    ...['templates', 'libraries', 'sql', 'locale'].flatMap((d) => [`  <Directory ${PHPMYADMIN_ROOT}/${d}>`, '    Require all denied', '  </Directory>']),
    '</VirtualHost>',
  ];
  return { path: PHPMYADMIN_SITE_PATH, content: `${generatedHeader('#', 'host/web/phpmyadmin.ts')}${lines.join('\n')}\n`, mode: '0644', owner: 'root', group: 'root' };
};

/** The health page, shipped as it is in this folder; also the provision step's check (exit 1 on a problem). */
export const renderPhpMyAdminHealthPage = (): RenderedFile => ({
  path: PHPMYADMIN_HEALTH_PAGE_PATH,
  content: readFileSync(join(__dirname, 'mirovoy-phpmyadmin-health.php'), 'utf8'),
  mode: '0644',
  owner: 'root',
  group: 'root',
});

/** Debian 13's phpMyAdmin with PHP 8.4 under Apache (named: recommendations are not installed). */
export const PHPMYADMIN_PACKAGES: readonly string[] = ['apache2', 'libapache2-mod-php', 'phpmyadmin', 'php-mysql'];

/**
 * No dbconfig-common (no configuration storage database), and no web server configured by the
 * package (its `/phpmyadmin` alias): our site serves it at `/`.
 */
export const PHPMYADMIN_DEBCONF_SELECTIONS: readonly string[] = [
  'phpmyadmin phpmyadmin/dbconfig-install boolean false',
  'phpmyadmin phpmyadmin/dbconfig-upgrade boolean false',
  'phpmyadmin phpmyadmin/dbconfig-remove boolean false',
  'phpmyadmin phpmyadmin/reconfigure-webserver multiselect',
];

/** Options of the phpMyAdmin host renderers: those of every web host. */
export type PhpMyAdminHostOptions = WebHostOptions;

/** Everything a phpMyAdmin host is made of. */
export interface PhpMyAdminHostRendering {
  readonly spec: ResolvedPhpMyAdminHostSpec;
  /** Its configuration files, in install order. */
  readonly files: readonly RenderedFile[];
  /** What mirovoy-provision does with them. */
  readonly plan: ProvisionPlan;
}

/** Read by PHP at each request (group www-data): nothing to restart when they change. */
const secretFileEntries = (spec: ResolvedPhpMyAdminHostSpec): SecretFileEntry[] => {
  const forApache = { mode: '0640', owner: 'root', group: 'www-data', units: '-' } as const;
  return [
    { format: 'secret-field', path: PHPMYADMIN_RUNTIME_FILES.blowfishSecret, ...forApache, secret: `${PHPMYADMIN_BLOWFISH_SECRET.name}:${PHPMYADMIN_BLOWFISH_SECRET.field}` },
    // Not a secret: the setting database-host, checked by mirovoy-provision, in a file PHP reads.
    { format: 'database-host', path: PHPMYADMIN_RUNTIME_FILES.databaseHost, ...forApache, secret: '-' },
    { format: 'pem-field', path: spec.database.tlsCaFile, mode: '0644', owner: 'root', group: 'root', units: '-', secret: `${RUNTIME_SECRETS.databaseCa}:certificate` },
  ];
};

/** Renders a phpMyAdmin host; throws `PhpMyAdminHostSpecError` listing every spec problem. */
export const renderPhpMyAdminHost = (input: PhpMyAdminHostSpec, options: PhpMyAdminHostOptions = {}): PhpMyAdminHostRendering => {
  const spec = resolvePhpMyAdminHostSpec(input);
  const site = renderPhpMyAdminSite(spec);
  const files = [renderPhpMyAdminConfig(spec), site, renderPhpMyAdminHealthPage(), ...unattendedUpgradeFiles({ automaticRebootTime: options.automaticRebootTime ?? '04:30' })];
  return {
    spec,
    files,
    plan: webProvisionPlan(
      {
        hostname: spec.hostname,
        packages: PHPMYADMIN_PACKAGES,
        debconfSelections: PHPMYADMIN_DEBCONF_SELECTIONS,
        files,
        secretFiles: secretFileEntries(spec),
        // The health page itself: the configuration loads with its run-time files, key of the right length.
        check: ['php', '-f', PHPMYADMIN_HEALTH_PAGE_PATH],
        applicationSchemaStep: '',
        databasePort: spec.database.port,
      },
      options,
    ),
  };
};

/** The configuration bundle of a phpMyAdmin host (content-addressed, secret-free; on EC2 an S3 object named in the tag `mirovoy:bundle`). */
export const renderPhpMyAdminHostBundle = (input: PhpMyAdminHostSpec, options: PhpMyAdminHostOptions = {}): HostBundle => {
  const { spec, plan } = renderPhpMyAdminHost(input, options);
  return renderWebPlanBundle(plan, 'phpMyAdmin', spec.publicHostname);
};

/** The user data of a phpMyAdmin host: the same bootstrap as a mail host's, gzip-compressed. */
export const renderPhpMyAdminHostUserData = (input: PhpMyAdminHostSpec, options: PhpMyAdminHostOptions = {}): Buffer =>
  renderWebBootstrapUserData(resolvePhpMyAdminHostSpec(input).hostname, options);
