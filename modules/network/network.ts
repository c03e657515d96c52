import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { Construct } from 'constructs';
import { SubnetPlan } from '../../configs/subnets';
import { awsName } from '../naming';

/** Properties of {@link Network}. */
export interface NetworkProps {
  /** Environment name, part of every AWS name. */
  readonly environment: string;
  /** The VPC's IPv4 block. */
  readonly cidr: string;
  /** Full availability-zone names (`eu-central-1a` …), in order; the first holds the primary MX. */
  readonly availabilityZones: readonly string[];
  /** Subnet blocks per tier, one per zone. */
  readonly subnets: SubnetPlan;
  /** Days to keep VPC flow logs; 0 disables flow logs. */
  readonly flowLogRetentionDays: number;
}

/**
 * The VPC with three tiers in each zone: public (mail hosts, load balancer, NAT, bastion),
 * application (webmail, phpMyAdmin; egress only through NAT) and data (RDS; no route out).
 */
export class Network extends Construct {
  /** The VPC. */
  readonly vpc: Vpc;
  /** Public subnets, one per zone, routed to the internet gateway. */
  readonly publicSubnets: Subnet[];
  /** Application subnets, one per zone, each with its own route table for its zone's NAT. */
  readonly applicationSubnets: Subnet[];
  /** Data subnets, one per zone, with no route out of the VPC. */
  readonly dataSubnets: Subnet[];
  /** Route tables of the application subnets, in zone order. */
  readonly applicationRouteTables: RouteTable[];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const name = (role: string) => ({ Name: awsName(props.environment, role) });

    this.vpc = new Vpc(this, 'Vpc', { cidrBlock: props.cidr, enableDnsSupport: true, enableDnsHostnames: true, tags: name('vpc') });
    const internetGateway = new InternetGateway(this, 'InternetGateway', { vpcId: this.vpc.id, tags: name('igw') });

    const subnetsOfTier = (tier: keyof SubnetPlan, idPrefix: string, isPublic: boolean) =>
      props.subnets[tier].map(
        (cidrBlock, i) =>
          new Subnet(this, `${idPrefix}Subnet${i + 1}`, {
            vpcId: this.vpc.id,
            cidrBlock,
            availabilityZone: props.availabilityZones[i],
            mapPublicIpOnLaunch: isPublic,
            tags: { ...name(`${tier}-${props.availabilityZones[i]}`), 'mirovoy:tier': tier },
          }),
      );
    this.publicSubnets = subnetsOfTier('public', 'Public', true);
    this.applicationSubnets = subnetsOfTier('application', 'Application', false);
    this.dataSubnets = subnetsOfTier('data', 'Data', false);

    const publicRouteTable = new RouteTable(this, 'PublicRouteTable', { vpcId: this.vpc.id, tags: name('public') });
    new Route(this, 'PublicDefaultRoute', { routeTableId: publicRouteTable.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: internetGateway.id });
    this.applicationRouteTables = this.applicationSubnets.map(
      (_, i) => new RouteTable(this, `ApplicationRouteTable${i + 1}`, { vpcId: this.vpc.id, tags: name(`application-${props.availabilityZones[i]}`) }),
    );
    // The data tier gets its own table with only the implicit local route: the database never
    // talks to the internet, and it must not depend on the VPC's main table staying empty.
    const dataRouteTable = new RouteTable(this, 'DataRouteTable', { vpcId: this.vpc.id, tags: name('data') });

    const associate = (subnets: Subnet[], tableOf: (i: number) => RouteTable, idPrefix: string) =>
      subnets.forEach((subnet, i) => new RouteTableAssociation(this, `${idPrefix}RouteTableAssociation${i + 1}`, { subnetId: subnet.id, routeTableId: tableOf(i).id }));
    associate(this.publicSubnets, () => publicRouteTable, 'Public');
    associate(this.applicationSubnets, (i) => this.applicationRouteTables[i], 'Application');
    associate(this.dataSubnets, () => dataRouteTable, 'Data');

    if (props.flowLogRetentionDays > 0) this.addFlowLogs(props.environment, props.flowLogRetentionDays);
  }

  private addFlowLogs(environment: string, retentionInDays: number): void {
    const logGroup = new CloudwatchLogGroup(this, 'FlowLogGroup', { name: `/mirovoy/${environment}/vpc-flow-logs`, retentionInDays });
    const role = new IamRole(this, 'FlowLogRole', {
      name: awsName(environment, 'flow-logs'),
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'vpc-flow-logs.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    new IamRolePolicy(this, 'FlowLogPolicy', {
      role: role.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: `${logGroup.arn}:*` }],
      }),
    });
    new FlowLog(this, 'FlowLog', { vpcId: this.vpc.id, trafficType: 'ALL', logDestination: logGroup.arn, iamRoleArn: role.arn });
  }
}
