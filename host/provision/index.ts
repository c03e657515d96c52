/**
 * Provisioning of a mail host: its configuration bundle (every rendered file, and
 * `mirovoy-provision`, which installs the packages and files, writes run-time secrets, applies the
 * schema, checks, and (re)starts only what changed). The small bootstrap user data
 * (`bootstrap.ts`) fetches the bundle and runs it, at boot and whenever the deployment names a new
 * one. The same bundle runs on EC2 and in the rehearsal; only the seam (`mirovoy-fetch`) answers
 * from different places.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdminUserSpec, adminShellPackages } from '../base/admin-user';
import { generatedHeader, RenderedFile } from '../files';
import { renderShellAssignments, shellArgvLists, shellTable, withoutCommentLines } from '../format/shell';
import { enabledDaemons, unitsInStartOrder } from '../daemons';
import { GroupMembership, MailHostRendering, ServiceCheck } from '../index';
import { DB_IMPORT_PATH, DB_MIGRATE_PATH, importsData, TEST_DATA_SECRET } from '../mysql';
import { OPENDKIM_KEY_TABLE } from '../opendkim';
import { DATABASE_SECRET_VALUE, DatabaseCredential, databaseSecretFile, PRIVATE_DIRECTORY, RELAY_PASSWORD_FILE, runsSchemaStep, SecretFile } from '../secrets';
import { ResolvedMailHostSpec } from '../spec';
import { FIRST_READY_FILE } from '../status';
import { renderBootstrapUserData } from './bootstrap';
import { HostBundle, packBundle } from './bundle';
import { DATABASE_HOST_VALUE, dkimSecretName, FETCH_COMMAND, renderStoreCommand, RUNTIME_SECRETS } from './runtime-seam';
import { DATA_VOLUMES, SPOOL_MOUNT_POINT, SWAP_VOLUME, volumeSetting } from './volumes';

export * from './bootstrap';
export * from './bundle';
export * from './volumes';

/** State of the host's configuration: applied bundle, status file, package list. */
export const STATE_DIRECTORY = '/var/lib/mirovoy';
/** The unpacked files of the applied bundle; `mirovoy-provision` installs them from here. */
export const STAGED_DIRECTORY = `${STATE_DIRECTORY}/staged`;
/** Path of the provision command on the host. */
export const PROVISION_COMMAND = '/usr/local/sbin/mirovoy-provision';

/**
 * Packages every mail host needs for the seam and upkeep (openssl checks a new certificate,
 * e2fsprogs formats a blank data volume: Debian's cloud images have it, a minimal system does not).
 */
export const COMMON_PACKAGES: readonly string[] = ['curl', 'openssl', 'unattended-upgrades', 'e2fsprogs'];

/** Everything `mirovoy-provision` installs (without recommendations: what a daemon needs is named). */
export const mailHostPackages = (rendering: MailHostRendering, admin?: AdminUserSpec): string[] => [
  ...new Set([...rendering.daemons.flatMap((d) => d.packages), ...COMMON_PACKAGES, ...adminShellPackages(admin)]),
];

/** How long provisioning waits for Terraform to attach a data volume. */
const VOLUME_WAIT_SECONDS = 300;

export const SECRET_OF_CREDENTIAL: Readonly<Record<DatabaseCredential, string>> = {
  master: RUNTIME_SECRETS.databaseMaster,
  lookup: RUNTIME_SECRETS.databaseLookup,
  postfix: RUNTIME_SECRETS.databasePostfix,
  admin: RUNTIME_SECRETS.databaseAdmin,
  amavis: RUNTIME_SECRETS.databaseAmavis,
  dump: RUNTIME_SECRETS.databaseDump,
  roundcube: RUNTIME_SECRETS.databaseRoundcube,
  webmailPassword: RUNTIME_SECRETS.databaseWebmailPassword,
};

/**
 * Postfix and Dovecot keep the queue and the mailboxes under /var/spool (their `spoolUnit`): they
 * must not start on the root file system when the spool volume is missing (a detached or failed
 * EBS volume), or new mail would land where the next attachment hides it. Without a spool mount
 * (the rehearsal) the dependency is void. systemd.unit(5) RequiresMountsFor=.
 */
