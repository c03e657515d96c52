/**
 * A webmail (Roundcube) host: the same small bootstrap as a mail host, a configuration bundle
 * applied in place by the same `mirovoy-provision` (role `web`), and the run-time secrets it
 * reads through the same seam. `renderWebHostBundle` and `renderWebHostUserData` are what the
 * Terraform side puts into the auto-scaling group's launch template and tags, as
 * `modules/mail/mail-host.ts` does for a mail host. A phpMyAdmin host is the other web application of
 * the role: `renderPhpMyAdminHostBundle` and `renderPhpMyAdminHostUserData` (./phpmyadmin.ts).
 */
import { AdminUserSpec } from '../base/admin-user';
import { RenderedFile } from '../files';
import { HostBundle, ProvisionPlan, SecretFileEntry, unattendedUpgradeFiles } from '../provision';
import { RUNTIME_SECRETS } from '../provision/runtime-seam';
import {
  renderApacheSite,
  renderRoundcubeConfig,
  ROUNDCUBE_CHECK_PATH,
  ROUNDCUBE_SCHEMA_PATH,
  roundcubeScripts,
  WEBMAIL_SECRET_FILES,
} from './roundcube';
import { renderClientAutoconfig } from './autoconfig';
import { ResolvedWebHostSpec, resolveWebHostSpec, WebHostSpec } from './spec';
import { renderWebBootstrapUserData, renderWebPlanBundle, WEB_APPLICATION_HTTP_PORT, webProvisionPlan } from './web-plan';

export * from './autoconfig';
export * from './phpmyadmin';
export * from './roundcube';
export * from './spec';
export * from './web-plan';

/** Debian 13's Roundcube 1.6 with PHP 8.4 under Apache (named: recommendations are not installed). */
export const WEBMAIL_PACKAGES: readonly string[] = [
  'apache2',
  'libapache2-mod-php',
  'roundcube',
  'roundcube-core',
  'roundcube-mysql',
  'roundcube-plugins',
  'php-mysql',
  'php-intl',
  // The autodiscover script parses its request with DOM.
  'php-xml',
];

/** No dbconfig-common: the primary creates the database and account, `mirovoy-roundcube-schema` the tables. */
export const WEBMAIL_DEBCONF_SELECTIONS: readonly string[] = [
  'roundcube-core roundcube/dbconfig-install boolean false',
  'roundcube-core roundcube/dbconfig-upgrade boolean false',
  'roundcube-core roundcube/dbconfig-remove boolean false',
];

/** Options of the web host renderers. */
export interface WebHostOptions {
  /** The optional extra administrator (cloud-init creates it). */
  readonly admin?: AdminUserSpec;
  /** Reboot time for security updates that need one, `null` never. @default null (as the mail hosts) */
  readonly automaticRebootTime?: string | null;
}

/** Everything a webmail host is made of. */
export interface WebHostRendering {
  readonly spec: ResolvedWebHostSpec;
  /** Its configuration files, in install order. */
  readonly files: readonly RenderedFile[];
  /** What mirovoy-provision does with them. */
  readonly plan: ProvisionPlan;
}

const secretFileEntries = (spec: ResolvedWebHostSpec): SecretFileEntry[] => {
  const forApache = { mode: '0640', owner: 'root', group: 'www-data', units: '-' } as const;
  return [
    // Read by PHP at each request: nothing to restart when they change.
    { format: 'mysql-option-file', path: WEBMAIL_SECRET_FILES.roundcube, ...forApache, secret: RUNTIME_SECRETS.databaseRoundcube },
    { format: 'mysql-option-file', path: WEBMAIL_SECRET_FILES.webmailPassword, ...forApache, secret: RUNTIME_SECRETS.databaseWebmailPassword },
    { format: 'secret-field', path: WEBMAIL_SECRET_FILES.desKey, ...forApache, secret: `${RUNTIME_SECRETS.roundcube}:des_key` },
    { format: 'pem-field', path: spec.database.tlsCaFile, mode: '0644', owner: 'root', group: 'root', units: '-', secret: `${RUNTIME_SECRETS.databaseCa}:certificate` },
  ];
};

/** Renders a webmail host; throws `WebHostSpecError` listing every spec problem. */
export const renderWebHost = (input: WebHostSpec, options: WebHostOptions = {}): WebHostRendering => {
  const spec = resolveWebHostSpec(input);
  const autoconfig = renderClientAutoconfig({ domains: spec.mailDomains, mailHostname: spec.mailHostname, imapStartTls: spec.imapStartTls, listenPort: WEB_APPLICATION_HTTP_PORT });
  const files = [renderRoundcubeConfig(spec), renderApacheSite(spec), ...autoconfig, ...roundcubeScripts(), ...unattendedUpgradeFiles({ automaticRebootTime: options.automaticRebootTime ?? '04:30' })];
  return {
    spec,
    files,
    plan: webProvisionPlan(
      {
        hostname: spec.hostname,
        packages: WEBMAIL_PACKAGES,
        debconfSelections: WEBMAIL_DEBCONF_SELECTIONS,
        files,
        secretFiles: secretFileEntries(spec),
        check: ['php', ROUNDCUBE_CHECK_PATH],
        applicationSchemaStep: ROUNDCUBE_SCHEMA_PATH,
        databasePort: spec.database.port,
      },
      options,
    ),
  };
};

/** The configuration bundle of a webmail host (content-addressed, secret-free; on EC2 an S3 object named in the tag `mirovoy:bundle`). */
export const renderWebHostBundle = (input: WebHostSpec, options: WebHostOptions = {}): HostBundle => {
  const { spec, plan } = renderWebHost(input, options);
  return renderWebPlanBundle(plan, 'webmail', spec.publicHostname);
};

/** The user data of a webmail host: the same bootstrap as a mail host's, gzip-compressed. */
export const renderWebHostUserData = (input: WebHostSpec, options: WebHostOptions = {}): Buffer =>
  renderWebBootstrapUserData(resolveWebHostSpec(input).hostname, options);
