/**
 * What a webmail (Roundcube) host is: its names, the mail hosts it talks to, its database and
 * the load balancer in front. No credentials and no database host name: the provision step fetches
 * them at run time (setting `database-host`, secrets `db-roundcube`, `db-webmail-password`,
 * `roundcube`), as on the mail hosts.
 */
import { isIP } from 'node:net';

/** A webmail host's spec, as the adapter from a config (or a test) gives it. */
export interface WebHostSpec {
  /** Fully qualified name of the instance. */
  readonly hostname: string;
  /** The public name users open (`webmail.<domain>`); the only Host header Roundcube accepts. */
  readonly publicHostname: string;
  /**
   * The primary mail host's stable name (its DNS name, never an instance's private name): Roundcube
   * keys its users by it, so a replaced primary keeps every user's settings, identities and contacts.
   */
  readonly mailHostname: string;
  /**
   * Networks of the load balancer (its subnets) or proxy: `mod_remoteip` takes the client's address
   * from `X-Forwarded-For` only when the connection comes from one of them. IPv4 or IPv6 CIDRs.
   */
  readonly trustedProxies: readonly string[];
  /**
   * The mail domains whose client autoconfiguration this host serves (`autoconfig.<domain>`,
   * `autodiscover.<domain>`, `host/web/autoconfig.ts`), describing the primary's ports.
   */
  readonly mailDomains: readonly string[];
  /** Whether the primary offers IMAP with STARTTLS on 143 too (`mail.imapStartTls`): autoconfig then lists it. @default false */
  readonly imapStartTls?: boolean;
  /** Name shown on the login page. @default 'Mirovoy Webmail' */
  readonly productName?: string;
  /** ManageSieve (filters, vacation) on the primary, port 4190 with STARTTLS. @default true */
  readonly managesieve?: boolean;
  /** The database server (RDS; MariaDB in the rehearsal). */
  readonly database?: {
    /** @default 3306 */
    readonly port?: number;
    /** Roundcube's database. @default 'roundcube' */
    readonly name?: string;
    /** The mail database (the password plugin writes its `users` table). @default 'maildb' */
    readonly mailDatabaseName?: string;
    /** PEM bundle of the CA of the server's certificate: TLS is required and verified. */
    readonly tlsCaFile: string;
    /** @default { roundcube: 'mirovoy_roundcube', webmailPassword: 'mirovoy_password' } (as the primary's spec) */
    readonly users?: { readonly roundcube?: string; readonly webmailPassword?: string };
  };
  /** Minimum length of a new password in the password plugin. @default 12 */
  readonly minimumPasswordLength?: number;
}

/** The spec with every default applied. */
export interface ResolvedWebHostSpec {
  readonly hostname: string;
  readonly publicHostname: string;
  readonly mailHostname: string;
  readonly trustedProxies: readonly string[];
  readonly mailDomains: readonly string[];
  readonly imapStartTls: boolean;
  readonly productName: string;
  readonly managesieve: boolean;
  readonly database: {
    readonly port: number;
    readonly name: string;
    readonly mailDatabaseName: string;
    readonly tlsCaFile: string;
    readonly users: { readonly roundcube: string; readonly webmailPassword: string };
  };
  readonly minimumPasswordLength: number;
}

/** A web host spec with problems: every one names its field, the value and the fix. */
export class WebHostSpecError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid web host spec:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'WebHostSpecError';
  }
}

const FQDN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const SQL_NAME = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

/** Whether a text is an IPv4 or IPv6 CIDR block such as `10.0.0.0/24`. */
export const isCidr = (text: string): boolean => {
  const [address, bits, ...rest] = text.split('/');
  const version = isIP(address ?? '');
  if (rest.length > 0 || version === 0 || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (version === 4 ? 32 : 128);
};

/** Applies the defaults and checks every field; throws {@link WebHostSpecError} listing all problems. */
export const resolveWebHostSpec = (spec: WebHostSpec): ResolvedWebHostSpec => {
  const db = spec.database;
  const resolved: ResolvedWebHostSpec = {
    hostname: spec.hostname,
    publicHostname: spec.publicHostname,
    mailHostname: spec.mailHostname,
    trustedProxies: spec.trustedProxies,
    mailDomains: spec.mailDomains,
    imapStartTls: spec.imapStartTls ?? false,
    productName: spec.productName ?? 'Mirovoy Webmail',
    managesieve: spec.managesieve ?? true,
    database: {
      port: db?.port ?? 3306,
      name: db?.name ?? 'roundcube',
      mailDatabaseName: db?.mailDatabaseName ?? 'maildb',
      tlsCaFile: db?.tlsCaFile ?? '',
      users: { roundcube: db?.users?.roundcube ?? 'mirovoy_roundcube', webmailPassword: db?.users?.webmailPassword ?? 'mirovoy_password' },
    },
    minimumPasswordLength: spec.minimumPasswordLength ?? 12,
  };
  const problems: string[] = [];
  const check = (ok: boolean, field: string, value: unknown, fix: string) => {
    if (!ok) problems.push(`${field}: ${JSON.stringify(value)} ${fix}`);
  };
  for (const field of ['hostname', 'publicHostname', 'mailHostname'] as const) {
    check(FQDN.test(resolved[field]), field, resolved[field], 'is not a lower-case fully qualified host name: use e.g. webmail.example.com');
  }
  check(resolved.trustedProxies.length > 0, 'trustedProxies', resolved.trustedProxies, "is empty: name the load balancer's subnets, or no client address reaches the logs and rate limits");
  resolved.trustedProxies.forEach((cidr, i) => check(isCidr(cidr), `trustedProxies[${i}]`, cidr, 'is not a CIDR such as 10.0.0.0/24'));
  check(/^[ -~]{1,64}$/.test(resolved.productName), 'productName', resolved.productName, 'must be 1-64 printable ASCII characters');
  check(Number.isInteger(resolved.database.port) && resolved.database.port > 0 && resolved.database.port < 65536, 'database.port', resolved.database.port, 'must be a TCP port (1-65535)');
  for (const [field, value] of [
    ['database.name', resolved.database.name],
    ['database.mailDatabaseName', resolved.database.mailDatabaseName],
    ['database.users.roundcube', resolved.database.users.roundcube],
    ['database.users.webmailPassword', resolved.database.users.webmailPassword],
  ] as const) {
    check(SQL_NAME.test(value), field, value, 'use a letter, then up to 31 letters, digits or _');
  }
  check(resolved.database.name !== resolved.database.mailDatabaseName, 'database.name', resolved.database.name, 'must differ from database.mailDatabaseName: Roundcube gets a database of its own');
  check(resolved.database.tlsCaFile.startsWith('/'), 'database.tlsCaFile', resolved.database.tlsCaFile, 'must be an absolute path: the database connection is always TLS with the CA verified');
  check(
    Number.isInteger(resolved.minimumPasswordLength) && resolved.minimumPasswordLength >= 8 && resolved.minimumPasswordLength <= 128,
    'minimumPasswordLength',
    resolved.minimumPasswordLength,
    'must be a whole number from 8 to 128',
  );
  if (problems.length > 0) throw new WebHostSpecError(problems);
  return resolved;
};
