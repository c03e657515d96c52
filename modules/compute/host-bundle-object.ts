import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { bundleObjectKey, bundleSettingValue, HostBundle } from '../../host/provision/bundle';
import { RUNTIME_SETTINGS } from '../../host/provision/runtime-seam';
import { ArtifactsBucketReference } from '../storage/artifacts-bucket';
import { PolicyStatement } from './instance-role';

/**
 * A host's configuration bundle (`packBundle` in `host/provision`) and where it is kept. The host
 * finds it by the tag `mirovoy:bundle` (`<key> <sha256>`), fetches it from the bucket in the tag
 * `mirovoy:bundle-bucket` and applies it only if its sha256 matches.
 */
export interface StoredHostBundle extends HostBundle {
  /** The bucket that keeps the bundles. */
  readonly bucket: ArtifactsBucketReference;
  /**
   * Key prefix of this host's bundles, e.g. `mx1`; the host may read only below it. Letters,
   * digits, `.`, `_`, `-`, segments separated by `/`.
   */
  readonly prefix: string;
}

/** What `mirovoy-fetch bundle <key>` accepts (host/provision/runtime-seam.ts). */
const BUNDLE_PREFIX = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Every problem of a bundle, each with the value and the fix. */
export const bundleProblems = (bundle: StoredHostBundle): string[] => {
  const problems: string[] = [];
  if (!BUNDLE_PREFIX.test(bundle.prefix) || bundle.prefix.split('/').includes('..')) {
    problems.push(`bundle.prefix ${JSON.stringify(bundle.prefix)} must be letters, digits, ".", "_" or "-", in segments separated by "/" (e.g. "mx1")`);
  }
  const actual = createHash('sha256').update(bundle.content, 'utf8').digest('hex');
  if (actual !== bundle.sha256) problems.push(`bundle.sha256 is ${JSON.stringify(bundle.sha256)}, but the content hashes to ${actual}: pass the HostBundle as rendered`);
  // Terraform normalizes strings to Unicode NFC; another form would reach S3 with other bytes.
  if (bundle.content !== bundle.content.normalize('NFC')) problems.push('bundle.content is not in Unicode NFC: Terraform would store other bytes than its sha256 names; normalize what is rendered');
  return problems;
};

/** The run-time settings the bundle object itself sets (callers may not set them). */
export const BUNDLE_SETTINGS: readonly string[] = [RUNTIME_SETTINGS.bundle, RUNTIME_SETTINGS.bundleBucket];

/**
 * A string as a Terraform template that evaluates to exactly that string: `${` and `%{` would
 * start an interpolation or a directive, `$${` and `%%{` are their escapes.
 */
export const templateLiteral = (text: string): string => text.replace(/([$%])\{/g, '$1$1{');

/** What {@link storeHostBundle} made. */
export interface StoredBundleObject {
  /** The S3 object. */
  readonly object: S3Object;
  /** The settings that name it: `bundle` (`<key> <sha256>`, by reference, so a tag moves only after the object exists) and `bundle-bucket`. */
  readonly settings: Readonly<Record<string, string>>;
  /** Reading its own bundles, and nothing else in the bucket (mx2 cannot read mx1/…). */
  readonly readStatements: readonly PolicyStatement[];
}

/**
 * Keeps a host's bundle as a content-addressed S3 object (`<prefix>/<sha256>.bundle`), made as
 * `id` in `scope`: a configuration change is a new object, made before whatever names it moves to
 * it, and the old one is deleted only after (`create_before_destroy`). Check the bundle with
 * {@link bundleProblems} first.
 */
export const storeHostBundle = (scope: Construct, id: string, bundle: StoredHostBundle, region: string): StoredBundleObject => {
  const object = new S3Object(scope, id, {
    bucket: bundle.bucket.name,
    key: bundleObjectKey(bundle.prefix, bundle),
    // As it is, not base64: `terraform plan` shows a configuration change as this text's diff.
    content: templateLiteral(bundle.content),
    contentType: 'text/plain; charset=utf-8',
    kmsKeyId: bundle.bucket.kmsKeyArn,
    lifecycle: { createBeforeDestroy: true },
  });
  return {
    object,
    settings: { [RUNTIME_SETTINGS.bundle]: bundleSettingValue(object.key, bundle), [RUNTIME_SETTINGS.bundleBucket]: bundle.bucket.name },
    readStatements: [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: `${bundle.bucket.arn}/${bundle.prefix}/*` },
      ...(bundle.bucket.kmsKeyArn
        ? [{ Effect: 'Allow' as const, Action: 'kms:Decrypt', Resource: bundle.bucket.kmsKeyArn, Condition: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } } }]
        : []),
    ],
  };
};
