/**
 * What every bucket of ours has, whatever it holds: versioning (a damaged or deleted object can be
 * rolled back), default encryption (a customer KMS key with an S3 bucket key, else SSE-S3), the
 * public access block with all four switches on, a bucket policy that denies every request made
 * without TLS, and a lifecycle rule that expires old versions. Shared by the state and artifacts
 * buckets.
 */
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration, S3BucketLifecycleConfigurationRule } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Construct } from 'constructs';

/** One statement of a bucket policy that denies: whoever asks, when its condition holds. */
export interface BucketDenyStatement {
  /** Statement id, e.g. `DenyInsecureTransport`. */
  readonly Sid: string;
  readonly Effect: 'Deny';
  readonly Principal: '*';
  readonly Action: string;
  readonly Resource: string | readonly string[];
  /** IAM condition operators to condition keys to values. */
  readonly Condition: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** One statement of a bucket policy that lets an AWS service (or another account) in, e.g. ELB's log delivery. */
export interface BucketAllowStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Principal: { readonly Service: string } | { readonly AWS: string };
  readonly Action: string;
  readonly Resource: string;
}

/** Options of {@link protectBucket}. */
export interface BucketProtectionOptions {
  /** Customer KMS key for default encryption. @default SSE-S3 (AES256) */
  readonly kmsKeyArn?: string;
  /** Days a replaced or deleted object's old version is kept before S3 expires it. @default 90 */
  readonly noncurrentVersionExpirationDays?: number;
  /** Days after which S3 aborts an unfinished multipart upload and frees its parts. @default 7 */
  readonly abortIncompleteMultipartUploadDays?: number;
  /** More statements for the bucket policy, after the TLS-only one. @default none */
  readonly denyStatements?: readonly BucketDenyStatement[];
  /** Statements letting a service write, after the denials (which still hold for it). @default none */
  readonly allowStatements?: readonly BucketAllowStatement[];
  /** More lifecycle rules, after the one expiring old versions (e.g. a transition of one prefix). @default none */
  readonly lifecycleRules?: readonly S3BucketLifecycleConfigurationRule[];
}

/** The resources {@link protectBucket} made. */
export interface BucketProtection {
  readonly versioning: S3BucketVersioningA;
  readonly encryption: S3BucketServerSideEncryptionConfigurationA;
  readonly publicAccessBlock: S3BucketPublicAccessBlock;
  readonly policy: S3BucketPolicy;
  readonly lifecycle: S3BucketLifecycleConfiguration;
}

/** Every problem of the options' day counts, each with the value and the fix (for the caller's error). */
export const bucketProtectionProblems = (options: BucketProtectionOptions): string[] =>
  (['noncurrentVersionExpirationDays', 'abortIncompleteMultipartUploadDays'] as const).flatMap((key) => {
    const days = options[key];
    return days !== undefined && !(Number.isInteger(days) && days >= 1) ? [`${key} is ${days}; give a whole number of days, at least 1`] : [];
  });

/**
 * Adds versioning, default encryption, the public access block, the bucket policy and the
 * lifecycle rule to a bucket, as children of `scope` with the ids `Versioning`, `Encryption`,
 * `PublicAccessBlock`, `Policy` and `Lifecycle` (Terraform addresses: keep them). Check the
 * options with {@link bucketProtectionProblems} first.
 */
export const protectBucket = (scope: Construct, bucket: S3Bucket, options: BucketProtectionOptions = {}): BucketProtection => {
  const versioning = new S3BucketVersioningA(scope, 'Versioning', { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } });
  const encryption = new S3BucketServerSideEncryptionConfigurationA(scope, 'Encryption', {
    bucket: bucket.id,
    rule: [
      {
        applyServerSideEncryptionByDefault: options.kmsKeyArn ? { sseAlgorithm: 'aws:kms', kmsMasterKeyId: options.kmsKeyArn } : { sseAlgorithm: 'AES256' },
        // One data key per bucket instead of one KMS request per object.
        bucketKeyEnabled: Boolean(options.kmsKeyArn),
      },
    ],
  });
  const publicAccessBlock = new S3BucketPublicAccessBlock(scope, 'PublicAccessBlock', {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  const denyInsecureTransport: BucketDenyStatement = {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucket.arn, `${bucket.arn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
  const policy = new S3BucketPolicy(scope, 'Policy', {
    bucket: bucket.id,
    policy: JSON.stringify({ Version: '2012-10-17', Statement: [denyInsecureTransport, ...(options.denyStatements ?? []), ...(options.allowStatements ?? [])] }),
    // S3 refuses a bucket policy and a public access block changed at the same time
    // ("OperationAborted: A conflicting conditional operation is currently in progress").
    dependsOn: [publicAccessBlock],
  });
  const lifecycle = new S3BucketLifecycleConfiguration(scope, 'Lifecycle', {
    bucket: bucket.id,
    rule: [
      {
        id: 'expire-old-versions',
        status: 'Enabled',
        // Every object.
        filter: [{ prefix: '' }],
        noncurrentVersionExpiration: [{ noncurrentDays: options.noncurrentVersionExpirationDays ?? 90 }],
        // Once the old versions are gone, a delete marker left alone is removed too.
        expiration: [{ expiredObjectDeleteMarker: true }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: options.abortIncompleteMultipartUploadDays ?? 7 }],
      },
      ...(options.lifecycleRules ?? []),
    ],
    // Rules on noncurrent versions want versioning on first (the provider's documented order).
    dependsOn: [versioning],
  });
  return { versioning, encryption, publicAccessBlock, policy, lifecycle };
};
