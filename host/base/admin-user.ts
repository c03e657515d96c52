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

/**
 * Accounts a host already has or gets from its packages: Debian's base-passwd and systemd users,
 * the image's default user, and the users of our daemons. An administrator of one of these names
 * would share its files (and, for the mail users, its mail). The rehearsal e2e suite checks the
 * list against the accounts of a booted primary.
 */
export const SYSTEM_ACCOUNTS: readonly string[] = [
  // base-passwd
  ...['root', 'daemon', 'bin', 'sys', 'sync', 'games', 'man', 'lp', 'mail', 'news', 'uucp', 'proxy', 'www-data', 'backup', 'list', 'irc', '_apt', 'nobody'],
  // systemd, D-Bus, OpenSSH, chrony, DHCP, the image's default user (cloud-init)
  ...['systemd-network', 'systemd-timesync', 'systemd-resolve', 'systemd-journal', 'messagebus', 'polkitd', 'sshd', '_chrony', 'tss', 'dhcpcd', 'admin'],
  // the mail daemons
  ...['postfix', 'vmail', 'dovecot', 'dovenull', 'amavis', 'clamav', 'debian-spamd', 'opendkim', 'postgrey', 'policyd-spf', 'mysql', 'fail2ban'],
  // our daemons' users (systemd's DynamicUser, named by the unit)
  ...['mirovoy-from-check'],
];

/** Why an administrator may not have this name, or `null` when it may. */
export const adminUsernameProblem = (username: string): string | null =>
  SYSTEM_ACCOUNTS.includes(username) || username.startsWith('systemd-')
    ? `is a system account of the hosts (${username}); choose a personal name such as "alice" (taken: ${SYSTEM_ACCOUNTS.join(', ')}, systemd-*)`
    : null;

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
