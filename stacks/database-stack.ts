import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { MirovoyConfig } from '../configs/schema';
import { ApplicationDatabaseUser, MailDatabase } from '../modules/database/mail-database';
import { MirovoyStack } from './mirovoy-stack';

/** Plain values the database stack takes from the network stack. */
export interface DatabaseStackNetwork {
  /** Data-tier subnet ids. */
  readonly dataSubnetIds: readonly string[];
  /** The database security group id. */
  readonly databaseSecurityGroupId: string;
}

/** RDS MySQL and the application users' secrets. */
export class DatabaseStack extends MirovoyStack {
  /** The database. */
  readonly database: MailDatabase;

  constructor(scope: Construct, config: MirovoyConfig, network: DatabaseStackNetwork) {
    super(scope, 'database', config);
    new RandomProvider(this, 'Random');
    const db = config.database;
    const users: ApplicationDatabaseUser[] = ['lookup', 'postfix', 'admin', 'amavis', 'dump', ...(config.webmail.enabled ? (['roundcube', 'webmailPassword'] as const) : [])];
    this.database = new MailDatabase(this, 'MailDatabase', {
      environment: config.environment,
      subnetIds: network.dataSubnetIds,
      securityGroupId: network.databaseSecurityGroupId,
      engineVersion: db.engineVersion,
      instanceClass: db.instanceClass,
      allocatedStorageGiB: db.allocatedStorageGiB,
      maxAllocatedStorageGiB: db.maxAllocatedStorageGiB,
      backupRetentionDays: db.backupRetentionDays,
      multiAz: db.multiAz,
      deletionProtection: db.deletionProtection,
      finalSnapshot: db.finalSnapshot,
      restoreFromSnapshot: db.restoreFromSnapshot,
      mailDatabaseName: db.mailDatabaseName,
      kmsKeyArn: config.kmsKeyArn,
      secretRecoveryWindowDays: config.secrets.recoveryWindowDays,
      users,
    });

    const instance = this.database.instance;
    new TerraformOutput(this, 'database_address', { value: instance.address, description: 'Host name of the MySQL endpoint' });
    new TerraformOutput(this, 'database_port', { value: instance.port, description: 'Port of the MySQL endpoint' });
    new TerraformOutput(this, 'database_name', { value: db.mailDatabaseName, description: 'Name of the mail database' });
    new TerraformOutput(this, 'master_user_secret_arn', {
      value: instance.masterUserSecret.get(0).secretArn,
      description: 'ARN (not the value) of the RDS-managed master credentials secret',
    });
    for (const [user, secret] of Object.entries(this.database.userSecrets)) {
      new TerraformOutput(this, `${user.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_user_secret_arn`, { value: secret.secret.arn, description: `ARN (not the value) of the ${user} user's credentials secret` });
    }
  }
}
