import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { Construct } from 'constructs';
import { PolicyStatement } from '../compute/instance-role';
import { ArtifactsBucketReference, bucketPrefixProblems } from './artifacts-bucket';
import { protectBucket } from './bucket-protection';

/** How long the backups under one key prefix are kept, and when they move to the archive class. */
export interface BackupRetention {
  /** Key prefix the rule applies to, ending in `/`, e.g. `database/`. */
  readonly prefix: string;
  /** Days after which an object moves to S3 Glacier Instant Retrieval (read at once, billed for at least 90 days). */
  readonly archiveAfterDays: number;
  /** Days after which an object is deleted; more than `archiveAfterDays`. */
  readonly expireAfterDays: number;
}

/** Properties of {@link BackupBucket}. */
export interface BackupBucketProps {
  /** Start of the bucket's name, e.g. `mail-prod-backups-`; Terraform appends a unique suffix (see `ArtifactsBucketProps.bucketPrefix`). */
  readonly bucketPrefix: string;
  /** Customer KMS key for default encryption (with an S3 bucket key). @default SSE-S3 (AES256) */
  readonly kmsKeyArn?: string;
  /** Retention of each prefix the bucket holds. */
  readonly retention: readonly BackupRetention[];
}

/** The archive class: Glacier Instant Retrieval, so a restore reads an old dump without a thaw request first. */
export const BACKUP_ARCHIVE_STORAGE_CLASS = 'GLACIER_IR';

/** Every problem of the props, each with the value and the fix. */
const problemsOf = (props: BackupBucketProps): string[] => [
  ...bucketPrefixProblems(props.bucketPrefix),
  ...(props.retention.length === 0 ? ['retention is empty; give the retention of at least one prefix, e.g. { prefix: "database/", archiveAfterDays: 30, expireAfterDays: 365 }'] : []),
  ...props.retention.flatMap((r, i) => [
    ...(/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/$/.test(r.prefix) ? [] : [`retention[${i}].prefix ${JSON.stringify(r.prefix)} must be an S3 key prefix ending in "/", e.g. "database/"`]),
    ...(Number.isInteger(r.archiveAfterDays) && r.archiveAfterDays >= 1 ? [] : [`retention[${i}].archiveAfterDays is ${r.archiveAfterDays}; give a whole number of days, at least 1`]),
    ...(Number.isInteger(r.expireAfterDays) && r.expireAfterDays > r.archiveAfterDays
      ? []
      : [`retention[${i}].expireAfterDays is ${r.expireAfterDays}; give a whole number of days more than archiveAfterDays (${r.archiveAfterDays})`]),
  ]),
];

/**
 * A private bucket for backups: versioned, encrypted, TLS only, public access blocked, ACLs off
 * (see `protectBucket`), with a lifecycle per prefix that moves backups to an archive class and
 * then deletes them. Writers get {@link backupWriterStatements}: put and get under their prefix,
 * never delete, so a stolen host credential can add backups but not remove them (and versioning
 * keeps what an overwrite would hide). Terraform refuses to destroy it while it holds backups
 * (no `force_destroy`).
 *
 * @example
 * const backups = new BackupBucket(this, 'BackupBucket', { bucketPrefix: 'mail-prod-backups-', retention: [{ prefix: 'database/', archiveAfterDays: 30, expireAfterDays: 365 }] });
 * role.addStatements(backupWriterStatements(backups.reference, 'database/', 'eu-central-1'));
 */
export class BackupBucket extends Construct {
  /** The bucket. */
  readonly bucket: S3Bucket;
  /** Name, ARN and key of the bucket, for the hosts that write into it. */
  readonly reference: ArtifactsBucketReference;

  constructor(scope: Construct, id: string, props: BackupBucketProps) {
    super(scope, id);
    const problems = problemsOf(props);
    if (problems.length > 0) throw new Error(`BackupBucket ${this.node.path}:\n  - ${problems.join('\n  - ')}`);

    this.bucket = new S3Bucket(this, 'Bucket', { bucketPrefix: props.bucketPrefix });
    this.reference = { name: this.bucket.bucket, arn: this.bucket.arn, kmsKeyArn: props.kmsKeyArn };
    protectBucket(this, this.bucket, {
      kmsKeyArn: props.kmsKeyArn,
      // Objects are never overwritten (every key holds a time); an expired one's version goes a day later.
      noncurrentVersionExpirationDays: 1,
      lifecycleRules: props.retention.map((r) => ({
        id: `archive-and-expire-${r.prefix.replace(/\/$/, '').replace(/[^A-Za-z0-9-]/g, '-')}`,
        status: 'Enabled',
        filter: [{ prefix: r.prefix }],
        transition: [{ days: r.archiveAfterDays, storageClass: BACKUP_ARCHIVE_STORAGE_CLASS }],
        expiration: [{ days: r.expireAfterDays }],
      })),
    });
    new S3BucketOwnershipControls(this, 'Ownership', { bucket: this.bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
  }
}

/**
 * What a host that writes backups under `prefix` may do: put and get objects there and list that
 * prefix; no delete, nothing elsewhere in the bucket. With a customer key, the KMS calls S3 makes
 * for it (through S3 only).
 */
export const backupWriterStatements = (bucket: ArtifactsBucketReference, prefix: string, region: string): PolicyStatement[] => [
  { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: `${bucket.arn}/${prefix}*` },
  { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucket.arn, Condition: { StringLike: { 's3:prefix': [`${prefix}*`] } } },
  ...(bucket.kmsKeyArn
    ? [{ Effect: 'Allow' as const, Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: bucket.kmsKeyArn, Condition: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } } }]
    : []),
];
