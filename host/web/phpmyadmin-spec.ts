/**
 * What a phpMyAdmin host is: its names, the load balancer in front and the one database server it
 * manages. No credentials and no database host name: users log in with their own database
 * accounts, and the provision step fetches the server's name (setting `database-host`), its CA
 * and the cookie secret at run time, as on the mail hosts.
 */
import { isCidr } from './spec';

/** A phpMyAdmin host's spec, as the adapter from a config (or a test) gives it. */
export interface PhpMyAdminHostSpec {
  /** Fully qualified name of the instance. */
  readonly hostname: string;
  /** The public name administrators open (`phpmyadmin.<domain>`): phpMyAdmin's absolute URL. */
  readonly publicHostname: string;
  /**
   * Networks of the load balancer (its subnets) or proxy: `mod_remoteip` takes the client's address
   * from `X-Forwarded-For` only when the connection comes from one of them. IPv4 or IPv6 CIDRs.
   */
  readonly trustedProxies: readonly string[];
  /** The database server (RDS; MariaDB in the rehearsal). */
  readonly database: {
    /** @default 3306 */
    readonly port?: number;
    /** PEM bundle of the CA of the server's certificate: TLS is required and verified. */
    readonly tlsCaFile: string;
  };
  /** Minutes a login lasts without a request (`LoginCookieValidity`; PHP's session lifetime follows). @default 30 */
  readonly loginIdleMinutes?: number;
}

/** The spec with every default applied. */
export interface ResolvedPhpMyAdminHostSpec {
  readonly hostname: string;
  readonly publicHostname: string;
  readonly trustedProxies: readonly string[];
  readonly database: { readonly port: number; readonly tlsCaFile: string };
  readonly loginIdleMinutes: number;
}

/** A phpMyAdmin host spec with problems: every one names its field, the value and the fix. */
export class PhpMyAdminHostSpecError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid phpMyAdmin host spec:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PhpMyAdminHostSpecError';
  }
}

const FQDN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Applies the defaults and checks every field; throws {@link PhpMyAdminHostSpecError} listing all problems. */
export const resolvePhpMyAdminHostSpec = (spec: PhpMyAdminHostSpec): ResolvedPhpMyAdminHostSpec => {
  const resolved: ResolvedPhpMyAdminHostSpec = {
    hostname: spec.hostname,
    publicHostname: spec.publicHostname,
    trustedProxies: spec.trustedProxies,
    database: { port: spec.database.port ?? 3306, tlsCaFile: spec.database.tlsCaFile },
    loginIdleMinutes: spec.loginIdleMinutes ?? 30,
  };
  const problems: string[] = [];
  const check = (ok: boolean, field: string, value: unknown, fix: string) => {
    if (!ok) problems.push(`${field}: ${JSON.stringify(value)} ${fix}`);
  };
  for (const field of ['hostname', 'publicHostname'] as const) {
    check(FQDN.test(resolved[field]), field, resolved[field], 'is not a lower-case fully qualified host name: use e.g. phpmyadmin.example.com');
  }
  check(resolved.trustedProxies.length > 0, 'trustedProxies', resolved.trustedProxies, "is empty: name the load balancer's subnets, or no client address reaches the logs");
  resolved.trustedProxies.forEach((cidr, i) => check(isCidr(cidr), `trustedProxies[${i}]`, cidr, 'is not a CIDR such as 10.0.0.0/24'));
  check(Number.isInteger(resolved.database.port) && resolved.database.port > 0 && resolved.database.port < 65536, 'database.port', resolved.database.port, 'must be a TCP port (1-65535)');
  check(
    /^\/[A-Za-z0-9._/-]+$/.test(resolved.database.tlsCaFile),
    'database.tlsCaFile',
    resolved.database.tlsCaFile,
    'must be an absolute path (letters, digits, . _ - /): the database connection is always TLS with the CA verified',
  );
  check(
    Number.isInteger(resolved.loginIdleMinutes) && resolved.loginIdleMinutes >= 5 && resolved.loginIdleMinutes <= 720,
    'loginIdleMinutes',
    resolved.loginIdleMinutes,
    'must be a whole number of minutes from 5 to 720',
  );
  if (problems.length > 0) throw new PhpMyAdminHostSpecError(problems);
  return resolved;
};
