import { cacheEntryName, ensureCachedDirectory } from './cache';
import { run } from './command';
import { hostDebianMirror, suiteSources } from './debian-mirror';

/** The Debian release the mail hosts run (see DESIGN.md: Debian 13). */
export const DEFAULT_SUITE = 'trixie';

/**
 * Packages of the base root filesystem: what a stock Debian cloud image brings that matters to
 * user-data (cloud-init, systemd, apt, networking tools) and no mail software — the user-data
 * installs that itself, as it does on EC2.
 */
export const BASE_ROOTFS_PACKAGES: readonly string[] = [
  'cloud-init', 'systemd-sysv', 'dbus', 'ca-certificates', 'iproute2', 'procps', 'netbase',
  'python3', 'less', 'sudo', 'gpg', 'apt-utils',
  // A stock cloud image has it; without ssh-keygen cloud-init's ssh module fails and every boot ends "degraded done".
  'openssh-server',
];

/** Bump when the build below changes in a way the package list does not show: it invalidates the cache. */
const ROOTFS_RECIPE_VERSION = 2;

/** Options for {@link ensureBaseRootfs}. */
export interface BaseRootfsProps {
  /** @default DEFAULT_SUITE */
  readonly suite?: string;
  /** @default BASE_ROOTFS_PACKAGES */
  readonly packages?: readonly string[];
}

/**
 * Returns the directory of the base root filesystem, building it with mmdebstrap from the host's
 * Debian mirror when this week's cache entry is missing (cold: about 30–60 s, 230 MB). The directory
 * is shared by every rehearsal and must be used read-only, as an overlay's lower dir.
 */
export async function ensureBaseRootfs(props: BaseRootfsProps = {}): Promise<string> {
  const suite = props.suite ?? DEFAULT_SUITE;
  const packages = [...new Set(props.packages ?? BASE_ROOTFS_PACKAGES)].sort();
  const name = cacheEntryName(`rootfs-${suite}`, { suite, packages, recipe: ROOTFS_RECIPE_VERSION }, new Date());
  return ensureCachedDirectory({
    name,
    description: `${suite} base rootfs`,
    tarball: true,
    build: (directory, logFile) => buildRootfs(directory, logFile, suite, packages),
  });
}

async function buildRootfs(directory: string, logFile: string, suite: string, packages: readonly string[]): Promise<void> {
  await run(
    [
      'mmdebstrap', '--variant=apt', `--include=${packages.join(',')}`,
      '--aptopt=Acquire::Languages "none"',
      // No man pages, docs or translations: a third of the unpacking time, never read in a rehearsal.
      '--dpkgopt=path-exclude=/usr/share/man/*', '--dpkgopt=path-exclude=/usr/share/doc/*',
      '--dpkgopt=path-include=/usr/share/doc/*/copyright', '--dpkgopt=path-exclude=/usr/share/locale/*',
      // mmdebstrap copies the build machine's hostname and resolver; a cloud image has neither
      // (cloud-init sets the hostname, the rehearsal writes resolv.conf per run).
      // Nor ssh host keys: each host makes its own at first boot (cloud-init), as on EC2.
      '--customize-hook=echo localhost > "$1/etc/hostname" && : > "$1/etc/resolv.conf" && rm -f "$1"/etc/ssh/ssh_host_*',
      suite, directory, ...suiteSources(hostDebianMirror(), suite),
    ],
    { logFile },
  );
}
