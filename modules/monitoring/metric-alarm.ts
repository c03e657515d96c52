import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Construct } from 'constructs';

/** One CloudWatch alarm on one metric, told to a topic when it fires and when it clears. */
export interface MetricAlarmSpec {
  /** Alarm name, visible in AWS, e.g. `mail-prod-mx1-mail-ready`. */
  readonly name: string;
  /** What the alarm means and what to do (the README's "Monitoring" section has the details). */
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: 'Minimum' | 'Maximum' | 'Average';
  /** Seconds per data point. */
  readonly period: number;
  /** Data points that must breach, one after the other. */
  readonly evaluationPeriods: number;
  readonly comparison: 'GreaterThanThreshold' | 'LessThanThreshold';
  readonly threshold: number;
  /** What a period without data counts as. */
  readonly missingData: 'breaching' | 'notBreaching' | 'missing';
  /** Actions besides the topic (e.g. EC2 recovery). @default none */
  readonly extraAlarmActions?: readonly string[];
}

/** Makes the alarm of a spec in `scope`, notifying `topicArn` on ALARM and OK. */
export const metricAlarm = (scope: Construct, id: string, topicArn: string, spec: MetricAlarmSpec): CloudwatchMetricAlarm =>
  new CloudwatchMetricAlarm(scope, id, {
    alarmName: spec.name,
    alarmDescription: spec.description,
    namespace: spec.namespace,
    metricName: spec.metricName,
    dimensions: { ...spec.dimensions },
    statistic: spec.statistic,
    period: spec.period,
    evaluationPeriods: spec.evaluationPeriods,
    comparisonOperator: spec.comparison,
    threshold: spec.threshold,
    treatMissingData: spec.missingData,
    alarmActions: [...(spec.extraAlarmActions ?? []), topicArn],
    okActions: [topicArn],
  });
