/**
 * Issue 12, item 1: what a process on a host can reach of AWS. Every host kind (primary and
 * backup MX, NAT instance, bastion) loads the metadata guard from its user data, so only root
 * gets the instance role's credentials; and the role's Session Manager access is the scoped
 * policy, not `AmazonSSMManagedInstanceCore` (which reads every SSM parameter of the account).
 */
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { IMDS_GUARD_RULES_PATH, IMDS_GUARD_UNIT, renderImdsGuardRules } from '../../host/base/imds-guard';
import { resourcesOf, synthConfig, TerraformJson } from '../support/synth';
import { example } from '../support/configs';

const stacks = synthConfig(example);
const SESSION_MANAGER_ACTIONS = ['ssm:UpdateInstanceInformation', 'ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'];

/** Every resource of a type in every stack, with its Terraform address. */
const everywhere = (type: string): { address: string; resource: Record<string, any> }[] =>
  Object.values(stacks).flatMap((stack: TerraformJson) => Object.entries(stack.resource?.[type] ?? {}).map(([name, resource]) => ({ address: `${type}.${name}`, resource })));

/** The roles EC2 instances assume: the hosts'. */
const hostRoles = everywhere('aws_iam_role').filter(({ resource }) => JSON.parse(resource.assume_role_policy).Statement.some((s: { Principal?: { Service?: string } }) => s.Principal?.Service === 'ec2.amazonaws.com'));
/** The resources of a type that name a role (by `.id` or `.name`). */
const ofRole = (type: string, role: string) => everywhere(type).filter(({ resource }) => String(resource.role).startsWith(`\${${role}.`));

describe('instance roles', () => {
  it('are the roles of every host kind: primary, backup MX, NAT instances, bastion, webmail hosts', () => {
    expect(hostRoles.map(({ resource }) => resource.name).sort()).toEqual(['mail-example-bastion', 'mail-example-mx1', 'mail-example-mx2', 'mail-example-nat-1', 'mail-example-nat-2', 'mail-example-webmail']);
  });

  it('carry no managed policy, and AmazonSSMManagedInstanceCore is named nowhere', () => {
    for (const { address } of hostRoles) expect(ofRole('aws_iam_role_policy_attachment', address)).toEqual([]);
    for (const [name, stack] of Object.entries(stacks)) expect([name, JSON.stringify(stack).includes('AmazonSSMManagedInstanceCore')]).toEqual([name, false]);
  });

  it('may open Session Manager sessions with exactly the documented actions, and reach no SSM parameter, document or Run Command message', () => {
    for (const { address } of hostRoles) {
      const policies = ofRole('aws_iam_role_policy', address).map(({ resource }) => resource);
      expect(policies.filter((p) => p.name === 'session-manager').map((p) => JSON.parse(p.policy).Statement)).toEqual([[{ Effect: 'Allow', Action: SESSION_MANAGER_ACTIONS, Resource: '*' }]]);
      const actions = policies.flatMap((p) => JSON.parse(p.policy).Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat()));
      expect(actions.filter((a: string) => /^(ssm|ssmmessages|ec2messages):/.test(a))).toEqual(SESSION_MANAGER_ACTIONS);
    }
  });
});

describe('the metadata guard in every host kind user data', () => {
  const mail = stacks['example-mail'];
  const network = stacks['example-network'];
  const launchTemplate = (name: string) => resourcesOf(network, 'aws_launch_template').find((t) => t.name === name)!;
  const userData: Record<string, string> = {
    primary: gunzipSync(Buffer.from(resourcesOf(mail, 'aws_instance').find((i) => i.tags.Name === 'mail-example-mx1')!.user_data_base64, 'base64')).toString(),
    backup: gunzipSync(Buffer.from(resourcesOf(mail, 'aws_instance').find((i) => i.tags.Name === 'mail-example-mx2')!.user_data_base64, 'base64')).toString(),
    nat: Buffer.from(launchTemplate('mail-example-nat-1').user_data, 'base64').toString(),
    bastion: Buffer.from(launchTemplate('mail-example-bastion').user_data, 'base64').toString(),
  };

  it.each(Object.keys(userData))('%s: installs nftables, writes the rule set and its unit, and enables and starts it', (kind) => {
    const config = parse(userData[kind]);
    expect(config.packages).toContain('nftables');
    expect(config.write_files).toContainEqual({ path: IMDS_GUARD_RULES_PATH, content: renderImdsGuardRules(), permissions: '0644' });
    expect(config.write_files.map((f: { path: string }) => f.path)).toContain(`/etc/systemd/system/${IMDS_GUARD_UNIT}`);
    const start = config.runcmd.find((argv: string[]) => argv.includes(IMDS_GUARD_UNIT));
    expect(start.slice(0, 3)).toEqual(['systemctl', 'enable', '--now']);
  });

  it("nat: loads it with the masquerade rule set in one start, so nftables.service's flush comes first", () => {
    expect(parse(userData.nat).runcmd).toContainEqual(['systemctl', 'enable', '--now', 'nftables', IMDS_GUARD_UNIT]);
  });
});
