import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../host/provision/runtime-seam';
import { MAIL_METRICS_INTERVAL_SECONDS as PUSH, MONITORED_VOLUMES } from './mail-metrics';
import { metricAlarm, MetricAlarmSpec } from './metric-alarm';
import { STATUS_METRICS } from '../../host/status/metrics';

/** Properties of {@link MailHostAlarms}. */
export interface MailHostAlarmsProps {
  /** AWS name of the host, the prefix of its alarms' names, e.g. `mail-prod-mx1`. */
  readonly name: string;
  /** The host's FQDN: the `Host` dimension of the metrics it pushes. */
  readonly hostname: string;
  /** The EC2 instance (its status checks, and what a recovery brings back). */
  readonly instanceId: string;
  /** Region of the instance (the recovery action's ARN names it). */
  readonly region: string;
  /** The topic every alarm notifies. */
  readonly topicArn: string;
  /** Deferred messages that, for 30 minutes on end, raise an alarm. */
  readonly deferredQueueThreshold: number;
  /** Watch `LastBackupAgeHours` (the host that dumps the database). @default false */
  readonly watchBackupAge?: boolean;
  /** A volume fuller than this, in percent, raises an alarm. @default 80 */
  readonly diskUsedPercent?: number;
  /** Fewer days left on the served certificate raise an alarm. @default 14 */
  readonly certificateDaysLeft?: number;
  /** A last good backup older than this, in hours, raises an alarm. @default 26 (a nightly dump and two hours' slack) */
  readonly backupAgeHours?: number;
}

/**
 * The alarms of one mail host: EC2's status checks (a failed system check recovers the instance
 * onto other hardware, with its id, addresses and volumes) and the host's own metrics
 * (`mail-metrics.ts`): mail-ready, disk use of each volume, the deferred queue, the certificate,
 * and on the primary the age of the last backup.
 */
export class MailHostAlarms extends Construct {
  /** The alarms by id. */
  readonly alarms: Readonly<Record<string, CloudwatchMetricAlarm>>;

  constructor(scope: Construct, id: string, props: MailHostAlarmsProps) {
    super(scope, id);
    const host = { Host: props.hostname };
    const own = { namespace: METRICS_NAMESPACE, period: PUSH } as const;
    const ec2 = { namespace: 'AWS/EC2', dimensions: { InstanceId: props.instanceId }, statistic: 'Maximum', period: 60, comparison: 'GreaterThanThreshold', threshold: 0, missingData: 'missing' } as const;
    const disk = props.diskUsedPercent ?? 80;
    const specs: Record<string, MetricAlarmSpec> = {
      SystemStatus: {
        ...ec2,
        name: `${props.name}-system-status`,
        description: `${props.hostname}: the EC2 system status check failed (AWS hardware or network). CloudWatch recovers the instance onto other hardware, with the same id, addresses and volumes; if it does not come back, see the README, "Monitoring".`,
        metricName: 'StatusCheckFailed_System',
        evaluationPeriods: 2,
        extraAlarmActions: [`arn:aws:automate:${props.region}:ec2:recover`],
      },
      InstanceStatus: {
        ...ec2,
        name: `${props.name}-instance-status`,
        description: `${props.hostname}: the EC2 instance status check failed for 3 minutes (the system inside: kernel, memory, network set-up). Look at the serial console; reboot the instance.`,
        metricName: 'StatusCheckFailed_Instance',
        evaluationPeriods: 3,
      },
      MailReady: {
        ...own,
        name: `${props.name}-mail-ready`,
        description: `${props.hostname}: not mail-ready, or no metrics from it, for 15 minutes (a service down, a port closed, the host not running). Run mirovoy-status on the host.`,
        metricName: STATUS_METRICS.mailReady.name,
        dimensions: host,
        statistic: 'Minimum',
        evaluationPeriods: 3,
        comparison: 'LessThanThreshold',
        threshold: 1,
        missingData: 'breaching',
      },
      ...Object.fromEntries(
        MONITORED_VOLUMES.map((volume) => [
          `Disk-${volume}`,
          {
            ...own,
            name: `${props.name}-disk-${volume}`,
            description: `${props.hostname}: the ${volume} volume is more than ${disk} % full. Grow the volume (mail.storage) or find what fills it.`,
            metricName: STATUS_METRICS.diskUsedPercent.name,
            dimensions: { ...host, Volume: volume },
            statistic: 'Maximum',
            evaluationPeriods: 2,
            comparison: 'GreaterThanThreshold',
            threshold: disk,
            missingData: 'missing',
          } satisfies MetricAlarmSpec,
        ]),
      ),
      DeferredQueue: {
        ...own,
        name: `${props.name}-deferred-queue`,
        description: `${props.hostname}: more than ${props.deferredQueueThreshold} messages deferred for 30 minutes (receivers refusing us, a blocklisting, a relay or DNS fault). Look at postqueue -p and the mail log.`,
        metricName: STATUS_METRICS.queueDeferred.name,
        dimensions: host,
        statistic: 'Minimum',
        evaluationPeriods: 1800 / PUSH,
        comparison: 'GreaterThanThreshold',
        threshold: props.deferredQueueThreshold,
        missingData: 'missing',
      },
      Certificate: {
        ...own,
        name: `${props.name}-certificate`,
        description: `${props.hostname}: the served certificate expires in fewer than ${props.certificateDaysLeft ?? 14} days. Run terraform apply on the mail stack (it renews), then check that the host reloaded it.`,
        metricName: STATUS_METRICS.certificateDaysLeft.name,
        dimensions: host,
        statistic: 'Minimum',
        evaluationPeriods: 1,
        comparison: 'LessThanThreshold',
        threshold: props.certificateDaysLeft ?? 14,
        missingData: 'missing',
      },
      ...(props.watchBackupAge
        ? {
            BackupAge: {
              ...own,
              name: `${props.name}-backup-age`,
              description: `${props.hostname}: the last good database backup is older than ${props.backupAgeHours ?? 26} hours. Look at the dump timer's journal on the host.`,
              metricName: STATUS_METRICS.lastBackupAgeHours.name,
              dimensions: host,
              statistic: 'Maximum',
              evaluationPeriods: 1,
              comparison: 'GreaterThanThreshold',
              threshold: props.backupAgeHours ?? 26,
              missingData: 'missing',
            } satisfies MetricAlarmSpec,
          }
        : {}),
    };
    this.alarms = Object.fromEntries(Object.entries(specs).map(([alarmId, spec]) => [alarmId, metricAlarm(this, alarmId, props.topicArn, spec)]));
  }
}
