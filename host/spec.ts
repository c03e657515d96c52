/**
 * What a mail host is, in mail terms. The adapter from the project config fills this;
 * every host renderer takes the resolved form. No Terraform, no AWS here.
 */

import type { MailDomainRecordsSpec } from './dns/mail-records';

/** `primary` delivers mail to mailboxes; `backup` queues mail for the primary's domains. */
export type MailHostRole = 'primary' | 'backup';

/** A Postfix time value, e.g. `5d`, `4h`, `300s`. https://www.postfix.org/postconf.5.html (time units) */
export type PostfixDuration = `${number}${'s' | 'm' | 'h' | 'd' | 'w'}`;

/** A DNS blocklist queried with `reject_rbl_client zone=filter`. */
export interface DnsBlocklist {
  /** DNS zone, e.g. `zen.spamhaus.org`. */
  readonly zone: string;
  /**
   * Which A records count as "listed", in Postfix's `=d.d.d.[a..b]` filter syntax, e.g.
   * `127.0.0.[2..11]` for Spamhaus ZEN. Always set one: blocklists answer refused or
   * over-quota queries with 127.255.255.x, which without a filter reject every sender.
   */
  readonly listedReplies: string;
}

/**
 * Database connection facts known when the files are rendered. No credentials and no host
 * name: the provision step fetches both at run time (the RDS endpoint is only known to
 * Terraform, after the user data was rendered) and writes them into the option and map files
 * (`secrets.ts`, setting `database-host` of `host/provision/runtime-seam.ts`).
 */
export interface MailDatabaseSpec {
  /** TCP port. @default 3306 */
  readonly port?: number;
  /** Schema holding the mail tables: a letter, then up to 31 letters, digits or `_`. @default 'maildb' (the reference's name) */
  readonly name?: string;
  /**
   * PEM bundle of the CA that signed the server certificate. When set, every client
   * (Postfix, Dovecot, the apply script, the admin CLI) requires TLS and verifies the
   * server name. libmariadb 3.4 on trixie verifies server certificates by default, so
   * a server whose CA is not in the system store (RDS) needs this.
   * @default null (client library defaults)
   */
  readonly tlsCaFile?: string | null;
  /** Account host part for the users we create (`'user'@'<pattern>'`). @default '%' */
  readonly clientHostPattern?: string;
  /** Names of the least-privilege database users. */
  readonly users?: {
    /** Dovecot's passdb/userdb lookups (reads password hashes). @default 'mirovoy_lookup' */
    readonly lookup?: string;
    /** Postfix's lookup tables: SELECT on the columns its queries read only, never a hash. @default 'mirovoy_postfix' */
    readonly postfix?: string;
    /** Read/write on the mail tables, for `mirovoy-admin`. @default 'mirovoy_admin' */
    readonly admin?: string;
    /** Read-only, for Amavis' local-domain lookups. @default 'mirovoy_amavis' */
    readonly amavis?: string;
    /** Read-only, for the nightly `mariadb-dump` (see `DatabaseDumpSpec`). @default 'mirovoy_dump' */
    readonly dump?: string;
    /** Owner of Roundcube's own database (see `webmail`). @default 'mirovoy_roundcube' */
    readonly roundcube?: string;
    /**
     * Roundcube's password plugin: UPDATE of `users.crypt` and `users.clear`, SELECT of `users.id`
     * and `users.enabled` only (see `webmail`). @default 'mirovoy_password'
     */
    readonly webmailPassword?: string;
  };
  /**
   * The webmail hosts' database needs, which the primary's schema step creates (it is the one host
   * holding the master credential): Roundcube's own database and owner account, and the password
   * plugin's account on the mail database. @default off
   */
  readonly webmail?: {
    readonly enabled?: boolean;
    /** Roundcube's database (its tables; never the mail tables). @default 'roundcube' */
    readonly databaseName?: string;
  };
}

/**
 * The nightly logical dump of the mail database on the primary (`host/backup`): `mariadb-dump
 * --single-transaction` as the dump-only user, gzip, into the backup bucket through
 * `mirovoy-store`, then `/var/lib/mirovoy/backup.json`.
 */
export interface DatabaseDumpSpec {
  /** @default true on the primary; the backup MX never dumps (one dump of one database is enough) */
  readonly enabled?: boolean;
  /** When the timer fires: a systemd calendar expression (systemd.time(7)), in UTC. @default '*-*-* 02:30:00 UTC' */
  readonly onCalendar?: string;
  /**
   * The timer waits a random time up to this long (systemd `RandomizedDelaySec`: a number and
   * `s`, `min` or `h`), so many deployments do not dump at the same second. @default '30min'
   */
  readonly randomizedDelay?: string;
}

/** A smarthost that all outbound mail goes through. */
export interface RelaySpec {
  /**
   * Postfix `relayhost` syntax: `[host]:port`, e.g. `[email-smtp.eu-central-1.amazonaws.com]:587`
   * (brackets: no MX lookup).
   */
  readonly host: string;
  /**
   * Log in to the relay (SMTP AUTH, e.g. with Amazon SES SMTP credentials). The host fetches the
   * credentials at run time from the secret `relay` (`{"username","password"}`) and sends them only
   * over TLS to a server whose certificate is valid for the relay's name (TLS policy `secure`), so
   * nobody on the path can collect them. Off: the relay accepts us by address, and TLS to it stays
   * opportunistic.
   * @default false
   */
  readonly authenticated?: boolean;
}

/** TLS files on the host (written by the provision step before the daemons start). */
export interface MailTlsSpec {
  /**
   * PEM file with the server certificate followed by its intermediates. One file because
   * Dovecot 2.4's `ssl_server_cert_file` has no separate chain setting and Postfix reads
   * the chain from `smtpd_tls_cert_file` too.
   */
  readonly certificateChainFile: string;
  /** PEM private key of that certificate. */
  readonly privateKeyFile: string;
}

