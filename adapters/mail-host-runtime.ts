/**
 * What a mail host gets from Terraform: its user data (the bootstrap) and configuration bundle
 * (both rendered by `host/`, token-free) and the run-time settings, secrets, permissions and
 * volumes that the provision step on the host reads through the seam
 * (`host/provision/runtime-seam.ts`).
 */
import { MirovoyConfig } from '../configs/schema';
import { MailHostRole, renderMailHost, S3ObjectSpec } from '../host';
import { mailHostSpecFromConfig } from './mail-host-spec';
import { DATA_VOLUMES, HostBundle, renderMailHostBundle, renderMailHostUserData, secretsReadBy, SWAP_VOLUME, volumeSetting } from '../host/provision';
import { dkimSecretName, RUNTIME_SECRETS, RUNTIME_SETTINGS } from '../host/provision/runtime-seam';
import { BACKUP_SELECTION_TAG_KEY } from '../modules/backup/volume-backup-plan';
import { PolicyStatement } from '../modules/compute/instance-role';
import { putMailMetricsStatement } from '../modules/monitoring/mail-metrics';
import { MailHostVolume } from '../modules/mail/mail-host';
import { ArtifactsBucketReference } from '../modules/storage/artifacts-bucket';
import { backupWriterStatements } from '../modules/storage/backup-bucket';
import { databaseDumpPrefix } from '../host/backup';

/** ARNs of the application users' credentials secrets. */
export interface DatabaseUserSecretArns {
  readonly lookup: string;
  readonly postfix: string;
  readonly admin: string;
  readonly amavis: string;
  readonly dump: string;
  /** Roundcube's database owner, with `webmail.enabled` (the primary creates the account). */
  readonly roundcube?: string;
  /** The password plugin's account, with `webmail.enabled`. */
  readonly webmailPassword?: string;
}

/** Inputs of {@link mailHostRuntime}. */
export interface MailHostRuntimeInput {
  readonly config: MirovoyConfig;
  readonly role: MailHostRole;
  /** The database endpoint and the ARNs of its credentials. */
  readonly database: {
    readonly address: string;
    readonly masterSecretArn: string;
    readonly userSecretArns: DatabaseUserSecretArns;
  };
  /** ARN of the host's certificate secret. */
  readonly tlsSecretArn: string;
  /** ARN of each domain's DKIM key secret. */
  readonly dkimSecretArns: Readonly<Record<string, string>>;
  /** ARN of the relay's SMTP credentials. @default no authenticated relay */
  readonly relaySecretArn?: string;
  /** ARN of the sample mailboxes' passwords; required when the host loads them (the primary, with `testData`). @default none */
  readonly testDataSecretArn?: string;
  /** The bucket the host's database dumps go to; required when the host dumps (the primary). @default none */
  readonly backupBucket?: ArtifactsBucketReference;
}

/** Short name of each role's host: part of its AWS names (`mail-<env>-mx1`) and its bundle prefix. */
export const MAIL_HOST_SHORT_NAMES: Readonly<Record<MailHostRole, string>> = { primary: 'mx1', backup: 'mx2' };

/** What {@link MailHostRuntime} computes for one host. */
export interface MailHostRuntime {
  /** The gzip'd bootstrap cloud-config: small, and stable across configuration changes. */
  readonly userData: Buffer;
  /**
   * Everything rendered for the host, as a configuration bundle kept under `prefix` (the host's
   * short name) in the artifacts bucket.
   */
  readonly bundle: HostBundle & { readonly prefix: string };
  /** Run-time settings (instance tags `mirovoy:<name>`): the database endpoint and secret ARNs. */
  readonly settings: Readonly<Record<string, string>>;
  /** ARN of each secret the host reads, by its run-time name. */
  readonly secretArns: Readonly<Record<string, string>>;
  /** The host's permissions: read exactly those secrets, push its metrics. */
  readonly policyStatements: readonly PolicyStatement[];
  /** Spool and log volumes (tagged for the backup plan when `backups.enabled`), and the swap volume. */
  readonly volumes: readonly MailHostVolume[];
}

/** RDS's public CA bundle for a region (the database's certificate chains to it). */
const rdsCaBundleUrl = (region: string): string => `https://truststore.pki.rds.amazonaws.com/${region}/${region}-bundle.pem`;

/**
 * Read access to exactly the dump a migration imports (`migration.databaseDumpS3Uri`), and to its
 * KMS key through S3 only when the config names one.
 */
