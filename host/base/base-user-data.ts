/** User data of a host with no mail role (the bastion): the administrator and security updates. */
import { AdminUserSpec, adminShellPackages, cloudConfigUsers } from './admin-user';
import { renderCloudConfig } from './cloud-config';

/** Renders `#cloud-config` user data with the administrator and unattended security upgrades. */
export const renderBaseUserData = (admin: AdminUserSpec | undefined): string =>
  renderCloudConfig({
    package_update: true,
    packages: ['unattended-upgrades', ...adminShellPackages(admin)],
    users: cloudConfigUsers(admin),
  });