/** Amavis (content filter) with SpamAssassin and ClamAV, on the primary. */
export interface AmavisSpec {
  /**
   * Scan mail with Amavis. Only the primary scans: the backup MX hands every message to the
   * primary's port 25, where it is scanned; a second scan would only cost memory.
   * @default true on the primary, false on the backup
   */
  readonly enabled?: boolean;
  /**
   * What happens to spam (score at or above `spamScore`):
   * - `tag`: delivered with `X-Spam-Flag: YES` and filed into the Junk folder by a global
   *   Sieve script (when `sieve` is on; otherwise it stays in INBOX, tagged);
   * - `quarantine`: kept in Amavis' quarantine on the host, not delivered, sender not told;
   * - `discard`: dropped, sender not told.
   * Nothing ever bounces: the filter runs after the SMTP transaction, so a bounce would go
   * to a (usually forged) sender — backscatter.
   * @default 'tag'
   */
  readonly spamPolicy?: 'tag' | 'quarantine' | 'discard';
  /** SpamAssassin score from which a message is spam (Amavis `$sa_tag2_level_deflt`). @default 6.31 (Debian's) */
  readonly spamScore?: number;
  /** Amavis child processes, and so the Postfix concurrency towards Amavis (`$max_servers`). @default 2 */
  readonly maxServers?: number;
  /**
   * Where Amavis unpacks messages: `disk` (/var/lib/amavis/tmp) or `tmpfs` (/run/amavis,
   * the service's runtime directory; faster, but /run is capped at 20 % of RAM).
   * @default 'disk'
   */
  readonly tempDirectory?: 'disk' | 'tmpfs';
}

/** Greylisting with Postgrey on port 25. */
export interface PostgreySpec {
  /** @default true */
  readonly enabled?: boolean;
  /** Seconds (0-3600) a new (client, sender, recipient) triplet must wait before a retry is accepted. @default 300 */
  readonly delaySeconds?: number;
}

/** SPF checks with policyd-spf on port 25. */
export interface SpfSpec {
  /** @default true */
  readonly enabled?: boolean;
  /**
   * `reject` refuses mail whose HELO or MAIL FROM SPF result is Fail (`-all`, RFC 7208 §8.4);
   * `annotate` only adds a Received-SPF header (the reference's choice).
   * @default 'reject'
   */
  readonly hardFail?: 'reject' | 'annotate';
}

/** An S3 object: where a host reads an input only it fetches (`mirovoy-store object-get`). */
export interface S3ObjectSpec {
  /** The bucket's name. */
  readonly bucket: string;
  /** The object's key: path segments of letters, digits, `.`, `_` and `-`. */
  readonly key: string;
}

/** Data loaded into the mail database once, by the primary (`host/mysql/import.ts`). */
export interface DataImportsSpec {
  /**
   * A `mysqldump` of a reference (Flurdy/Mirovoy) mail database, imported the first time the
   * primary is provisioned. @default null (none)
   */
  readonly referenceDump?: S3ObjectSpec | null;
  /**
   * Sample mailboxes and aliases (the reference's `InsertTestData`), with the passwords of the
   * secret `test-data`. @default false
   */
  readonly testData?: boolean;
}

/** DKIM signing (outbound) and verification (inbound) with OpenDKIM, on the primary. */
export interface DkimSpec {
  /** @default true on the primary (the backup MX neither signs nor verifies) */
  readonly enabled?: boolean;
  /** DNS selector: keys are published at `<selector>._domainkey.<domain>`. @default 'mail' */
  readonly selector?: string;
}

/** fail2ban with nftables. */
export interface Fail2banSpec {
  /** @default true */
  readonly enabled?: boolean;
  /** How long an address stays banned. @default '1h' */
  readonly bantime?: PostfixDuration;
  /** Window in which `maxretry` failures lead to a ban. @default '10m' */
  readonly findtime?: PostfixDuration;
  /** Failures within `findtime` that lead to a ban. @default 5 */
  readonly maxretry?: number;
  /**
   * Addresses or CIDRs never banned, besides localhost and the other mail host (`peerMailHosts`),
   * which are always ignored. Not the whole VPC: a ban of a host there is what an attacker who
   * reached it should get. @default []
   */
  readonly ignoreAddresses?: readonly string[];
}

/**
 * Postfix anvil(8) limits per client address and minute (`anvil_rate_time_unit`), on every smtpd
 * (25, 587, 465). `0` turns a limit off. Our own hosts are exempt (`smtpd_client_event_limit_exceptions`).
 * https://www.postfix.org/TUNING_README.html#conn_limit
 */
export interface SmtpClientLimits {
  /** Simultaneous connections of one client (`smtpd_client_connection_count_limit`; also postscreen's). @default 10 */
  readonly connectionCount?: number;
  /** New connections of one client per minute (`smtpd_client_connection_rate_limit`). @default 60 */
  readonly connectionRate?: number;
  /** Messages (MAIL FROM) of one client per minute (`smtpd_client_message_rate_limit`). @default 100 */
  readonly messageRate?: number;
  /** AUTH commands of one client per minute on 587 and 465 (`smtpd_client_auth_rate_limit`). @default 30 */
  readonly authRate?: number;
}

/** The backup MX, as the primary's Postfix sees it: let past Postgrey and policyd-spf (it relays for others). */
export interface PeerMxSpec {
  /** Its host name, matched when its reverse DNS name resolves back to the connecting address. */
  readonly hostname: string;
  /** Its public addresses, matched as well (where they are known when the files are rendered). @default [] */
  readonly addresses?: readonly string[];
}

