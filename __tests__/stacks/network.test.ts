import { resourcesOf, synthConfig } from '../support/synth';
import { exampleWith } from '../support/configs';

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
