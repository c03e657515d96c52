/** The web applications' names on the load balancer, with their defaults. */
import { MirovoyConfig } from './schema';

/** A web application's section of the config. */
export type WebHostSection = 'webmail' | 'phpMyAdmin';

/**
 * The host name of a web application: the config's `hostname`, else `webmail.<hostedZone.name>`
 * or `phpmyadmin.<hostedZone.name>`.
 */
export const webHostnameOf = (config: Pick<MirovoyConfig, 'hostedZone' | WebHostSection>, section: WebHostSection): string =>
  config[section].hostname ?? `${section.toLowerCase()}.${config.hostedZone.name}`;
