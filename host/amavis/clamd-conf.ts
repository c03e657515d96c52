/**
 * /etc/clamav/clamd.conf: the file Debian's clamav-daemon.service really reads (clamd's
 * compiled-in default, `clamconf` shows it; the reference edited /etc/clamd.d/scan.conf
 * while its clamd@amavisd instance read another file). We write the whole file: the socket
 * and user settings Debian generates, plus the database reload mode.
 * https://docs.clamav.net/manual/Usage/Configuration.html, clamd.conf(5)
 */
import { KeyValue } from '../format/key-value';
import { ResolvedMailHostSpec } from '../spec';

/** Path of clamd's configuration on Debian. */
export const CLAMD_CONF_PATH = '/etc/clamav/clamd.conf';
/** clamd's socket; Debian's amavis `@av_scanners` entry for ClamAV-clamd uses this path. */
export const CLAMD_SOCKET = '/var/run/clamav/clamd.ctl';

/** clamd.conf settings, in file order. */
export const clamdSettings = (spec: ResolvedMailHostSpec): Readonly<Record<string, KeyValue>> => ({
  // As Debian generates them: the socket clamav-daemon.socket also listens on, open to
  // amavis. clamd reads amavis' temporary files through the amavis group (FILTER_GROUP_MEMBERS).
  LocalSocket: CLAMD_SOCKET,
  FixStaleSocket: true,
  LocalSocketGroup: 'clamav',
  LocalSocketMode: '666',
  User: 'clamav',
  DatabaseDirectory: '/var/lib/clamav',
  LogFile: '/var/log/clamav/clamav.log',
  LogTime: true,
  LogRotate: true,
  SelfCheck: 3600,
  // Amavis hands clamd the decoded parts of a message, never whole mailboxes.
  ScanMail: true,
  ScanArchive: true,
  // A concurrent reload keeps scanning during a signature update but holds two databases
  // in memory (~2 GiB with the official ones); without it scanning pauses and Amavis defers.
  ConcurrentDatabaseReload: spec.clamavConcurrentDatabaseReload,
});
