import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume';
import { VolumeAttachment } from '@cdktf/provider-aws/lib/volume-attachment';
import { Construct } from 'constructs';

/** What `terraform destroy` does to a durable volume. */
export type VolumeRetention = 'snapshot' | 'retain' | 'delete';

/** Properties of {@link DurableVolume}. */
export interface DurableVolumeProps {
  /** Name tag, e.g. `mail-prod-mx1-spool`. */
  readonly name: string;
  /** Availability zone of the volume; the instance must be in the same zone. */
  readonly availabilityZone: string;
  /** Size in GiB (at least the snapshot's size when restoring). */
  readonly sizeGiB: number;
  /** Start from this EBS snapshot. @default a blank volume (the host formats it) */
  readonly snapshotId?: string;
  /** `snapshot`: a final snapshot before deletion; `retain`: Terraform refuses to destroy it; `delete`: gone. */
  readonly onDestroy: VolumeRetention;
  /** Customer KMS key. @default the AWS-managed EBS key */
  readonly kmsKeyArn?: string;
  /** Tags besides `Name`. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * An encrypted gp3 volume that outlives its instance: it is its own resource, attached with
 * `aws_volume_attachment`, so replacing the instance (e.g. after a user-data change) detaches it
 * from the old instance, after stopping that cleanly, and attaches it to the new one.
 */
export class DurableVolume extends Construct {
  /** The volume. */
  readonly volume: EbsVolume;

  constructor(scope: Construct, id: string, props: DurableVolumeProps) {
    super(scope, id);
    this.volume = new EbsVolume(this, 'Volume', {
      availabilityZone: props.availabilityZone,
      size: props.sizeGiB,
      type: 'gp3',
      encrypted: true,
      kmsKeyId: props.kmsKeyArn,
      snapshotId: props.snapshotId,
      finalSnapshot: props.onDestroy === 'snapshot',
      tags: { ...props.tags, Name: props.name },
      lifecycle: { preventDestroy: props.onDestroy === 'retain' },
    });
  }

  /** Attaches the volume to an instance as `deviceName` (e.g. `/dev/sdf`; NVMe hosts find it by volume id). */
  attachTo(instanceId: string, deviceName: string): VolumeAttachment {
    return new VolumeAttachment(this, 'Attachment', {
      deviceName,
      volumeId: this.volume.id,
      instanceId,
      // Postfix and Dovecot stop (flushing the queue files and indexes) before the volume goes.
      stopInstanceBeforeDetaching: true,
    });
  }
}
