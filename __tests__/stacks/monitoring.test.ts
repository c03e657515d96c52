/** The alarms of the mail stack, their SNS topic, the hosts' right to push metrics, and the plan-time certificate check. */
import { App, TerraformStack } from 'cdktf';
import { warnBeforeExpiry } from '../../modules/monitoring/expiry-check';
import { allOptions, example, exampleWith } from '../support/configs';
import { resourcesOf, synthConfig, TerraformJson } from '../support/synth';

const mailStackOf = (stacks: Record<string, TerraformJson>): TerraformJson => stacks[Object.keys(stacks).find((name) => name.endsWith('-mail'))!];
const exampleMail = mailStackOf(synthConfig(example));
const allOptionsMail = mailStackOf(synthConfig(allOptions));

const alarmsOf = (stack: TerraformJson): Record<string, Record<string, any>> => Object.fromEntries(resourcesOf(stack, 'aws_cloudwatch_metric_alarm').map((a) => [a.alarm_name, a]));
const [topicName] = Object.keys(exampleMail.resource!.aws_sns_topic);
const TOPIC = `\${aws_sns_topic.${topicName}.arn}`;
const instanceRef = (stack: TerraformJson, name: string) => `\${aws_instance.${Object.entries(stack.resource!.aws_instance).find(([, i]) => i.tags.Name === name)![0]}.id}`;

/** What an alarm watches and when it fires, as one comparable row. */
const watch = (a: Record<string, any>) => ({
  metric: `${a.namespace} ${a.metric_name}`,
  dimensions: a.dimensions,
  when: `${a.statistic} ${a.comparison_operator} ${a.threshold} for ${a.evaluation_periods} × ${a.period}s`,
  missing: a.treat_missing_data,
});

describe('alert topic', () => {
  it('is one SNS topic; without alerts.email nobody is subscribed', () => {
    expect(resourcesOf(exampleMail, 'aws_sns_topic')).toEqual([expect.objectContaining({ name: 'mail-example-alerts' })]);
    expect(resourcesOf(exampleMail, 'aws_sns_topic')[0].kms_master_key_id).toBeUndefined();
    expect(resourcesOf(exampleMail, 'aws_sns_topic_subscription')).toEqual([]);
    expect(exampleMail.output!.alerts_topic_arn.value).toBe(TOPIC);
  });

  it('is encrypted with the configured key and subscribes every alerts.email address by e-mail', () => {
    const [[name, topic]] = Object.entries(allOptionsMail.resource!.aws_sns_topic);
    expect(topic.kms_master_key_id).toBe(allOptions.kmsKeyArn);
    const subscriptions = resourcesOf(allOptionsMail, 'aws_sns_topic_subscription');
    expect(subscriptions.map((s) => [s.protocol, s.endpoint, s.topic_arn]).sort()).toEqual([
      ['email', 'oncall@example.org', `\${aws_sns_topic.${name}.arn}`],
      ['email', 'ops@example.org', `\${aws_sns_topic.${name}.arn}`],
    ]);
  });

  it('keeps a subscription when another address is removed (one resource per address, not per position)', () => {
    const fewer = mailStackOf(synthConfig({ ...allOptions, alerts: { email: ['oncall@example.org'] } }));
    const address = (stack: TerraformJson, endpoint: string) => Object.entries(stack.resource!.aws_sns_topic_subscription).find(([, s]) => s.endpoint === endpoint)![0];
    expect(address(fewer, 'oncall@example.org')).toBe(address(allOptionsMail, 'oncall@example.org'));
  });
});

