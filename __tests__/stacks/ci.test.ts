/** The optional `<env>-ci` stack: GitHub's OIDC provider and the workflow's plan and apply roles. */
import { allOptions, exampleWith, problemsOf } from '../support/configs';
import { resourcesOf, synthConfig } from '../support/synth';

const withCi = { ...allOptions, ci: { githubRepository: 'example-org/mail' } };
const ci = synthConfig(withCi)['all-options-ci'];
const roles = Object.fromEntries(resourcesOf(ci, 'aws_iam_role').map((r) => [r.name, r]));
const policies = Object.fromEntries(resourcesOf(ci, 'aws_iam_role_policy').map((p) => [p.name, JSON.parse(p.policy).Statement]));
const trust = (name: string) => JSON.parse(roles[name].assume_role_policy).Statement[0];

describe('ci stack', () => {
  it('is made only when the config asks for it, and refused without remote state', () => {
    expect(Object.keys(synthConfig(allOptions))).not.toContain('all-options-ci');
    expect(problemsOf(exampleWith({ ci: { githubRepository: 'example-org/mail' } }))).toEqual([
      expect.stringMatching(/^ci: needs state\.bucket/),
    ]);
    expect(problemsOf({ ...withCi, ci: { githubRepository: 'mail' } })).toEqual([expect.stringMatching(/^ci\.githubRepository: must be a GitHub repository, "owner\/name"/)]);
  });

  it('creates the OIDC provider for GitHub, or uses the one given', () => {
    expect(resourcesOf(ci, 'aws_iam_openid_connect_provider')).toEqual([
      expect.objectContaining({ url: 'https://token.actions.githubusercontent.com', client_id_list: ['sts.amazonaws.com'] }),
    ]);
    const given = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    const stack = synthConfig({ ...withCi, ci: { ...withCi.ci, oidcProviderArn: given } })['all-options-ci'];
    expect(resourcesOf(stack, 'aws_iam_openid_connect_provider')).toEqual([]);
    expect(JSON.parse(resourcesOf(stack, 'aws_iam_role')[0].assume_role_policy).Statement[0].Principal).toEqual({ Federated: given });
  });

  it('lets pull requests of the repository assume the plan role, and runs on main the apply role', () => {
    expect(Object.keys(roles).sort()).toEqual(['mail-all-options-ci-apply', 'mail-all-options-ci-plan']);
    expect(trust('mail-all-options-ci-plan')).toMatchObject({
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': 'repo:example-org/mail:pull_request' } },
    });
    expect(trust('mail-all-options-ci-apply').Condition.StringEquals['token.actions.githubusercontent.com:sub']).toBe('repo:example-org/mail:ref:refs/heads/main');
  });

  it('gives the plan role read-only access and the state to read, no write at all', () => {
    expect(resourcesOf(ci, 'aws_iam_role_policy_attachment').map((a) => a.policy_arn)).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:policy/ReadOnlyAccess']);
    const actions = policies['mail-all-options-ci-plan'].flatMap((s: { Action: string | string[] }) => [s.Action].flat());
    expect(actions.sort()).toEqual(['kms:Decrypt', 's3:GetObject', 's3:ListBucket']);
    expect(policies['mail-all-options-ci-plan']).toContainEqual({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::example-org-terraform-state/mail/*' });
  });

  it('scopes the apply role to the mail stack: its names, its zones, and never the CI roles', () => {
    const apply = policies['mail-all-options-ci-apply'];
    expect(apply).toContainEqual({ Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: 'arn:aws:s3:::example-org-terraform-state/mail/*' });
    expect(apply).toContainEqual({ Effect: 'Deny', Action: ['iam:*'], Resource: ['arn:aws:iam::*:role/mail-all-options-ci-*'] });
    expect(apply).toContainEqual(expect.objectContaining({ Action: ['secretsmanager:*'], Resource: 'arn:aws:secretsmanager:eu-west-1:*:secret:mail-all-options/*' }));
    const route53 = apply.find((s: { Action: string }) => s.Action === 'route53:ChangeResourceRecordSets');
    expect(route53.Condition['ForAllValues:StringLike']['route53:ChangeResourceRecordSetsNormalizedRecordNames']).toContain('*.example.org');
    // Issue 12, item 1: the hosts' roles carry no managed policy; the apply may only detach the one they carried.
    expect(apply.filter((s: { Action: string[] }) => [s.Action].flat().includes('iam:AttachRolePolicy'))).toEqual([]);
    const detach = apply.find((s: { Action: string[] }) => [s.Action].flat().includes('iam:DetachRolePolicy'));
    expect(detach).toMatchObject({ Action: ['iam:DetachRolePolicy'], Condition: { ArnEquals: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore' } } });
    for (const s of apply) if (s.Effect === 'Allow') expect([s.Action].flat()).not.toContain('*');
    // The dump bucket's settings, never its objects, and it cannot be deleted from here.
    expect(apply).toContainEqual({ Effect: 'Allow', Action: ['s3:CreateBucket', 's3:Get*', 's3:List*', 's3:Put*'], Resource: 'arn:aws:s3:::mail-all-options-backups-*' });
    expect(JSON.stringify(apply)).not.toContain('backups-*/');
  });

  it('outputs the role ARNs for the repository variables', () => {
    expect(Object.keys(ci.output ?? {}).sort()).toEqual(['apply_role_arn', 'oidc_provider_arn', 'plan_role_arn']);
  });
});
