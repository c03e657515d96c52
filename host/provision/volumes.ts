/** The durable data volumes of a mail host and its swap volume (EBS on AWS; the rehearsal keeps the data on the root file system). */

/** Mount point of the spool volume: Postfix's queue and every mailbox. */
export const SPOOL_MOUNT_POINT = '/var/spool';

/**
 * Durable data volumes: short name, file-system label, device name given at attachment, mount
 * point. The deployment tells the host each volume's id in the setting `volume-<name>`.
 */
export const DATA_VOLUMES = [
  { name: 'spool', label: 'mirovoy-spool', device: '/dev/sdf', mountPoint: SPOOL_MOUNT_POINT },
  { name: 'log', label: 'mirovoy-log', device: '/dev/sdg', mountPoint: '/var/log' },
] as const;

/**
 * The swap volume: a blank EBS volume of its own (`mail.storage.swapGiB`), made a swap area once
 * (by its label) and listed in fstab, so it is on from the next boot on as well. Its own volume,
 * not a file on the root volume: it neither fills the root file system (whose use is watched) nor
 * is it in the root volume's snapshots, and its size changes without touching the root volume.
 */
export const SWAP_VOLUME = { name: 'swap', label: 'mirovoy-swap', device: '/dev/sdh' } as const;

/** The run-time setting holding a volume's EBS volume id. */
export const volumeSetting = (name: (typeof DATA_VOLUMES)[number]['name'] | typeof SWAP_VOLUME.name): string => `volume-${name}`;
