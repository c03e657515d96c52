/** tools/ci/destroy-guard.ts on plan JSON fixtures shaped as `terraform show -json` writes them. */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataDestructions, guard, readPlan } from '../../tools/ci/destroy-guard';

const fixture = (name: string) => join(__dirname, 'plans', name);
const plan = (name: string) => ({ name, plan: readPlan(fixture(name)) });

describe('destroy guard', () => {
  it('passes a certificate renewal: the secret version is replaced, the secret stays', () => {
    expect(guard([plan('mail-renewal.json')], false)).toEqual({ code: 0, lines: ['destroy-guard: no data-holding resource is destroyed (1 plan(s))'] });
  });

  it('passes a configuration change that replaces the instance, its bundle object and attachments', () => {
    expect(dataDestructions(readPlan(fixture('mail-config-change.json')), 'mail')).toEqual([]);
  });

  it('passes a plan without changes (no resource_changes at all)', () => {
    expect(guard([plan('network-no-changes.json')], false).code).toBe(0);
  });

  it('fails a replaced spool volume and names it', () => {
    const { code, lines } = guard([plan('mail-renewal.json'), plan('mail-volume-replaced.json')], false);
    expect(code).toBe(1);
    expect(lines).toContain('  - mail-volume-replaced.json: replace aws_ebs_volume.Primary_SpoolVolume_182B3ADC (a mail spool or log volume)');
    expect(lines.at(-1)).toMatch(/add the label allow-data-destroy/);
  });

  it('fails a destroyed database and its secrets, not the secret versions or the parameter group', () => {
    expect(dataDestructions(readPlan(fixture('database-destroy.json')), 'db')).toEqual([
      { plan: 'db', address: 'aws_db_instance.MailDatabase_Instance_61737984', type: 'aws_db_instance', action: 'delete' },
      { plan: 'db', address: 'aws_secretsmanager_secret.MailDatabase_AdminUserSecret_Credentials_Secret_5B800C94', type: 'aws_secretsmanager_secret', action: 'delete' },
    ]);
  });

  it('lets the label allow it, still listing what goes', () => {
    const { code, lines } = guard([plan('database-destroy.json')], true);
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/allowed by the pull request label/);
    expect(lines).toHaveLength(3);
  });

  it('refuses a file that is not plan JSON, saying what to give it', () => {
    const path = join(__dirname, 'plans', '..', '..', '..', 'package.json');
    expect(() => readPlan(path)).toThrow(/package\.json is not a plan in JSON \(no format_version\); give it the output of terraform show -json <planfile>/);
  });

  it('runs as the workflow runs it: exit 1 on a destroyed bucket, 0 with the label', () => {
    const bucket = join(tmpdir(), `destroy-guard-${process.pid}.json`);
    writeFileSync(bucket, JSON.stringify({ format_version: '1.2', resource_changes: [{ address: 'aws_s3_bucket.ArtifactsBucket_5095D2EE', mode: 'managed', type: 'aws_s3_bucket', change: { actions: ['delete'] } }] }));
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [require.resolve('tsx/cli'), join(__dirname, '..', '..', 'tools', 'ci', 'destroy-guard.ts'), bucket], { encoding: 'utf8', env: { ...process.env, ...env } });
    const refused = run({});
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('delete aws_s3_bucket.ArtifactsBucket_5095D2EE (a bucket (state, artifacts))');
    expect(run({ MIROVOY_ALLOW_DATA_DESTROY: 'true' }).status).toBe(0);
    rmSync(bucket);
  });
});