/** Input of every host renderer. */
export interface MailHostSpec {
  /** Which mail host this is. */
  readonly role: MailHostRole;
  /** Fully qualified host name (Postfix `myhostname`, `/etc/mailname`, HELO, TLS name). */
  readonly hostname: string;
  /**
   * Domain appended to unqualified sender addresses (Postfix `myorigin`).
   * @default the hostname without its first label
   */
  readonly mailOrigin?: string;
  /** Numeric UID of the `vmail` user that owns all mailboxes, within `VMAIL_UID_RANGE`. @default 5000 */
  readonly vmailUid?: number;
  /** Database settings besides its host name (which the host learns at run time). @default {} */
  readonly database?: MailDatabaseSpec;
  /** TLS certificate files. */
  readonly tls: MailTlsSpec;
  /** Smarthost for outbound mail. @default null (deliver directly to the recipients' MX) */
  readonly relay?: RelaySpec | null;
  /**
   * SMTP code for unknown recipients in our own domains. 450 keeps senders retrying while
   * a new installation is checked (the reference used it); 550 is the normal answer.
   * @default 550
   */
  readonly unknownLocalRecipientRejectCode?: 450 | 550;
  /** Also listen for IMAP with STARTTLS on port 143 (login only after STARTTLS). @default false */
  readonly imapStartTls?: boolean;
  /** Accept `user+tag@domain` for `user@domain` (`recipient_delimiter = +`). @default true */
  readonly plusAddressing?: boolean;
  /** Largest accepted message in bytes (Postfix `message_size_limit`). @default 52428800 (50 MiB) */
  readonly messageSizeLimit?: number;
  /** How long undeliverable mail stays queued (Postfix `maximal_queue_lifetime`). @default '5d' */
  readonly maximalQueueLifetime?: PostfixDuration;
  /** How long undeliverable bounces stay queued (Postfix `bounce_queue_lifetime`). @default '5d' */
  readonly bounceQueueLifetime?: PostfixDuration;
  /** Delay after which the sender is told a message is still queued. @default '4h' */
  readonly delayWarningTime?: PostfixDuration;
  /** IMAP connections one user may hold from one IP (Dovecot `mail_max_userip_connections`). @default 25 */
  readonly maxUserIpConnections?: number;
  /** Primary MX host name the backup forwards to. Required when `role` is `backup`. @default null */
  readonly primaryMxHostname?: string | null;
  /**
   * On the backup MX: PEM certificates of the CAs that may issue the primary's certificate. The
   * backup hands mail to the primary only over TLS, with a certificate valid for `primaryMxHostname`
   * (Postfix TLS policy `secure`); when this lists certificates they are the only trust anchors of
   * that hop (`tafile`), e.g. the roots of Let's Encrypt's staging CA, which no trust store holds.
   * @default [] (the system's trust store: public CAs)
   */
  readonly primaryMxTrustAnchors?: readonly string[];
  /** Address families for SMTP/IMAP. @default 'ipv4' (the reference's VPC had no IPv6) */
  readonly inetProtocols?: 'ipv4' | 'all';
  /** DNS blocklists checked on port 25. @default [] (see DnsBlocklist on why a filter is needed) */
  readonly dnsBlocklists?: readonly DnsBlocklist[];
  /** Run users' Sieve scripts at delivery (Dovecot LMTP + Pigeonhole). @default true */
  readonly sieve?: boolean;
  /**
   * Storage quota of a mailbox, in MiB, where its `users.quota` column is `''` or `0` (a whole number
   * there is that mailbox's own quota in MiB, `unlimited` none). Mail beyond it is refused at RCPT
   * time; see `host/dovecot/quota.ts`. Primary only.
   * @default 1024
   */
  readonly defaultQuotaMiB?: number;
  /** Directory under which new mailboxes are created (`users.home` of new rows). @default '/var/spool/mail/virtual' */
  readonly mailboxRoot?: string;
  /** Domains hosted here; OpenDKIM signs for each; the primary adds each to the mail database. @default [mailOrigin] */
  readonly mailDomains?: readonly string[];
  /**
   * Where mail to `root@` and `postmaster@` this host's name, and to `root@<mailOrigin>` (where
   * local system mail such as cron's goes), is delivered. A database alias of `root@<mailOrigin>`
   * takes precedence. Must not be one of those addresses itself.
   * @default `postmaster@<first mail domain>` (make it a mailbox or an alias with mirovoy-admin)
   */
  readonly rootMailRecipient?: string;
  /**
   * Networks (CIDR) of our own hosts, e.g. the VPC: never greylisted or SPF-checked, never
   * tested by postscreen or rate-limited by anvil, their mail is DKIM-signed. fail2ban may ban
   * them (see `Fail2banSpec.ignoreAddresses`). They do NOT get relay rights (`mynetworks` stays
   * localhost). @default []
   */
  readonly trustedNetworks?: readonly string[];
  /** On the primary: the backup MX, whose relayed mail is neither greylisted nor SPF-checked again. @default null */
  readonly backupMx?: PeerMxSpec | null;
  /** Memory of the instance in MiB; sizes ClamAV's database reload. @default null (unknown: assume small) */
  readonly memoryMiB?: number | null;
  /** Content filter. */
  readonly amavis?: AmavisSpec;
  /**
   * ClamAV's `ConcurrentDatabaseReload`: load a new signature database beside the old one
   * (no scanning pause, but twice the memory: ~2.4 GiB with the official databases).
   * @default true when `memoryMiB` >= {@link CONCURRENT_RELOAD_MIN_MEMORY_MIB}, else false (the
   * reference's 1 GiB host ran out of memory)
   */
  readonly clamavConcurrentDatabaseReload?: boolean;
  /** Greylisting. */
  readonly postgrey?: PostgreySpec;
  /** SPF checks. */
  readonly spf?: SpfSpec;
  /** DKIM. */
  readonly dkim?: DkimSpec;
  /** Ban abusive clients. */
  readonly fail2ban?: Fail2banSpec;
  /** Connection, message and AUTH rate limits of one SMTP client. */
  readonly smtpClientLimits?: SmtpClientLimits;
  /**
   * Time of day (`HH:MM`, the host's clock: UTC) at which the host reboots when an installed update
   * needs it (a new kernel or libc), so security updates take effect; `null`: never (updates that
   * need a reboot wait for one). Give a primary and its backup MX different times.
   * @default null
   */
  readonly automaticRebootTime?: string | null;
  /**
   * The records the deployment publishes for `mailDomains` (besides addresses and DKIM keys, which
   * the host learns at run time), compared with what resolves by `mirovoy-status`.
   * @default null (the DNS is not checked)
   */
  readonly publishedDns?: PublishedMailDns | null;
  /** The nightly dump of the mail database. */
  readonly databaseDumps?: DatabaseDumpSpec;
  /** Data loaded into the mail database once (primary only). @default none */
  readonly dataImports?: DataImportsSpec;
}

