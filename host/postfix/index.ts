/** Postfix files of a mail host. */
import { SUBMISSION_PORT, SUBMISSIONS_PORT } from '../client-ports';
import { MailDaemon } from '../daemon';
import { RenderedFile, withHeader } from '../files';
import { renderMasterCf } from '../format/postfix-master-cf';
import { renderPostfixParameters } from '../format/postfix-parameters';
import { ResolvedMailHostSpec } from '../spec';
import { PostfixExtensions } from './extensions';
import { postfixMainParameters, PRIMARY_MX_TRUST_ANCHOR_FILE } from './main-cf';
import { postfixMasterServices } from './master-cf';
import { POSTFIX_MAP_TEMPLATE_DIRECTORY, renderPostfixMaps } from './mysql-maps';

export * from './extensions';
export {
  BACKUP_MX_FULL_MAILBOX_REPLY,
  DOVECOT_AUTH_SOCKET,
  DOVECOT_LMTP_SOCKET,
  POSTFIX_QUEUE_DIRECTORY,
  postfixMainParameters,
  PRIMARY_MX_TRUST_ANCHOR_FILE,
  UNRECOGNISED_BACKUP_MX_REPLY,
} from './main-cf';
export { postfixMasterServices } from './master-cf';
export { POSTFIX_MAP_COLUMNS, POSTFIX_MAP_QUERIES, POSTFIX_MAP_TEMPLATE_DIRECTORY, PostfixMapName, postfixMapsFor } from './mysql-maps';

const rootFile = (path: string, content: string): RenderedFile => ({ path, content, mode: '0644', owner: 'root', group: 'root' });

/**
 * main.cf, master.cf, the MySQL map files, the backup MX's trust anchors for the primary (when its
 * spec lists any; OpenSSL skips the header lines outside the PEM blocks) and /etc/mailname. Debian's mail tools take
 * /etc/mailname as the domain of locally generated sender addresses, so it matches
 * `myorigin` (the mail origin), not the host name.
 */
export const renderPostfix = (spec: ResolvedMailHostSpec, ext: PostfixExtensions = {}): RenderedFile[] => [
  rootFile('/etc/postfix/main.cf', withHeader('#', 'host/postfix/main-cf.ts', renderPostfixParameters(postfixMainParameters(spec, ext)))),
  rootFile('/etc/postfix/master.cf', withHeader('#', 'host/postfix/master-cf.ts', renderMasterCf(postfixMasterServices(spec, ext)))),
  ...renderPostfixMaps(spec),
  ...(spec.primaryMxTrustAnchors.length > 0
    ? [rootFile(PRIMARY_MX_TRUST_ANCHOR_FILE, withHeader('#', 'the spec field primaryMxTrustAnchors', spec.primaryMxTrustAnchors.map((pem) => `${pem.trimEnd()}\n`).join('')))]
    : []),
  // /etc/mailname holds only the name: no header, tools read its first line.
  rootFile('/etc/mailname', `${spec.mailOrigin}\n`),
];

/** Postfix: the MTA every other daemon hooks into (see `PostfixExtensions`). */
export const postfixDaemon: MailDaemon = {
  name: 'postfix',
  layer: 'mail',
  enabled: () => true,
  // libsasl2-modules: PLAIN/LOGIN for Postfix's login to an authenticated relay (a recommendation
  // apt installs anyway; named so it stays when recommendations are off).
  packages: () => ['postfix', 'postfix-mysql', 'libsasl2-modules'],
  files: renderPostfix,
  units: () => ['postfix'],
  checks: () => [{ unit: 'postfix', command: ['postfix', 'check'] }],
  unitOfPath: [
    { prefix: '/etc/postfix/', unit: 'postfix' },
    // Templates of the live map files, which the provision step writes (and restarts Postfix for).
    { prefix: `${POSTFIX_MAP_TEMPLATE_DIRECTORY}/`, unit: null },
    // Read per use by Debian's mail tools; Postfix's own origin is `myorigin`.
    { prefix: '/etc/mailname', unit: null },
  ],
  servesTls: true,
  readyPorts: (spec) => (spec.role === 'primary' ? [25, SUBMISSIONS_PORT, SUBMISSION_PORT] : [25]),
  spoolUnit: 'postfix@',
  unitReadingSecret: (file) => (file.format === 'postfix-mysql-map' ? 'postfix' : undefined),
};
