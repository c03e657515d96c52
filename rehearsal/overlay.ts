import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './command';

/** The directories of one overlay mount. */
export interface OverlayDirs {
  /** The merged view (the mount point): the container's root. */
  readonly root: string;
  /** The writable layer: everything the container changed, readable after it stopped. */
  readonly upper: string;
}

/**
 * Mounts an overlayfs at `<parent>/root` with `lower` read-only beneath `<parent>/upper`, so many
 * hosts share one base rootfs and each run starts from the same pristine files.
 */
export async function mountOverlay(lower: string, parent: string): Promise<OverlayDirs> {
  const [root, upper, work] = ['root', 'upper', 'work'].map((name) => join(parent, name));
  for (const directory of [root, upper, work]) mkdirSync(directory, { recursive: true });
  await run(['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, root]);
  return { root, upper };
}

/**
 * Unmounts a mount point. A mount still busy (a process lingering in it) is detached lazily
 * so that teardown always completes; the kernel frees it when the last user goes.
 */
export async function unmount(mountPoint: string): Promise<void> {
  const { code } = await run(['umount', mountPoint], { allowFailure: true });
  if (code !== 0) await run(['umount', '--lazy', mountPoint]);
}

/** Mount points of this mount namespace, from /proc/self/mountinfo (octal escapes decoded). */
export function listMountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[4].replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
}
