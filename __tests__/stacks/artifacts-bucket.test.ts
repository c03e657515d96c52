/** Construct tests: the artifacts bucket and the bundle props of a mail host, on their own. */
import { TerraformStack, Testing } from 'cdktf';
import { packBundle } from '../../host/provision/bundle';
import { MailHost, MailHostProps } from '../../modules/mail/mail-host';
import { ArtifactsBucket } from '../../modules/storage/artifacts-bucket';
import { TerraformJson } from '../support/synth';

const newStack = () => new TerraformStack(Testing.app(), 'test');
const synth = (stack: TerraformStack): TerraformJson => JSON.parse(Testing.synth(stack));

describe('ArtifactsBucket', () => {
  it('takes its lifecycle from the props', () => {
    const stack = newStack();
    new ArtifactsBucket(stack, 'Artifacts', { bucketPrefix: 'build-artifacts-', noncurrentVersionExpirationDays: 30, abortIncompleteMultipartUploadDays: 2 });
    const [lifecycle] = Object.values(synth(stack).resource!.aws_s3_bucket_lifecycle_configuration);
    expect(lifecycle.rule[0]).toMatchObject({ noncurrent_version_expiration: [{ noncurrent_days: 30 }], abort_incomplete_multipart_upload: [{ days_after_initiation: 2 }] });
  });

  it('refuses a prefix S3 or Terraform would refuse, and days that are not days, naming every problem', () => {
    const make = () =>
      new ArtifactsBucket(newStack(), 'Artifacts', { bucketPrefix: 'Mail_Prod-artifacts-with-a-much-too-long-name-', noncurrentVersionExpirationDays: 0, abortIncompleteMultipartUploadDays: 1.5 });
    expect(make).toThrow(
      [
        'ArtifactsBucket test/Artifacts:',
        '  - bucketPrefix "Mail_Prod-artifacts-with-a-much-too-long-name-" must start with a lower-case letter or digit and hold only lower-case letters, digits, "-" and "." (no "..")',
        '  - bucketPrefix "Mail_Prod-artifacts-with-a-much-too-long-name-" has 46 characters; shorten it to at most 37 (Terraform appends 26 to make the name unique)',
        '  - noncurrentVersionExpirationDays is 0; give a whole number of days, at least 1',
        '  - abortIncompleteMultipartUploadDays is 1.5; give a whole number of days, at least 1',
      ].join('\n'),
    );
  });

  it('fits the longest environment name (20 characters) into the prefix', () => {
    expect(() => new ArtifactsBucket(newStack(), 'Artifacts', { bucketPrefix: `mail-${'e'.repeat(20)}-artifacts-` })).not.toThrow();
  });
});

describe('MailHost bundle props', () => {
  const bundle = packBundle([{ path: '/etc/example', mode: '0644', owner: 'root', group: 'root', content: 'x = ${y}\n' }], ['test']);
  const props = (patch: Partial<MailHostProps['bundle']> = {}, settings: Record<string, string> = {}): MailHostProps => ({
    name: 'mail-test-mx1',
    hostname: 'mx1.example.com',
    instanceType: 't3.micro',
    region: 'eu-central-1',
    subnetId: 'subnet-1',
    availabilityZone: 'eu-central-1a',
    securityGroupIds: [],
    userData: Buffer.from('bootstrap'),
    bundle: { ...bundle, bucket: { name: 'bucket', arn: 'arn:aws:s3:::bucket' }, prefix: 'mx1', ...patch },
    settings,
    policyStatements: [],
    volumes: [],
    volumeRetention: 'delete',
  });

  it('keeps the bundle as a literal object and names it in the tag', () => {
    const stack = newStack();
    new MailHost(stack, 'Host', props());
    const json = synth(stack);
    const [object] = Object.values(json.resource!.aws_s3_object);
    expect(object).toMatchObject({ bucket: 'bucket', key: `mx1/${bundle.sha256}.bundle`, content: bundle.content.replace('${', () => '$${') });
    const [instance] = Object.values(json.resource!.aws_instance);
    expect(instance.tags['mirovoy:bundle']).toMatch(new RegExp(`^\\$\\{aws_s3_object\\.\\w+\\.key\\} ${bundle.sha256}$`));
  });

  it('refuses a bundle whose sha256 is not its content, a prefix the host cannot fetch, and settings it sets itself', () => {
    const make = () => new MailHost(newStack(), 'Host', props({ sha256: '0'.repeat(64), prefix: 'mx1/../mx2' }, { bundle: 'x' }));
    expect(make).toThrow(
      [
        'MailHost test/Host:',
        '  - bundle.prefix "mx1/../mx2" must be letters, digits, ".", "_" or "-", in segments separated by "/" (e.g. "mx1")',
        `  - bundle.sha256 is "${'0'.repeat(64)}", but the content hashes to ${bundle.sha256}: pass the HostBundle as rendered`,
        '  - settings "bundle" are set by MailHost itself; remove them from settings',
      ].join('\n'),
    );
  });

  it('refuses content that is not in Unicode NFC: Terraform would store "e\u0301" as "\u00e9", other bytes than the sha256 names', () => {
    const decomposed = packBundle([{ path: '/etc/example', mode: '0644', owner: 'root', group: 'root', content: 'caf\u0065\u0301\n' }], ['test']);
    expect(() => new MailHost(newStack(), 'Host', props(decomposed))).toThrow('bundle.content is not in Unicode NFC');
  });
});