const spoolMountDropIns = (rendering: MailHostRendering): RenderedFile[] =>
  rendering.daemons.flatMap((d) => (d.daemon.spoolUnit === undefined ? [] : [d.daemon.spoolUnit])).map((unit) => ({
    path: `/etc/systemd/system/${unit}.service.d/mirovoy-spool.conf`,
    content: `${generatedHeader('#', 'host/provision/index.ts')}[Unit]\nRequiresMountsFor=${SPOOL_MOUNT_POINT}\n`,
    mode: '0644',
    owner: 'root',
    group: 'root',
  }));

/** Every file of the bundle but `mirovoy-provision` itself, in install order. */
const configurationFilesOf = (rendering: MailHostRendering): RenderedFile[] => [
  ...rendering.files,
  renderStoreCommand(),
  ...unattendedUpgradeFiles(rendering.spec),
  ...spoolMountDropIns(rendering),
];

/** The unit to restart when a staged file changes (`-`: none; the provision step's own files are no daemon's). */
const unitOfStagedFile = (rendering: MailHostRendering, path: string): string =>
  rendering.daemons.find((d) => path in d.unitOfPath)?.unitOfPath[path] ?? '-';

/** The daemons serving the host's certificate, reloaded when it is renewed. */
const tlsUnitsOf = (rendering: MailHostRendering): string[] => rendering.daemons.filter((d) => d.daemon.servesTls).flatMap((d) => d.units);

/** The checks run before a unit is (re)started. */
const checksOf = (rendering: MailHostRendering): ServiceCheck[] => rendering.daemons.flatMap((d) => d.checks);

/** Ports that must listen before the host reports mail-ready. */
export const readyPortsOf = (spec: ResolvedMailHostSpec): number[] => enabledDaemons(spec).flatMap((d) => d.readyPorts?.(spec) ?? []);

/** Who reads a database secret file, as the unit to restart when it changes (`-`: none). */
const unitsOfSecretFile = (rendering: MailHostRendering, file: SecretFile): string =>
  rendering.daemons.map((d) => d.daemon.unitReadingSecret?.(file)).find((unit) => unit !== undefined) ?? '-';

/** A run-time file the provision step writes from a secret (a `SECRET_FILE_*` row; formats: `secret_file_content` in mirovoy-provision.sh). */
export interface SecretFileEntry {
  readonly format: string;
  readonly path: string;
  readonly mode: string;
  readonly owner: string;
  readonly group: string;
  /** The secret's name, with `:<field>` when the file is one field of its JSON. */
  readonly secret: string;
  /** Units to restart (or reload) when the file changes, comma-separated; `-` for none. */
  readonly units: string;
  /** The file it starts with, or for `postfix-sasl-password` the relay host. */
  readonly template?: string;
}

/** A file of the bundle with the units to restart when it changes (`-`: none). */
export interface StagedFile extends RenderedFile {
  /** Comma-separated units, or `-`. */
  readonly units: string;
}

/**
 * Everything `mirovoy-provision` does on one host, whatever the host is: a mail host
 * ({@link mailProvisionPlan}) or a web host (`host/web`). One script, one set of settings.
 */
export interface ProvisionPlan {
  /** `primary`, `backup` or `web`: for logs. */
  readonly role: string;
  readonly hostname: string;
  /** The vmail account to create, `null` on a host without mailboxes. */
  readonly vmail: { readonly uid: number; readonly gid: number; readonly home: string } | null;
  /** The mail schema step (`mirovoy-db-migrate`), '' for none. */
  readonly schemaStep: string;
  /** The one-time data import run inside it, '' for none. */
  readonly dataImport: string;
  /** An application's own schema step (run with `--wait <s>` after the files and secrets), '' for none. */
  readonly applicationSchemaStep: string;
  readonly packages: readonly string[];
  /** debconf answers (`debconf-set-selections` lines) given before packages are installed. */
  readonly debconfSelections: readonly string[];
  /** The configuration files of the bundle (not `mirovoy-provision` itself), in install order. */
  readonly files: readonly StagedFile[];
  readonly secretFiles: readonly SecretFileEntry[];
  readonly groupMembers: readonly GroupMembership[];
  readonly checks: readonly ServiceCheck[];
  /** Units to enable and (re)start, in start order. */
  readonly units: readonly string[];
  readonly unwantedUnits: readonly string[];
  readonly readyPorts: readonly number[];
  /** Whether the host has data volumes and swap (mail hosts). */
  readonly dataVolumes: boolean;
  /** The units keeping data under the spool volume. */
  readonly spoolUnits: readonly string[];
  readonly databasePort: number;
}

