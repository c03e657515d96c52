/**
 * User data of a host with no mail role (the bastion): the administrator, security updates, and
 * the metadata guard (only root reaches the metadata service, see `imds-guard.ts`).
 */
import { AdminUserSpec, adminShellPackages, cloudConfigUsers } from './admin-user';
import { cloudConfigFiles, renderCloudConfig } from './cloud-config';
import { IMDS_GUARD_PACKAGES, IMDS_GUARD_UNIT, renderImdsGuardFiles } from './imds-guard';

/** Renders `#cloud-config` user data with the administrator, unattended security upgrades and the metadata guard. */
export const renderBaseUserData = (admin: AdminUserSpec | undefined): string =>
  renderCloudConfig({
    package_update: true,
    packages: ['unattended-upgrades', ...IMDS_GUARD_PACKAGES, ...adminShellPackages(admin)],
    users: cloudConfigUsers(admin),
    write_files: cloudConfigFiles(renderImdsGuardFiles()),
    runcmd: [['systemctl', 'enable', '--now', IMDS_GUARD_UNIT]],
  });
