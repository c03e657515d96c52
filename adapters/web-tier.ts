/**
 * The adapter from a project config to what the web stack serves. Today that is the MTA-STS policy
 * of every mail domain; the Roundcube and phpMyAdmin hosts join it with their own branch.
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

/** Whether the config has anything for the web stack to serve (so the stack exists). */
export const needsWebStack = (config: MirovoyConfig): boolean => mtaStsPublicationsOf(config).length > 0;
