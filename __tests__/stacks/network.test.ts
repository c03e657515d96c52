import { resourcesOf, synthConfig } from '../support/synth';
import { allOptions, exampleWith } from '../support/configs';

const networkOf = (zones: string[], egress: 'nat-instance' | 'nat-gateway' | 'none') =>
  synthConfig(exampleWith({ network: { availabilityZones: zones, egress }, webmail: { enabled: false }, mail: { backupMx: { enabled: false } } }))['example-network'];

describe.each([
  [['a', 'b'], 'nat-instance'],
  [['a', 'b'], 'nat-gateway'],
  [['a', 'b'], 'none'],
  [['a', 'b', 'c'], 'nat-instance'],
  [['a', 'b', 'c'], 'nat-gateway'],
  [['a', 'b', 'c'], 'none'],
] as const)('%j zones with egress %s', (zones, egress) => {
  const stack = networkOf([...zones], egress);
  const zoneCount = zones.length;

  it('has three subnet tiers, one subnet per zone each', () => {
    const subnets = resourcesOf(stack, 'aws_subnet');
    expect(subnets).toHaveLength(3 * zoneCount);
    for (const tier of ['public', 'application', 'data']) {
      expect(subnets.filter((s) => s.tags['mirovoy:tier'] === tier).map((s) => s.availability_zone)).toEqual(zones.map((z) => `eu-central-1${z}`));
    }
    expect(subnets.filter((s) => s.map_public_ip_on_launch).map((s) => s.tags['mirovoy:tier'])).toEqual(Array(zoneCount).fill('public'));
  });

  it('has one public, one data and one application route table per zone', () => {
    expect(resourcesOf(stack, 'aws_route_table')).toHaveLength(2 + zoneCount);
    expect(resourcesOf(stack, 'aws_route_table_association')).toHaveLength(3 * zoneCount);
  });

  it('routes the application tier out through its own zone only as configured', () => {
    const routes = resourcesOf(stack, 'aws_route');
    expect(routes.filter((r) => r.gateway_id)).toHaveLength(1); // public → internet gateway
    expect(routes.filter((r) => r.nat_gateway_id)).toHaveLength(egress === 'nat-gateway' ? zoneCount : 0);
    expect(resourcesOf(stack, 'aws_nat_gateway')).toHaveLength(egress === 'nat-gateway' ? zoneCount : 0);
    const natGroups = resourcesOf(stack, 'aws_autoscaling_group').filter((g) => g.name.includes('-nat-'));
    expect(natGroups).toHaveLength(egress === 'nat-instance' ? zoneCount : 0);
    natGroups.forEach((g) => expect([g.min_size, g.max_size, g.vpc_zone_identifier.length]).toEqual([1, 1, 1]));
  });

  it('has a bastion group that is off by default', () => {
    const bastion = resourcesOf(stack, 'aws_autoscaling_group').find((g) => g.name.endsWith('-bastion'));
    expect(bastion).toMatchObject({ min_size: 0, max_size: 1, desired_capacity: 0 });
  });
});

describe('network outputs and rules', () => {
  const stack = synthConfig(exampleWith({}))['example-network'];

  it('publishes the public contract', () => {
    // cdktf adds its own `cross-stack-output-…` outputs for the database stack; ours are the named ones.
    expect(Object.keys(stack.output ?? {}).filter((k) => !k.startsWith('cross-stack-output-')).sort()).toEqual(
      [
        'application_subnet_ids', 'bastion_security_group_id', 'data_subnet_ids', 'database_security_group_id', 'load_balancer_security_group_id',
        'mail_security_group_id', 'nat_security_group_id', 'phpmyadmin_security_group_id', 'public_subnet_ids', 'vpc_cidr', 'vpc_id', 'webmail_security_group_id',
      ].sort(),
    );
  });

  it('requires IMDSv2 on every launch template', () => {
    const templates = resourcesOf(stack, 'aws_launch_template');
    expect(templates.length).toBeGreaterThan(0);
    templates.forEach((t) => expect(t.metadata_options).toMatchObject({ http_tokens: 'required', http_put_response_hop_limit: 1 }));
  });

  it('opens the mail ports to the world and SSH to nobody by default', () => {
    const rules = resourcesOf(stack, 'aws_vpc_security_group_ingress_rule');
    const world = rules.filter((r) => r.cidr_ipv4 === '0.0.0.0/0').map((r) => r.from_port).sort((a, b) => a - b);
    expect(world).toEqual([25, 80, 443, 465, 587, 993]);
    expect(rules.filter((r) => r.from_port === 22 && r.cidr_ipv4)).toEqual([]);
  });

  it('keeps the NAT instance user data free of Terraform references and claims the route by tag', () => {
    const template = resourcesOf(stack, 'aws_launch_template').find((t) => t.name === 'mail-example-nat-1')!;
    const userData = Buffer.from(template.user_data, 'base64').toString();
    expect(userData).toMatch(/^#cloud-config\n/);
    expect(userData).toContain('ip saddr 10.0.0.0/16 ip daddr != 10.0.0.0/16 masquerade');
    expect(userData).not.toContain('${');
    const instanceTags = template.tag_specifications.find((t: { resource_type: string }) => t.resource_type === 'instance').tags;
    expect(instanceTags['mirovoy:route-table-id']).toMatch(/^\$\{aws_route_table\.Network_ApplicationRouteTable1_\w+\.id\}$/);
  });
});

// Review issue 12, item 17: VPC hygiene.
describe('VPC hygiene', () => {
  const plain = synthConfig(exampleWith({}))['example-network'];
  const withKey = synthConfig(allOptions)['all-options-network'];

  it('adopts the default security group with no rules, so nothing launched into it can talk', () => {
    const [group, ...more] = resourcesOf(plain, 'aws_default_security_group');
    expect(more).toEqual([]);
    expect(group).toMatchObject({ vpc_id: expect.stringMatching(/^\$\{aws_vpc\.Network_Vpc_\w+\.id\}$/), ingress: [], egress: [] });
  });

  it('encrypts the flow-log group with the customer key when one is given, else leaves it to CloudWatch Logs', () => {
    expect(resourcesOf(withKey, 'aws_cloudwatch_log_group')).toEqual([expect.objectContaining({ kms_key_id: allOptions.kmsKeyArn })]);
    expect(resourcesOf(plain, 'aws_cloudwatch_log_group')).toEqual([expect.not.objectContaining({ kms_key_id: expect.anything() })]);
  });

  it("lets only this account's VPC flow logs in this region assume the flow-log role", () => {
    const role = resourcesOf(plain, 'aws_iam_role').find((r) => r.name === 'mail-example-flow-logs')!;
    const [statement] = JSON.parse(role.assume_role_policy).Statement;
    const account = expect.stringMatching(/^\$\{data\.aws_caller_identity\.Network_Account_\w+\.account_id\}$/);
    expect(statement).toEqual({
      Effect: 'Allow',
      Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: {
        StringEquals: { 'aws:SourceAccount': account },
        ArnLike: {
          'aws:SourceArn': expect.stringMatching(
            /^arn:\$\{data\.aws_partition\.Network_Partition_\w+\.partition\}:ec2:\$\{data\.aws_region\.Network_Region_\w+\.region\}:\$\{data\.aws_caller_identity\.Network_Account_\w+\.account_id\}:vpc-flow-log\/\*$/,
          ),
        },
      },
    });
  });
});
