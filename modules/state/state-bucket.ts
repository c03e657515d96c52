import { DataAwsKmsKey } from '@cdktf/provider-aws/lib/data-aws-kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { Construct } from 'constructs';
import { BucketDenyStatement, bucketProtectionProblems, protectBucket } from '../storage/bucket-protection';

/** Properties of {@link StateBucket}. */
export interface StateBucketProps {
  /** Bucket name. */
  readonly bucketName: string;
  /**
   * Customer KMS key of the state: the bucket's default and the only key a state object may be
   * written with. Give the S3 backend the same key (`useStateBackend`'s `kmsKeyArn`), or its writes
   * are refused. @default SSE-S3 (AES256)
   */
  readonly kmsKeyArn?: string;
  /** Days an overwritten or deleted state file's old version is kept before S3 expires it. @default 90 */
  readonly noncurrentVersionExpirationDays?: number;
}

/**
 * The S3 bucket that holds Terraform state: versioned (old versions expired after
 * `noncurrentVersionExpirationDays`), encrypted, never public, reachable over TLS only, and
 * refusing any object not encrypted the way our S3 backend writes it. `prevent_destroy` keeps
 * Terraform from deleting it with every stack's state inside.
 */
export class StateBucket extends Construct {
  /** The bucket. */
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    const problems = bucketProtectionProblems(props);
    if (problems.length > 0) throw new Error(`StateBucket ${this.node.path}:\n  - ${problems.join('\n  - ')}`);

    this.bucket = new S3Bucket(this, 'Bucket', { bucket: props.bucketName, lifecycle: { preventDestroy: true } });
    // Versions let you roll back a damaged state file.
    protectBucket(this, this.bucket, {
      kmsKeyArn: props.kmsKeyArn,
      noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays,
      denyStatements: this.encryptionStatements(props.kmsKeyArn),
    });
  }

  /**
   * Puts must ask for the encryption the backend asks for (`modules/state/backend.ts`): with
   * `encrypt` alone it sends `x-amz-server-side-encryption: AES256`; with `kms_key_id` also
   * `aws:kms` and the key in `x-amz-server-side-encryption-aws-kms-key-id`, for the state, its
   * `.tflock` and its digest alike. Without that, S3 would honour a request's own choice over the
   * bucket default: a backend without the key would write AES256 objects into a KMS bucket, and
   * `aws:kms` without a key id means AWS's `aws/s3` key.
   *
   * A put without the header is let through (`Null` = false: the statement applies only when the
   * header is present), and the bucket's default encryption — the same key — applies to it: a
   * writer that leans on the default (a lock file, a restore by hand) still gets the right key,
   * and a refusal could never break a plan. (A state file is one PutObject: the SDK's uploader
   * splits only bodies over 5 MiB.)
   */
  private encryptionStatements(kmsKeyArn: string | undefined): BucketDenyStatement[] {
    const deny = (Sid: string, key: string, allowed: string | string[]): BucketDenyStatement => ({
      Sid,
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: `${this.bucket.arn}/*`,
      Condition: { StringNotEquals: { [key]: allowed }, Null: { [key]: 'false' } },
    });
    if (!kmsKeyArn) return [deny('DenyOtherThanSseS3', 's3:x-amz-server-side-encryption', 'AES256')];
    // The backend sends the configured ARN verbatim; S3 may compare the key it resolves an alias
    // to. With an alias, allow both forms.
    const keyForms = kmsKeyArn.includes(':alias/') ? [new DataAwsKmsKey(this, 'StateKey', { keyId: kmsKeyArn }).arn, kmsKeyArn] : kmsKeyArn;
    return [
      deny('DenyOtherThanSseKms', 's3:x-amz-server-side-encryption', 'aws:kms'),
      deny('DenyOtherKmsKey', 's3:x-amz-server-side-encryption-aws-kms-key-id', keyForms),
    ];
  }
}