/** What a deployment publishes for the mail domains: the facts of `mailDomainRecords` the host checks. */
export type PublishedMailDns = Pick<MailDomainRecordsSpec, 'exchangers' | 'dmarcPolicy' | 'reportAddress' | 'mtaStsMode' | 'spfInclude'>;

/** A spec with every default applied. */
export interface ResolvedMailHostSpec {
  readonly role: MailHostRole;
  readonly hostname: string;
  readonly mailOrigin: string;
  readonly vmailUid: number;
  /** Always 5000: fixed so restored spool volumes keep their group ownership. */
  readonly vmailGid: 5000;
  readonly database: {
    readonly port: number;
    readonly name: string;
    readonly tlsCaFile: string | null;
    readonly clientHostPattern: string;
    readonly users: {
      readonly lookup: string;
      readonly postfix: string;
      readonly admin: string;
      readonly amavis: string;
      readonly dump: string;
      readonly roundcube: string;
      readonly webmailPassword: string;
    };
    readonly webmail: { readonly enabled: boolean; readonly databaseName: string };
  };
  readonly tls: MailTlsSpec;
  readonly relay: { readonly host: string; readonly authenticated: boolean } | null;
  readonly unknownLocalRecipientRejectCode: 450 | 550;
  readonly imapStartTls: boolean;
  readonly plusAddressing: boolean;
  readonly messageSizeLimit: number;
  readonly maximalQueueLifetime: PostfixDuration;
  readonly bounceQueueLifetime: PostfixDuration;
  readonly delayWarningTime: PostfixDuration;
  readonly maxUserIpConnections: number;
  readonly primaryMxHostname: string | null;
  readonly primaryMxTrustAnchors: readonly string[];
  readonly inetProtocols: 'ipv4' | 'all';
  readonly dnsBlocklists: readonly DnsBlocklist[];
  readonly sieve: boolean;
  readonly defaultQuotaMiB: number;
  readonly mailboxRoot: string;
  readonly mailDomains: readonly string[];
  readonly rootMailRecipient: string;
  readonly trustedNetworks: readonly string[];
  readonly backupMx: { readonly hostname: string; readonly addresses: readonly string[] } | null;
  readonly memoryMiB: number | null;
  readonly amavis: Required<AmavisSpec>;
  readonly clamavConcurrentDatabaseReload: boolean;
  readonly postgrey: Required<PostgreySpec>;
  readonly spf: Required<SpfSpec>;
  readonly dkim: Required<DkimSpec>;
  readonly fail2ban: Required<Fail2banSpec>;
  readonly smtpClientLimits: Required<SmtpClientLimits>;
  readonly automaticRebootTime: string | null;
  readonly publishedDns: PublishedMailDns | null;
  readonly databaseDumps: Required<DatabaseDumpSpec>;
  readonly dataImports: Required<DataImportsSpec>;
}

/** One problem of a spec: the field, its value and what to do instead. */
export interface SpecProblem {
  /** Dotted path of the spec field, e.g. `database.name` or `dnsBlocklists[0].zone`. */
  readonly field: string;
  /** The offending value (after defaults). */
  readonly value: unknown;
  /** What is allowed instead. */
  readonly fix: string;
}

/** `field = value: fix` — the one-line form of a spec problem. */
export const formatSpecProblem = ({ field, value, fix }: SpecProblem): string => `${field} = ${JSON.stringify(value)}: ${fix}`;

/** All problems of a spec at once, each naming the field, the value and the fix. */
export class MailHostSpecError extends Error {
  /** One line per problem (`formatSpecProblem`). */
  readonly problems: readonly string[];

