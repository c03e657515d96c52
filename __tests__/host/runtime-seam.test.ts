/**
 * `mirovoy-fetch` on EC2, without EC2: the rendered script run by bash with a fake `curl` first on
 * PATH, answering as the metadata service, Secrets Manager, S3 and the RDS trust store would.
 * (The rehearsal e2e suites run its other branch for real.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderFetchCommand, RUNTIME_SECRETS, RUNTIME_SETTINGS } from '../../host/provision/runtime-seam';

const BUNDLE = '-----BEGIN CERTIFICATE-----\nMIIBrds\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMIIBrds2\n-----END CERTIFICATE-----\n';
const CA_URL = 'https://truststore.pki.rds.amazonaws.com/eu-central-1/eu-central-1-bundle.pem';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mirovoy-fetch-test-'));
  writeFileSync(join(dir, 'mirovoy-fetch'), renderFetchCommand().content, { mode: 0o755 });
  writeFileSync(join(dir, 'bundle.pem'), BUNDLE);
  // The metadata service (IMDSv2: a token first) and the trust store; every call is logged.
  writeFileSync(
    join(dir, 'curl'),
    `#!/bin/bash
echo "curl $*" >>${dir}/calls
url=\${@: -1}
case $url in
  */latest/api/token) echo -n token-1 ;;
  */meta-data/placement/region) echo -n eu-central-1 ;;
  */meta-data/tags/instance/mirovoy:${RUNTIME_SETTINGS.databaseHost}) echo -n mail-db.abc.eu-central-1.rds.amazonaws.com ;;
  */meta-data/tags/instance/mirovoy:${RUNTIME_SETTINGS.databaseCaUrl}) echo -n ${CA_URL} ;;
  */meta-data/tags/instance/mirovoy:secret-tls) echo -n arn:aws:secretsmanager:eu-central-1:111122223333:secret:mail-tls-AbCdEf ;;
  */meta-data/tags/instance/mirovoy:${RUNTIME_SETTINGS.bundleBucket}) echo -n mail-prod-artifacts-abc ;;
  */meta-data/iam/security-credentials/) echo -n mail-prod-mx1 ;;
  */meta-data/iam/security-credentials/mail-prod-mx1) echo '{"Code":"Success","AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"sEcReT/kEy+1","Token":"ToKeN=="}' ;;
  https://secretsmanager.eu-central-1.amazonaws.com/) cat >>${dir}/calls; echo >>${dir}/calls; echo '{"ARN":"x","SecretString":"{\\"certificate_chain\\":\\"CHAIN\\",\\"private_key\\":\\"KEY\\"}","VersionId":"v1"}' ;;
  https://mail-prod-artifacts-abc.s3.eu-central-1.amazonaws.com/mx1/abc.bundle) cat >>${dir}/calls; echo >>${dir}/calls; printf '#mirovoy-bundle 1\\n' ;;
  */meta-data/tags/instance/*) echo "curl: (22) The requested URL returned error: 404" >&2; exit 22 ;;
  ${CA_URL}) cat ${dir}/bundle.pem ;;
  *) echo "unexpected URL $url" >&2; exit 7 ;;
esac
`,
    { mode: 0o755 },
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fetch = (...args: string[]) => {
  writeFileSync(join(dir, 'calls'), '');
  const result = spawnSync(join(dir, 'mirovoy-fetch'), args, { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, calls: readFileSync(join(dir, 'calls'), 'utf8') };
};

describe('mirovoy-fetch on EC2', () => {
  it('reads a setting from the instance tag mirovoy:<setting> with an IMDSv2 token', () => {
    const result = fetch('setting', RUNTIME_SETTINGS.databaseHost);
    expect(result).toMatchObject({ code: 0, stdout: 'mail-db.abc.eu-central-1.rds.amazonaws.com' });
    expect(result.calls).toMatch(/-X PUT .*latest\/api\/token/);
    expect(result.calls).toMatch(/X-aws-ec2-metadata-token: token-1 .*tags\/instance\/mirovoy:database-host/);
  });

  it('reads a secret from Secrets Manager by the ARN in its tag, signed with the role credentials, in the instance region', () => {
    const result = fetch('secret', RUNTIME_SECRETS.tls, 'certificate_chain');
    expect(result).toMatchObject({ code: 0, stdout: 'CHAIN' });
    expect(result.calls).toMatch(/--aws-sigv4 aws:amz:eu-central-1:secretsmanager .*X-Amz-Target: secretsmanager\.GetSecretValue.*"SecretId": "arn:aws:secretsmanager:eu-central-1:111122223333:secret:mail-tls-AbCdEf".* https:\/\/secretsmanager\.eu-central-1\.amazonaws\.com\/$/m);
    // The credentials reach curl on its standard input, never in its arguments (ps shows those).
    expect(result.calls).toContain('user = "ASIAEXAMPLE:sEcReT/kEy+1"\nheader = "x-amz-security-token: ToKeN=="');
    expect(result.calls.split('\n').filter((l) => l.startsWith('curl ')).join('\n')).not.toMatch(/sEcReT|ToKeN/);
  });

  it('reads a bundle from the bucket of setting bundle-bucket, signed for S3', () => {
    const result = fetch('bundle', 'mx1/abc.bundle');
    expect(result).toMatchObject({ code: 0, stdout: '#mirovoy-bundle 1\n' });
    expect(result.calls).toMatch(/--aws-sigv4 aws:amz:eu-central-1:s3 https:\/\/mail-prod-artifacts-abc\.s3\.eu-central-1\.amazonaws\.com\/mx1\/abc\.bundle$/m);
  });

  it('refuses a bundle key that could leave its prefix', () => {
    expect(fetch('bundle', 'mx1/../mx2/x.bundle')).toMatchObject({ code: 2 });
    expect(fetch('bundle', '/etc/passwd')).toMatchObject({ code: 2 });
  });

  it('builds the database CA secret from the public bundle at setting database-ca-url, over HTTPS only', () => {
    const whole = fetch('secret', RUNTIME_SECRETS.databaseCa);
    expect(whole.code).toBe(0);
    expect(JSON.parse(whole.stdout)).toEqual({ certificate: BUNDLE });
    expect(whole.calls).toContain(`curl -fsS --proto =https ${CA_URL}`);
    expect(whole.calls).not.toMatch(/aws-sigv4/);
    expect(fetch('secret', RUNTIME_SECRETS.databaseCa, 'certificate').stdout).toBe(BUNDLE);
  });

  it('fails when a tag is missing, with the metadata service error', () => {
    const result = fetch('setting', 'no-such-setting');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/404/);
  });
});
