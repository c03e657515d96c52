/**
 * The adapter from a project config to the web hosts (Roundcube, phpMyAdmin): which run, under
 * which names and for whom, what they are rendered from, and what they read at run time through
 * the seam (`host/provision/web-host-seam.ts`).
 */
import { MirovoyConfig } from '../configs/schema';
import { WebHostSection, webHostnameOf } from '../configs/web-hosts';
import { HostBundle, packBundle, PROVISION_COMMAND, renderBootstrapUserData, STATE_DIRECTORY } from '../host/provision';
import { RUNTIME_SETTINGS } from '../host/provision/runtime-seam';
import { WEB_HOST_SECRETS, WEB_HOST_SETTINGS, WebApplication } from '../host/provision/web-host-seam';
import { PolicyStatement } from '../modules/compute/instance-role';
import { WebHostAudience } from '../modules/web/web-host-group';
import { rdsCaBundleUrl, secretReadStatements } from './mail-host-runtime';

/**
 * The names the client autoconfiguration is served at, for every mail domain: Mozilla's
 * `autoconfig.<domain>` and Microsoft's `autodiscover.<domain>`. The Roundcube hosts answer them.
 */
export const clientAutoconfigHostnames = (mailDomains: readonly string[]): string[] => mailDomains.flatMap((domain) => [`autoconfig.${domain}`, `autodiscover.${domain}`]);

/** One web application as the web stack runs it. */
export interface WebSite {
  readonly application: WebApplication;
  /** Its config section. */
  readonly section: WebHostSection;
  /** Short name of its hosts, part of their AWS names (`mail-<env>-<role>`) and their bundle prefix. */
  readonly role: string;
  /** The names it answers for, its own first (for Roundcube also the client autoconfiguration names). */
  readonly hostnames: readonly string[];
  /** Who is forwarded to it. */
  readonly audience: WebHostAudience;
  readonly instanceType: string;
  readonly desiredCapacity: number;
  /** Its listener-rule priorities (below the MTA-STS range). */
  readonly priorities: { readonly first: number; readonly last: number };
}

/** The enabled web applications: Roundcube (desired 1, for everyone), phpMyAdmin (desired 0 by default, only from `phpMyAdmin.allowedCidrs`). */
export const webSitesOf = (config: MirovoyConfig): WebSite[] => [
  ...(config.webmail.enabled
    ? [{
        application: 'roundcube' as const,
        section: 'webmail' as const,
        role: 'webmail',
        hostnames: [webHostnameOf(config, 'webmail'), ...clientAutoconfigHostnames(config.mailDomains)],
        audience: { everyone: true as const },
        instanceType: config.webmail.instanceType,
        desiredCapacity: 1,
        priorities: { first: 100, last: 499 },
      }]
    : []),
  ...(config.phpMyAdmin.enabled
    ? [{
        application: 'phpmyadmin' as const,
        section: 'phpMyAdmin' as const,
        role: 'phpmyadmin',
        hostnames: [webHostnameOf(config, 'phpMyAdmin')],
        audience: { sourceCidrs: config.phpMyAdmin.allowedCidrs },
        instanceType: config.phpMyAdmin.instanceType,
        desiredCapacity: config.phpMyAdmin.desiredCapacity,
        priorities: { first: 500, last: 999 },
      }]
    : []),
];

/** The user data and bundle of one web application's hosts. */
export interface WebHostArtifacts {
  /** The gzip'd bootstrap: the mail hosts' (metadata guard, seam, convergence loop), with the site's name. */
  readonly userData: Buffer;
  /** Everything rendered for the hosts. */
  readonly bundle: HostBundle;
}

/**
 * What one web application's hosts are rendered from. The bootstrap is the real one; the bundle is
 * a placeholder that installs nothing until the web hosts' renderer (`renderWebHostBundle`,
 * host/web, branch h-roundcube) is merged and called here — the one place to change.
 */
export const webHostArtifacts = (config: MirovoyConfig, site: WebSite): WebHostArtifacts => {
  const hostname = site.hostnames[0];
  return {
    userData: renderBootstrapUserData({ hostname, admin: config.admin, provisionCommand: PROVISION_COMMAND, stateDirectory: STATE_DIRECTORY }),
    bundle: packBundle([], [`Configuration of the ${site.application} hosts (${hostname}): not rendered yet, the web hosts' renderer is not merged.`]),
  };
};

/** What the web stack hands one application's hosts. */
export interface WebHostRuntimeInput {
  readonly config: MirovoyConfig;
  readonly site: WebSite;
  /** Host name of the database endpoint. */
  readonly databaseAddress: string;
  /** Private address of the primary MX (Roundcube's IMAP, submission and ManageSieve). */
  readonly primaryAddress: string;
  /** ARN of every secret the web stack and the database stack made for the web hosts, by run-time name. */
  readonly secretArns: Readonly<Record<string, string>>;
}

/** The secrets each application reads. */
const SECRETS_READ: Readonly<Record<WebApplication, readonly string[]>> = {
  roundcube: [WEB_HOST_SECRETS.databaseRoundcube, WEB_HOST_SECRETS.databasePassword, WEB_HOST_SECRETS.roundcubeDesKey],
  phpmyadmin: [WEB_HOST_SECRETS.phpMyAdminBlowfishSecret],
};

/** The run-time settings of one application's hosts and the permissions to read exactly its secrets. */
export const webHostRuntime = (input: WebHostRuntimeInput): { readonly settings: Record<string, string>; readonly secretArns: Record<string, string>; readonly policyStatements: PolicyStatement[] } => {
  const { config, site } = input;
  const secretArns = SECRETS_READ[site.application].map((name) => {
    const arn = input.secretArns[name];
    if (!arn) throw new Error(`The ${site.application} hosts read the secret "${name}", which this deployment does not provide`);
    return [name, arn] as const;
  });
  return {
    settings: {
      [RUNTIME_SETTINGS.databaseHost]: input.databaseAddress,
      [RUNTIME_SETTINGS.databaseCaUrl]: rdsCaBundleUrl(config.region),
      ...(site.application === 'roundcube' ? { [WEB_HOST_SETTINGS.primaryAddress]: input.primaryAddress } : {}),
      ...Object.fromEntries(secretArns.map(([name, arn]) => [`secret-${name}`, arn])),
    },
    secretArns: Object.fromEntries(secretArns),
    policyStatements: secretReadStatements(secretArns.map(([, arn]) => arn), config),
  };
};
