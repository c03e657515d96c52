import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Construct } from 'constructs';

/** An IAM policy statement. */
export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, unknown>>;
}

/** Properties of {@link InstanceRole}. */
export interface InstanceRoleProps {
  /** Name of the role and its instance profile, e.g. `mail-prod-mx1`. */
  readonly name: string;
  /** Statements of the role's inline policy. @default none */
  readonly policyStatements?: readonly PolicyStatement[];
}

/**
 * The IAM role of an EC2 host and its instance profile: SSM Session Manager access (a shell
 * without opening port 22 to anyone) plus exactly the statements given.
 */
export class InstanceRole extends Construct {
  /** The role. */
  readonly role: IamRole;
  /** The instance profile that carries the role. */
  readonly profile: IamInstanceProfile;

  constructor(scope: Construct, id: string, props: InstanceRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, 'Role', {
      name: props.name,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });
    // A separate attachment, not the role's deprecated `managed_policy_arns`.
    new IamRolePolicyAttachment(this, 'SessionManager', { role: this.role.name, policyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore' });
    if (props.policyStatements?.length) {
      new IamRolePolicy(this, 'Policy', { role: this.role.id, policy: JSON.stringify({ Version: '2012-10-17', Statement: props.policyStatements }) });
    }
    this.profile = new IamInstanceProfile(this, 'InstanceProfile', { name: props.name, role: this.role.name });
  }
}