/**
 * Every run-time file: database credentials, DKIM keys, TLS chain and key (formats
 * `certificate-chain` and `private-key`: checked as a pair, and the only entries of
 * `mirovoy-provision --certificates`), relay credentials, DB CA.
 */
const secretFileEntries = (rendering: MailHostRendering): SecretFileEntry[] => {
  const { spec } = rendering;
  const tlsUnits = tlsUnitsOf(rendering).join(',');
  const root = (path: string, mode: string) => ({ path, mode, owner: 'root', group: 'root' });
  return [
    ...rendering.secretFiles.map((f) => ({ ...f, secret: SECRET_OF_CREDENTIAL[f.credential], units: unitsOfSecretFile(rendering, f) })),
    // "<domain>:<selector when the secret names none>"; the key table is written from these.
    ...rendering.dkimKeyFiles.map((f) => ({ ...f, format: 'dkim-key', secret: dkimSecretName(f.domain), units: 'opendkim', template: `${f.domain}:${f.selector}` })),
    { format: 'certificate-chain', ...root(spec.tls.certificateChainFile, '0644'), secret: `${RUNTIME_SECRETS.tls}:certificate_chain`, units: tlsUnits },
    { format: 'private-key', ...root(spec.tls.privateKeyFile, '0600'), secret: `${RUNTIME_SECRETS.tls}:private_key`, units: tlsUnits },
    // The file is "<relayhost> <username>:<password>".
    ...(spec.relay?.authenticated
      ? [{ format: 'postfix-sasl-password', ...root(RELAY_PASSWORD_FILE, '0600'), secret: RUNTIME_SECRETS.relay, units: 'postfix', template: spec.relay.host }]
      : []),
    ...(spec.database.tlsCaFile ? [{ format: 'pem-field', ...root(spec.database.tlsCaFile, '0644'), secret: `${RUNTIME_SECRETS.databaseCa}:certificate`, units: tlsUnits }] : []),
  ];
};

/** Columns of the `SECRET_FILE_*` arrays mirovoy-provision reads. */
export const SECRET_FILE_COLUMNS = ['format', 'path', 'mode', 'owner', 'group', 'secret', 'units', 'template'] as const;

/**
 * Names of the secrets a host fetches at run time (`mirovoy-fetch secret <name>`), in first-use
 * order: what its deployment must provide (on EC2: a `mirovoy:secret-<name>` tag and read access).
 */
export const secretsReadBy = (rendering: MailHostRendering): string[] => [
  ...new Set([
    // mirovoy-db-migrate's (and mirovoy-restore's): no file of the provision step.
    ...(runsSchemaStep(rendering.spec) ? [RUNTIME_SECRETS.databaseMaster] : []),
    ...secretFileEntries(rendering).map((entry) => entry.secret.split(':')[0]),
    // Read by mirovoy-db-import itself (the passwords are hashed, never written to a file).
    ...(rendering.spec.dataImports.testData ? [TEST_DATA_SECRET] : []),
  ]),
];

const PROVISION_BODY = withoutCommentLines(readFileSync(join(__dirname, 'mirovoy-provision.sh'), 'utf8'));

/**
 * The CHECK_ARGV_<i> lists are read by name (`"${!argv}"` with `argv=CHECK_ARGV_<i>[@]`), which
 * ShellCheck cannot follow; it would call each one unused (SC2034).
 */
const CHECK_ARGV_DIRECTIVE = '# shellcheck disable=SC2034 # CHECK_ARGV_<i> are read by name\n';

/** Options of {@link renderProvisionCommand} and {@link renderMailHostBundle}. */
export interface MailHostBundleOptions {
  /** The optional extra administrator (the package of its shell). */
  readonly admin?: AdminUserSpec;
}

const PROVISION_COMMAND_ENTRY = { path: PROVISION_COMMAND, mode: '0755', owner: 'root', group: 'root' } as const;

