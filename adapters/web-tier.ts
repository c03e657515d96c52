/**
 * The adapter from a project config to what the web stack serves: the MTA-STS policy of every mail
 * domain here, the Roundcube and phpMyAdmin hosts in `web-hosts.ts`.
 */
import { MirovoyConfig } from '../configs/schema';
import { MtaStsPublication, mtaStsPublications } from '../host/dns/mail-records';
import { mailDnsPolicyOf, mailExchangersOf } from './mail-dns';

/**
 * The MTA-STS policy of each mail domain and its `_mta-sts` record, from the function that computes
 * the whole record set: what the web stack serves and announces. None with `dns.mtaStsMode: "none"`.
 */
export const mtaStsPublicationsOf = (config: MirovoyConfig): MtaStsPublication[] => {
  const { domains, mtaStsMode, ttl } = mailDnsPolicyOf(config);
  return mtaStsPublications({ domains, mtaStsMode, ttl, exchangers: mailExchangersOf(config) });
};

/** Whether the config has anything for the web stack to serve (so the stack exists): a web application or MTA-STS policies. */
export const needsWebStack = (config: MirovoyConfig): boolean => config.webmail.enabled || config.phpMyAdmin.enabled || mtaStsPublicationsOf(config).length > 0;
