import { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Construct } from 'constructs';
import { AdminUserSpec } from '../../host/base/admin-user';
import { renderNatUserData, ROUTE_TABLE_TAG } from '../../host/nat/nat-user-data';
import { HardenedLaunchTemplate } from '../compute/hardened-launch-template';
import { awsName } from '../naming';

/** How the application tier reaches the internet. */
export type EgressMode = 'nat-instance' | 'nat-gateway' | 'none';

/** Properties of {@link ZoneEgress}. */
export interface ZoneEgressProps {
  /** Environment name, part of every AWS name. */
  readonly environment: string;
  /** NAT instance, managed NAT gateway or none. */
  readonly mode: EgressMode;
  /** Public subnet of each zone (where the NAT lives), in zone order. */
  readonly publicSubnets: readonly Subnet[];
  /** Application route table of each zone, in zone order. */
  readonly applicationRouteTables: readonly RouteTable[];
  /** The VPC block, masqueraded by NAT instances. */
  readonly vpcCidr: string;
  /** Security group of NAT instances. */
  readonly natSecurityGroupId: string;
  /** NAT instance type. */
  readonly natInstanceType: string;
  /** Customer KMS key for root volumes. @default AWS-managed key */
  readonly kmsKeyArn?: string;
  /** The optional extra administrator. */
  readonly admin?: AdminUserSpec;
}

/**
 * Egress for the application tier, one NAT per zone so a zone outage does not cut the others
 * off. NAT instances run in a one-instance auto-scaling group per zone and claim their zone's
 * route at boot; NAT gateways get a static route in Terraform.
 */
export class ZoneEgress extends Construct {
  constructor(scope: Construct, id: string, props: ZoneEgressProps) {
    super(scope, id);
    props.publicSubnets.forEach((subnet, i) => {
      const zone = i + 1;
      const routeTable = props.applicationRouteTables[i];
      if (props.mode === 'nat-gateway') this.addNatGateway(props.environment, zone, subnet, routeTable);
      if (props.mode === 'nat-instance') this.addNatInstance(props, zone, subnet, routeTable);
    });
  }

  private addNatGateway(environment: string, zone: number, subnet: Subnet, routeTable: RouteTable): void {
    const eip = new Eip(this, `NatGatewayAddress${zone}`, { domain: 'vpc', tags: { Name: awsName(environment, `nat-${zone}`) } });
    const gateway = new NatGateway(this, `NatGateway${zone}`, { allocationId: eip.allocationId, subnetId: subnet.id, tags: { Name: awsName(environment, `nat-${zone}`) } });
    new Route(this, `NatGatewayRoute${zone}`, { routeTableId: routeTable.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: gateway.id });
  }

  private addNatInstance(props: ZoneEgressProps, zone: number, subnet: Subnet, routeTable: RouteTable): void {
    const template = new HardenedLaunchTemplate(this, `NatInstance${zone}`, {
      environment: props.environment,
      role: `nat-${zone}`,
      instanceType: props.natInstanceType,
      securityGroupIds: [props.natSecurityGroupId],
      userData: renderNatUserData({ vpcCidr: props.vpcCidr, admin: props.admin }),
      instanceTags: { [ROUTE_TABLE_TAG]: routeTable.id },
      kmsKeyArn: props.kmsKeyArn,
      policyStatements: [
        { Effect: 'Allow', Action: ['ec2:CreateRoute', 'ec2:ReplaceRoute'], Resource: `arn:aws:ec2:*:*:route-table/${routeTable.id}` },
        // An instance may only switch off the check on itself: its own role tag must match.
        { Effect: 'Allow', Action: 'ec2:ModifyInstanceAttribute', Resource: '*', Condition: { StringEquals: { 'ec2:ResourceTag/mirovoy:role': `nat-${zone}` } } },
      ],
    });
    new AutoscalingGroup(this, `NatGroup${zone}`, {
      name: awsName(props.environment, `nat-${zone}`),
      minSize: 1,
      maxSize: 1,
      desiredCapacity: 1,
      vpcZoneIdentifier: [subnet.id],
      launchTemplate: { id: template.launchTemplate.id, version: '$Latest' },
      healthCheckGracePeriod: 120,
      tag: [{ key: 'Name', value: awsName(props.environment, `nat-${zone}`), propagateAtLaunch: true }],
    });
  }
}
