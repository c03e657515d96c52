/**
 * Block devices for rehearsal hosts, standing in for EBS volumes: a raw disk image (sparse file)
 * attached as a loop device and bound into the guest under the attachment's device name
 * (`/dev/sdf`), where the provision step finds, formats and mounts it as on EC2. A copy of the
 * image stands for a snapshot.
 */
import { copyFileSync, constants, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { run } from './command';

/** A volume of a rehearsal host. */
export interface RehearsalVolume {
  /** Where the guest sees it, e.g. `/dev/sdf` (the device name of the EBS attachment). */
  readonly device: string;
  /** Raw image on this machine to attach, e.g. a snapshot from {@link copyVolumeImage}. @default a new blank image of `sizeMiB` */
  readonly image?: string;
  /** Size of a new blank image. @default 256 */
  readonly sizeMiB?: number;
}

/** Creates a blank (sparse) image: a new, unformatted EBS volume. */
export const createBlankImage = (path: string, sizeMiB: number): void => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '', { flag: 'wx' });
  truncateSync(path, sizeMiB * 1024 * 1024);
};

/** Attaches an image as a new loop device; returns its path (`/dev/loopN`). */
export const attachLoopDevice = async (image: string): Promise<string> => (await run(['losetup', '--find', '--show', image])).stdout.trim();

/** Detaches a loop device. */
export const detachLoopDevice = async (device: string): Promise<void> => {
  await run(['losetup', '--detach', device]);
};

/**
 * Copies an image (as EBS snapshots a volume): a copy-on-write clone where the file system can,
 * else a plain copy. The caller keeps the file system quiet meanwhile (`fsfreeze` in the guest).
 */
export const copyVolumeImage = (from: string, to: string): void => copyFileSync(from, to, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
