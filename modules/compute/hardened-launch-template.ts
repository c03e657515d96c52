import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { awsName } from '../naming';
import { debianImageForLaunchTemplate } from './debian-image';
import { InstanceRole, PolicyStatement } from './instance-role';

/** Properties of {@link HardenedLaunchTemplate}. */
export interface HardenedLaunchTemplateProps {
  /** Environment name, part of every AWS name. */
  readonly environment: string;
  /** Role of the hosts, e.g. `nat-a` or `bastion`. */
  readonly role: string;
  /** EC2 instance type; its architecture picks the Debian image. */
  readonly instanceType: string;
  /** Security groups of the instances. */
  readonly securityGroupIds: readonly string[];
  /**
   * `#cloud-config` user data, as text or as bytes (e.g. gzip'd, which cloud-init unpacks); it is
   * base64-encoded here at synth time. It may not contain Terraform references: pass run-time
   * values as `instanceTags`, which hosts read from the instance metadata service.
   */
  readonly userData: string | Buffer;
  /** Extra tags on the instances, readable on the host at `meta-data/tags/instance/<key>`. @default none */
  readonly instanceTags?: Readonly<Record<string, string>>;
  /** Statements of the instance role's inline policy. @default none */
  readonly policyStatements?: readonly PolicyStatement[];
  /** Size of the encrypted root volume in GiB. @default 8 */
  readonly rootVolumeGiB?: number;
  /** Customer KMS key for the root volume. @default the AWS-managed EBS key */
  readonly kmsKeyArn?: string;
}

/**
 * A launch template with our guard-rails built in: Debian 13, IMDSv2 only (hop limit 1), an
 * encrypted gp3 root volume, an instance role with SSM access instead of open SSH, and tags.
 */
export class HardenedLaunchTemplate extends Construct {
  /** The launch template. */
  readonly launchTemplate: LaunchTemplate;
  /** The instances' IAM role. */
  readonly role: IamRole;
  /** Its name, which is also the launch template's and the instances' `Name`: `mail-<env>-<role>`. */
  readonly name: string;

  constructor(scope: Construct, id: string, props: HardenedLaunchTemplateProps) {
    super(scope, id);
    if (typeof props.userData === 'string' && Token.isUnresolved(props.userData)) {
      throw new Error(`${this.node.path}: user data must not contain Terraform references; pass such values as instanceTags`);
    }
    const name = awsName(props.environment, props.role);
    this.name = name;
    const instanceRole = new InstanceRole(this, 'InstanceRole', { name, policyStatements: props.policyStatements });
    this.role = instanceRole.role;
    const profile = instanceRole.profile;

    this.launchTemplate = new LaunchTemplate(this, 'LaunchTemplate', {
      name,
      imageId: debianImageForLaunchTemplate(props.instanceType),
      instanceType: props.instanceType,
      vpcSecurityGroupIds: [...props.securityGroupIds],
      iamInstanceProfile: { arn: profile.arn },
      userData: Buffer.from(props.userData).toString('base64'),
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1, instanceMetadataTags: 'enabled' },
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          ebs: { volumeSize: props.rootVolumeGiB ?? 8, volumeType: 'gp3', encrypted: 'true', kmsKeyId: props.kmsKeyArn, deleteOnTermination: 'true' },
        },
      ],
      tagSpecifications: ['instance', 'volume'].map((resourceType) => ({ resourceType, tags: { Name: name, 'mirovoy:role': props.role, ...props.instanceTags } })),
      updateDefaultVersion: true,
    });
  }
}
