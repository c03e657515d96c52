/**
 * The adapter from a project config to a phpMyAdmin host's spec (`host/web/phpmyadmin.ts`), for the
 * web stack and the rehearsal alike. What only the deployment knows (the load balancer's networks)
 * comes in as `site`, as for the webmail host.
 */
import { MirovoyConfig } from '../configs/schema';
import { webHostnameOf } from '../configs/web-hosts';
import { PhpMyAdminHostSpec } from '../host/web';
import { MAIL_TLS_FILES } from './mail-host-spec';
import { WebHostSite } from './web-host-spec';

/** The phpMyAdmin host's spec of a config (`phpMyAdmin.enabled`); every instance of the group gets the same. */
export const phpMyAdminHostSpecFromConfig = (config: MirovoyConfig, site: WebHostSite): PhpMyAdminHostSpec => {
  if (!config.phpMyAdmin.enabled) throw new Error('phpMyAdmin.enabled must be set for a phpMyAdmin host');
  const publicHostname = webHostnameOf(config, 'phpMyAdmin');
  return {
    // The instances of an auto-scaling group share their bootstrap, so they share the name too.
    hostname: publicHostname,
    publicHostname,
    trustedProxies: site.trustedProxies,
    database: { tlsCaFile: MAIL_TLS_FILES.databaseCaFile },
  };
};