const referenceDumpStatements = (dump: S3ObjectSpec | null, config: MirovoyConfig): PolicyStatement[] => {
  if (dump === null) return [];
  const key = config.migration.databaseDumpKmsKeyArn;
  const partition = config.region.startsWith('cn-') ? 'aws-cn' : config.region.includes('-gov-') ? 'aws-us-gov' : 'aws';
  return [
    { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:${partition}:s3:::${dump.bucket}/${dump.key}` },
    ...(key ? [{ Effect: 'Allow' as const, Action: 'kms:Decrypt', Resource: key, Condition: { StringEquals: { 'kms:ViaService': `s3.${config.region}.amazonaws.com` } } }] : []),
  ];
};

/** Renders a mail host and lists what it will ask for at run time. */
export const mailHostRuntime = (input: MailHostRuntimeInput): MailHostRuntime => {
  const { config, role, database } = input;
  const rendering = renderMailHost(mailHostSpecFromConfig(config, role));
  const options = { admin: config.admin };
  const available: Record<string, string | undefined> = {
    [RUNTIME_SECRETS.databaseMaster]: database.masterSecretArn,
    [RUNTIME_SECRETS.databaseLookup]: database.userSecretArns.lookup,
    [RUNTIME_SECRETS.databasePostfix]: database.userSecretArns.postfix,
    [RUNTIME_SECRETS.databaseAdmin]: database.userSecretArns.admin,
    [RUNTIME_SECRETS.databaseAmavis]: database.userSecretArns.amavis,
    [RUNTIME_SECRETS.databaseDump]: database.userSecretArns.dump,
    [RUNTIME_SECRETS.databaseRoundcube]: database.userSecretArns.roundcube,
    [RUNTIME_SECRETS.databaseWebmailPassword]: database.userSecretArns.webmailPassword,
    [RUNTIME_SECRETS.tls]: input.tlsSecretArn,
    [RUNTIME_SECRETS.relay]: input.relaySecretArn,
    [RUNTIME_SECRETS.testData]: input.testDataSecretArn,
    ...Object.fromEntries(Object.entries(input.dkimSecretArns).map(([domain, arn]) => [dkimSecretName(domain), arn])),
  };
  // The database CA is public: on EC2 the host downloads it from the database-ca-url setting.
  const needed = secretsReadBy(rendering).filter((name) => name !== RUNTIME_SECRETS.databaseCa);
  const secretArns = Object.fromEntries(
    needed.map((name) => {
      const arn = available[name];
      if (!arn) throw new Error(`The ${role} mail host reads the secret "${name}", which this deployment does not provide`);
      return [name, arn];
    }),
  );
  const dumps = rendering.spec.databaseDumps.enabled;
  if (dumps && !input.backupBucket) throw new Error(`The ${role} mail host dumps the mail database, and this deployment gives it no backup bucket`);
  const backupBucket = dumps ? input.backupBucket : undefined;
  const kms = config.kmsKeyArn;
  const snapshots = role === 'primary' ? config.mail.primary.restoreFromSnapshots : undefined;
  const { storage } = config.mail;
  const sizes = { spool: storage.spoolGiB, log: storage.logGiB };
  const backupTags = config.backups.enabled ? { [BACKUP_SELECTION_TAG_KEY]: config.environment } : undefined;
  return {
    userData: renderMailHostUserData(rendering, options),
    bundle: { ...renderMailHostBundle(rendering, options), prefix: MAIL_HOST_SHORT_NAMES[role] },
    settings: {
      [RUNTIME_SETTINGS.databaseHost]: database.address,
      [RUNTIME_SETTINGS.databaseCaUrl]: rdsCaBundleUrl(config.region),
      ...Object.fromEntries(Object.entries(secretArns).map(([name, arn]) => [`secret-${name}`, arn])),
      ...(backupBucket ? { [RUNTIME_SETTINGS.backupBucket]: backupBucket.name } : {}),
    },
    secretArns,
    policyStatements: [
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: Object.values(secretArns) },
      ...(kms ? [{ Effect: 'Allow' as const, Action: 'kms:Decrypt', Resource: kms, Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${config.region}.amazonaws.com` } } }] : []),
      putMailMetricsStatement,
      ...(backupBucket ? backupWriterStatements(backupBucket, databaseDumpPrefix(rendering.spec.database.name), config.region) : []),
      ...referenceDumpStatements(rendering.spec.dataImports.referenceDump, config),
    ],
    volumes: [
      ...DATA_VOLUMES.map((v) => ({ name: v.name, setting: volumeSetting(v.name), deviceName: v.device, sizeGiB: sizes[v.name], snapshotId: snapshots?.[v.name], tags: backupTags })),
      // Nothing in it outlives the host: no snapshot, no backup.
      ...(storage.swapGiB > 0 ? [{ name: SWAP_VOLUME.name, setting: volumeSetting(SWAP_VOLUME.name), deviceName: SWAP_VOLUME.device, sizeGiB: storage.swapGiB, onDestroy: 'delete' as const }] : []),
    ],
  };
};
