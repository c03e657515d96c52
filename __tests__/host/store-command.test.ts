/**
 * `mirovoy-store` on EC2, without EC2: the rendered script run by bash with a fake `curl` first on
 * PATH, answering as the metadata service, S3 and CloudWatch would, and logging every call with
 * the body it was given. (The rehearsal e2e suites run its other branch for real.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METRICS_NAMESPACE, REHEARSAL_SEAM_DIRECTORY, renderStoreCommand, RUNTIME_SETTINGS } from '../../host/provision/runtime-seam';

const BUCKET_URL = 'https://mail-prod-backups-abc.s3.eu-central-1.amazonaws.com/';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mirovoy-store-test-'));
  writeFileSync(join(dir, 'mirovoy-store'), renderStoreCommand().content, { mode: 0o755 });
  // Two pages of a listing: the first one says more follow.
  writeFileSync(
    join(dir, 'page-1.xml'),
    '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Contents><Key>database/maildb/20261201T010000Z.sql.gz</Key></Contents><IsTruncated>true</IsTruncated><NextContinuationToken>tok/en+1=</NextContinuationToken></ListBucketResult>',
  );
  writeFileSync(
    join(dir, 'page-2.xml'),
    '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Contents><Key>database/maildb/20261130T010000Z.sql.gz</Key></Contents><IsTruncated>false</IsTruncated></ListBucketResult>',
  );
  writeFileSync(
    join(dir, 'curl'),
    `#!/bin/bash
echo "curl $*" >>${dir}/calls
# Real curl reads its config (the credentials) from standard input; so does this one.
[[ " $* " == *" -K - "* ]] && { cat >>${dir}/calls; echo >>${dir}/calls; }
for arg; do [[ $arg == @/* ]] && { echo "body: $(cat "\${arg#@}")" >>${dir}/calls; }; done
url=\${@: -1}
case $url in
  */latest/api/token) echo -n token-1 ;;
  */meta-data/placement/region) echo -n eu-central-1 ;;
  */meta-data/tags/instance/mirovoy:${RUNTIME_SETTINGS.backupBucket}) echo -n mail-prod-backups-abc ;;
  */meta-data/iam/security-credentials/) echo -n mail-prod-mx1 ;;
  */meta-data/iam/security-credentials/mail-prod-mx1) echo '{"Code":"Success","AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"sEcReT/kEy+1","Token":"ToKeN=="}' ;;
  ${BUCKET_URL}database/maildb/x.sql.gz) [[ " $* " == *" -X PUT "* ]] || printf 'DUMP' ;;
  ${BUCKET_URL}?list-type=2\\&prefix=database%2Fmaildb%2F) cat ${dir}/page-1.xml ;;
  ${BUCKET_URL}?list-type=2\\&prefix=database%2Fmaildb%2F\\&continuation-token=tok%2Fen%2B1%3D) cat ${dir}/page-2.xml ;;
  https://monitoring.eu-central-1.amazonaws.com) ;;
  *) echo "unexpected URL $url" >&2; exit 7 ;;
esac
`,
    { mode: 0o755 },
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const store = (input: string, ...args: string[]) => {
  writeFileSync(join(dir, 'calls'), '');
  const result = spawnSync(join(dir, 'mirovoy-store'), args, { input, encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin` } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, calls: readFileSync(join(dir, 'calls'), 'utf8') };
};

