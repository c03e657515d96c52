/** The optional extra administrator that every host gets (the reference's "alt admin"). */
import { CloudConfigUser } from './cloud-config';

/** Who the extra administrator is. */
export interface AdminUserSpec {
  /** Linux user name. */
  readonly username: string;
  /** Login shell; its package is installed when it is not part of the base image. */
  readonly shell: string;
  /** OpenSSH public keys allowed to log in. */
  readonly sshPublicKeys: readonly string[];
  /** Supplementary groups, e.g. adm, sudo, systemd-journal. */
  readonly groups: readonly string[];
}

/** Debian packages that provide the shells we allow beyond bash and sh. */
const SHELL_PACKAGES: Readonly<Record<string, string>> = { '/usr/bin/zsh': 'zsh', '/usr/bin/ksh': 'ksh', '/usr/bin/fish': 'fish' };

/** The cloud-init users list: the image's default user plus the administrator, if any. */
export const cloudConfigUsers = (admin: AdminUserSpec | undefined): (CloudConfigUser | 'default')[] =>
  admin
    ? [
        'default',
        {
          name: admin.username,
          shell: admin.shell,
          groups: admin.groups,
          // Key-only logins (no password exists), so sudo cannot ask for one.
          sudo: 'ALL=(ALL) NOPASSWD:ALL',
          ssh_authorized_keys: admin.sshPublicKeys,
          lock_passwd: true,
        },
      ]
    : ['default'];

/** Packages the administrator's shell needs. */
export const adminShellPackages = (admin: AdminUserSpec | undefined): string[] => {
  const pkg = admin ? SHELL_PACKAGES[admin.shell] : undefined;
  return pkg ? [pkg] : [];
};
