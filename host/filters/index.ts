/**
 * The filtering, signing and protection layer of a mail host — Amavis (SpamAssassin,
 * ClamAV), Postgrey, policyd-spf, OpenDKIM, fail2ban — composed for a role: its files,
 * its Postfix hooks, and what the provision step needs to run it (packages, units,
 * checks, group memberships, which file belongs to which unit).
 */
import { amavisContentFilter, amavisMasterServices, CLAMD_CONF_PATH, filesSpamIntoJunk, JUNK_SIEVE_PATH, renderAmavis } from '../amavis';
import { renderFail2ban } from '../fail2ban';
import { RenderedFile } from '../files';
import { OPENDKIM_CONF, opendkimMilters, renderOpendkim } from '../opendkim';
import { PostfixExtensions } from '../postfix/extensions';
import { postgreyPolicyService, renderPostgrey } from '../postgrey';
import { ResolvedMailHostSpec } from '../spec';
import { renderSpf, spfMasterService, spfPolicyService } from '../spf';

/** A command that must succeed before `unit` is (re)started; argv, run as root. */
export interface ServiceCheck {
  readonly unit: string;
  readonly command: readonly string[];
}

/** A supplementary group a system user must have (`usermod -aG group user`). */
export interface GroupMembership {
  readonly user: string;
  readonly group: string;
  /** Why, for people and logs. */
  readonly reason: string;
}

/** Which unit reads the files under a path prefix; `null`: none (read per use, nothing to restart). */
export interface UnitOfPath {
  readonly prefix: string;
  readonly unit: string | null;
}

/**
 * Path prefixes of this layer's files and the unit that reads them. A changed file under
 * /etc/systemd/system/ needs `systemctl daemon-reload` before the restart.
 */
export const FILTER_UNIT_OF_PATH: readonly UnitOfPath[] = [
  { prefix: '/etc/amavis/', unit: 'amavis' },
  { prefix: '/etc/clamav/', unit: 'clamav-daemon' },
  { prefix: '/etc/default/postgrey', unit: 'postgrey' },
  { prefix: '/etc/postgrey/', unit: 'postgrey' },
  { prefix: '/etc/systemd/system/postgrey.service.d/', unit: 'postgrey' },
  { prefix: '/etc/opendkim', unit: 'opendkim' },
  { prefix: '/etc/fail2ban/', unit: 'fail2ban' },
  { prefix: '/etc/dovecot/sieve/', unit: 'dovecot' },
  // policyd-spf is spawned by Postfix per connection and reads its file each time.
  { prefix: '/etc/postfix-policyd-spf-python/', unit: null },
];

/** The unit that reads `path`, `null` when none does, `undefined` when the path is not this layer's. */
export const filterUnitOfPath = (path: string): string | null | undefined => FILTER_UNIT_OF_PATH.find((u) => path.startsWith(u.prefix))?.unit;

/** Postfix hooks: content filter and its services, policy services (SPF before Postgrey), milters. */
export const filterExtensions = (spec: ResolvedMailHostSpec): PostfixExtensions => ({
  // SPF first: a forged sender is refused outright instead of being greylisted and retried.
  policyServices: [...(spec.spf.enabled ? [spfPolicyService()] : []), ...(spec.postgrey.enabled ? [postgreyPolicyService()] : [])],
  contentFilter: spec.amavis.enabled ? amavisContentFilter() : null,
  milters: spec.dkim.enabled ? opendkimMilters() : null,
  masterServices: [...(spec.amavis.enabled ? amavisMasterServices(spec) : []), ...(spec.spf.enabled ? [spfMasterService()] : [])],
});

/** The layer's configuration files. */
export const renderFilters = (spec: ResolvedMailHostSpec): RenderedFile[] => [
  ...renderAmavis(spec),
  ...(spec.postgrey.enabled ? renderPostgrey(spec) : []),
  ...(spec.spf.enabled ? renderSpf(spec) : []),
  ...renderOpendkim(spec),
  ...renderFail2ban(spec),
];

/**
 * Amavis' decoders: without them archives are passed unscanned ("undecipherable"). 7zip
 * covers most formats since amavisd-new 2.12 (7zz), the rest are Debian's suggestions.
 */
const AMAVIS_DECODERS = ['7zip', 'arj', 'bzip2', 'cabextract', 'cpio', 'lhasa', 'lzop', 'nomarch', 'rpm2cpio', 'unrar-free', 'xz-utils', 'zstd'];

/** Debian packages of the layer for a role (in addition to the Postfix/Dovecot ones). */
export const filterPackages = (spec: ResolvedMailHostSpec): string[] => [
  ...(spec.amavis.enabled
    ? [
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
      ]
    : []),
  ...(spec.postgrey.enabled ? ['postgrey'] : []),
  ...(spec.spf.enabled ? ['postfix-policyd-spf-python'] : []),
  ...(spec.dkim.enabled ? ['opendkim', 'opendkim-tools'] : []),
  // python3-systemd: fail2ban's systemd backend (a recommendation, named because recommendations are not installed).
  ...(spec.fail2ban.enabled ? ['fail2ban', 'nftables', 'python3-systemd'] : []),
];

/** Units of the layer to enable and (re)start, in order, before Postfix is restarted. */
export const filterUnits = (spec: ResolvedMailHostSpec): string[] => [
  // clamd before Amavis, so the first message finds the scanner.
  ...(spec.amavis.enabled ? ['clamav-daemon', 'amavis'] : []),
  ...(spec.postgrey.enabled ? ['postgrey'] : []),
  ...(spec.dkim.enabled ? ['opendkim'] : []),
  ...(spec.fail2ban.enabled ? ['fail2ban'] : []),
];

/**
 * Units that arrive as recommended packages but must not run. spamd comes with spamassassin
 * (spamassassin → spamc → spamd on trixie) although Amavis runs SpamAssassin in its own
 * processes: it would cost ~135 MiB (PSS, measured by bench:rehearsal) for nothing.
 */
export const filterUnwantedUnits = (spec: ResolvedMailHostSpec): string[] => (spec.amavis.enabled ? ['spamd'] : []);

/** Configuration checks to pass before the units are restarted (none of them starts a daemon). */
export const filterChecks = (spec: ResolvedMailHostSpec): ServiceCheck[] => [
  ...(spec.amavis.enabled
    ? [
        // Loads every conf.d file (a Perl error fails it) and exits; it neither binds nor connects.
        { unit: 'amavis', command: ['amavisd', 'showkeys'] },
        // Parses clamd.conf (an unknown or malformed option fails it) and prints the version.
        { unit: 'clamav-daemon', command: ['clamd', `--config-file=${CLAMD_CONF_PATH}`, '--version'] },
      ]
    : []),
  // Compiles the global script next to itself: Dovecot's LMTP could not write the binary there.
  ...(filesSpamIntoJunk(spec) ? [{ unit: 'dovecot', command: ['sievec', JUNK_SIEVE_PATH] }] : []),
  ...(spec.dkim.enabled ? [{ unit: 'opendkim', command: ['opendkim', '-n', '-x', OPENDKIM_CONF] }] : []),
  ...(spec.fail2ban.enabled ? [{ unit: 'fail2ban', command: ['fail2ban-client', '--test'] }] : []),
];

/** Supplementary groups the daemons need. */
export const filterGroupMembers = (spec: ResolvedMailHostSpec): GroupMembership[] =>
  spec.amavis.enabled
    ? [{ user: 'clamav', group: 'amavis', reason: "clamd reads the message parts Amavis unpacks in its own (group amavis) directory" }]
    : [];
