/**
 * Issue 14, items 3 and 4 on AWS: the primary may read exactly the migration's dump object (and
 * its KMS key, through S3 only); `testData` makes the sample mailboxes' passwords with
 * `random_password` into a secret only the primary reads; what reaches the host's bundle.
 */
import { mailHostSpecFromConfig } from '../../adapters/mail-host-spec';
import { validateConfig } from '../../configs/validate';
import { DB_IMPORT_PATH, renderMailHost } from '../../host';
import { renderMailHostBundle, secretsReadBy } from '../../host/provision';
import { allOptions, example, exampleWith } from '../support/configs';
import { mailHostPolicy, mailHostTags, mailStackOf, resourcesOf, synthConfig } from '../support/synth';


const DUMP_OBJECT = 'arn:aws:s3:::old-mail.example.org/mail/maildb-20260101.sql';
const allOptionsMail = mailStackOf(synthConfig(allOptions));
const exampleMail = mailStackOf(synthConfig(example));
const testDataMail = mailStackOf(synthConfig(exampleWith({ testData: true })));

describe('the migration dump', () => {
  it('the primary may get exactly that object, and decrypt it with its key through S3 only', () => {
    const statements = mailHostPolicy(allOptionsMail, 'Primary');
    expect(statements.filter((st) => JSON.stringify(st).includes('old-mail'))).toEqual([{ Effect: 'Allow', Action: 's3:GetObject', Resource: DUMP_OBJECT }]);
    expect(statements.filter((st) => st.Resource === allOptions.migration!.databaseDumpKmsKeyArn)).toEqual([
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: allOptions.migration!.databaseDumpKmsKeyArn, Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } } },
    ]);
  });

  it('the backup MX may not, nor may a primary without a migration', () => {
    expect(JSON.stringify(mailHostPolicy(allOptionsMail, 'Backup'))).not.toMatch(/old-mail|9f8e7d6c/);
    expect(JSON.stringify(mailHostPolicy(exampleMail, 'Primary'))).not.toContain('arn:aws:s3:::');
  });

  it("reaches the primary's bundle as the import script's object, and only the primary's", () => {
    const config = validateConfig(allOptions, 'test');
    const bundle = (role: 'primary' | 'backup') => renderMailHostBundle(renderMailHost(mailHostSpecFromConfig(config, role))).content;
    expect(bundle('primary')).toContain(`=== ${DB_IMPORT_PATH} `);
    expect(bundle('primary')).toContain("readonly DUMP_BUCKET='old-mail.example.org'\nreadonly DUMP_KEY='mail/maildb-20260101.sql'\n");
    expect(bundle('primary')).toContain("readonly DB_IMPORT='/usr/local/sbin/mirovoy-db-import'");
    expect(bundle('backup')).not.toContain(DB_IMPORT_PATH);
    expect(renderMailHostBundle(renderMailHost(mailHostSpecFromConfig(validateConfig(example, 'test'), 'primary'))).content).toContain("readonly DB_IMPORT=''");
  });
});

describe('the test data', () => {
  it('has generated passwords (letters and digits) in a secret of its own', () => {
    const passwords = resourcesOf(testDataMail, 'random_password');
    expect(passwords).toHaveLength(2);
    for (const p of passwords) expect(p).toMatchObject({ length: 24, special: false });
    const secret = resourcesOf(testDataMail, 'aws_secretsmanager_secret').find((s) => s.name === 'mail-example/test-data');
    expect(secret).toMatchObject({ description: 'Passwords of the sample mailboxes (config testData)' });
    const version = resourcesOf(testDataMail, 'aws_secretsmanager_secret_version').find((v) => v['//'].metadata.path.includes('/TestData/'));
    expect(version!.secret_string).toMatch(/^\$\{jsonencode\(\{"xandros" = random_password\.\S+\.result, "vivita" = random_password\.\S+\.result\}\)\}$/);
    expect(testDataMail.provider?.random).toBeDefined();
  });

  it('only the primary is told the secret and may read it', () => {
    const tags = mailHostTags(testDataMail, 'Primary');
    expect(tags['mirovoy:secret-test-data']).toMatch(/^\$\{aws_secretsmanager_secret\.TestData_Passwords_Secret\S*\.arn\}$/);
    const read = mailHostPolicy(testDataMail, 'Primary').find((st) => st.Action === 'secretsmanager:GetSecretValue')!;
    expect(read.Resource).toContain(tags['mirovoy:secret-test-data']);
    expect(Object.keys(mailHostTags(testDataMail, 'Backup'))).not.toContain('mirovoy:secret-test-data');
    expect(JSON.stringify(mailHostPolicy(testDataMail, 'Backup'))).not.toContain('TestData');
  });

  it('makes no secret, provider or secret read without testData', () => {
    expect(resourcesOf(exampleMail, 'random_password')).toEqual([]);
    expect(Object.keys(mailHostTags(exampleMail, 'Primary'))).not.toContain('mirovoy:secret-test-data');
    expect(secretsReadBy(renderMailHost(mailHostSpecFromConfig(validateConfig(example, 'test'), 'primary')))).not.toContain('test-data');
  });
});
