import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { Construct } from 'constructs';

/** Properties of {@link AlertTopic}. */
export interface AlertTopicProps {
  /** Name of the topic, e.g. `mail-prod-alerts`. */
  readonly name: string;
  /** Addresses subscribed by e-mail (each confirms once, by the link AWS sends it). @default none */
  readonly emailAddresses?: readonly string[];
  /**
   * KMS key of the topic. Its key policy must let `cloudwatch.amazonaws.com` use it
   * (`kms:Decrypt`, `kms:GenerateDataKey*`), or the alarms cannot publish. @default not encrypted
   */
  readonly kmsKeyArn?: string;
}

/** The SNS topic every alarm publishes to, with e-mail subscriptions. */
export class AlertTopic extends Construct {
  /** The topic. */
  readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.topic = new SnsTopic(this, 'Topic', { name: props.name, kmsMasterKeyId: props.kmsKeyArn });
    // One id per address: adding or removing one leaves the others' (confirmed) subscriptions alone.
    for (const endpoint of props.emailAddresses ?? []) new SnsTopicSubscription(this, `Email-${endpoint}`, { topicArn: this.topic.arn, protocol: 'email', endpoint });
  }
}