/** The mail host's {@link ProvisionPlan}. */
export const mailProvisionPlan = (rendering: MailHostRendering, options: MailHostBundleOptions = {}): ProvisionPlan => {
  const { spec, vmail } = rendering;
  return {
    role: spec.role,
    hostname: spec.hostname,
    vmail: { uid: vmail.uid, gid: vmail.gid, home: vmail.home },
    schemaStep: runsSchemaStep(spec) ? DB_MIGRATE_PATH : '',
    dataImport: importsData(spec) ? DB_IMPORT_PATH : '',
    applicationSchemaStep: '',
    packages: mailHostPackages(rendering, options.admin),
    debconfSelections: [],
    files: configurationFilesOf(rendering).map((f) => ({ ...f, units: unitOfStagedFile(rendering, f.path) })),
    secretFiles: secretFileEntries(rendering),
    groupMembers: rendering.groupMembers,
    checks: checksOf(rendering),
    // In start order: the filters first, so Postfix's first message finds them.
    units: unitsInStartOrder(rendering.daemons),
    unwantedUnits: rendering.unwantedUnits,
    readyPorts: readyPortsOf(spec),
    dataVolumes: true,
    spoolUnits: rendering.daemons.filter((d) => d.daemon.spoolUnit !== undefined).flatMap((d) => d.units),
    databasePort: spec.database.port,
  };
};

/** `mirovoy-provision` for a plan, with its generated settings block. */
export const renderProvisionScript = (plan: ProvisionPlan): RenderedFile => {
  const volumes = plan.dataVolumes ? DATA_VOLUMES : [];
  const settings = renderShellAssignments({
    ROLE: plan.role,
    HOSTNAME_FQDN: plan.hostname,
    // '': no vmail account on this host.
    VMAIL_UID: plan.vmail ? String(plan.vmail.uid) : '',
    VMAIL_GID: plan.vmail ? String(plan.vmail.gid) : '',
    MAILBOX_ROOT: plan.vmail?.home ?? '',
    FETCH: FETCH_COMMAND,
    // Empty: no schema step on this host.
    DB_MIGRATE: plan.schemaStep,
    APP_SCHEMA: plan.applicationSchemaStep,
    MASTER_OPTION_FILE: databaseSecretFile('master').path,
    DB_HOST_VALUE: DATABASE_HOST_VALUE.source,
    // '': this host imports nothing.
    DB_IMPORT: plan.dataImport,
    STAGED_DIRECTORY,
    STATE_DIRECTORY,
    ROLLBACK_DIRECTORY: `${STATE_DIRECTORY}/rollback`,
    PENDING_UNITS_FILE: `${STATE_DIRECTORY}/pending-units`,
    DKIM_KEY_TABLE: OPENDKIM_KEY_TABLE,
    PACKAGES: [...plan.packages],
    DEBCONF_SELECTIONS: [...plan.debconfSelections],
    PRIVATE_DIRECTORY: PRIVATE_DIRECTORY.path,
    PRIVATE_DIRECTORY_MODE: PRIVATE_DIRECTORY.mode,
    SECRET_VALUE: DATABASE_SECRET_VALUE.source,
    DB_PORT: String(plan.databasePort),
    ...shellTable('VOLUME', ['label', 'setting', 'device', 'mountpoint'], volumes.map((v) => ({ label: v.label, setting: volumeSetting(v.name), device: v.device, mountpoint: v.mountPoint }))),
    SWAP_LABEL: SWAP_VOLUME.label,
    // '': no swap volume on this host.
    SWAP_SETTING: plan.dataVolumes ? volumeSetting(SWAP_VOLUME.name) : '',
    SWAP_DEVICE: SWAP_VOLUME.device,
    VOLUME_WAIT_SECONDS: String(VOLUME_WAIT_SECONDS),
    // The units keeping data under the spool volume (stopped while a path is moved onto it).
    SPOOL_UNITS: [...plan.spoolUnits],
    BY_ID_DIRECTORY: '/dev/disk/by-id',
    // The unit to restart when the file changes ("-": none).
    ...shellTable('MANIFEST', ['path', 'mode', 'owner', 'group', 'units'], [...plan.files, { ...PROVISION_COMMAND_ENTRY, units: '-' }]),
    ...shellTable('SECRET_FILE', SECRET_FILE_COLUMNS, plan.secretFiles.map((e) => ({ ...e, template: e.template ?? '' }))),
    ...shellTable('GROUP_MEMBER', ['user', 'group'], plan.groupMembers),
    ...shellTable('CHECK', ['unit'], plan.checks),
    ...shellArgvLists('CHECK_ARGV', plan.checks.map((c) => c.command)),
    UNITS: [...plan.units],
    UNWANTED_UNITS: [...plan.unwantedUnits],
    READY_PORTS: plan.readyPorts.map(String),
    FIRST_READY_FILE,
  });
  return { ...PROVISION_COMMAND_ENTRY, content: `#!/bin/bash\n${generatedHeader('#', 'host/provision/mirovoy-provision.sh')}${CHECK_ARGV_DIRECTIVE}\n${settings}${PROVISION_BODY}` };
};

