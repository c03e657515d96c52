import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';

/** A file placed into a host's root filesystem before it boots. */
export type GuestFile =
  | {
      /** Absolute path inside the host, e.g. "/etc/mirovoy/secrets.json". */
      readonly path: string;
      readonly content: string | Buffer;
      /** @default 0o644 */
      readonly mode?: number;
      /** Numeric owner (the user may not exist yet: packages create it at boot). @default 0 */
      readonly uid?: number;
      /** @default 0 */
      readonly gid?: number;
    }
  | {
      readonly path: string;
      /** Makes `path` a symbolic link to this target, e.g. "/dev/null" to mask a systemd unit. */
      readonly symlinkTo: string;
    };

/** What a rehearsal changes in a host beyond the user-data (see {@link rehearsalOverrides}). */
export interface RehearsalOverrideProps {
  /** Nameserver for /etc/resolv.conf: the rehearsal DNS. */
  readonly nameserver: string;
}

/** Directory inside the host where the local apt repository is bind-mounted. */
export const GUEST_REPO_PATH = '/srv/repo';

/** Paths removed from a host before boot: every apt source but the rehearsal's. */
export const REMOVED_GUEST_PATHS: readonly string[] = ['/etc/apt/sources.list', '/etc/apt/sources.list.d'];

/**
 * The rehearsal-only changes to a host, applied to its overlay before boot and never to its user-data
 * (which must run exactly as on EC2):
 * - apt reads only the local repository (the LAN has no route to a mirror);
 * - DNS is the rehearsal's dnsmasq;
 * - cloud-init takes the NoCloud seed and leaves the network alone (nspawn already configured eth0);
 * - freshclam is masked: it cannot reach the internet, and clamav-freshclam-once alone held boot for 40 s
 *   in the feasibility study.
 */
export function rehearsalOverrides(props: RehearsalOverrideProps): GuestFile[] {
  return [
    { path: '/etc/apt/sources.list.d/rehearsal.list', content: `deb [trusted=yes] file:${GUEST_REPO_PATH} ./\n` },
    { path: '/etc/resolv.conf', content: `# rehearsal DNS\nnameserver ${props.nameserver}\n` },
    {
      path: '/etc/cloud/cloud.cfg.d/90-rehearsal.cfg',
      content: '# Rehearsal: NoCloud seed from /var/lib/cloud/seed/nocloud; nspawn configures the network.\n' +
        'datasource_list: [ NoCloud, None ]\nnetwork: {config: disabled}\n',
    },
    ...['clamav-freshclam.service', 'clamav-freshclam-once.service', 'clamav-freshclam-once.timer'].map((unit) => ({
      path: `/etc/systemd/system/${unit}`,
      symlinkTo: '/dev/null',
    })),
  ];
}

/** The NoCloud seed: the user-data byte for byte (cloud-init inflates gzip itself), and meta-data naming the instance. */
export function noCloudSeed(props: { readonly userData: string | Buffer; readonly instanceId: string; readonly hostname: string }): GuestFile[] {
  return [
    { path: '/var/lib/cloud/seed/nocloud/user-data', content: props.userData, mode: 0o600 },
    { path: '/var/lib/cloud/seed/nocloud/meta-data', content: `instance-id: ${props.instanceId}\nlocal-hostname: ${props.hostname}\n` },
  ];
}

/**
 * The host-side path of `guestPath` under `root`, refusing paths that are relative, contain "..",
 * or lead out of `root` through an absolute symlink in the guest (which would point into the host).
 */
export function hostPathOf(root: string, guestPath: string): string {
  const normal = posix.normalize(guestPath);
  if (!guestPath.startsWith('/') || guestPath.split('/').includes('..') || normal === '/') {
    throw new Error(`guest path "${guestPath}" must be an absolute path to a file, without ".."`);
  }
  const hostPath = join(root, normal);
  let ancestor = dirname(hostPath);
  while (!existsSync(ancestor)) ancestor = dirname(ancestor);
  const realRoot = realpathSync(root);
  const realAncestor = realpathSync(ancestor);
  if (realAncestor !== realRoot && !realAncestor.startsWith(`${realRoot}/`)) {
    throw new Error(`guest path "${guestPath}" leads out of the host's root through a symlink (${ancestor} -> ${realAncestor})`);
  }
  return hostPath;
}

/** Writes one {@link GuestFile} under `root`, replacing whatever was there (a symlink is replaced, not followed). */
export function writeGuestFile(root: string, file: GuestFile): void {
  const hostPath = hostPathOf(root, file.path);
  mkdirSync(dirname(hostPath), { recursive: true });
  if (existsSync(hostPath) || isSymlink(hostPath)) rmSync(hostPath, { recursive: true, force: true });
  if ('symlinkTo' in file) {
    symlinkSync(file.symlinkTo, hostPath);
    return;
  }
  writeFileSync(hostPath, file.content);
  chmodSync(hostPath, file.mode ?? 0o644);
  chownSync(hostPath, file.uid ?? 0, file.gid ?? 0);
}

/** Reads a file of the host through its root (works while it runs, and after it stopped until removed). */
export function readGuestFile(root: string, guestPath: string): string {
  const hostPath = hostPathOf(root, guestPath);
  const realRoot = realpathSync(root);
  if (!realpathSync(hostPath).startsWith(`${realRoot}/`)) {
    throw new Error(`guest file "${guestPath}" is a symlink out of the host's root; read its target instead`);
  }
  return readFileSync(hostPath, 'utf8');
}

/** Removes a file or directory tree under `root`. */
export function removeGuestPath(root: string, guestPath: string): void {
  rmSync(hostPathOf(root, guestPath), { recursive: true, force: true });
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