describe('mail host alarms', () => {
  const alarms = alarmsOf(exampleMail);

  it('sends every alarm, and its recovery, to the topic', () => {
    expect(Object.keys(alarms).length).toBeGreaterThan(0);
    for (const alarm of Object.values(alarms)) {
      expect(alarm.alarm_actions).toContain(TOPIC);
      expect(alarm.ok_actions).toEqual([TOPIC]);
      expect(alarm.alarm_description.length).toBeGreaterThan(20);
    }
  });

  it.each([
    ['mx1', 'mx1.example.com'],
    ['mx2', 'mx2.example.com'],
  ])('%s: EC2 system check with automatic recovery, instance check', (short, _hostname) => {
    const instanceId = instanceRef(exampleMail, `mail-example-${short}`);
    const system = alarms[`mail-example-${short}-system-status`];
    expect(watch(system)).toEqual({ metric: 'AWS/EC2 StatusCheckFailed_System', dimensions: { InstanceId: instanceId }, when: 'Maximum GreaterThanThreshold 0 for 2 × 60s', missing: 'missing' });
    expect(system.alarm_actions).toEqual(['arn:aws:automate:eu-central-1:ec2:recover', TOPIC]);
    const instance = alarms[`mail-example-${short}-instance-status`];
    expect(watch(instance)).toEqual({ metric: 'AWS/EC2 StatusCheckFailed_Instance', dimensions: { InstanceId: instanceId }, when: 'Maximum GreaterThanThreshold 0 for 3 × 60s', missing: 'missing' });
    expect(instance.alarm_actions).toEqual([TOPIC]);
  });

  it.each([
    ['mx1', 'mx1.example.com'],
    ['mx2', 'mx2.example.com'],
  ])("%s: on the host's own metrics: mail-ready (missing data breaches), each volume's disk, deferred queue, certificate", (short, hostname) => {
    const host = { Host: hostname };
    const name = (suffix: string) => `mail-example-${short}-${suffix}`;
    expect(watch(alarms[name('mail-ready')])).toEqual({ metric: 'Mirovoy/Mail MailReady', dimensions: host, when: 'Minimum LessThanThreshold 1 for 3 × 300s', missing: 'breaching' });
    for (const volume of ['root', 'spool', 'log']) {
      expect(watch(alarms[name(`disk-${volume}`)])).toEqual({
        metric: 'Mirovoy/Mail DiskUsedPercent',
        dimensions: { ...host, Volume: volume },
        when: 'Maximum GreaterThanThreshold 80 for 2 × 300s',
        missing: 'missing',
      });
    }
    // 30 minutes on end: 6 pushes of 5 minutes, each above the threshold (default 50).
    expect(watch(alarms[name('deferred-queue')])).toEqual({ metric: 'Mirovoy/Mail QueueDeferred', dimensions: host, when: 'Minimum GreaterThanThreshold 50 for 6 × 300s', missing: 'missing' });
    expect(watch(alarms[name('certificate')])).toEqual({ metric: 'Mirovoy/Mail CertificateDaysLeft', dimensions: host, when: 'Minimum LessThanThreshold 14 for 1 × 300s', missing: 'missing' });
  });

  it('watches the age of the last backup on the primary only', () => {
    expect(watch(alarms['mail-example-mx1-backup-age'])).toEqual({
      metric: 'Mirovoy/Mail LastBackupAgeHours',
      dimensions: { Host: 'mx1.example.com' },
      when: 'Maximum GreaterThanThreshold 26 for 1 × 300s',
      missing: 'missing',
    });
    expect(alarms['mail-example-mx2-backup-age']).toBeUndefined();
  });

  it('has exactly these alarms per host (no backup MX: none for it)', () => {
    const perHost = ['system-status', 'instance-status', 'mail-ready', 'disk-root', 'disk-spool', 'disk-log', 'deferred-queue', 'certificate'];
    const expected = [...perHost.map((s) => `mail-example-mx1-${s}`), 'mail-example-mx1-backup-age', ...perHost.map((s) => `mail-example-mx2-${s}`), 'mail-example-db-free-storage', 'mail-example-db-cpu'];
    expect(Object.keys(alarms).sort()).toEqual(expected.sort());
    const single = alarmsOf(mailStackOf(synthConfig(exampleWith({ mail: { backupMx: { enabled: false } } }))));
    expect(Object.keys(single).filter((n) => n.includes('mx2'))).toEqual([]);
  });

  it('takes the deferred-queue threshold from alerts.deferredQueueThreshold', () => {
    expect(alarmsOf(allOptionsMail)['mail-all-options-mx2-deferred-queue'].threshold).toBe(200);
  });
});

describe('database alarms', () => {
  const alarms = alarmsOf(exampleMail);
  const identifier = { DBInstanceIdentifier: '<the instance>' };

  it('watches free storage (below 2 GiB) and CPU (above 80 % for 15 minutes) of the RDS instance', () => {
    const free = alarms['mail-example-db-free-storage'];
    const cpu = alarms['mail-example-db-cpu'];
    // The identifier crosses from the database stack as a reference (a remote-state output).
    expect(free.dimensions.DBInstanceIdentifier).toMatch(/^\$\{data\.terraform_remote_state\.[\w-]+\.outputs\.[\w-]+identifier\}$/);
    expect(cpu.dimensions).toEqual(free.dimensions);
    expect(watch({ ...free, dimensions: identifier })).toEqual({ metric: 'AWS/RDS FreeStorageSpace', dimensions: identifier, when: `Minimum LessThanThreshold ${2 * 1024 ** 3} for 2 × 300s`, missing: 'missing' });
    expect(watch({ ...cpu, dimensions: identifier })).toEqual({ metric: 'AWS/RDS CPUUtilization', dimensions: identifier, when: 'Average GreaterThanThreshold 80 for 3 × 300s', missing: 'missing' });
  });
});

describe('metrics permission of the mail hosts', () => {
  it.each(['Primary', 'Backup'])('%s may put metric data into Mirovoy/Mail only', (role) => {
    const policy = Object.values(exampleMail.resource!.aws_iam_role_policy).find((p) => p['//'].metadata.path.includes(`/${role}/InstanceRole/Policy`))!;
    const statements = JSON.parse(policy.policy).Statement.filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a.startsWith('cloudwatch:')));
    expect(statements).toEqual([{ Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'Mirovoy/Mail' } } }]);
  });
});

describe('certificate expiry at plan time', () => {
  it.each(['primary', 'backup'])('%s: a check block warns when certificate_not_after is fewer than 14 days after the plan', (role) => {
    const certificate = Object.keys(exampleMail.resource!.acme_certificate).find((name) => name.startsWith(`${role === 'primary' ? 'Primary' : 'Backup'}Certificate_`))!;
    const notAfter = `acme_certificate.${certificate}.certificate_not_after`;
    expect(exampleMail.check![`${role}_certificate_fresh`]).toEqual({
      assert: [
        {
          condition: `\${(timecmp(${notAfter}, timeadd(plantimestamp(), "336h")) == 1)}`,
          error_message: `Expires in fewer than 14 days (\${${notAfter}}): renew it (terraform apply renews an ACME certificate within its min_days_remaining).`,
        },
      ],
    });
    // The output stays as it was.
    expect(exampleMail.output![`${role}_certificate_not_after`].value).toBe(`\${${notAfter}}`);
  });
});

it('warnBeforeExpiry refuses a check name Terraform cannot take and a window of no days', () => {
  const stack = new TerraformStack(new App(), 'test');
  expect(() => warnBeforeExpiry(stack, 'primary certificate', '2030-01-01T00:00:00Z', 14)).toThrow('check name "primary certificate" must be letters, digits, _ and -, starting with a letter or _');
  expect(() => warnBeforeExpiry(stack, 'fresh', '2030-01-01T00:00:00Z', 0)).toThrow('days 0 must be a whole number, at least 1');
});
