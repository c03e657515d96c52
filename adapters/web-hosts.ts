/**
 * The adapter from a project config to the web hosts (Roundcube, phpMyAdmin): which run, under
 * which names and for whom, what they are rendered from, and what they read at run time through
 * the seam (`host/provision/web-host-seam.ts`).
 */
import { MirovoyConfig } from '../configs/schema';
import { WebHostSection, webHostnameOf } from '../configs/web-hosts';
import { subnetPlanOf } from '../configs/subnets';
import { HostBundle, ProvisionPlan } from '../host/provision';
import { RUNTIME_SECRETS, RUNTIME_SETTINGS } from '../host/provision/runtime-seam';
import { WebApplication } from '../host/provision/web-host-seam';
import {
  renderPhpMyAdminHost,
  renderPhpMyAdminHostBundle,
  renderPhpMyAdminHostUserData,
  renderWebHost,
  renderWebHostBundle,
  renderWebHostUserData,
  webHostSecretNames,
} from '../host/web';
import { phpMyAdminHostSpecFromConfig } from './phpmyadmin-host-spec';
import { webHostSpecFromConfig } from './web-host-spec';
import { PolicyStatement } from '../modules/compute/instance-role';
import { WebHostAudience } from '../modules/web/web-host-group';
import { clientAutoconfigHostnames } from '../host/web/autoconfig';
import { rdsCaBundleUrl, secretReadStatements } from './mail-host-runtime';

/** The names the client autoconfiguration is served at, for every mail domain (the Roundcube hosts answer them). */
export const clientAutoconfigHostnamesOf = (mailDomains: readonly string[]): string[] => mailDomains.flatMap((domain) => [...clientAutoconfigHostnames(domain)]);

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
        hostnames: [webHostnameOf(config, 'webmail'), ...clientAutoconfigHostnamesOf(config.mailDomains)],
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

/** The user data and bundle of one web application's hosts, and the secrets the bundle reads. */
export interface WebHostArtifacts {
  /** The gzip'd bootstrap: the mail hosts' (metadata guard, seam, convergence loop), with the site's name. */
  readonly userData: Buffer;
  /** Everything rendered for the hosts. */
  readonly bundle: HostBundle;
  /** The run-time names of the secrets the hosts read (in Secrets Manager; `db-ca` comes from `database-ca-url`). */
  readonly secrets: readonly string[];
}

/**
 * What one web application's hosts are rendered from (`host/web`): Roundcube's or phpMyAdmin's
 * bundle and bootstrap, both trusting `X-Forwarded-For` from the load balancer's subnets only.
 */
export const webHostArtifacts = (config: MirovoyConfig, site: WebSite): WebHostArtifacts => {
  const options = { admin: config.admin };
  const balancer = { trustedProxies: subnetPlanOf(config).public };
  const secretsOf = (rendering: { readonly plan: ProvisionPlan }) => webHostSecretNames(rendering).filter((name) => name !== RUNTIME_SECRETS.databaseCa);
  if (site.application === 'roundcube') {
    const spec = webHostSpecFromConfig(config, balancer);
    return { userData: renderWebHostUserData(spec, options), bundle: renderWebHostBundle(spec, options), secrets: secretsOf(renderWebHost(spec, options)) };
  }
  const spec = phpMyAdminHostSpecFromConfig(config, balancer);
  return { userData: renderPhpMyAdminHostUserData(spec, options), bundle: renderPhpMyAdminHostBundle(spec, options), secrets: secretsOf(renderPhpMyAdminHost(spec, options)) };
};

/** What the web stack hands one application's hosts. */
export interface WebHostRuntimeInput {
  readonly config: MirovoyConfig;
  readonly site: WebSite;
  /** The run-time names of the secrets the hosts read (`WebHostArtifacts.secrets`). */
  readonly secrets: readonly string[];
  /** Host name of the database endpoint. */
  readonly databaseAddress: string;
  /** ARN of every secret the web stack and the database stack made for the web hosts, by run-time name. */
  readonly secretArns: Readonly<Record<string, string>>;
}

/** The run-time settings of one application's hosts and the permissions to read exactly its secrets. */
export const webHostRuntime = (input: WebHostRuntimeInput): { readonly settings: Record<string, string>; readonly secretArns: Record<string, string>; readonly policyStatements: PolicyStatement[] } => {
  const { config, site } = input;
  const secretArns = input.secrets.map((name) => {
    const arn = input.secretArns[name];
    if (!arn) throw new Error(`The ${site.application} hosts read the secret "${name}", which this deployment does not provide`);
    return [name, arn] as const;
  });
  return {
    settings: {
      [RUNTIME_SETTINGS.databaseHost]: input.databaseAddress,
      [RUNTIME_SETTINGS.databaseCaUrl]: rdsCaBundleUrl(config.region),
      ...Object.fromEntries(secretArns.map(([name, arn]) => [`secret-${name}`, arn])),
    },
    secretArns: Object.fromEntries(secretArns),
    policyStatements: secretReadStatements(secretArns.map(([, arn]) => arn), config),
  };
};
