/**
 * The bootstrap of a mail host: its whole user data. Small and stable — it changes only when the
 * bootstrap logic does (or the host's name or administrator), so `user_data_replace_on_change`
 * replaces an instance only then. It installs the seam (`mirovoy-fetch`) and `mirovoy-converge`,
 * and starts `mirovoy-provision.service`, which fetches the configuration bundle the deployment
 * names (setting `bundle`), verifies and applies it; its timer does so again every few minutes,
 * so a new bundle is applied in place and every secret is refreshed. Before any of that it loads
 * the metadata guard (`imds-guard.ts`): the bundle's daemons never run on a host where they could
 * take the instance role.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { AdminUserSpec, cloudConfigUsers } from '../base/admin-user';
import { cloudConfigFiles, renderCloudConfig } from '../base/cloud-config';
import { IMDS_GUARD_PACKAGES, IMDS_GUARD_UNIT, renderImdsGuardFiles } from '../base/imds-guard';
import { generatedHeader, RenderedFile } from '../files';
import { renderShellAssignments, withoutCommentLines } from '../format/shell';
import { systemdUnitFile } from '../format/systemd-unit';
import { BUNDLE_MAGIC } from './bundle';
import { FETCH_COMMAND, renderFetchCommand } from './runtime-seam';

/** Path of the convergence command on the host. */
export const CONVERGE_COMMAND = '/usr/local/sbin/mirovoy-converge';
/** The unit that applies the bundle and refreshes secrets (at boot, and from its timer). */
export const PROVISION_UNIT = 'mirovoy-provision';
/** Its timer: the convergence loop. */
export const CONVERGE_TIMER = `${PROVISION_UNIT}.timer`;
/** JSON status of the last convergence run (state, message, wanted/applied/refused bundle). */
export const CONVERGE_STATUS_FILE = '/var/lib/mirovoy/status.json';
/** EC2's limit on user data, in bytes (before base64). */
export const EC2_USER_DATA_LIMIT = 16384;
/** Our own limit for the bootstrap, so it stays small: a test keeps every host under it. */
export const BOOTSTRAP_LIMIT = 4096;

/**
 * How often the timer looks for a new bundle: every few minutes, randomized so the hosts of a
 * deployment do not all ask at once. A run that finds nothing new costs a metadata request and
 * one Secrets Manager request per secret.
 */
const CONVERGE_EVERY = { OnBootSec: '3min', OnUnitInactiveSec: '3min', RandomizedDelaySec: '90s' } as const;

const CONVERGE_BODY = withoutCommentLines(readFileSync(join(__dirname, 'mirovoy-converge.sh'), 'utf8'));

/** `mirovoy-converge` with its settings block. */
export const renderConvergeCommand = (paths: { readonly provisionCommand: string; readonly stateDirectory: string }): RenderedFile => ({
  path: CONVERGE_COMMAND,
  content: `#!/bin/bash\n${generatedHeader('#', 'host/provision/mirovoy-converge.sh')}${renderShellAssignments({
    FETCH: FETCH_COMMAND,
    PROVISION: paths.provisionCommand,
    STATE_DIRECTORY: paths.stateDirectory,
    STAGED_DIRECTORY: `${paths.stateDirectory}/staged`,
    INCOMING_DIRECTORY: `${paths.stateDirectory}/incoming`,
    STATUS_FILE: CONVERGE_STATUS_FILE,
    BUNDLE_MAGIC,
  })}${CONVERGE_BODY}`,
  mode: '0755',
  owner: 'root',
  group: 'root',
});

const unitFile = (name: string, sections: Parameters<typeof systemdUnitFile>[2]): RenderedFile => systemdUnitFile(name, 'host/provision/bootstrap.ts', sections);

/**
 * The provisioning service and its timer. A failure (the database, the metadata service or
 * Secrets Manager down at boot) is retried with a growing delay, for ever: it delays mail-ready,
 * it does not end it. A refused bundle (exit 3) is not retried until the deployment names another.
 */
export const renderProvisionUnits = (): RenderedFile[] => [
  unitFile(`${PROVISION_UNIT}.service`, {
    Unit: {
      Description: "Apply this mail host's configuration bundle and refresh its secrets",
      Wants: 'network-online.target',
      // No daemon is installed on a host whose metadata guard is not loaded.
      Requires: IMDS_GUARD_UNIT,
      After: ['network-online.target', IMDS_GUARD_UNIT],
      // Never give up (the default limit stops a unit after 5 starts in 10 s).
      StartLimitIntervalSec: 0,
    },
    Service: {
      Type: 'oneshot',
      ExecStart: CONVERGE_COMMAND,
      // Installing the packages of a first boot takes minutes, not the default 90 s.
      TimeoutStartSec: '1h',
      Restart: 'on-failure',
      RestartPreventExitStatus: 3,
      RestartSec: '5s',
      RestartSteps: 6,
      RestartMaxDelaySec: '5min',
    },
    Install: { WantedBy: 'multi-user.target' },
  }),
  unitFile(CONVERGE_TIMER, {
    Unit: { Description: 'Look for a new configuration bundle and refresh secrets every few minutes' },
    Timer: { ...CONVERGE_EVERY, AccuracySec: '1s' },
    Install: { WantedBy: 'timers.target' },
  }),
];

/** What a host's bootstrap needs to know. */
export interface BootstrapProps {
  /** Fully qualified host name. */
  readonly hostname: string;
  /** The optional extra administrator (cloud-init creates it). */
  readonly admin?: AdminUserSpec;
  /** Path of `mirovoy-provision` (installed from the bundle). */
  readonly provisionCommand: string;
  /** Where the host keeps its bundle state. */
  readonly stateDirectory: string;
}

/** What the bootstrap installs: the seam's own needs (curl with SigV4; python3 is in every Debian cloud image) and the guard's. */
export const BOOTSTRAP_PACKAGES: readonly string[] = ['curl', 'ca-certificates', ...IMDS_GUARD_PACKAGES];

/** The bootstrap `#cloud-config`, uncompressed (for review and tests). */
export const renderBootstrapCloudConfig = (props: BootstrapProps): string => {
  const files = [...renderImdsGuardFiles(), renderFetchCommand(), renderConvergeCommand(props), ...renderProvisionUnits()];
  return renderCloudConfig(
    {
      fqdn: props.hostname,
      prefer_fqdn_over_hostname: true,
      // Amavis and Postfix need the FQDN to resolve before their packages install.
      manage_etc_hosts: true,
      package_update: true,
      packages: BOOTSTRAP_PACKAGES,
      users: cloudConfigUsers(props.admin),
      write_files: cloudConfigFiles(files),
      runcmd: [
        ['systemctl', 'daemon-reload'],
        ['systemctl', 'enable', '--now', IMDS_GUARD_UNIT],
        ['systemctl', 'enable', `${PROVISION_UNIT}.service`, CONVERGE_TIMER],
        ['systemctl', 'start', '--no-block', `${PROVISION_UNIT}.service`, CONVERGE_TIMER],
      ],
    },
    { compact: true },
  );
};

/** The user data of a mail host: the bootstrap cloud-config, gzip-compressed (deterministic). */
export const renderBootstrapUserData = (props: BootstrapProps): Buffer => gzipSync(renderBootstrapCloudConfig(props), { level: 9 });
