import { readFileSync } from 'node:fs';

/** The host's deb822 sources file: the only Debian mirror this machine may reach. */
export const HOST_SOURCES_FILE = '/etc/apt/sources.list.d/debian.sources';

/** The two archives a Debian release is served from. */
export interface DebianMirror {
  /** Main archive, e.g. http://deb.debian.org/debian */
  readonly archive: string;
  /** Security archive, e.g. http://deb.debian.org/debian-security */
  readonly security: string;
}

/**
 * Reads the mirror URIs from a deb822 sources text: the stanza whose suites include
 * a `-security` suite gives the security archive, the first other stanza the main one.
 */
export function parseDebianSources(text: string): DebianMirror {
  let archive: string | undefined;
  let security: string | undefined;
  for (const stanza of text.split(/\n\s*\n/)) {
    const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
    const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1] ?? '';
    if (!uri) continue;
    if (/-security\b/.test(suites)) security ??= uri;
    else archive ??= uri;
  }
  if (!archive) throw new Error(`no Debian archive URI found in ${HOST_SOURCES_FILE}; expected a "URIs:" line`);
  return { archive: stripSlash(archive), security: stripSlash(security ?? `${archive}-security`) };
}

/** The host's Debian mirror, from {@link HOST_SOURCES_FILE}. */
export function hostDebianMirror(): DebianMirror {
  return parseDebianSources(readFileSync(HOST_SOURCES_FILE, 'utf8'));
}

/** One-line apt sources for a suite and its -updates and -security suites (what a cloud image has). */
export function suiteSources(mirror: DebianMirror, suite: string): string[] {
  return [
    `deb ${mirror.archive} ${suite} main`,
    `deb ${mirror.archive} ${suite}-updates main`,
    `deb ${mirror.security} ${suite}-security main`,
  ];
}

function stripSlash(uri: string): string {
  return uri.replace(/\/+$/, '');
}
