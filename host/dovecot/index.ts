/** Dovecot files of a primary mail host. */
import { RenderedFile, withHeader } from '../files';
import { renderDovecotConf } from '../format/dovecot-conf';
import { ResolvedMailHostSpec } from '../spec';
import { dovecotConfig } from './dovecot-conf';

export { DOVECOT_QUERIES, dovecotConfig } from './dovecot-conf';

/** /etc/dovecot/dovecot.conf (no secrets in it; the lookup password is read from its own file). */
export const renderDovecot = (spec: ResolvedMailHostSpec): RenderedFile[] => [
  {
    path: '/etc/dovecot/dovecot.conf',
    content: withHeader('#', 'host/dovecot/dovecot-conf.ts', renderDovecotConf(dovecotConfig(spec))),
    mode: '0644',
    owner: 'root',
    group: 'root',
  },
];
