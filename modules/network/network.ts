import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
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
  /**
   * Customer KMS key that encrypts the flow-log group. Its key policy must let CloudWatch Logs
   * (`logs.<region>.amazonaws.com`) use it, or creating the group fails
   * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
   * @default CloudWatch Logs' own encryption
   */
  readonly kmsKeyArn?: string;
}

/**
 * The VPC with three tiers in each zone: public (mail hosts, load balancer, NAT, bastion),
 * application (webmail, phpMyAdmin; egress only through NAT) and data (RDS; no route out). The
 * VPC's default security group is kept without rules, so nothing put in it by mistake can talk;
 * flow logs go to CloudWatch Logs through a role only this account's flow logs may assume.
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
    // Every VPC has a default group that allows all traffic between its members and all egress;
    // a resource launched without a group lands in it. Adopting it with no rules removes those.
    new DefaultSecurityGroup(this, 'DefaultSecurityGroup', { vpcId: this.vpc.id, ingress: [], egress: [], tags: name('default-no-rules') });
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

    if (props.flowLogRetentionDays > 0) this.addFlowLogs(props.environment, props.flowLogRetentionDays, props.kmsKeyArn);
  }

  private addFlowLogs(environment: string, retentionInDays: number, kmsKeyId: string | undefined): void {
    const logGroup = new CloudwatchLogGroup(this, 'FlowLogGroup', { name: `/mirovoy/${environment}/vpc-flow-logs`, retentionInDays, kmsKeyId });
    const account = new DataAwsCallerIdentity(this, 'Account').accountId;
    const partition = new DataAwsPartition(this, 'Partition').partition;
    const region = new DataAwsRegion(this, 'Region').region;
    const role = new IamRole(this, 'FlowLogRole', {
      name: awsName(environment, 'flow-logs'),
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
            Action: 'sts:AssumeRole',
            // Only flow logs of this account and region may assume the role (the confused-deputy
            // guard of https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html).
            // The flow log's own id is not known before it exists, hence the wildcard.
            Condition: {
              StringEquals: { 'aws:SourceAccount': account },
              ArnLike: { 'aws:SourceArn': `arn:${partition}:ec2:${region}:${account}:vpc-flow-log/*` },
            },
          },
        ],
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
