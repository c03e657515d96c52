/**
 * Postfix lookup tables in the mail database, one `mysql_table(5)` file each.
 * Every query filters on the row's `enabled` flag.
 * https://www.postfix.org/mysql_table.5.html
 *
 * The password cannot come from a MySQL option file here: Postfix passes an empty
 * (not NULL) password to mysql_real_connect() when `password` is unset, and libmariadb
 * then ignores the option file's password (checked on trixie: "Access denied ... (using
 * password: NO)"). So we render each map without its password and without `hosts` (the
 * database host is only known at run time) as a template, and the provision step writes the
 * live map as template + `hosts = inet:<host>:<port>` + `password = ...` (see secrets.ts).
 */
import { RenderedFile, withHeader } from '../files';
import { PostfixParameters, renderPostfixParameters } from '../format/postfix-parameters';
import { ResolvedMailHostSpec } from '../spec';

/** Names of our lookup tables. */
export type PostfixMapName =
  | 'virtual-mailbox-domains'
  | 'virtual-mailbox-maps'
  | 'virtual-alias-maps'
  | 'mailbox-self-aliases'
  | 'relay-domains'
  | 'relay-recipients'
  | 'sender-logins';

/** The query of each table; `%s` is the looked-up key, quoted by Postfix. */
export const POSTFIX_MAP_QUERIES: Readonly<Record<PostfixMapName, string>> = {
  'virtual-mailbox-domains': "SELECT domain FROM domains WHERE domain = '%s' AND enabled = 1",
  // Delivery goes to Dovecot over LMTP, so Postfix only needs to know the mailbox exists.
  'virtual-mailbox-maps': "SELECT 'OK' FROM users WHERE id = '%s' AND enabled = 1",
  'virtual-alias-maps': "SELECT destination FROM aliases WHERE mail = '%s' AND enabled = 1",
  // Maps each mailbox to itself, so a catch-all alias (@domain) never captures mail for
  // an existing mailbox (VIRTUAL_README, "mail forwarding domains"); the reference needed
  // a hand-made self-alias row per user for this.
  'mailbox-self-aliases': "SELECT id FROM users WHERE id = '%s' AND enabled = 1",
  // Every hosted domain (the shared database), plus domains we only back up for others.
  'relay-domains':
    "SELECT domain FROM domains WHERE domain = '%s' AND enabled = 1 UNION SELECT domain FROM backups WHERE domain = '%s' AND enabled = 1",
  'relay-recipients': "SELECT 'OK' FROM relays WHERE recipient = '%s' AND enabled = 1",
  // Who may send as an address: its own mailbox, and the mailboxes an alias delivers to
  // (a comma list is fine: Postfix reads the result as a list of logins).
  'sender-logins':
    "SELECT id FROM users WHERE id = '%s' AND enabled = 1 UNION SELECT destination FROM aliases WHERE mail = '%s' AND enabled = 1",
};

/**
 * The columns the queries of {@link POSTFIX_MAP_QUERIES} read, by table: all the Postfix account
 * may SELECT (column grants, host/mysql/grants.ts). Of both roles' maps, as both hosts share the
 * account. Never `users.crypt` or `users.clear`.
 */
export const POSTFIX_MAP_COLUMNS = {
  domains: ['domain', 'enabled'],
  users: ['id', 'enabled'],
  aliases: ['mail', 'destination', 'enabled'],
  backups: ['domain', 'enabled'],
  relays: ['recipient', 'enabled'],
} as const satisfies Readonly<Record<string, readonly string[]>>;

/** Directory of the live map files (written at run time: they hold the password). */
export const POSTFIX_MAP_DIRECTORY = '/etc/postfix/mysql';
/** Directory of the rendered map templates (everything but the password). */
export const POSTFIX_MAP_TEMPLATE_DIRECTORY = '/usr/local/share/mirovoy/postfix-mysql';

/** A table as a program outside Postfix's daemons reads it directly (`postmap -q`): without `proxy:`. */
export const postfixMapTable = (name: PostfixMapName): string => `mysql:${POSTFIX_MAP_DIRECTORY}/${name}.cf`;

/**
 * `main.cf` reference to a table. `proxy:` makes proxymap(8) hold the database
 * connections, so smtpd/cleanup/trivial-rewrite processes do not each open their own
 * (https://www.postfix.org/proxymap.8.html); all our tables are in the default
 * `proxy_read_maps`.
 */
export const postfixMapReference = (name: PostfixMapName): string => `proxy:${postfixMapTable(name)}`;

const mapParameters = (spec: ResolvedMailHostSpec, name: PostfixMapName): PostfixParameters => ({
  dbname: spec.database.name,
  user: spec.database.users.postfix,
  tls_CAfile: spec.database.tlsCaFile,
  tls_verify_cert: spec.database.tlsCaFile === null ? null : true,
  query: POSTFIX_MAP_QUERIES[name],
});

/** Tables a role uses. */
export const postfixMapsFor = (spec: ResolvedMailHostSpec): readonly PostfixMapName[] =>
  spec.role === 'primary'
    ? ['virtual-mailbox-domains', 'virtual-mailbox-maps', 'virtual-alias-maps', 'mailbox-self-aliases', 'sender-logins']
    : ['relay-domains', 'relay-recipients', 'virtual-alias-maps', 'mailbox-self-aliases'];

/** The map templates of a role (no secrets in them). */
export const renderPostfixMaps = (spec: ResolvedMailHostSpec): RenderedFile[] =>
  postfixMapsFor(spec).map((name) => ({
    path: `${POSTFIX_MAP_TEMPLATE_DIRECTORY}/${name}.cf`,
    content: withHeader('#', 'host/postfix/mysql-maps.ts', renderPostfixParameters(mapParameters(spec, name))),
    mode: '0644',
    owner: 'root',
    group: 'root',
  }));
