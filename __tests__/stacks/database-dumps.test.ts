/**
 * The nightly database dump on AWS: its bucket (private, versioned, encrypted, TLS only, archive
 * and expiry), the primary's narrow write access, the dump user's secret, and what the backup MX
 * must not get.
 */
import { TerraformStack, Testing } from 'cdktf';
import { mailHostSpecFromConfig } from '../../adapters/mail-host-spec';
import { validateConfig } from '../../configs/validate';
import { renderMailHost } from '../../host';
import { BackupBucket, backupWriterStatements } from '../../modules/storage/backup-bucket';
import { allOptions, example, exampleWith, problemsOf } from '../support/configs';
import { mailHostPolicy, mailHostTags, mailStackOf, resourcesOf, synthConfig, TerraformJson } from '../support/synth';

const exampleMail = mailStackOf(synthConfig(example));
const allOptionsMail = mailStackOf(synthConfig(allOptions));
const tunedMail = mailStackOf(synthConfig(exampleWith({ backups: { databaseDumps: { archiveAfterDays: 7, expireAfterDays: 90 } } })));

const inDumpBucket = (stack: TerraformJson, type: string): Record<string, any> => {
  const found = resourcesOf(stack, type).filter((r) => r['//'].metadata.path.includes('/DumpBucket/'));
  expect(found).toHaveLength(1);
  return found[0];
};
const bucketName = (stack: TerraformJson): string => Object.keys(stack.resource!.aws_s3_bucket).find((name) => name.startsWith('DumpBucket'))!;