/** The provision command of a mail host. */
export const renderProvisionCommand = (rendering: MailHostRendering, options: MailHostBundleOptions = {}): RenderedFile =>
  renderProvisionScript(mailProvisionPlan(rendering, options));

/** A plan's bundle: its files, then `mirovoy-provision` (see `bundle.ts`). */
export const renderPlanBundle = (plan: ProvisionPlan, description: readonly string[]): HostBundle =>
  packBundle([...plan.files.map(({ units: _units, ...file }) => file), renderProvisionScript(plan)], description);

/**
 * Debian's unattended security upgrades (its default origins are the security archive), and when
 * one needs a reboot (`/run/reboot-required`: a new kernel, libc), the reboot at the spec's time
 * (`shutdown -r HH:MM`), logged-in administrators or not. apt.conf(5), unattended-upgrade(8).
 */
export const unattendedUpgradeFiles = (spec: Pick<ResolvedMailHostSpec, 'automaticRebootTime'>): RenderedFile[] => {
  const file = (path: string, lines: string[]): RenderedFile => ({ path, content: `${generatedHeader('//', 'host/provision/index.ts')}${lines.join('\n')}\n`, mode: '0644', owner: 'root', group: 'root' });
  const reboot = spec.automaticRebootTime;
  return [
    file('/etc/apt/apt.conf.d/20auto-upgrades', ['APT::Periodic::Update-Package-Lists "1";', 'APT::Periodic::Unattended-Upgrade "1";']),
    file(
      '/etc/apt/apt.conf.d/52mirovoy-reboot',
      reboot === null
        ? ['Unattended-Upgrade::Automatic-Reboot "false";']
        : ['Unattended-Upgrade::Automatic-Reboot "true";', 'Unattended-Upgrade::Automatic-Reboot-WithUsers "true";', `Unattended-Upgrade::Automatic-Reboot-Time "${reboot}";`],
    ),
  ];
};

/** Every file of a host's bundle, in install order: configuration files, then `mirovoy-provision`. */
export const stagedFilesOf = (rendering: MailHostRendering, options: MailHostBundleOptions = {}): RenderedFile[] => [
  ...configurationFilesOf(rendering),
  renderProvisionCommand(rendering, options),
];

/**
 * The configuration bundle of a mail host (see `bundle.ts`): deterministic, secret-free, named by
 * its sha256. On EC2 an S3 object; in the rehearsal a file the harness serves.
 */
export const renderMailHostBundle = (rendering: MailHostRendering, options: MailHostBundleOptions = {}): HostBundle =>
  renderPlanBundle(mailProvisionPlan(rendering, options), [
    `Configuration of ${rendering.spec.hostname} (${rendering.spec.role} MX), generated by Mirovoy Mail (host/provision).`,
    'Each file follows its "=== <path> <mode> <owner> <group> <bytes>" line. No secret is in here:',
    'mirovoy-provision fetches them at run time. A change of this text is the change of the host.',
  ]);

/** The user data of a mail host: its bootstrap (see `bootstrap.ts`), gzip-compressed. */
export const renderMailHostUserData = (rendering: MailHostRendering, options: MailHostBundleOptions = {}): Buffer =>
  renderBootstrapUserData({ hostname: rendering.spec.hostname, admin: options.admin, provisionCommand: PROVISION_COMMAND, stateDirectory: STATE_DIRECTORY });
