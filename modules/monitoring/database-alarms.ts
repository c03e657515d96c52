import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Construct } from 'constructs';
import { metricAlarm } from './metric-alarm';

/** Properties of {@link DatabaseAlarms}. */
export interface DatabaseAlarmsProps {
  /** Prefix of the alarms' names, e.g. `mail-prod-db` (a plain name: alarm names are shown before apply). */
  readonly name: string;
  /** The RDS instance identifier (the metrics' dimension). */
  readonly instanceIdentifier: string;
  /** The topic every alarm notifies. */
  readonly topicArn: string;
  /** Less free storage than this, in GiB, raises an alarm. @default 2 */
  readonly freeStorageGiB?: number;
  /** More CPU than this, in percent, for 15 minutes raises an alarm. @default 80 */
  readonly cpuPercent?: number;
}

/** The alarms of an RDS instance: free storage and CPU. */
export class DatabaseAlarms extends Construct {
  /** Free storage below the threshold. */
  readonly freeStorage: CloudwatchMetricAlarm;
  /** CPU above the threshold. */
  readonly cpu: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: DatabaseAlarmsProps) {
    super(scope, id);
    const rds = { namespace: 'AWS/RDS', dimensions: { DBInstanceIdentifier: props.instanceIdentifier }, period: 300, missingData: 'missing' } as const;
    const freeGiB = props.freeStorageGiB ?? 2;
    const cpu = props.cpuPercent ?? 80;
    this.freeStorage = metricAlarm(this, 'FreeStorage', props.topicArn, {
      ...rds,
      name: `${props.name}-free-storage`,
      description: `${props.name}: less than ${freeGiB} GiB of storage free. Storage autoscaling may be at its ceiling (database.maxAllocatedStorageGiB): raise it.`,
      metricName: 'FreeStorageSpace',
      statistic: 'Minimum',
      evaluationPeriods: 2,
      comparison: 'LessThanThreshold',
      threshold: freeGiB * 1024 ** 3,
    });
    this.cpu = metricAlarm(this, 'Cpu', props.topicArn, {
      ...rds,
      name: `${props.name}-cpu`,
      description: `${props.name}: CPU above ${cpu} % for 15 minutes (burst credits spent, or a runaway query). Look at Performance Insights or the slow log; size up database.instanceClass.`,
      metricName: 'CPUUtilization',
      statistic: 'Average',
      evaluationPeriods: 3,
      comparison: 'GreaterThanThreshold',
      threshold: cpu,
    });
  }
}
