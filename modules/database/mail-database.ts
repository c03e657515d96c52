import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { Id } from '@cdktf/provider-random/lib/id';
import { Construct } from 'constructs';
import { awsName } from '../naming';
import { SecretStorageProps } from '../secrets/json-secret';
import { DatabaseUserSecret } from './database-user-secret';

/** Least-privilege MySQL users the mail system uses instead of the master user. */
export const APPLICATION_DATABASE_USERS = {
  /** Read-only lookups of Dovecot (passdb/userdb: password hashes). */
  lookup: 'mirovoy_lookup',
  /** Read-only lookups of Postfix's maps (column grants: no password hashes). */
  postfix: 'mirovoy_postfix',
  /** Read-write administration by mirovoy-admin. */
  admin: 'mirovoy_admin',
  /** Read-only local-domain lookups of Amavis. */
  amavis: 'mirovoy_amavis',
  /** Read-only, for the nightly dump of the mail database (on the primary). */
  dump: 'mirovoy_dump',
  /** Owner of Roundcube's own database (created by the primary's schema step). */
  roundcube: 'mirovoy_roundcube',
  /** Roundcube's password plugin: UPDATE of the mail database's password columns only. */
  webmailPassword: 'mirovoy_password',
} as const;

/** An application database user. */
export type ApplicationDatabaseUser = keyof typeof APPLICATION_DATABASE_USERS;

/** Properties of {@link MailDatabase}. */
export interface MailDatabaseProps {
  /** Environment name, part of every AWS name. */
  readonly environment: string;
  /** Data-tier subnets (at least two zones). */
  readonly subnetIds: readonly string[];
  /** The database security group. */
  readonly securityGroupId: string;
  /** MySQL major version. */
  readonly engineVersion: '8.4';
  /** RDS instance class. */
  readonly instanceClass: string;
  /** Initial storage in GiB. */
  readonly allocatedStorageGiB: number;
  /** Storage autoscaling ceiling in GiB. */
  readonly maxAllocatedStorageGiB: number;
  /** Days of automated backups. */
  readonly backupRetentionDays: number;
  /** Standby in a second zone. */
  readonly multiAz: boolean;
  /** Refuse deletion (`terraform destroy` fails until it is turned off). */
  readonly deletionProtection: boolean;
  /**
   * Take a final snapshot when the instance is deleted, under a name of its own
   * (`<identifier>-final-<8 hex digits>`, from a `random_id` that is new with every instance), so
   * a second destroy never collides with the first one's snapshot. @default true
   */
  readonly finalSnapshot?: boolean;
  /** Restore from this snapshot instead of starting empty. @default none */
  readonly restoreFromSnapshot?: string;
  /** Name of the mail database. */
  readonly mailDatabaseName: string;
  /** Customer KMS key for storage and secrets. @default AWS-managed keys */
  readonly kmsKeyArn?: string;
  /** Application users to create secrets for. */
  readonly users: readonly ApplicationDatabaseUser[];
  /**
   * Recovery window of the application users' secrets: 7–30 days, or 0 to delete them at once
   * (see {@link SecretStorageProps.recoveryWindowDays}). Not of the master user's secret: that one
   * is AWS's, made and deleted by RDS, and its name (`rds!db-…`) is new with every instance, so it
   * never blocks a re-create. @default 30
   */
  readonly secretRecoveryWindowDays?: number;
}

/**
 * RDS MySQL for the mail system: private, encrypted, TLS-only, backed up (automated backups kept
 * after a deletion, a final snapshot by default). The master password is
 * managed by RDS in Secrets Manager; each application user gets its own generated secret.
 */
export class MailDatabase extends Construct {
  /** The RDS instance. */
  readonly instance: DbInstance;
  /** Secrets of the application users. */
  readonly userSecrets: Partial<Record<ApplicationDatabaseUser, DatabaseUserSecret>>;

  constructor(scope: Construct, id: string, props: MailDatabaseProps) {
    super(scope, id);
    const name = awsName(props.environment, 'db');
    const subnetGroup = new DbSubnetGroup(this, 'SubnetGroup', { name, subnetIds: [...props.subnetIds], description: `Mirovoy Mail ${props.environment} data tier` });
    const parameters = new DbParameterGroup(this, 'Parameters', {
      // A prefix, not a name: a replacement (a new engine family, a new description) creates the new
      // group beside the old, moves the instance to it, then deletes the old (create_before_destroy;
      // a group in use cannot be deleted). The move needs no reboot: RDS associates the group at once
      // and applies its values at the next reboot ("pending-reboot"), and dynamic values at once.
      namePrefix: `${name}-mysql${props.engineVersion.replace('.', '')}-`,
      family: `mysql${props.engineVersion}`,
      description: `Mirovoy Mail ${props.environment}: TLS required`,
      // Refuse unencrypted client connections; mail passwords and hashes cross this link.
      parameter: [{ name: 'require_secure_transport', value: '1' }],
      lifecycle: { createBeforeDestroy: true },
    });

    const finalSnapshot = props.finalSnapshot ?? true;
    // Kept in state: the same name in every plan, a new one when what replaces the instance changes.
    const finalSnapshotSuffix = finalSnapshot
      ? new Id(this, 'FinalSnapshotSuffix', { byteLength: 4, keepers: { identifier: name, restoreFromSnapshot: props.restoreFromSnapshot ?? '' } })
      : undefined;
    this.instance = new DbInstance(this, 'Instance', {
      identifier: name,
      engine: 'mysql',
      engineVersion: props.engineVersion,
      instanceClass: props.instanceClass,
      allocatedStorage: props.allocatedStorageGiB,
      maxAllocatedStorage: props.maxAllocatedStorageGiB,
      storageType: 'gp3',
      storageEncrypted: true,
      kmsKeyId: props.kmsKeyArn,
      dbName: props.restoreFromSnapshot ? undefined : props.mailDatabaseName,
      username: props.restoreFromSnapshot ? undefined : 'mirovoy',
      // Also after a snapshot restore (applied by a modify): the mail hosts read the master
      // credentials from this secret to run migrations.
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: props.kmsKeyArn,
      snapshotIdentifier: props.restoreFromSnapshot,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [props.securityGroupId],
      parameterGroupName: parameters.name,
      publiclyAccessible: false,
      multiAz: props.multiAz,
      backupRetentionPeriod: props.backupRetentionDays,
      copyTagsToSnapshot: true,
      // The automated backups (point-in-time recovery) outlive the instance for their retention.
      deleteAutomatedBackups: false,
      deletionProtection: props.deletionProtection,
      skipFinalSnapshot: !finalSnapshot,
      finalSnapshotIdentifier: finalSnapshotSuffix ? `${name}-final-${finalSnapshotSuffix.hex}` : undefined,
      autoMinorVersionUpgrade: true,
      caCertIdentifier: 'rds-ca-rsa2048-g1',
      enabledCloudwatchLogsExports: ['error'],
      tags: { Name: name },
    });

    this.userSecrets = Object.fromEntries(
      props.users.map((user) => {
        const username = APPLICATION_DATABASE_USERS[user];
        return [
          user,
          new DatabaseUserSecret(this, `${user[0].toUpperCase()}${user.slice(1)}UserSecret`, {
            secretName: `mail-${props.environment}/db/${username}`,
            username,
            description: `Mirovoy Mail ${props.environment}: MySQL user ${username}`,
            kmsKeyArn: props.kmsKeyArn,
            recoveryWindowDays: props.secretRecoveryWindowDays,
          }),
        ];
      }),
    );
  }
}