  constructor(
    /** The problems, structured (`checkMailHostSpec`). */
    readonly specProblems: readonly SpecProblem[],
  ) {
    const problems = specProblems.map(formatSpecProblem);
    super(`Invalid mail host spec:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'MailHostSpecError';
    this.problems = problems;
  }
}

/**
 * The default mailbox quota: one mail-bombed address (or the catch-all) can fill a tenth of the
 * default 10 GiB spool volume, not all of it.
 */
export const DEFAULT_QUOTA_MIB = 1024;
/** The largest quota in MiB, here and in `users.quota`: 9 digits (~950 TiB), far beyond any EBS volume. */
export const MAX_QUOTA_MIB = 999_999_999;

/** The fixed GID of the `vmail` group. */
export const VMAIL_GID = 5000;

/**
 * Memory from which ClamAV reloads its signatures concurrently by default: the old and the new
 * official databases (~1.2 GiB each) together, besides Amavis, SpamAssassin and the rest (README,
 * "Benchmarks"): a 2 GiB host would swap or kill clamd at every signature update.
 */
export const CONCURRENT_RELOAD_MIN_MEMORY_MIB = 4096;

/**
 * UIDs the `vmail` user may have: Debian Policy 9.2.2 leaves 1000-59999 to local accounts
 * (60000-64999 are allocated by the Debian project). https://www.debian.org/doc/debian-policy/ch-opersys.html#uid-and-gid-classes
 */
export const VMAIL_UID_RANGE = { min: 1000, max: 59999 } as const;

/**
 * The addresses delivered to `rootMailRecipient`: `root@` and `postmaster@` the host's own name (RFC
 * 5321 4.5.1 and RFC 2142 expect them), and `root@<mailOrigin>`, which is what Postfix makes of the
 * bare `root` that cron and unattended-upgrades send to (`myorigin = $mydomain`).
 */
export const rootMailAddresses = (spec: Pick<ResolvedMailHostSpec, 'hostname' | 'mailOrigin'>): string[] => [
  `root@${spec.hostname}`,
  `postmaster@${spec.hostname}`,
  `root@${spec.mailOrigin}`,
];

/**
 * The other mail host of the installation, as this one may meet it as a client: on the primary the
 * backup MX (its name, and its addresses where known when rendering), on the backup MX the primary
 * (by name: its address is made on EC2 after these files are rendered). Readers that match names
 * resolve them when a client connects (Postfix by forward-confirmed reverse DNS, fail2ban forward).
 */
export const peerMailHosts = (spec: Pick<ResolvedMailHostSpec, 'role' | 'backupMx' | 'primaryMxHostname'>): { readonly names: readonly string[]; readonly addresses: readonly string[] } =>
  spec.role === 'primary'
    ? { names: spec.backupMx ? [spec.backupMx.hostname] : [], addresses: spec.backupMx?.addresses ?? [] }
    : { names: spec.primaryMxHostname ? [spec.primaryMxHostname] : [], addresses: [] };

const FQDN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/** A lower-case mail address of letters, digits and `._+-` (safe in a Postfix inline map) at a domain. */
const EMAIL = /^[a-z0-9_+-]+(\.[a-z0-9_+-]+)*@(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const SQL_NAME = /^[A-Za-z0-9_]{1,32}$/;
/**
 * The schema name: it is written unquoted into GRANT statements (`host/mysql/grants.ts`), and RDS
 * requires a leading letter for its initial database; 32 like every other SQL name of the host.
 */
const DATABASE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
/** Postfix `relayhost`: `host`, `[host]` (no MX lookup) or either with `:port`. */
const RELAY_HOST = /^(\[[A-Za-z0-9.-]+\]|[A-Za-z0-9.-]+)(:(\d{1,5}))?$/;
/** Whether a relay host is well formed and its port, if any, is a TCP port. */
const isRelayHost = (host: string): boolean => {
  const match = RELAY_HOST.exec(host);
  return match !== null && (match[3] === undefined || (Number(match[3]) > 0 && Number(match[3]) < 65536));
};
const ABSOLUTE_PATH = /^\/[A-Za-z0-9._/-]+$/;
const S3_BUCKET = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** An object key the hosts' seam accepts (`host/provision/runtime-seam.ts`). */
const S3_KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

const IPV4_CIDR = /^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$/;
const IPV6_CIDR = /^[0-9a-f:]*:[0-9a-f:.]*(\/\d{1,3})?$/i;
/** An IPv4 or IPv6 address, optionally with a prefix length. */
const isAddressOrCidr = (value: string): boolean => IPV4_CIDR.test(value) || IPV6_CIDR.test(value);
const DURATION = /^\d+[smhdw]$/;

type Check = (ok: boolean, field: string, value: unknown, fix: string) => void;

/** Postgrey's delay: at most an hour, since senders retry after minutes and a longer delay holds new mail for hours. */
const MAX_GREYLIST_DELAY_SECONDS = 3600;

/** Validation of the filtering, signing and protection fields. */
const checkFilters = (spec: ResolvedMailHostSpec, check: Check): void => {
  spec.mailDomains.forEach((d, i) => check(FQDN.test(d), `mailDomains[${i}]`, d, 'use a lower-case domain such as example.com'));
  check(spec.mailDomains.length > 0, 'mailDomains', spec.mailDomains, 'list at least one domain');
  check(
    EMAIL.test(spec.rootMailRecipient) && !rootMailAddresses(spec).includes(spec.rootMailRecipient),
    'rootMailRecipient',
    spec.rootMailRecipient,
    `use a lower-case address such as ops@example.org that is not itself one of ${rootMailAddresses(spec).join(', ')} (mail to those is sent there)`,
  );
  check(
    !spec.mailDomains.includes(spec.hostname),
    'hostname',
    spec.hostname,
    "use a host name that is not a mail domain: it receives only root@ and postmaster@ (rootMailRecipient)",
  );
  spec.trustedNetworks.forEach((n, i) => check(isAddressOrCidr(n), `trustedNetworks[${i}]`, n, 'use a CIDR such as 10.0.0.0/16'));
  spec.fail2ban.ignoreAddresses.forEach((n, i) =>
    check(isAddressOrCidr(n), `fail2ban.ignoreAddresses[${i}]`, n, 'use an address or CIDR such as 10.0.0.0/16'),
  );
  Object.entries(spec.smtpClientLimits).forEach(([name, limit]) =>
    check(Number.isInteger(limit) && limit >= 0, `smtpClientLimits.${name}`, limit, 'use a whole number of at least 0 (0 turns the limit off)'),
  );
  if (spec.backupMx !== null) {
    check(spec.role === 'primary', 'backupMx', spec.backupMx.hostname, 'set backupMx on the primary only');
    check(FQDN.test(spec.backupMx.hostname), 'backupMx.hostname', spec.backupMx.hostname, 'use a fully qualified host name');
    spec.backupMx.addresses.forEach((a, i) => check(isAddressOrCidr(a), `backupMx.addresses[${i}]`, a, 'use an IPv4 or IPv6 address'));
  }
  check(
    spec.memoryMiB === null || (Number.isInteger(spec.memoryMiB) && spec.memoryMiB >= 512),
    'memoryMiB',
    spec.memoryMiB,
    'use the instance memory in MiB (at least 512), or null',
  );
  check(
    !(spec.amavis.enabled && spec.role === 'backup'),
    'amavis.enabled',
    spec.amavis.enabled,
    "the backup MX passes all mail to the primary, which scans it; leave Amavis off on 'backup'",
  );
  check(['tag', 'quarantine', 'discard'].includes(spec.amavis.spamPolicy), 'amavis.spamPolicy', spec.amavis.spamPolicy, "use 'tag', 'quarantine' or 'discard'");
  check(Number.isFinite(spec.amavis.spamScore) && spec.amavis.spamScore > 0, 'amavis.spamScore', spec.amavis.spamScore, 'use a positive score such as 6.31');
  check(
    Number.isInteger(spec.amavis.maxServers) && spec.amavis.maxServers >= 1 && spec.amavis.maxServers <= 50,
    'amavis.maxServers',
    spec.amavis.maxServers,
    'use 1-50 (each child holds SpamAssassin, ~150 MiB)',
  );
  check(['disk', 'tmpfs'].includes(spec.amavis.tempDirectory), 'amavis.tempDirectory', spec.amavis.tempDirectory, "use 'disk' or 'tmpfs'");
  check(
    Number.isInteger(spec.postgrey.delaySeconds) && spec.postgrey.delaySeconds >= 0 && spec.postgrey.delaySeconds <= MAX_GREYLIST_DELAY_SECONDS,
    'postgrey.delaySeconds',
    spec.postgrey.delaySeconds,
    `use a whole number of seconds from 0 to ${MAX_GREYLIST_DELAY_SECONDS} (default 300)`,
  );
  check(['reject', 'annotate'].includes(spec.spf.hardFail), 'spf.hardFail', spec.spf.hardFail, "use 'reject' or 'annotate'");
  check(
    !(spec.dkim.enabled && spec.role === 'backup'),
    'dkim.enabled',
    spec.dkim.enabled,
    "the backup MX sends no mail of its own and the primary verifies; leave DKIM off on 'backup'",
  );
  check(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(spec.dkim.selector), 'dkim.selector', spec.dkim.selector, 'use a DNS label such as mail');
  for (const field of ['bantime', 'findtime'] as const) {
    check(DURATION.test(spec.fail2ban[field]), `fail2ban.${field}`, spec.fail2ban[field], "use a number and a unit s|m|h|d|w, e.g. '1h'");
  }
  check(
    Number.isInteger(spec.fail2ban.maxretry) && spec.fail2ban.maxretry >= 1,
    'fail2ban.maxretry',
    spec.fail2ban.maxretry,
    'use a positive integer',
  );
};

/** The spec with every default applied, not yet checked. */
const withDefaults = (spec: MailHostSpec): ResolvedMailHostSpec => {
  const db = spec.database ?? {};
  const primary = spec.role === 'primary';
  const mailOrigin = spec.mailOrigin ?? spec.hostname.split('.').slice(1).join('.');
  const trustedNetworks = spec.trustedNetworks ?? [];
  const mailDomains = spec.mailDomains ?? [mailOrigin];
  return {
    role: spec.role,
    hostname: spec.hostname,
    mailOrigin,
    vmailUid: spec.vmailUid ?? 5000,
    vmailGid: VMAIL_GID,
    database: {
      port: db.port ?? 3306,
      name: db.name ?? 'maildb',
      tlsCaFile: db.tlsCaFile ?? null,
      clientHostPattern: db.clientHostPattern ?? '%',
      users: {
        lookup: db.users?.lookup ?? 'mirovoy_lookup',
        postfix: db.users?.postfix ?? 'mirovoy_postfix',
        admin: db.users?.admin ?? 'mirovoy_admin',
        amavis: db.users?.amavis ?? 'mirovoy_amavis',
        dump: db.users?.dump ?? 'mirovoy_dump',
        roundcube: db.users?.roundcube ?? 'mirovoy_roundcube',
        webmailPassword: db.users?.webmailPassword ?? 'mirovoy_password',
      },
      webmail: { enabled: db.webmail?.enabled ?? false, databaseName: db.webmail?.databaseName ?? 'roundcube' },
    },
    tls: spec.tls,
    relay: spec.relay ? { host: spec.relay.host, authenticated: spec.relay.authenticated ?? false } : null,
    unknownLocalRecipientRejectCode: spec.unknownLocalRecipientRejectCode ?? 550,
    imapStartTls: spec.imapStartTls ?? false,
    plusAddressing: spec.plusAddressing ?? true,
    messageSizeLimit: spec.messageSizeLimit ?? 52428800,
    maximalQueueLifetime: spec.maximalQueueLifetime ?? '5d',
    bounceQueueLifetime: spec.bounceQueueLifetime ?? '5d',
    delayWarningTime: spec.delayWarningTime ?? '4h',
    maxUserIpConnections: spec.maxUserIpConnections ?? 25,
    primaryMxHostname: spec.primaryMxHostname ?? null,
    primaryMxTrustAnchors: spec.primaryMxTrustAnchors ?? [],
    inetProtocols: spec.inetProtocols ?? 'ipv4',
    dnsBlocklists: spec.dnsBlocklists ?? [],
    sieve: spec.sieve ?? true,
    defaultQuotaMiB: spec.defaultQuotaMiB ?? DEFAULT_QUOTA_MIB,
    mailboxRoot: spec.mailboxRoot ?? '/var/spool/mail/virtual',
    mailDomains,
    rootMailRecipient: spec.rootMailRecipient ?? `postmaster@${mailDomains[0]}`,
    trustedNetworks,
    backupMx: spec.backupMx ? { hostname: spec.backupMx.hostname, addresses: spec.backupMx.addresses ?? [] } : null,
    memoryMiB: spec.memoryMiB ?? null,
    amavis: {
      enabled: spec.amavis?.enabled ?? primary,
      spamPolicy: spec.amavis?.spamPolicy ?? 'tag',
      spamScore: spec.amavis?.spamScore ?? 6.31,
      maxServers: spec.amavis?.maxServers ?? 2,
      tempDirectory: spec.amavis?.tempDirectory ?? 'disk',
    },
    clamavConcurrentDatabaseReload: spec.clamavConcurrentDatabaseReload ?? (spec.memoryMiB ?? 0) >= CONCURRENT_RELOAD_MIN_MEMORY_MIB,
    postgrey: { enabled: spec.postgrey?.enabled ?? true, delaySeconds: spec.postgrey?.delaySeconds ?? 300 },
    spf: { enabled: spec.spf?.enabled ?? true, hardFail: spec.spf?.hardFail ?? 'reject' },
    dkim: { enabled: spec.dkim?.enabled ?? primary, selector: spec.dkim?.selector ?? 'mail' },
    fail2ban: {
      enabled: spec.fail2ban?.enabled ?? true,
      bantime: spec.fail2ban?.bantime ?? '1h',
      findtime: spec.fail2ban?.findtime ?? '10m',
      maxretry: spec.fail2ban?.maxretry ?? 5,
      ignoreAddresses: spec.fail2ban?.ignoreAddresses ?? [],
    },
    smtpClientLimits: {
      connectionCount: spec.smtpClientLimits?.connectionCount ?? 10,
      connectionRate: spec.smtpClientLimits?.connectionRate ?? 60,
      messageRate: spec.smtpClientLimits?.messageRate ?? 100,
      authRate: spec.smtpClientLimits?.authRate ?? 30,
    },
    automaticRebootTime: spec.automaticRebootTime ?? null,
    publishedDns: spec.publishedDns ?? null,
    databaseDumps: {
      enabled: spec.databaseDumps?.enabled ?? primary,
      onCalendar: spec.databaseDumps?.onCalendar ?? '*-*-* 02:30:00 UTC',
      randomizedDelay: spec.databaseDumps?.randomizedDelay ?? '30min',
    },
    dataImports: { referenceDump: spec.dataImports?.referenceDump ?? null, testData: spec.dataImports?.testData ?? false },
  };
};

/** Validation of the identity, database, TLS, relay and queue fields. */
const checkCore = (spec: MailHostSpec, resolved: ResolvedMailHostSpec, check: Check): void => {
  check(spec.role === 'primary' || spec.role === 'backup', 'role', spec.role, "use 'primary' or 'backup'");
  check(FQDN.test(spec.hostname), 'hostname', spec.hostname, 'use a lower-case fully qualified name such as mx1.example.com');
  check(FQDN.test(resolved.mailOrigin), 'mailOrigin', resolved.mailOrigin, 'use a lower-case domain such as example.com');
  check(
    Number.isInteger(resolved.vmailUid) && resolved.vmailUid >= VMAIL_UID_RANGE.min && resolved.vmailUid <= VMAIL_UID_RANGE.max,
    'vmailUid',
    resolved.vmailUid,
    `must be at least ${VMAIL_UID_RANGE.min} and at most ${VMAIL_UID_RANGE.max} (Debian's range for local users): use an unused UID (default 5000)`,
  );
  check(
    Number.isInteger(resolved.database.port) && resolved.database.port > 0 && resolved.database.port < 65536,
    'database.port',
    resolved.database.port,
    'use a TCP port (default 3306)',
  );
  check(DATABASE_NAME.test(resolved.database.name), 'database.name', resolved.database.name, 'use a letter, then up to 31 letters, digits or _ (1-32 in all)');
  const webmailDatabase = resolved.database.webmail.databaseName;
  check(DATABASE_NAME.test(webmailDatabase), 'database.webmail.databaseName', webmailDatabase, 'use a letter, then up to 31 letters, digits or _ (1-32 in all)');
  check(webmailDatabase !== resolved.database.name, 'database.webmail.databaseName', webmailDatabase, "give Roundcube a database of its own (default 'roundcube'), not the mail database");
  for (const [key, name] of Object.entries(resolved.database.users)) {
    check(SQL_NAME.test(name), `database.users.${key}`, name, 'use 1-32 letters, digits or _');
  }
  check(
    /^[A-Za-z0-9.%_:-]+$/.test(resolved.database.clientHostPattern),
    'database.clientHostPattern',
    resolved.database.clientHostPattern,
    "use a MySQL host pattern such as '%' or '10.0.%'",
  );
  const paths: [string, string | null][] = [
    ['tls.certificateChainFile', spec.tls?.certificateChainFile ?? ''],
    ['tls.privateKeyFile', spec.tls?.privateKeyFile ?? ''],
    ['database.tlsCaFile', resolved.database.tlsCaFile],
    ['mailboxRoot', resolved.mailboxRoot],
  ];
  for (const [field, path] of paths) {
    if (path !== null) check(ABSOLUTE_PATH.test(path), field, path, 'use an absolute path without spaces');
  }
  check(
    resolved.relay === null || isRelayHost(resolved.relay.host),
    'relay.host',
    resolved.relay?.host,
    'use host, [host] or either with :port (1-65535), e.g. [smtp.example.net]:587',
  );
  check(
    !(resolved.relay?.authenticated && !/^\[[A-Za-z0-9.-]*[A-Za-z-][A-Za-z0-9.-]*\]:\d+$/.test(resolved.relay.host)),
    'relay.host',
    resolved.relay?.host,
    'an authenticated relay needs a bracketed host name and port, e.g. [email-smtp.eu-central-1.amazonaws.com]:587, so its certificate can be checked against that name',
  );
  check(
    Number.isInteger(resolved.messageSizeLimit) && resolved.messageSizeLimit >= 1048576,
    'messageSizeLimit',
    resolved.messageSizeLimit,
    'use at least 1048576 bytes (1 MiB)',
  );
  for (const field of ['maximalQueueLifetime', 'bounceQueueLifetime', 'delayWarningTime'] as const) {
    check(/^\d+[smhdw]$/.test(resolved[field]), field, resolved[field], "use a number and a unit s|m|h|d|w, e.g. '5d'");
  }
  check(
    Number.isInteger(resolved.defaultQuotaMiB) && resolved.defaultQuotaMiB >= 1 && resolved.defaultQuotaMiB <= MAX_QUOTA_MIB,
    'defaultQuotaMiB',
    resolved.defaultQuotaMiB,
    `use a whole number of MiB from 1 to ${MAX_QUOTA_MIB} (default ${DEFAULT_QUOTA_MIB}); a mailbox without a limit is set with mirovoy-admin user quota <address> unlimited`,
  );
  check(
    Number.isInteger(resolved.maxUserIpConnections) && resolved.maxUserIpConnections > 0,
    'maxUserIpConnections',
    resolved.maxUserIpConnections,
    'use a positive integer',
  );
  check(
    resolved.automaticRebootTime === null || /^([01]\d|2[0-3]):[0-5]\d$/.test(resolved.automaticRebootTime),
    'automaticRebootTime',
    resolved.automaticRebootTime,
    "use a time of day HH:MM (00:00-23:59, UTC) such as '04:00', or null for never",
  );
  if (spec.role === 'backup') {
    check(
      resolved.primaryMxHostname !== null && FQDN.test(resolved.primaryMxHostname),
      'primaryMxHostname',
      resolved.primaryMxHostname,
      "a backup MX needs the primary's fully qualified host name",
    );
    check(resolved.primaryMxHostname !== spec.hostname, 'hostname', spec.hostname, 'must differ from primaryMxHostname: the backup MX forwards to the primary');
  }
  check(
    spec.role === 'backup' || resolved.primaryMxTrustAnchors.length === 0,
    'primaryMxTrustAnchors',
    resolved.primaryMxTrustAnchors.length,
    'set primaryMxTrustAnchors on the backup MX only: only it connects to the primary',
  );
  resolved.primaryMxTrustAnchors.forEach((pem, i) =>
    check(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?$/.test(pem), `primaryMxTrustAnchors[${i}]`, pem.slice(0, 40), 'use one PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)'),
  );
  const dumps = resolved.databaseDumps;
  check(!(dumps.enabled && spec.role !== 'primary'), 'databaseDumps.enabled', dumps.enabled, 'dump on the primary only: the backup MX holds no credential for it');
  // One line of printable characters; systemd-analyze checks the expression itself on the host before the timer starts.
  check(/^[ -~]{1,100}$/.test(dumps.onCalendar), 'databaseDumps.onCalendar', dumps.onCalendar, "use a systemd calendar expression such as '*-*-* 02:30:00 UTC' or 'daily'");
  check(/^\d{1,5}(s|min|h)$/.test(dumps.randomizedDelay), 'databaseDumps.randomizedDelay', dumps.randomizedDelay, "use a number and s, min or h, e.g. '30min'");
  const { referenceDump, testData } = resolved.dataImports;
  check(!((referenceDump !== null || testData) && spec.role !== 'primary'), 'dataImports', resolved.dataImports, 'import data on the primary only: it holds the database master credential');
  if (referenceDump !== null) {
    check(S3_BUCKET.test(referenceDump.bucket), 'dataImports.referenceDump.bucket', referenceDump.bucket, 'use an S3 bucket name (3-63 lower-case letters, digits, . or -)');
    check(
      S3_KEY.test(referenceDump.key) && !referenceDump.key.includes('..') && !referenceDump.key.split('/').includes('.'),
      'dataImports.referenceDump.key',
      referenceDump.key,
      'use path segments of letters, digits, . _ and - (no ".." and no "." segment), e.g. mail/maildb.sql',
    );
  }
  resolved.dnsBlocklists.forEach((list, i) => {
    check(FQDN.test(list.zone), `dnsBlocklists[${i}].zone`, list.zone, 'use a DNS zone such as zen.spamhaus.org');
    check(
      /^127\.[0-9.[\]]+$/.test(list.listedReplies),
      `dnsBlocklists[${i}].listedReplies`,
      list.listedReplies,
      'use a Postfix reply filter such as 127.0.0.[2..11]',
    );
  });
};

/** The spec with its defaults, and every problem of it. */
const inspect = (spec: MailHostSpec): { resolved: ResolvedMailHostSpec; problems: SpecProblem[] } => {
  const problems: SpecProblem[] = [];
  const check: Check = (ok, field, value, fix) => {
    if (!ok) problems.push({ field, value, fix });
  };
  const resolved = withDefaults(spec);
  checkCore(spec, resolved, check);
  checkFilters(resolved, check);
  const exchangers = resolved.publishedDns?.exchangers;
  check(
    exchangers === undefined || exchangers.some((mx) => mx.hostname === resolved.hostname),
    'publishedDns.exchangers',
    exchangers,
    `name this host (${resolved.hostname}) among the exchangers: the records it checks are those of its own MX set`,
  );
  return { resolved, problems };
};

/**
 * Every problem of a spec (checked after defaults), each with the field, the value and the fix;
 * empty when the spec is valid. The rules `resolveMailHostSpec` enforces, for callers that report
 * problems in their own terms (the config validation, at config paths: `adapters/mail-host-spec.ts`).
 */
export const checkMailHostSpec = (spec: MailHostSpec): SpecProblem[] => inspect(spec).problems;

/**
 * Applies defaults and validates. Throws one `MailHostSpecError` listing every problem
 * (those of `checkMailHostSpec`).
 */
export const resolveMailHostSpec = (spec: MailHostSpec): ResolvedMailHostSpec => {
  const { resolved, problems } = inspect(spec);
  if (problems.length > 0) throw new MailHostSpecError(problems);
  return resolved;
};
