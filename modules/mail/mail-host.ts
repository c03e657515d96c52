import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { EipDomainName } from '@cdktf/provider-aws/lib/eip-domain-name';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { NetworkInterface } from '@cdktf/provider-aws/lib/network-interface';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { debianImageParameter } from '../compute/debian-image';
import { InstanceRole, PolicyStatement } from '../compute/instance-role';
import { SETTING_TAG_PREFIX } from '../../host/provision/runtime-seam';
import { BUNDLE_SETTINGS, bundleProblems, StoredHostBundle, storeHostBundle } from '../compute/host-bundle-object';
import { DurableVolume, VolumeRetention } from './durable-volume';

/** A data volume of a mail host: where the host mounts it and how it is attached. */
export interface MailHostVolume {
  /** Short name, part of the Name tag. */
  readonly name: string;
  /** The run-time setting that tells the host the volume's id (so it finds the device). */
  readonly setting: string;
  /** Device name at attachment. */
  readonly deviceName: string;
  /** Size in GiB. */
  readonly sizeGiB: number;
  /** Start from this snapshot. @default blank */
  readonly snapshotId?: string;
  /** What `terraform destroy` does to this volume. @default the host's `volumeRetention` */
  readonly onDestroy?: VolumeRetention;
  /** Tags besides `Name`, e.g. the one a backup plan selects volumes by. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Every problem of the props, each with the value and the fix. */
const problemsOf = (props: MailHostProps): string[] => {
  const taken = [...BUNDLE_SETTINGS, ...props.volumes.map((v) => v.setting)].filter((name) => name in props.settings);
  return [
    ...bundleProblems(props.bundle),
    ...(taken.length > 0 ? [`settings ${taken.map((t) => JSON.stringify(t)).join(', ')} are set by MailHost itself; remove them from settings`] : []),
  ];
};

/** A mail host's configuration bundle (`renderMailHostBundle` in `host/provision`) and where it is kept. */
export type MailHostBundle = StoredHostBundle;

/** Properties of {@link MailHost}. */
export interface MailHostProps {
  /** AWS name of the host, e.g. `mail-prod-mx1`. */
  readonly name: string;
  /** The host's public name (see {@link MailHost.addReverseDns}). */
  readonly hostname: string;
  /** EC2 instance type; its architecture picks the Debian image. */
  readonly instanceType: string;
  /** Public subnet of the host. */
  readonly subnetId: string;
  /** Availability zone of that subnet (the volumes are made there). */
  readonly availabilityZone: string;
  /** Security groups of the host. */
  readonly securityGroupIds: readonly string[];
  /** AWS region of the host: the S3 endpoint it fetches its bundle from is there. */
  readonly region: string;
  /**
   * The gzip'd bootstrap `#cloud-config` from `host/` (no Terraform references: run-time values
   * go in `settings`). A change replaces the instance.
   */
  readonly userData: Buffer;
  /** Everything rendered for the host, kept as an S3 object; a change is applied in place. */
  readonly bundle: MailHostBundle;
  /**
   * Run-time settings as instance tags `mirovoy:<name>`, read on the host through the metadata
   * service (`mirovoy-fetch setting <name>`). Values are ids and names, never secrets.
   */
  readonly settings: Readonly<Record<string, string>>;
  /** Statements of the host's IAM policy (e.g. reading its own secrets). */
  readonly policyStatements: readonly PolicyStatement[];
  /** Spool, log, swap … volumes. */
  readonly volumes: readonly MailHostVolume[];
  /** What `terraform destroy` does to the volumes (unless a volume says otherwise). */
  readonly volumeRetention: VolumeRetention;
  /** Size of the encrypted root volume in GiB. @default 10 */
  readonly rootVolumeGiB?: number;
  /** Customer KMS key for the volumes. @default the AWS-managed EBS key */
  readonly kmsKeyArn?: string;
}

/**
 * One mail host on EC2: Debian 13 from Debian's SSM parameter, IMDSv2 only with instance tags
 * readable (the run-time settings), an encrypted root volume, durable data volumes attached
 * separately, and an instance role. Its network interface is made first, with the Elastic IP on
 * it, so the host boots with its public address (no address change while cloud-init downloads
 * packages), and a replacement instance gets the same interface, address and private address.
 *
 * Its configuration is a content-addressed S3 object (`<prefix>/<sha256>.bundle`) named in an
 * instance tag: a configuration change is a new object and an in-place tag update, which the host
 * applies by itself (its timer polls the tag). The new object is made before the tag points at it,
 * and the old one is deleted only after (`create_before_destroy`).
 *
 * A changed user data (the bootstrap) replaces the instance (the volumes and the address move
 * over); a newer Debian image does not (`ami` changes are ignored: replace on purpose with
 * `terraform apply -replace=…`, see the README).
 */
export class MailHost extends Construct {
  /** The instance. */
  readonly instance: Instance;
  /** The host's public address. */
  readonly address: Eip;
  /** The host's IAM role. */
  readonly role: InstanceRole;
  /** The data volumes by name. */
  readonly volumes: Readonly<Record<string, DurableVolume>>;
  /** The S3 object of the host's configuration bundle. */
  readonly bundleObject: S3Object;

