/**
 * A CDKTF app of another workspace that reuses Mirovoy Mail's constructs with its own props, not
 * Mirovoy's config: a lab VPC from the `Network` construct, with our guard-rails.
 * __tests__/package/pack.test.ts installs the packed package here and synthesizes this app.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { addGuardRails, defaultSubnetPlan, Network, type NetworkProps } from 'mirovoy-mail';

class LabNetworkStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    new AwsProvider(this, 'aws', { region: 'eu-north-1' });
    const network = new Network(this, 'Network', props);
    new TerraformOutput(this, 'vpc_id', { value: network.vpc.id });
    new TerraformOutput(this, 'data_subnet_ids', { value: network.dataSubnets.map((subnet) => subnet.id) });
  }
}

const app = new App();
new LabNetworkStack(app, 'lab-network', {
  environment: 'lab',
  cidr: '10.42.0.0/16',
  availabilityZones: ['eu-north-1a', 'eu-north-1b'],
  subnets: defaultSubnetPlan('10.42.0.0/16', 2),
  flowLogRetentionDays: 14,
});
addGuardRails(app);
app.synth();
