/** Amavis with SpamAssassin and ClamAV: files, Postfix hooks, and its record (`amavisDaemon`). */
import { MailDaemon } from '../daemon';
import { RenderedFile, withHeader } from '../files';
import { renderKeyValueLines } from '../format/key-value';
import { renderPerlAssignments } from '../format/perl-assignments';
import { ResolvedMailHostSpec } from '../spec';
import { systemdUnitFile, SYSTEMD_UNIT_DIRECTORY } from '../format/systemd-unit';
import { AMAVIS_QUARANTINE_DIRECTORY, amavisSettings } from './amavis-conf';
import { CLAMD_CONF_PATH, clamdSettings } from './clamd-conf';
import { JUNK_SIEVE_PATH, renderSieveFileIntoRule, SPAM_TO_JUNK } from './junk-sieve';
import { amavisContentFilter, amavisMasterServices } from './postfix-services';

export * from './amavis-conf';
export * from './clamd-conf';
export * from './junk-sieve';
export * from './postfix-services';

/** Amavis' own settings file (Debian reads conf.d in name order; 50-user comes last). */
export const AMAVIS_CONF_PATH = '/etc/amavis/conf.d/50-user';

/** True when spam is delivered tagged and Dovecot files it into Junk. */
export const filesSpamIntoJunk = (spec: ResolvedMailHostSpec): boolean =>
  spec.amavis.enabled && spec.amavis.spamPolicy === 'tag' && spec.sieve;

/** Drop-ins of amavis.service. */
const AMAVIS_DROP_IN_DIRECTORY = `${SYSTEMD_UNIT_DIRECTORY}/amavis.service.d/`;

/**
 * Creates the quarantine before each start (`+`: as root, though the unit runs as amavis): it is on
 * the spool volume, which a first boot mounts after the packages are installed and a restored
 * snapshot may bring without it.
 */
const quarantineDropIn = (): RenderedFile =>
  systemdUnitFile('amavis.service.d/mirovoy-quarantine.conf', 'host/amavis/index.ts', {
    Service: { ExecStartPre: `+/usr/bin/install -d -m 0750 -o amavis -g amavis ${AMAVIS_QUARANTINE_DIRECTORY.replace(/\/[^/]+$/, '')} ${AMAVIS_QUARANTINE_DIRECTORY}` },
  });

const rootFile = (path: string, content: string): RenderedFile => ({ path, content, mode: '0644', owner: 'root', group: 'root' });

/** 50-user, clamd.conf and (for the `tag` policy) the Junk Sieve script. Nothing when Amavis is off. */
export const renderAmavis = (spec: ResolvedMailHostSpec): RenderedFile[] =>
  spec.amavis.enabled
    ? [
        rootFile(AMAVIS_CONF_PATH, withHeader('#', 'host/amavis/amavis-conf.ts', renderPerlAssignments(amavisSettings(spec)))),
        rootFile(CLAMD_CONF_PATH, withHeader('#', 'host/amavis/clamd-conf.ts', renderKeyValueLines(clamdSettings(spec)))),
        ...(filesSpamIntoJunk(spec) ? [rootFile(JUNK_SIEVE_PATH, renderSieveFileIntoRule(SPAM_TO_JUNK))] : []),
        quarantineDropIn(),
      ]
    : [];

/**
 * Amavis' decoders: without them archives are passed unscanned ("undecipherable"). 7zip
 * covers most formats since amavisd-new 2.12 (7zz), the rest are Debian's suggestions.
 */
const AMAVIS_DECODERS = ['7zip', 'arj', 'bzip2', 'cabextract', 'cpio', 'lhasa', 'lzop', 'nomarch', 'rpm2cpio', 'unrar-free', 'xz-utils', 'zstd'];

/** Amavis, running SpamAssassin in its own processes and scanning with clamd: Postfix's content filter. */
export const amavisDaemon: MailDaemon = {
  name: 'amavis',
  layer: 'filter',
  enabled: (spec) => spec.amavis.enabled,
  packages: () => [
    'amavisd-new',
    'spamassassin',
    // Recommendations are not installed, so what SpamAssassin uses is named: gpg-agent for its
    // postinst's key import and sa-update's signature checks (gpg is in the image), the modules
    // of its SPF and DMARC plugins (v400.pre loads DMARC). Left out on purpose: sa-compile
    // (it pulls gcc, make and re2c, ~165 MB), spamc/spamd (Amavis runs SpamAssassin itself).
    'gpg-agent',
    'libmail-spf-perl',
    'libmail-dmarc-perl',
    'clamav',
    'clamav-daemon',
    'clamav-freshclam',
    'libdbi-perl',
    'libdbd-mariadb-perl',
    ...AMAVIS_DECODERS,
  ],
  files: renderAmavis,
  // clamd before Amavis, so the first message finds the scanner.
  units: () => ['clamav-daemon', 'amavis'],
  // spamd comes with spamassassin (spamassassin → spamc → spamd on trixie) although Amavis runs
  // SpamAssassin in its own processes: it would cost ~135 MiB (PSS, measured by bench:rehearsal) for nothing.
  unwantedUnits: ['spamd'],
  checks: (spec) => [
    // Loads every conf.d file (a Perl error fails it) and exits; it neither binds nor connects.
    { unit: 'amavis', command: ['amavisd', 'showkeys'] },
    // Parses clamd.conf (an unknown or malformed option fails it) and prints the version.
    { unit: 'clamav-daemon', command: ['clamd', `--config-file=${CLAMD_CONF_PATH}`, '--version'] },
    // Compiles the global script next to itself: Dovecot's LMTP could not write the binary there.
    ...(filesSpamIntoJunk(spec) ? [{ unit: 'dovecot', command: ['sievec', JUNK_SIEVE_PATH] }] : []),
  ],
  groupMembers: [{ user: 'clamav', group: 'amavis', reason: "clamd reads the message parts Amavis unpacks in its own (group amavis) directory" }],
  unitOfPath: [
    { prefix: '/etc/amavis/', unit: 'amavis' },
    { prefix: '/etc/clamav/', unit: 'clamav-daemon' },
    { prefix: AMAVIS_DROP_IN_DIRECTORY, unit: 'amavis' },
    // The Junk script is Dovecot's to run (its `before` script).
    { prefix: '/etc/dovecot/sieve/', unit: 'dovecot' },
  ],
  // Its quarantine is on the spool volume.
  spoolUnit: 'amavis',
  postfix: (spec) => ({ contentFilter: amavisContentFilter(), masterServices: amavisMasterServices(spec) }),
  unitReadingSecret: (file) => (file.credential === 'amavis' ? 'amavis' : undefined),
};
