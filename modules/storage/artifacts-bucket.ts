import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { Construct } from 'constructs';
import { bucketProtectionProblems, protectBucket } from './bucket-protection';

/**
 * The longest `bucket_prefix` S3 and Terraform take: a bucket name has at most 63 characters and
 * Terraform appends 26 (a timestamp and a counter).
 */
export const MAX_BUCKET_PREFIX_LENGTH = 37;

/** What a consumer (e.g. a mail host) needs to know of an artifacts bucket. */
export interface ArtifactsBucketReference {
  /** Bucket name. */
  readonly name: string;
  /** Bucket ARN (`arn:<partition>:s3:::<name>`). */
  readonly arn: string;
  /** The KMS key objects are encrypted with. @default SSE-S3 */
  readonly kmsKeyArn?: string;
}

/** Properties of {@link ArtifactsBucket}. */
export interface ArtifactsBucketProps {
  /**
   * Start of the bucket's name, e.g. `mail-prod-artifacts-`; Terraform appends a unique suffix.
   * Lower-case letters, digits, `-` and `.`, at most {@link MAX_BUCKET_PREFIX_LENGTH} characters.
   */
  readonly bucketPrefix: string;
  /** Customer KMS key for default encryption (with an S3 bucket key). @default SSE-S3 (AES256) */
  readonly kmsKeyArn?: string;
  /** Days a replaced or deleted object's old version is kept before S3 expires it. @default 90 */
  readonly noncurrentVersionExpirationDays?: number;
  /** Days after which S3 aborts an unfinished multipart upload and frees its parts. @default 7 */
  readonly abortIncompleteMultipartUploadDays?: number;
}

const BUCKET_PREFIX = /^[a-z0-9][a-z0-9.-]*$/;

/** Every problem of a `bucketPrefix`, each with the value and the fix (for the caller's error). */
export const bucketPrefixProblems = (prefix: string): string[] => {
  const problems: string[] = [];
  if (!BUCKET_PREFIX.test(prefix) || prefix.includes('..')) {
    problems.push(`bucketPrefix ${JSON.stringify(prefix)} must start with a lower-case letter or digit and hold only lower-case letters, digits, "-" and "." (no "..")`);
  }
  if (prefix.length > MAX_BUCKET_PREFIX_LENGTH) {
    problems.push(`bucketPrefix ${JSON.stringify(prefix)} has ${prefix.length} characters; shorten it to at most ${MAX_BUCKET_PREFIX_LENGTH} (Terraform appends 26 to make the name unique)`);
  }
  return problems;
};

/** Every problem of the props, each with the value and the fix. */
const problemsOf = (props: ArtifactsBucketProps): string[] => [...bucketPrefixProblems(props.bucketPrefix), ...bucketProtectionProblems(props)];

/**
 * A private, versioned, encrypted bucket for what a deployment hands to its hosts (e.g. the mail
 * hosts' configuration bundles): public access blocked, ACLs off (`BucketOwnerEnforced`), every
 * request without TLS denied, old object versions expired after a while and unfinished
 * multipart uploads aborted.
 *
 * The name is a prefix plus a suffix Terraform makes unique: bucket names are global across every
 * AWS account, so a fixed `mail-prod-artifacts` would collide with another deployment of this
 * project (or be taken first by anyone). Consumers get the name by reference, never by guessing.
 *
 * @example
 * const artifacts = new ArtifactsBucket(this, 'ArtifactsBucket', { bucketPrefix: 'mail-prod-artifacts-' });
 * new S3Object(this, 'Thing', { bucket: artifacts.bucket.bucket, key: 'thing.txt', content: 'hello' });
 */
export class ArtifactsBucket extends Construct {
  /** The bucket. */
  readonly bucket: S3Bucket;
  /** Name, ARN and key of the bucket, for the constructs that use it. */
  readonly reference: ArtifactsBucketReference;

  constructor(scope: Construct, id: string, props: ArtifactsBucketProps) {
    super(scope, id);
    const problems = problemsOf(props);
    if (problems.length > 0) throw new Error(`ArtifactsBucket ${this.node.path}:\n  - ${problems.join('\n  - ')}`);

    this.bucket = new S3Bucket(this, 'Bucket', { bucketPrefix: props.bucketPrefix });
    this.reference = { name: this.bucket.bucket, arn: this.bucket.arn, kmsKeyArn: props.kmsKeyArn };
    protectBucket(this, this.bucket, {
      kmsKeyArn: props.kmsKeyArn,
      noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays,
      abortIncompleteMultipartUploadDays: props.abortIncompleteMultipartUploadDays,
    });
    // ACLs off: the bucket owner owns every object, access is decided by policies alone.
    new S3BucketOwnershipControls(this, 'Ownership', { bucket: this.bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
  }
}
