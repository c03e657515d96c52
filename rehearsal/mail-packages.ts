/** What the rehearsal's local apt repository must hold: exactly what the hosts' user data installs. */
import { loadConfig } from '../configs/load';
import { renderMailHost } from '../host';
import { mailHostSpecFromConfig } from '../adapters/mail-host-spec';
import { BOOTSTRAP_PACKAGES, mailHostPackages } from '../host/provision';
import { renderWebHost } from '../host/web';
import { webHostSpecFromConfig } from '../adapters/web-host-spec';

/** Packages the database stand-in installs. */
export const DATABASE_HOST_PACKAGES: readonly string[] = ['mariadb-server'];

/** Packages of the example config's primary and backup MX (every component on) and its webmail host: their bootstrap's and their bundles'. */
export const exampleMailHostPackages = (): string[] => {
  const config = loadConfig('example');
  return [
    ...new Set([
      ...BOOTSTRAP_PACKAGES,
      ...(['primary', 'backup'] as const).flatMap((role) => mailHostPackages(renderMailHost(mailHostSpecFromConfig(config, role)), config.admin)),
      ...renderWebHost(webHostSpecFromConfig(config, { trustedProxies: ['10.0.0.0/8'] }), { admin: config.admin }).plan.packages,
    ]),
  ];
};
