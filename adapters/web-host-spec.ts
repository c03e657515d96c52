/**
 * The adapter from a project config to a webmail host's spec (`host/web`), for the web stack and
 * the rehearsal alike. What only the deployment knows (the load balancer's networks) comes in as
 * `site`.
 */
import { MirovoyConfig } from '../configs/schema';
import { webHostnameOf } from '../configs/web-hosts';
import { WebHostSpec } from '../host/web';
import { MAIL_TLS_FILES } from './mail-host-spec';

/** What the deployment adds to a webmail host's spec. */
export interface WebHostSite {
  /** The load balancer's subnets (CIDRs), or the rehearsal proxy's address: the only sources of X-Forwarded-For. */
  readonly trustedProxies: readonly string[];
}

/** The webmail host's spec of a config (`webmail.enabled`); every instance of the group gets the same. */
export const webHostSpecFromConfig = (config: MirovoyConfig, site: WebHostSite): WebHostSpec => {
  if (!config.webmail.enabled) throw new Error('webmail.enabled must be set for a webmail host');
  const publicHostname = webHostnameOf(config, 'webmail');
  const mailHostname = config.mail.primary.hostname;
  if (!mailHostname) throw new Error('mail.primary.hostname is not set: the webmail host reaches IMAP, submission and ManageSieve by it');
  return {
    // The instances of an auto-scaling group share their bootstrap, so they share the name too.
    hostname: publicHostname,
    publicHostname,
    mailHostname,
    trustedProxies: site.trustedProxies,
    mailDomains: config.mailDomains,
    imapStartTls: config.mail.imapStartTls,
    database: { name: 'roundcube', mailDatabaseName: config.database.mailDatabaseName, tlsCaFile: MAIL_TLS_FILES.databaseCaFile },
  };
};
