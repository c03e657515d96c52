/**
 * What the web hosts (Roundcube, phpMyAdmin) and the Terraform side that runs them agree on: the
 * port the hosts serve plain HTTP on behind the load balancer, the page its health checks ask for,
 * and the names of the run-time settings and secrets a web host reads through the seam
 * (`runtime-seam.ts`: instance tags `mirovoy:<setting>` and `mirovoy:secret-<name>`). The web
 * hosts' own renderer and `modules/web` both import these, so neither can drift from the other.
 */

/** The two web applications; each runs in its own auto-scaling group. */
export type WebApplication = 'roundcube' | 'phpmyadmin';

/** The web applications, in a fixed order. */
export const WEB_APPLICATIONS: readonly WebApplication[] = ['roundcube', 'phpmyadmin'];

/**
 * The port a web host's Apache listens on for the load balancer: plain HTTP, the load balancer
 * terminates TLS and says so in `X-Forwarded-Proto`. Only the load balancer's group reaches it.
 */
export const WEB_HOST_PORT = 80;

/**
 * The page the load balancer's health check asks each web host for: served by Apache, answering
 * 200 only while the application itself answers (Roundcube's or phpMyAdmin's PHP runs).
 */
export const WEB_HEALTH_PATH = '/health';

/** Run-time settings a web host reads besides the database ones of `RUNTIME_SETTINGS`. */
export const WEB_HOST_SETTINGS = {
  /**
   * Private IPv4 address of the primary MX (stable: its network interface outlives a replaced
   * instance). Roundcube connects there for IMAP, submission and ManageSieve (4190, open to the
   * webmail hosts' group only) and verifies the primary's certificate by its host name.
   */
  primaryAddress: 'primary-address',
} as const;

/**
 * Secrets the web hosts read (JSON objects; instance tag `mirovoy:secret-<name>` holds the ARN),
 * and, for the two database accounts, the primary too: its schema step creates them.
 */
export const WEB_HOST_SECRETS = {
  /** `{"username","password"}` of `mirovoy_roundcube`: Roundcube's own database. */
  databaseRoundcube: 'db-roundcube',
  /** `{"username","password"}` of `mirovoy_password`: the password plugin's `UPDATE` of the mail users' password column. */
  databasePassword: 'db-password',
  /** `{"des_key"}`: Roundcube's 24-character `des_key`, the same on every instance of the group. */
  roundcubeDesKey: 'roundcube-des-key',
  /** `{"blowfish_secret"}`: phpMyAdmin's 32-byte cookie encryption secret. */
  phpMyAdminBlowfishSecret: 'phpmyadmin-blowfish-secret',
} as const;

/** ARNs of the secrets of the webmail's two database accounts, when webmail is on. */
export interface WebDatabaseAccountSecretArns {
  /** `mirovoy_roundcube`. */
  readonly roundcube?: string;
  /** `mirovoy_password`. */
  readonly password?: string;
}

/** The webmail's database-account secrets by their run-time names (for the web hosts, and for the primary, which creates the accounts). */
export const webDatabaseAccountSecrets = (arns: WebDatabaseAccountSecretArns): Record<string, string> => ({
  ...(arns.roundcube ? { [WEB_HOST_SECRETS.databaseRoundcube]: arns.roundcube } : {}),
  ...(arns.password ? { [WEB_HOST_SECRETS.databasePassword]: arns.password } : {}),
});