describe('mirovoy-store on EC2', () => {
  it('puts a backup into the bucket of setting backup-bucket with a signed PUT of the whole body', () => {
    const result = store('gzip bytes', 'backup-put', 'database/maildb/x.sql.gz');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.calls).toMatch(/--aws-sigv4 aws:amz:eu-central-1:s3 -X PUT -H Content-Type: application\/octet-stream --data-binary @\S+ -o \/dev\/null https:\/\/mail-prod-backups-abc\.s3\.eu-central-1\.amazonaws\.com\/database\/maildb\/x\.sql\.gz$/m);
    expect(result.calls).toContain('body: gzip bytes');
    // The credentials reach curl on its standard input, never in its arguments.
    expect(result.calls).toContain('user = "ASIAEXAMPLE:sEcReT/kEy+1"\nheader = "x-amz-security-token: ToKeN=="');
    expect(result.calls.split('\n').filter((l) => l.startsWith('curl ')).join('\n')).not.toMatch(/sEcReT|ToKeN/);
  });

  it('reads a backup back', () => {
    expect(store('', 'backup-get', 'database/maildb/x.sql.gz')).toMatchObject({ code: 0, stdout: 'DUMP' });
  });

  it('lists every page of a prefix, sorted, with the continuation token URL-encoded', () => {
    const result = store('', 'backup-list', 'database/maildb/');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe('database/maildb/20261130T010000Z.sql.gz\ndatabase/maildb/20261201T010000Z.sql.gz\n');
  });

  it('sends metrics in one PutMetricData call of the AWS JSON 1.0 protocol, signed for monitoring', () => {
    const body = JSON.stringify({ Namespace: METRICS_NAMESPACE, MetricData: [{ MetricName: 'MailReady', Value: 1, Unit: 'Count' }] });
    const result = store(body, 'metrics');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const calls = result.calls.split('\n').filter((l) => l.includes('monitoring.'));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/--aws-sigv4 aws:amz:eu-central-1:monitoring -H Content-Type: application\/x-amz-json-1\.0 -H X-Amz-Target: GraniteServiceVersion20100801\.PutMetricData --data-binary @/);
    expect(result.calls).toContain(`body: ${body}`);
  });

  it('refuses a metrics body of another namespace, or not JSON, before calling AWS', () => {
    for (const body of ['not json', JSON.stringify({ Namespace: 'AWS/EC2', MetricData: [] })]) {
      const result = store(body, 'metrics');
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/must be JSON \{"Namespace": "Mirovoy\/Mail"/);
      expect(result.calls).toBe('');
    }
  });

  it('refuses keys and prefixes that could leave their place, and unknown kinds', () => {
    for (const args of [['backup-put', '../x'], ['backup-get', '/etc/passwd'], ['backup-get', 'a/../b'], ['backup-list', '/database'], ['backup-list', 'a/../'], ['remove', 'x']]) {
      const result = store('', ...args);
      expect({ args, code: result.code, calls: result.calls }).toEqual({ args, code: 2, calls: '' });
    }
  });
});

describe('mirovoy-store in the rehearsal (the seam directory moved to a scratch folder)', () => {
  let seam: string;
  let script: string;
  beforeAll(() => {
    seam = mkdtempSync(join(tmpdir(), 'mirovoy-store-seam-'));
    script = join(seam, 'mirovoy-store');
    writeFileSync(script, renderStoreCommand().content.replaceAll(REHEARSAL_SEAM_DIRECTORY, seam), { mode: 0o755 });
  });
  afterAll(() => rmSync(seam, { recursive: true, force: true }));
  const run = (input: string, ...args: string[]) => spawnSync(script, args, { input, encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });

  it('keeps backups as files, reads and lists them by prefix', () => {
    expect(run('one', 'backup-put', 'database/maildb/1.sql.gz').status).toBe(0);
    expect(run('two', 'backup-put', 'database/maildb/2.sql.gz').status).toBe(0);
    expect(run('other', 'backup-put', 'database/webmail/1.sql.gz').status).toBe(0);
    expect(readFileSync(join(seam, 'store/backups/database/maildb/2.sql.gz'), 'utf8')).toBe('two');
    expect(run('', 'backup-get', 'database/maildb/1.sql.gz').stdout).toBe('one');
    expect(run('', 'backup-list', 'database/maildb/').stdout).toBe('database/maildb/1.sql.gz\ndatabase/maildb/2.sql.gz\n');
    expect(run('', 'backup-list').stdout.split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('writes each metrics body to a file of its own', () => {
    const body = JSON.stringify({ Namespace: METRICS_NAMESPACE, MetricData: [] });
    expect(run(body, 'metrics').status).toBe(0);
    expect(run(body, 'metrics').status).toBe(0);
    const files = readdirSync(join(seam, 'store/metrics'));
    expect(files).toHaveLength(2);
    expect(readFileSync(join(seam, 'store/metrics', files[0]!), 'utf8')).toBe(body);
  });
});
