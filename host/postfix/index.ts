/** Postfix files of a mail host. */
import { RenderedFile, withHeader } from '../files';
import { renderMasterCf } from '../format/postfix-master-cf';
import { renderPostfixParameters } from '../format/postfix-parameters';
import { ResolvedMailHostSpec } from '../spec';
import { PostfixExtensions } from './extensions';
import { postfixMainParameters } from './main-cf';
import { postfixMasterServices } from './master-cf';
import { renderPostfixMaps } from './mysql-maps';

export * from './extensions';
export { DOVECOT_AUTH_SOCKET, DOVECOT_LMTP_SOCKET, POSTFIX_QUEUE_DIRECTORY, postfixMainParameters } from './main-cf';
export { postfixMasterServices } from './master-cf';
export { POSTFIX_MAP_QUERIES, PostfixMapName, postfixMapsFor } from './mysql-maps';

const rootFile = (path: string, content: string): RenderedFile => ({ path, content, mode: '0644', owner: 'root', group: 'root' });

/**
 * main.cf, master.cf, the MySQL map files and /etc/mailname. Debian's mail tools take
 * /etc/mailname as the domain of locally generated sender addresses, so it matches
 * `myorigin` (the mail origin), not the host name.
 */
export const renderPostfix = (spec: ResolvedMailHostSpec, ext: PostfixExtensions = {}): RenderedFile[] => [
  rootFile('/etc/postfix/main.cf', withHeader('#', 'host/postfix/main-cf.ts', renderPostfixParameters(postfixMainParameters(spec, ext)))),
  rootFile('/etc/postfix/master.cf', withHeader('#', 'host/postfix/master-cf.ts', renderMasterCf(postfixMasterServices(spec, ext)))),
  ...renderPostfixMaps(spec),
  // /etc/mailname holds only the name: no header, tools read its first line.
  rootFile('/etc/mailname', `${spec.mailOrigin}\n`),
];