describe('the dump bucket', () => {
  it('is private and unique: a prefixed name, public access blocked, ACLs off, TLS only', () => {
    expect(inDumpBucket(exampleMail, 'aws_s3_bucket')).toEqual({ '//': expect.anything(), bucket_prefix: 'mail-example-backups-' });
    expect(inDumpBucket(exampleMail, 'aws_s3_bucket_public_access_block')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(inDumpBucket(exampleMail, 'aws_s3_bucket_ownership_controls').rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    const [tlsOnly] = JSON.parse(inDumpBucket(exampleMail, 'aws_s3_bucket_policy').policy).Statement;
    expect(tlsOnly).toMatchObject({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    // Terraform refuses to destroy it while it holds dumps.
    expect(inDumpBucket(exampleMail, 'aws_s3_bucket').force_destroy).toBeUndefined();
    expect(exampleMail.output!.backup_bucket_name.value).toBe(`\${aws_s3_bucket.${bucketName(exampleMail)}.bucket}`);
  });

  it('is versioned and encrypted: SSE-S3 by default, the customer key when the config has one', () => {
    expect(inDumpBucket(exampleMail, 'aws_s3_bucket_versioning').versioning_configuration).toEqual({ status: 'Enabled' });
    expect(inDumpBucket(exampleMail, 'aws_s3_bucket_server_side_encryption_configuration').rule[0].apply_server_side_encryption_by_default).toEqual({ sse_algorithm: 'AES256' });
    expect(inDumpBucket(allOptionsMail, 'aws_s3_bucket_server_side_encryption_configuration').rule[0]).toMatchObject({
      apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: allOptions.kmsKeyArn },
      bucket_key_enabled: true,
    });
  });

  it('moves dumps to Glacier Instant Retrieval and expires them after the configured days', () => {
    const rules = (stack: TerraformJson) => inDumpBucket(stack, 'aws_s3_bucket_lifecycle_configuration').rule;
    expect(rules(exampleMail)[1]).toEqual({
      id: 'archive-and-expire-database-maildb',
      status: 'Enabled',
      filter: [{ prefix: 'database/maildb/' }],
      transition: [{ days: 30, storage_class: 'GLACIER_IR' }],
      expiration: [{ days: 365 }],
    });
    expect(rules(tunedMail)[1]).toMatchObject({ transition: [{ days: 7, storage_class: 'GLACIER_IR' }], expiration: [{ days: 90 }] });
    expect(rules(allOptionsMail)[1]).toMatchObject({ transition: [{ days: 60, storage_class: 'GLACIER_IR' }], expiration: [{ days: 730 }] });
    // An expired dump's old version goes a day later.
    expect(rules(exampleMail)[0].noncurrent_version_expiration).toEqual([{ noncurrent_days: 1 }]);
  });

  it('refuses a config whose dumps expire before they are archived', () => {
    expect(problemsOf(exampleWith({ backups: { databaseDumps: { archiveAfterDays: 30, expireAfterDays: 30 } } }))).toEqual([
      'backups.databaseDumps.expireAfterDays: must be more than backups.databaseDumps.archiveAfterDays (30): a dump is archived before it expires (got 30)',
    ]);
    expect(problemsOf(exampleWith({ backups: { databaseDumps: { randomizedDelay: 'soon' } } }))).toEqual([
      `backups.databaseDumps.randomizedDelay: use a number and s, min or h, e.g. '30min' (got "soon")`,
    ]);
  });
});

describe('the schedule', () => {
  it("reaches the primary's timer from backups.databaseDumps; the backup MX has none", () => {
    const config = validateConfig(allOptions, 'test');
    const timer = renderMailHost(mailHostSpecFromConfig(config, 'primary')).files.find((f) => f.path === '/etc/systemd/system/mirovoy-db-dump.timer');
    expect(timer?.content).toContain('OnCalendar = *-*-* 03:15:00 UTC\nRandomizedDelaySec = 45min\n');
    expect(renderMailHost(mailHostSpecFromConfig(config, 'backup')).files.map((f) => f.path)).not.toContain('/etc/systemd/system/mirovoy-db-dump.timer');
  });
});

describe('who may touch the dumps', () => {
  it('the primary may put, get and list under database/<db>/ of the dump bucket, and delete nothing', () => {
    const arn = `\${aws_s3_bucket.${bucketName(exampleMail)}.arn}`;
    const dumpStatements = mailHostPolicy(exampleMail, 'Primary').filter((st) => JSON.stringify(st.Resource).includes('DumpBucket'));
    expect(dumpStatements).toEqual([
      { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: `${arn}/database/maildb/*` },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: arn, Condition: { StringLike: { 's3:prefix': ['database/maildb/*'] } } },
    ]);
    for (const stack of [exampleMail, allOptionsMail]) {
      for (const host of ['Primary', 'Backup'] as const) expect(JSON.stringify(mailHostPolicy(stack, host))).not.toMatch(/s3:(\*|Delete)/);
    }
  });

  it('with a customer key, the primary may have S3 use it, and only through S3', () => {
    const kms = mailHostPolicy(allOptionsMail, 'Primary').filter((st) => [st.Action].flat().includes('kms:GenerateDataKey'));
    expect(kms).toEqual([
      { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: allOptions.kmsKeyArn, Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } } },
    ]);
  });

  it('only the primary is told the bucket and the dump secret; the backup MX can reach neither', () => {
    const primary = mailHostTags(allOptionsMail, 'Primary');
    expect(primary['mirovoy:backup-bucket']).toBe(`\${aws_s3_bucket.${bucketName(allOptionsMail)}.bucket}`);
    expect(primary['mirovoy:secret-db-dump']).toMatch(/DumpUserSecret/);
    const backup = mailHostTags(allOptionsMail, 'Backup');
    expect(Object.keys(backup).filter((tag) => /backup-bucket|db-dump/.test(tag))).toEqual([]);
    expect(JSON.stringify(mailHostPolicy(allOptionsMail, 'Backup'))).not.toMatch(/DumpBucket|DumpUserSecret/);
  });
});

describe('BackupBucket', () => {
  const newStack = () => new TerraformStack(Testing.app(), 'test');

  it('refuses a retention S3 would refuse, naming every problem', () => {
    expect(() => new BackupBucket(newStack(), 'Backups', { bucketPrefix: 'backups-', retention: [{ prefix: 'database', archiveAfterDays: 0, expireAfterDays: 0 }] })).toThrow(
      [
        'BackupBucket test/Backups:',
        '  - retention[0].prefix "database" must be an S3 key prefix ending in "/", e.g. "database/"',
        '  - retention[0].archiveAfterDays is 0; give a whole number of days, at least 1',
        '  - retention[0].expireAfterDays is 0; give a whole number of days more than archiveAfterDays (0)',
      ].join('\n'),
    );
    expect(() => new BackupBucket(newStack(), 'Backups', { bucketPrefix: 'backups-', retention: [] })).toThrow(/retention is empty/);
  });

  it('gives writers no KMS statement without a customer key', () => {
    expect(backupWriterStatements({ name: 'b', arn: 'arn:aws:s3:::b' }, 'database/', 'eu-central-1').map((st) => st.Action)).toEqual([['s3:PutObject', 's3:GetObject'], 's3:ListBucket']);
  });
});
