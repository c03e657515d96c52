/**
 * The CloudWatch metrics `mirovoy-status --push-metrics` sends (every 5 minutes, from
 * `mirovoy-metrics.timer`), named once here: the alarms are built on these names. Each has the
 * dimension `Host` (the host's FQDN); the per-volume one also `Volume`. All are in
 * `METRICS_NAMESPACE` (the run-time seam's: the hosts may put metrics into it only).
 */

export { METRICS_NAMESPACE } from '../provision/runtime-seam';

/** How often a host pushes its metrics (its timer), in minutes; the alarms' periods follow it. */
export const METRICS_PUSH_MINUTES = 5;

/** One metric: its name, CloudWatch unit, and the report figure it carries. */
export interface StatusMetric {
  readonly name: string;
  readonly unit: 'Count' | 'Percent' | 'None';
  /** Path of the figure in the report's `figures` (dots between levels). */
  readonly figure: string;
  /** When the figure is an object: the dimension its keys become (one datum per key). */
  readonly dimension?: string;
  /** For people (README). */
  readonly meaning: string;
}

/** The metrics, in the order of the pushed body. */
export const STATUS_METRICS = {
  mailReady: { name: 'MailReady', unit: 'Count', figure: 'mail_ready', meaning: '1 when every service is active and its ports listen, else 0' },
  problems: { name: 'Problems', unit: 'Count', figure: 'problems', meaning: 'how many problems mirovoy-status found' },
  queueActive: { name: 'QueueActive', unit: 'Count', figure: 'queue.active', meaning: "messages in Postfix's active queue" },
  queueDeferred: { name: 'QueueDeferred', unit: 'Count', figure: 'queue.deferred', meaning: 'messages in the deferred queue (delivery failed for now)' },
  queueHold: { name: 'QueueHold', unit: 'Count', figure: 'queue.hold', meaning: 'messages on hold' },
  certificateDaysLeft: { name: 'CertificateDaysLeft', unit: 'None', figure: 'certificate_days_left', meaning: "days until the host's certificate expires (negative: expired)" },
  diskUsedPercent: { name: 'DiskUsedPercent', unit: 'Percent', figure: 'disk_used_percent', dimension: 'Volume', meaning: 'used share of the root, spool and log file systems' },
  lastBackupAgeHours: {
    name: 'LastBackupAgeHours',
    unit: 'None',
    figure: 'last_backup_age_hours',
    meaning: 'hours since the last good database dump (primary only; before the first one: since the host was first mail-ready)',
  },
} as const satisfies Record<string, StatusMetric>;
