import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { MirovoyConfig } from '../configs/schema';
import { managedZones } from '../configs/zones';
import { GithubOidcRoles } from '../modules/ci/github-oidc-roles';
import { PolicyStatement } from '../modules/compute/instance-role';
import { awsName } from '../modules/naming';
import { MirovoyStack } from './mirovoy-stack';

/** The EC2 calls of an apply of the mail stack: instances, their volumes, interfaces and addresses. */
const MAIL_STACK_EC2_ACTIONS = [
  'ec2:RunInstances', 'ec2:TerminateInstances', 'ec2:StopInstances', 'ec2:StartInstances', 'ec2:ModifyInstanceAttribute', 'ec2:ModifyInstanceMetadataOptions',
  'ec2:CreateTags', 'ec2:DeleteTags',
  'ec2:CreateVolume', 'ec2:DeleteVolume', 'ec2:ModifyVolume', 'ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:CreateSnapshot',
  'ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:ModifyNetworkInterfaceAttribute',
  'ec2:AllocateAddress', 'ec2:ReleaseAddress', 'ec2:AssociateAddress', 'ec2:DisassociateAddress', 'ec2:ModifyAddressAttribute', 'ec2:ResetAddressAttribute',
];

/** The IAM calls of an apply of the mail stack: the hosts' roles and profiles, the SES user. */
const MAIL_STACK_IAM_ACTIONS = [
  'iam:CreateRole', 'iam:DeleteRole', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:PassRole',
  'iam:CreateInstanceProfile', 'iam:DeleteInstanceProfile', 'iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile', 'iam:TagInstanceProfile',
  'iam:CreateUser', 'iam:DeleteUser', 'iam:TagUser', 'iam:PutUserPolicy', 'iam:DeleteUserPolicy', 'iam:CreateAccessKey', 'iam:DeleteAccessKey',
];
/** The managed policy the hosts' roles carried before their scoped Session Manager policy. */
const SSM_MANAGED_POLICY_ARN = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';

/**
 * The optional `<env>-ci` stack: GitHub's OIDC provider (unless the account has one) and the two
 * roles of .github/workflows/terraform.yml. The apply role may change what the weekly apply of
 * the mail stack changes, by name where AWS allows it (`mail-<env>-…` roles, buckets, secrets;
 * record sets of the managed zones only), and never the CI roles themselves.
 */
export class CiStack extends MirovoyStack {
  constructor(scope: Construct, config: MirovoyConfig & { ci: NonNullable<MirovoyConfig['ci']>; state: NonNullable<MirovoyConfig['state']> }) {
    super(scope, 'ci', config);
    const prefix = awsName(config.environment, '');
    const namePrefix = awsName(config.environment, 'ci');
    const zones = managedZones(config).map((zone) => zone.name);
    const statements: PolicyStatement[] = [
      { Effect: 'Allow', Action: MAIL_STACK_EC2_ACTIONS, Resource: '*' },
      {
        Effect: 'Allow',
        Action: MAIL_STACK_IAM_ACTIONS,
        Resource: [`arn:aws:iam::*:role/${prefix}*`, `arn:aws:iam::*:instance-profile/${prefix}*`, `arn:aws:iam::*:user/${prefix}*`],
      },
      // The hosts' roles carry no managed policy (InstanceRole). Detaching the one they once carried
      // is what the first apply without it does; attaching it again is not allowed.
      {
        Effect: 'Allow',
        Action: ['iam:DetachRolePolicy'],
        Resource: `arn:aws:iam::*:role/${prefix}*`,
        Condition: { ArnEquals: { 'iam:PolicyARN': SSM_MANAGED_POLICY_ARN } },
      },
      { Effect: 'Deny', Action: ['iam:*'], Resource: [`arn:aws:iam::*:role/${namePrefix}-*`] },
      { Effect: 'Allow', Action: ['s3:*'], Resource: [`arn:aws:s3:::${prefix}artifacts-*`, `arn:aws:s3:::${prefix}artifacts-*/*`] },
      // The dump bucket's own settings (lifecycle, policy, encryption…), not the dumps in it, and no delete.
      { Effect: 'Allow', Action: ['s3:CreateBucket', 's3:Get*', 's3:List*', 's3:Put*'], Resource: `arn:aws:s3:::${prefix}backups-*` },
      { Effect: 'Allow', Action: ['secretsmanager:*'], Resource: `arn:aws:secretsmanager:${config.region}:*:secret:mail-${config.environment}/*` },
      {
        Effect: 'Allow',
        Action: 'route53:ChangeResourceRecordSets',
        Resource: 'arn:aws:route53:::hostedzone/*',
        Condition: { 'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': zones.flatMap((zone) => [zone, `*.${zone}`]) } },
      },
      { Effect: 'Allow', Action: 'route53:GetChange', Resource: 'arn:aws:route53:::change/*' },
      // The mail hosts' alarms and alert topic, and their volumes' backup plan.
      { Effect: 'Allow', Action: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:TagResource', 'cloudwatch:UntagResource'], Resource: `arn:aws:cloudwatch:${config.region}:*:alarm:${prefix}*` },
      { Effect: 'Allow', Action: ['sns:*'], Resource: `arn:aws:sns:${config.region}:*:${prefix}*` },
      // Backup plans and selections are named by id in their ARNs, vaults by name (the copy vault is in backups.copyToRegion).
      { Effect: 'Allow', Action: ['backup:*'], Resource: ['arn:aws:backup:*:*:backup-vault:' + prefix + '*', 'arn:aws:backup:*:*:backup-plan:*'] },
      ...(config.mail.outbound === 'ses'
        ? [{ Effect: 'Allow' as const, Action: ['ses:*'], Resource: config.mailDomains.map((domain) => `arn:aws:ses:${config.region}:*:identity/${domain}`) }]
        : []),
      ...(config.kmsKeyArn
        ? [{ Effect: 'Allow' as const, Action: ['kms:CreateGrant', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKeyWithoutPlaintext'], Resource: config.kmsKeyArn }]
        : []),
    ];
    const roles = new GithubOidcRoles(this, 'GithubOidc', {
      namePrefix,
      repository: config.ci.githubRepository,
      applyBranch: config.ci.applyBranch,
      oidcProviderArn: config.ci.oidcProviderArn,
      state: { bucketName: config.state.bucket, keyPrefix: config.state.keyPrefix },
      kmsKeyArn: config.kmsKeyArn,
      applyStatements: statements,
    });
    new TerraformOutput(this, 'plan_role_arn', { value: roles.planRole.arn, description: 'Role of pull-request plans (repository variable AWS_PLAN_ROLE_ARN)' });
    new TerraformOutput(this, 'apply_role_arn', { value: roles.applyRole.arn, description: 'Role of the weekly apply (repository variable AWS_APPLY_ROLE_ARN)' });
    new TerraformOutput(this, 'oidc_provider_arn', { value: roles.oidcProviderArn, description: "GitHub's IAM OIDC provider" });
  }
}
