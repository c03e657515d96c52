import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Construct } from 'constructs';
import { PolicyStatement } from '../compute/instance-role';

/** GitHub Actions' OIDC issuer (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services). */
export const GITHUB_OIDC_ISSUER = 'token.actions.githubusercontent.com';

/** Properties of {@link GithubOidcRoles}. */
export interface GithubOidcRolesProps {
  /** Prefix of the role names: `<prefix>-plan`, `<prefix>-apply` (e.g. `mail-prod-ci`). */
  readonly namePrefix: string;
  /** The GitHub repository whose workflows may assume the roles, `owner/name`. */
  readonly repository: string;
  /** The branch whose runs (pushes, schedules) may assume the apply role, e.g. `main`. */
  readonly applyBranch: string;
  /**
   * An existing IAM OIDC provider for GitHub (an account has at most one per issuer).
   * @default one is created
   */
  readonly oidcProviderArn?: string;
  /** Where the state is: the plan role reads it, the apply role also writes it and its lock. */
  readonly state: { readonly bucketName: string; readonly keyPrefix: string };
  /** Customer KMS key of the state (and of what the apply role changes). @default none */
  readonly kmsKeyArn?: string;
  /** What the apply role may change, beyond reading everything and writing state. */
  readonly applyStatements: readonly PolicyStatement[];
}

/**
 * Two IAM roles for a CI workflow that gets credentials from GitHub's OIDC token, so no
 * long-lived keys exist: `plan` (pull requests of the repository: AWS's ReadOnlyAccess and
 * reading the state, no write) and `apply` (runs on one branch: the same, writing the state and
 * its lock, and the given statements).
 */
export class GithubOidcRoles extends Construct {
  /** The OIDC provider's ARN (created here or given). */
  readonly oidcProviderArn: string;
  /** The role of pull-request plans. */
  readonly planRole: IamRole;
  /** The role of applies from the branch. */
  readonly applyRole: IamRole;

  constructor(scope: Construct, id: string, props: GithubOidcRolesProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(props.repository)) {
      throw new Error(`GithubOidcRoles: repository must be "owner/name" (got ${JSON.stringify(props.repository)})`);
    }
    this.oidcProviderArn =
      props.oidcProviderArn ??
      new IamOpenidConnectProvider(this, 'Provider', { url: `https://${GITHUB_OIDC_ISSUER}`, clientIdList: ['sts.amazonaws.com'] }).arn;

    const stateObjects = `arn:aws:s3:::${props.state.bucketName}/${props.state.keyPrefix ? `${props.state.keyPrefix}/` : ''}*`;
    const kms = (actions: string[]): PolicyStatement[] => (props.kmsKeyArn ? [{ Effect: 'Allow', Action: actions, Resource: props.kmsKeyArn }] : []);
    const readState: PolicyStatement[] = [
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${props.state.bucketName}` },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: stateObjects },
      ...kms(['kms:Decrypt']),
    ];
    const role = (name: 'plan' | 'apply', subject: string, statements: readonly PolicyStatement[]): IamRole => {
      const iamRole = new IamRole(this, name === 'plan' ? 'PlanRole' : 'ApplyRole', {
        name: `${props.namePrefix}-${name}`,
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: this.oidcProviderArn },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: { StringEquals: { [`${GITHUB_OIDC_ISSUER}:aud`]: 'sts.amazonaws.com', [`${GITHUB_OIDC_ISSUER}:sub`]: subject } },
            },
          ],
        }),
      });
      new IamRolePolicyAttachment(this, `${name === 'plan' ? 'Plan' : 'Apply'}ReadOnly`, { role: iamRole.name, policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' });
      new IamRolePolicy(this, `${name === 'plan' ? 'Plan' : 'Apply'}Policy`, {
        role: iamRole.name,
        name: `${props.namePrefix}-${name}`,
        policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
      });
      return iamRole;
    };
    this.planRole = role('plan', `repo:${props.repository}:pull_request`, readState);
    this.applyRole = role('apply', `repo:${props.repository}:ref:refs/heads/${props.applyBranch}`, [
      ...readState,
      { Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: stateObjects },
      ...kms(['kms:GenerateDataKey']),
      ...props.applyStatements,
    ]);
  }
}
