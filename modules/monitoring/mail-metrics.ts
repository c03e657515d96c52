import { METRICS_NAMESPACE } from '../../host/provision/runtime-seam';
import { METRICS_PUSH_MINUTES } from '../../host/status/metrics';

/**
 * The metrics a mail host pushes (`mirovoy-status` on its timer, every 5 minutes), as agreed with
 * the host side: one namespace (`METRICS_NAMESPACE`, the one `mirovoy-store metrics` sends to),
 * every metric with the dimension `Host` (the host's FQDN).
 */

/** How often a host pushes its metrics, in seconds. */
export const MAIL_METRICS_INTERVAL_SECONDS = METRICS_PUSH_MINUTES * 60;

/** The volumes `DiskUsedPercent` reports (its dimension `Volume`). */
export const MONITORED_VOLUMES = ['root', 'spool', 'log'] as const;

/**
 * The IAM statement that lets a host push its metrics, and only into {@link METRICS_NAMESPACE}
 * (`PutMetricData` has no resource ARN; the namespace condition is its only scope).
 */
export const putMailMetricsStatement = {
  Effect: 'Allow',
  Action: 'cloudwatch:PutMetricData',
  Resource: '*',
  Condition: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } },
} as const;
