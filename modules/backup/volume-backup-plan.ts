import { BackupPlan, BackupPlanRule } from '@cdktf/provider-aws/lib/backup-plan';
import { BackupSelection } from '@cdktf/provider-aws/lib/backup-selection';
import { BackupVault } from '@cdktf/provider-aws/lib/backup-vault';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';

/** The tag key that puts an EBS volume into a {@link VolumeBackupPlan}'s selection. */
export const BACKUP_SELECTION_TAG_KEY = 'mirovoy:backup';

/** A vault in another region that receives a copy of every recovery point. */
export interface VolumeBackupCopy {
  /** An AWS provider (an alias) configured for the other region. */
  readonly provider: TerraformProvider;
  /** KMS key of that vault, in that region. @default the region's AWS Backup key (`aws/backup`) */
  readonly kmsKeyArn?: string;
}

/** Properties of {@link VolumeBackupPlan}. */
export interface VolumeBackupPlanProps {
  /** Name of the vault, plan, selection and role, e.g. `mail-prod-volumes`. */
  readonly name: string;
  /** EBS volumes tagged `mirovoy:backup = <selectionTagValue>` are backed up, e.g. the environment. */
  readonly selectionTagValue: string;
  /** Days a daily recovery point is kept (AWS Backup: at least 1). */
  readonly dailyRetentionDays: number;
  /** Weeks a weekly recovery point is kept; 0: no weekly rule. */
  readonly weeklyRetentionWeeks: number;
  /** KMS key of the vault. @default the region's AWS Backup key (`aws/backup`) */
  readonly kmsKeyArn?: string;
  /** Copy every recovery point into a vault in another region. @default no copy */
  readonly copyTo?: VolumeBackupCopy;
}

/** When the rules start (AWS Backup cron, UTC): nightly, and the weekly one an hour later on Sundays. */
const SCHEDULES = { daily: 'cron(0 3 * * ? *)', weekly: 'cron(0 4 ? * SUN *)' } as const;

/** AWS-managed policy that lets AWS Backup snapshot EBS volumes (and create the grants a KMS key needs). */
const BACKUP_SERVICE_POLICY = 'arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup';

const problemsOf = (props: VolumeBackupPlanProps): string[] => [
  ...(Number.isInteger(props.dailyRetentionDays) && props.dailyRetentionDays >= 1 ? [] : [`dailyRetentionDays ${props.dailyRetentionDays} must be a whole number of days, at least 1`]),
  ...(Number.isInteger(props.weeklyRetentionWeeks) && props.weeklyRetentionWeeks >= 0 ? [] : [`weeklyRetentionWeeks ${props.weeklyRetentionWeeks} must be a whole number of weeks, 0 for no weekly rule`]),
];

/**
 * Scheduled EBS snapshots with AWS Backup: a vault, a plan with a daily and a weekly rule, a
 * selection of every EBS volume tagged `mirovoy:backup = <selectionTagValue>`, the role AWS Backup
 * works with, and optionally a copy of each recovery point in a vault of another region.
 *
 * A recovery point of an EBS volume is an ordinary EBS snapshot (`snap-…`): a volume is restored
 * by creating it from that snapshot. Snapshots are crash-consistent, which Postfix's queue and
 * maildir are made to survive (each message is written, synced and then renamed into place).
 */
export class VolumeBackupPlan extends Construct {
  /** The vault of the recovery points. */
  readonly vault: BackupVault;
  /** The plan. */
  readonly plan: BackupPlan;
  /** The role AWS Backup assumes. */
  readonly role: IamRole;
  /** The vault in the other region. @default none */
  readonly copyVault?: BackupVault;

  constructor(scope: Construct, id: string, props: VolumeBackupPlanProps) {
    super(scope, id);
    const problems = problemsOf(props);
    if (problems.length > 0) throw new Error(`VolumeBackupPlan ${this.node.path}:\n  - ${problems.join('\n  - ')}`);
    this.vault = new BackupVault(this, 'Vault', { name: props.name, kmsKeyArn: props.kmsKeyArn });
    this.copyVault = props.copyTo && new BackupVault(this, 'CopyVault', { provider: props.copyTo.provider, name: `${props.name}-copy`, kmsKeyArn: props.copyTo.kmsKeyArn });

    const rule = (ruleName: string, schedule: string, deleteAfterDays: number): BackupPlanRule => ({
      ruleName,
      targetVaultName: this.vault.name,
      schedule,
      // Start within an hour, finish within three: later, the next night's run is due.
      startWindow: 60,
      completionWindow: 180,
      lifecycle: { deleteAfter: deleteAfterDays },
      copyAction: this.copyVault ? [{ destinationVaultArn: this.copyVault.arn, lifecycle: { deleteAfter: deleteAfterDays } }] : undefined,
    });
    this.plan = new BackupPlan(this, 'Plan', {
      name: props.name,
      rule: [
        rule('daily', SCHEDULES.daily, props.dailyRetentionDays),
        ...(props.weeklyRetentionWeeks > 0 ? [rule('weekly', SCHEDULES.weekly, props.weeklyRetentionWeeks * 7)] : []),
      ],
    });

    this.role = new IamRole(this, 'Role', {
      name: `${props.name}-backup`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    new IamRolePolicyAttachment(this, 'ServicePolicy', { role: this.role.name, policyArn: BACKUP_SERVICE_POLICY });

    new BackupSelection(this, 'Selection', {
      name: props.name,
      planId: this.plan.id,
      iamRoleArn: this.role.arn,
      // EBS volumes only (AND the tag condition): a tag copied onto some other resource is ignored.
      resources: ['arn:aws:ec2:*:*:volume/*'],
      condition: [{ stringEquals: [{ key: `aws:ResourceTag/${BACKUP_SELECTION_TAG_KEY}`, value: props.selectionTagValue }] }],
    });
  }
}
