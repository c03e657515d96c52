import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';

/** An IAM policy statement. */
export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, unknown>>;
}

/**
 * What the SSM agent needs for Session Manager and nothing else: register the instance and open
 * the session channels. AWS documents exactly this set as the instance permissions of "Session
 * Manager only" (the managed `AWSCloud9SSMInstanceProfile` is the same); S3 or CloudWatch session
 * logs and KMS session encryption would each add their own, and neither is configured here.
 * Unlike `AmazonSSMManagedInstanceCore` it cannot read SSM parameters (`ssm:GetParameter*`),
 * documents or associations, nor take Run Command messages (`ec2messages:*`).
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-create-iam-instance-profile.html
 */
export const SESSION_MANAGER_STATEMENT: PolicyStatement = {
  Effect: 'Allow',
  Action: ['ssm:UpdateInstanceInformation', 'ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
  Resource: '*',
};

/** Properties of {@link InstanceRole}. */
export interface InstanceRoleProps {
  /** Name of the role and its instance profile, e.g. `mail-prod-mx1`. */
  readonly name: string;
  /** Statements of the role's inline policy. @default none */
  readonly policyStatements?: readonly PolicyStatement[];
}

/**
 * The IAM role of an EC2 host and its instance profile: SSM Session Manager access (a shell
 * without opening port 22 to anyone, {@link SESSION_MANAGER_STATEMENT}) plus exactly the
 * statements given.
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
    new IamRolePolicy(this, 'SessionManagerPolicy', { role: this.role.id, name: 'session-manager', policy: JSON.stringify({ Version: '2012-10-17', Statement: [SESSION_MANAGER_STATEMENT] }) });
    if (props.policyStatements?.length) {
      new IamRolePolicy(this, 'Policy', { role: this.role.id, policy: JSON.stringify({ Version: '2012-10-17', Statement: props.policyStatements }) });
    }
    this.profile = new IamInstanceProfile(this, 'InstanceProfile', { name: props.name, role: this.role.name });
  }
}
