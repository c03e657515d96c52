/**
 * The metrics a mail host pushes (`mirovoy-status` on its timer, every 5 minutes), as agreed with
 * the host side: one namespace, every metric with the dimension `Host` (the host's FQDN).
 */

/** CloudWatch namespace of the mail hosts' own metrics. */
export const MAIL_METRICS_NAMESPACE = 'Mirovoy/Mail';

/** How often a host pushes its metrics, in seconds. */
export const MAIL_METRICS_INTERVAL_SECONDS = 300;

/** The volumes `DiskUsedPercent` reports (its dimension `Volume`). */
export const MONITORED_VOLUMES = ['root', 'spool', 'log'] as const;

/**
 * The IAM statement that lets a host push its metrics, and only into {@link MAIL_METRICS_NAMESPACE}
 * (`PutMetricData` has no resource ARN; the namespace condition is its only scope).
 */
export const putMailMetricsStatement = {
  Effect: 'Allow',
  Action: 'cloudwatch:PutMetricData',
  Resource: '*',
  Condition: { StringEquals: { 'cloudwatch:namespace': MAIL_METRICS_NAMESPACE } },
} as const;
