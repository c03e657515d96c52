import { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group';
import { Construct } from 'constructs';
import { AdminUserSpec } from '../../host/base/admin-user';
import { renderBaseUserData } from '../../host/base/base-user-data';
import { HardenedLaunchTemplate } from '../compute/hardened-launch-template';
import { awsName } from '../naming';

/** Properties of {@link Bastion}. */
export interface BastionProps {
  /** Environment name, part of every AWS name. */
  readonly environment: string;
  /** Public subnets the bastion may start in. */
  readonly subnetIds: readonly string[];
  /** The bastion security group. */
  readonly securityGroupId: string;
  /** EC2 instance type. */
  readonly instanceType: string;
  /** 0 (off) or 1 (on). */
  readonly desiredCapacity: 0 | 1;
  /** Customer KMS key for the root volume. @default AWS-managed key */
  readonly kmsKeyArn?: string;
  /** The administrator who logs in. */
  readonly admin?: AdminUserSpec;
}

/** An SSH jump host in an auto-scaling group that is off (0 instances) until you need it. */
export class Bastion extends Construct {
  /** The auto-scaling group; set its desired capacity to 1 to get a bastion. */
  readonly group: AutoscalingGroup;

  constructor(scope: Construct, id: string, props: BastionProps) {
    super(scope, id);
    const template = new HardenedLaunchTemplate(this, 'Host', {
      environment: props.environment,
      role: 'bastion',
      instanceType: props.instanceType,
      securityGroupIds: [props.securityGroupId],
      userData: renderBaseUserData(props.admin),
      kmsKeyArn: props.kmsKeyArn,
    });
    this.group = new AutoscalingGroup(this, 'Group', {
      name: awsName(props.environment, 'bastion'),
      minSize: 0,
      maxSize: 1,
      desiredCapacity: props.desiredCapacity,
      vpcZoneIdentifier: [...props.subnetIds],
      launchTemplate: { id: template.launchTemplate.id, version: '$Latest' },
      tag: [{ key: 'Name', value: awsName(props.environment, 'bastion'), propagateAtLaunch: true }],
    });
  }
}
