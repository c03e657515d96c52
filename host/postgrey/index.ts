/**
 * Postgrey greylisting on port 25, over a unix socket in the Postfix queue directory.
 * postgrey(8); Debian's postgrey.service reads POSTGREY_OPTS from /etc/default/postgrey.
 */
import { MailDaemon } from '../daemon';
import { RenderedFile, withHeader } from '../files';
import { renderEnvironmentFile } from '../format/environment-file';
import { PolicyService } from '../postfix/extensions';
import { POSTFIX_QUEUE_DIRECTORY } from '../postfix/main-cf';
import { ResolvedMailHostSpec } from '../spec';

/** Socket path relative to the Postfix queue directory (what `check_policy_service unix:` takes). */
export const POSTGREY_SOCKET = 'postgrey/socket';
/** Directory of the socket; nothing in the package creates it (see `postgreyDropIn`). */
export const POSTGREY_SOCKET_DIRECTORY = `${POSTFIX_QUEUE_DIRECTORY}/postgrey`;
/** Our client whitelist; postgrey reads `whitelist_clients` and this `.local` file by default. */
export const POSTGREY_CLIENT_WHITELIST = '/etc/postgrey/whitelist_clients.local';
/** systemd drop-in that creates the socket directory before each start. */
export const POSTGREY_DROP_IN = '/etc/systemd/system/postgrey.service.d/mirovoy.conf';

/** The policy service Postfix asks at RCPT time. */
export const postgreyPolicyService = (): PolicyService => ({ endpoint: `unix:${POSTGREY_SOCKET}` });

/** POSTGREY_OPTS, one option each. */
export const postgreyOptions = (spec: ResolvedMailHostSpec): string[] => [
  // A unix socket: no TCP port to protect, and Postfix reaches it relative to its queue directory.
  `--unix=${POSTFIX_QUEUE_DIRECTORY}/${POSTGREY_SOCKET}`,
  // How long a new sender must wait; legitimate MTAs retry after a few minutes.
  `--delay=${spec.postgrey.delaySeconds}`,
];

/** Clients never greylisted: our networks (the backup MX never reaches Postgrey: see main.cf). */
export const postgreyWhitelistedClients = (spec: ResolvedMailHostSpec): string[] => [...spec.trustedNetworks];

/** /etc/default/postgrey, the whitelist, and the drop-in creating the socket directory. */
export const renderPostgrey = (spec: ResolvedMailHostSpec): RenderedFile[] => {
  const whitelist = postgreyWhitelistedClients(spec);
  return [
    {
      path: '/etc/default/postgrey',
      content: withHeader('#', 'host/postgrey/index.ts', renderEnvironmentFile({ POSTGREY_OPTS: postgreyOptions(spec) })),
      mode: '0644',
      owner: 'root',
      group: 'root',
    },
    {
      path: POSTGREY_CLIENT_WHITELIST,
      content: withHeader('#', 'host/postgrey/index.ts', whitelist.length === 0 ? '' : `${whitelist.join('\n')}\n`),
      mode: '0644',
      owner: 'root',
      group: 'root',
    },
    {
      path: POSTGREY_DROP_IN,
      // postgrey binds as root and sets the socket to 0666 itself; the directory must exist
      // (also on a freshly restored spool volume), so create it before every start.
      content: withHeader(
        '#',
        'host/postgrey/index.ts',
        `[Service]\nExecStartPre=/usr/bin/install -d -m 0755 -o postgrey -g postgrey ${POSTGREY_SOCKET_DIRECTORY}\n`,
      ),
      mode: '0644',
      owner: 'root',
      group: 'root',
    },
  ];
};

/** Postgrey: greylisting, a policy service of port 25. */
export const postgreyDaemon: MailDaemon = {
  name: 'postgrey',
  layer: 'filter',
  enabled: (spec) => spec.postgrey.enabled,
  packages: () => ['postgrey'],
  files: renderPostgrey,
  units: () => ['postgrey'],
  unitOfPath: [
    { prefix: '/etc/default/postgrey', unit: 'postgrey' },
    { prefix: '/etc/postgrey/', unit: 'postgrey' },
    { prefix: '/etc/systemd/system/postgrey.service.d/', unit: 'postgrey' },
  ],
  postfix: () => ({ policyServices: [{ service: postgreyPolicyService(), verdict: 'temporary' }] }),
};
