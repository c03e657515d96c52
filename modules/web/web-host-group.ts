import { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group';
import { LbListenerRule } from '@cdktf/provider-aws/lib/lb-listener-rule';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { Construct } from 'constructs';
import { SETTING_TAG_PREFIX } from '../../host/provision/runtime-seam';
import { WEB_HEALTH_PATH, WEB_HOST_PORT } from '../../host/provision/web-host-seam';
import { HardenedLaunchTemplate } from '../compute/hardened-launch-template';
import { BUNDLE_SETTINGS, bundleProblems, StoredHostBundle, storeHostBundle } from '../compute/host-bundle-object';
import { PolicyStatement } from '../compute/instance-role';

/** What a load-balancer rule may hold: at most 3 values in one condition, 5 in all its conditions (ELB's limits). */
export const RULE_VALUE_LIMITS = { perCondition: 3, perRule: 5 } as const;

/** The listener-rule priorities of the web hosts: below the MTA-STS rules' range (1000–50000). */
export const WEB_RULE_PRIORITY_RANGE = { first: 1, last: 999 } as const;

/** Seconds a new instance has before failed health checks count: a first boot installs Apache, PHP and the application. */
export const WEB_HOST_HEALTH_GRACE_SECONDS = 900;

/** Splits a list into pieces of at most `size`. */
const chunks = <T>(items: readonly T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** Who may use the hosts through the load balancer: everyone, or only requests from these IPv4 blocks (none: nobody, no rule at all). */
export type WebHostAudience = { readonly everyone: true } | { readonly sourceCidrs: readonly string[] };

/** Properties of {@link WebHostGroup}. */
export interface WebHostGroupProps {
  /** Environment name, part of every AWS name. */
  readonly environment: string;
  /** Short name of the hosts, e.g. `webmail`: their AWS names are `mail-<env>-<role>`. */
  readonly role: string;
  /** EC2 instance type; its architecture picks the Debian image. */
  readonly instanceType: string;
  /** Private (application) subnets the hosts start in, one per zone. */
  readonly subnetIds: readonly string[];
  /** The hosts' security group (the load balancer's group reaches {@link WEB_HOST_PORT}, nobody else). */
  readonly securityGroupId: string;
  /** The VPC of the target group. */
  readonly vpcId: string;
  /** AWS region of the hosts: the S3 endpoint they fetch their bundle from is there. */
  readonly region: string;
  /** The gzip'd bootstrap `#cloud-config` from `host/` (token-free; run-time values go in `settings`). */
  readonly userData: Buffer;
  /** Everything rendered for the hosts, kept as an S3 object under the bundle's prefix. */
  readonly bundle: StoredHostBundle;
  /** Run-time settings as instance tags `mirovoy:<name>` (ids and names, never secrets). */
  readonly settings: Readonly<Record<string, string>>;
  /** Statements of the hosts' IAM policy besides reading their bundle (e.g. their own secrets). */
  readonly policyStatements: readonly PolicyStatement[];
  /** Instances the group keeps running. */
  readonly desiredCapacity: number;
  /** The HTTPS listener the hosts' rules go to. */
  readonly listenerArn: string;
  /** The names the hosts answer for (host-header values). At least one. */
  readonly hostnames: readonly string[];
  /** Who is forwarded to the hosts. */
  readonly audience: WebHostAudience;
  /** Priorities the group's rules may take, from `first`, within {@link WEB_RULE_PRIORITY_RANGE}. */
  readonly priorities: { readonly first: number; readonly last: number };
  /** Customer KMS key for the root volumes. @default the AWS-managed EBS key */
  readonly kmsKeyArn?: string;
}

/** Every problem of the props, each with the value and the fix. */
const problemsOf = (props: WebHostGroupProps): string[] => {
  const taken = BUNDLE_SETTINGS.filter((name) => name in props.settings);
  const { first, last } = props.priorities;
  return [
    ...bundleProblems(props.bundle),
    ...(taken.length > 0 ? [`settings ${taken.map((t) => JSON.stringify(t)).join(', ')} are set by WebHostGroup itself; remove them from settings`] : []),
    ...(props.hostnames.length === 0 ? ['hostnames is empty; give the names the hosts answer for'] : []),
    ...(Number.isInteger(first) && Number.isInteger(last) && first <= last && first >= WEB_RULE_PRIORITY_RANGE.first && last <= WEB_RULE_PRIORITY_RANGE.last
      ? []
      : [`priorities ${first}–${last} must be whole numbers within ${WEB_RULE_PRIORITY_RANGE.first}–${WEB_RULE_PRIORITY_RANGE.last}, first ≤ last`]),
    ...(Number.isInteger(props.desiredCapacity) && props.desiredCapacity >= 0 ? [] : [`desiredCapacity is ${props.desiredCapacity}; give a whole number, at least 0`]),
  ];
};

/**
 * The conditions of the group's rules: its names, three to a rule, and with an audience of source
 * blocks each of those times the blocks, three to a rule (a rule holds at most five values).
 */
const ruleConditionsOf = (hostnames: readonly string[], audience: WebHostAudience) => {
  const hostChunks = chunks(hostnames, RULE_VALUE_LIMITS.perCondition);
  if ('everyone' in audience) return hostChunks.map((values) => [{ hostHeader: { values } }]);
  const hostsPerRule = RULE_VALUE_LIMITS.perRule - RULE_VALUE_LIMITS.perCondition;
  return chunks(hostnames, hostsPerRule).flatMap((hosts) => chunks(audience.sourceCidrs, RULE_VALUE_LIMITS.perCondition).map((values) => [{ hostHeader: { values: hosts } }, { sourceIp: { values } }]));
};

/**
 * Web hosts of one application behind the load balancer: an auto-scaling group in the private
 * subnets, launched from a {@link HardenedLaunchTemplate} (Debian 13, IMDSv2 only, encrypted root,
 * an instance role with Session Manager plus exactly its statements and reading its own bundle)
 * whose user data is the small bootstrap and whose instance tags carry the run-time settings and
 * the bundle's key. A configuration change is a new bundle object, a new launch-template version,
 * and so an instance refresh that starts a new host before the old one goes (launch before
 * terminate: at least 100 % healthy, up to 200 %).
 *
 * A target group on {@link WEB_HOST_PORT} health-checks {@link WEB_HEALTH_PATH}; the group uses
 * those checks (an instance whose application stops answering is replaced). Listener rules
 * forward requests for {@link WebHostGroupProps.hostnames} there — only from the audience's
 * source blocks when it has them, and with an empty list no rule exists at all.
 */
export class WebHostGroup extends Construct {
  /** The launch template and the hosts' role. */
  readonly template: HardenedLaunchTemplate;
  /** The auto-scaling group. */
  readonly group: AutoscalingGroup;
  /** The target group the rules forward to. */
  readonly targetGroup: LbTargetGroup;
  /** The listener rules, in priority order (none for an audience without source blocks). */
  readonly rules: readonly LbListenerRule[];

  constructor(scope: Construct, id: string, props: WebHostGroupProps) {
    super(scope, id);
    const problems = problemsOf(props);
    const conditions = problems.length ? [] : ruleConditionsOf(props.hostnames, props.audience);
    const room = props.priorities.last - props.priorities.first + 1;
    if (conditions.length > room) problems.push(`the names and source blocks need ${conditions.length} rules, and priorities ${props.priorities.first}–${props.priorities.last} hold ${room}; give fewer names or blocks`);
    if (problems.length > 0) throw new Error(`WebHostGroup ${this.node.path}:\n  - ${problems.join('\n  - ')}`);

    const stored = storeHostBundle(this, 'Bundle', props.bundle, props.region);
    const settings = { ...props.settings, ...stored.settings };
    this.template = new HardenedLaunchTemplate(this, 'Host', {
      environment: props.environment,
      role: props.role,
      instanceType: props.instanceType,
      securityGroupIds: [props.securityGroupId],
      userData: props.userData,
      instanceTags: Object.fromEntries(Object.entries(settings).map(([name, value]) => [`${SETTING_TAG_PREFIX}${name}`, value])),
      policyStatements: [...props.policyStatements, ...stored.readStatements],
      rootVolumeGiB: 10,
      kmsKeyArn: props.kmsKeyArn,
    });
    const name = this.template.name;
    this.targetGroup = new LbTargetGroup(this, 'TargetGroup', {
      name,
      port: WEB_HOST_PORT,
      protocol: 'HTTP',
      vpcId: props.vpcId,
      targetType: 'instance',
      // Sessions live in the database (Roundcube) or in encrypted cookies (phpMyAdmin): no stickiness needed; a draining host gets 30 s.
      deregistrationDelay: '30',
      healthCheck: { enabled: true, protocol: 'HTTP', port: 'traffic-port', path: WEB_HEALTH_PATH, matcher: '200', interval: 15, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
    });
    const maxSize = Math.max(props.desiredCapacity, 1) * 2;
    this.group = new AutoscalingGroup(this, 'Group', {
      name,
      minSize: 0,
      maxSize,
      desiredCapacity: props.desiredCapacity,
      vpcZoneIdentifier: [...props.subnetIds],
      // The version number, not "$Latest": a new version changes the group, which starts the refresh.
      launchTemplate: { id: this.template.launchTemplate.id, version: `${this.template.launchTemplate.latestVersion}` },
      targetGroupArns: [this.targetGroup.arn],
      healthCheckType: 'ELB',
      healthCheckGracePeriod: WEB_HOST_HEALTH_GRACE_SECONDS,
      instanceRefresh: {
        strategy: 'Rolling',
        preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, instanceWarmup: `${WEB_HOST_HEALTH_GRACE_SECONDS}`, autoRollback: true },
      },
      waitForCapacityTimeout: '0',
      tag: [{ key: 'Name', value: name, propagateAtLaunch: true }],
    });
    this.rules = conditions.map(
      (condition, i) =>
        new LbListenerRule(this, `Rule${i + 1}`, {
          listenerArn: props.listenerArn,
          priority: props.priorities.first + i,
          condition,
          action: [{ type: 'forward', targetGroupArn: this.targetGroup.arn }],
        }),
    );
  }
}
