/** Amavis with SpamAssassin and ClamAV: files and Postfix hooks. */
import { RenderedFile, withHeader } from '../files';
import { renderKeyValueLines } from '../format/key-value';
import { renderPerlAssignments } from '../format/perl-assignments';
import { ResolvedMailHostSpec } from '../spec';
import { amavisSettings } from './amavis-conf';
import { CLAMD_CONF_PATH, clamdSettings } from './clamd-conf';
import { JUNK_SIEVE_PATH, renderSieveFileIntoRule, SPAM_TO_JUNK } from './junk-sieve';

export * from './amavis-conf';
export * from './clamd-conf';
export * from './junk-sieve';
export * from './postfix-services';

/** Amavis' own settings file (Debian reads conf.d in name order; 50-user comes last). */
export const AMAVIS_CONF_PATH = '/etc/amavis/conf.d/50-user';

/** True when spam is delivered tagged and Dovecot files it into Junk. */
export const filesSpamIntoJunk = (spec: ResolvedMailHostSpec): boolean =>
  spec.amavis.enabled && spec.amavis.spamPolicy === 'tag' && spec.sieve;

const rootFile = (path: string, content: string): RenderedFile => ({ path, content, mode: '0644', owner: 'root', group: 'root' });

/** 50-user, clamd.conf and (for the `tag` policy) the Junk Sieve script. Nothing when Amavis is off. */
export const renderAmavis = (spec: ResolvedMailHostSpec): RenderedFile[] =>
  spec.amavis.enabled
    ? [
        rootFile(AMAVIS_CONF_PATH, withHeader('#', 'host/amavis/amavis-conf.ts', renderPerlAssignments(amavisSettings(spec)))),
        rootFile(CLAMD_CONF_PATH, withHeader('#', 'host/amavis/clamd-conf.ts', renderKeyValueLines(clamdSettings(spec)))),
        ...(filesSpamIntoJunk(spec) ? [rootFile(JUNK_SIEVE_PATH, renderSieveFileIntoRule(SPAM_TO_JUNK))] : []),
      ]
    : [];
