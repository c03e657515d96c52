/**
 * Postfix lookup tables in the mail database, one `mysql_table(5)` file each.
 * Every query filters on the row's `enabled` flag.
 * https://www.postfix.org/mysql_table.5.html
 */
import { RenderedFile, withHeader } from '../files';
import { PostfixParameters, renderPostfixParameters } from '../format/postfix-parameters';
import { databaseSecretFile } from '../secrets';
import { ResolvedMailHostSpec } from '../spec';

/** Names of our lookup tables. */
export type PostfixMapName =
  | 'virtual-mailbox-domains'
  | 'virtual-mailbox-maps'
  | 'virtual-alias-maps'
  | 'mailbox-self-aliases'
  | 'relay-domains'
  | 'relay-recipients';

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
  'relay-domains': "SELECT domain FROM backups WHERE domain = '%s' AND enabled = 1",
  'relay-recipients': "SELECT 'OK' FROM relays WHERE recipient = '%s' AND enabled = 1",
};

/** Directory of the map files. */
export const POSTFIX_MAP_DIRECTORY = '/etc/postfix/mysql';

/**
 * `main.cf` reference to a table. `proxy:` makes proxymap(8) hold the database
 * connections, so smtpd/cleanup/trivial-rewrite processes do not each open their own
 * (https://www.postfix.org/proxymap.8.html); all our tables are in the default
 * `proxy_read_maps`.
 */
export const postfixMapReference = (name: PostfixMapName): string => `proxy:mysql:${POSTFIX_MAP_DIRECTORY}/${name}.cf`;

const mapParameters = (spec: ResolvedMailHostSpec, name: PostfixMapName): PostfixParameters => ({
  hosts: `inet:${spec.database.host}:${spec.database.port}`,
  dbname: spec.database.name,
  user: spec.database.users.lookup,
  // The password is read from a MySQL option file written at run time ([client] group).
  option_file: databaseSecretFile('lookup').path,
  tls_CAfile: spec.database.tlsCaFile,
  tls_verify_cert: spec.database.tlsCaFile === null ? null : true,
  query: POSTFIX_MAP_QUERIES[name],
});

/** Tables a role uses. */
export const postfixMapsFor = (spec: ResolvedMailHostSpec): readonly PostfixMapName[] =>
  spec.role === 'primary'
    ? ['virtual-mailbox-domains', 'virtual-mailbox-maps', 'virtual-alias-maps', 'mailbox-self-aliases']
    : ['relay-domains', 'relay-recipients', 'virtual-alias-maps', 'mailbox-self-aliases'];

/** The map files of a role (no secrets in them, so world-readable like main.cf). */
export const renderPostfixMaps = (spec: ResolvedMailHostSpec): RenderedFile[] =>
  postfixMapsFor(spec).map((name) => ({
    path: `${POSTFIX_MAP_DIRECTORY}/${name}.cf`,
    content: withHeader('#', 'host/postfix/mysql-maps.ts', renderPostfixParameters(mapParameters(spec, name))),
    mode: '0644',
    owner: 'root',
    group: 'root',
  }));
