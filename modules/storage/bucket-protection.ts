/**
 * What every bucket of ours has, whatever it holds: versioning (a damaged or deleted object can be
 * rolled back), default encryption (a customer KMS key with an S3 bucket key, else SSE-S3), and
 * the public access block with all four switches on. Shared by the state and artifacts buckets.
 */
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Construct } from 'constructs';

/** Options of {@link protectBucket}. */
export interface BucketProtectionOptions {
  /** Customer KMS key for default encryption. @default SSE-S3 (AES256) */
  readonly kmsKeyArn?: string;
}

/** The resources {@link protectBucket} made. */
export interface BucketProtection {
  readonly versioning: S3BucketVersioningA;
  readonly encryption: S3BucketServerSideEncryptionConfigurationA;
  readonly publicAccessBlock: S3BucketPublicAccessBlock;
}

/**
 * Adds versioning, default encryption and the public access block to a bucket, as children of
 * `scope` with the ids `Versioning`, `Encryption` and `PublicAccessBlock` (Terraform addresses:
 * keep them).
 */
export const protectBucket = (scope: Construct, bucket: S3Bucket, options: BucketProtectionOptions = {}): BucketProtection => ({
  versioning: new S3BucketVersioningA(scope, 'Versioning', { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } }),
  encryption: new S3BucketServerSideEncryptionConfigurationA(scope, 'Encryption', {
    bucket: bucket.id,
    rule: [
      {
        applyServerSideEncryptionByDefault: options.kmsKeyArn ? { sseAlgorithm: 'aws:kms', kmsMasterKeyId: options.kmsKeyArn } : { sseAlgorithm: 'AES256' },
        // One data key per bucket instead of one KMS request per object.
        bucketKeyEnabled: Boolean(options.kmsKeyArn),
      },
    ],
  }),
  publicAccessBlock: new S3BucketPublicAccessBlock(scope, 'PublicAccessBlock', {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  }),
});