  private readonly hostname: string;

  constructor(scope: Construct, id: string, props: MailHostProps) {
    super(scope, id);
    const problems = problemsOf(props);
    if (problems.length > 0) throw new Error(`MailHost ${this.node.path}:\n  - ${problems.join('\n  - ')}`);
    this.hostname = props.hostname;
    const { bundle } = props;
    const stored = storeHostBundle(this, 'Bundle', bundle, props.region);
    this.bundleObject = stored.object;
    this.role = new InstanceRole(this, 'InstanceRole', {
      name: props.name,
      policyStatements: [...props.policyStatements, ...stored.readStatements],
    });
    const image = new DataAwsSsmParameter(this, 'DebianImage', { name: debianImageParameter(props.instanceType) });
    this.volumes = Object.fromEntries(
      props.volumes.map((v) => [
        v.name,
        new DurableVolume(this, `${v.name[0].toUpperCase()}${v.name.slice(1)}Volume`, {
          name: `${props.name}-${v.name}`,
          availabilityZone: props.availabilityZone,
          sizeGiB: v.sizeGiB,
          snapshotId: v.snapshotId,
          onDestroy: v.onDestroy ?? props.volumeRetention,
          kmsKeyArn: props.kmsKeyArn,
          tags: v.tags,
        }),
      ]),
    );
    const settings = {
      ...props.settings,
      ...Object.fromEntries(props.volumes.map((v) => [v.setting, this.volumes[v.name].volume.id])),
      ...stored.settings,
    };
    const settingTags = Object.fromEntries(Object.entries(settings).map(([name, value]) => [`${SETTING_TAG_PREFIX}${name}`, value]));

    const networkInterface = new NetworkInterface(this, 'NetworkInterface', { subnetId: props.subnetId, securityGroups: [...props.securityGroupIds], tags: { Name: props.name } });
    this.address = new Eip(this, 'Address', { domain: 'vpc', networkInterface: networkInterface.id, tags: { Name: props.name } });

    this.instance = new Instance(this, 'Instance', {
      ami: image.insecureValue,
      instanceType: props.instanceType,
      primaryNetworkInterface: { networkInterfaceId: networkInterface.id },
      iamInstanceProfile: this.role.profile.name,
      userDataBase64: props.userData.toString('base64'),
      userDataReplaceOnChange: true,
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1, instanceMetadataTags: 'enabled' },
      rootBlockDevice: { volumeType: 'gp3', volumeSize: props.rootVolumeGiB ?? 10, encrypted: true, kmsKeyId: props.kmsKeyArn, deleteOnTermination: true },
      tags: { Name: props.name, ...settingTags },
      lifecycle: { ignoreChanges: ['ami'] },
      // The address must be on the interface before the host boots.
      dependsOn: [this.address],
    });
    props.volumes.forEach((v) => this.volumes[v.name].attachTo(this.instance.id, v.deviceName));

  }

  /**
   * Sets the address's reverse DNS (PTR) to the hostname, which receivers check before they
   * accept mail. AWS only does so once the forward record resolves to the address: pass it.
   */
  addReverseDns(forwardRecord: ITerraformDependable): EipDomainName {
    return new EipDomainName(this, 'ReverseDns', { allocationId: this.address.allocationId, domainName: this.hostname, dependsOn: [forwardRecord] });
  }
}
