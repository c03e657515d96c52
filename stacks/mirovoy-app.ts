import { App } from 'cdktf';
import { MirovoyConfig } from '../configs/schema';
import { addGuardRails } from '../modules/guards';
import { CiStack } from './ci-stack';
import { DatabaseStack } from './database-stack';
import { MailStack } from './mail-stack';
import { NetworkStack } from './network-stack';
import { needsWebStack } from '../adapters/web-tier';
import { WebStack } from './web-stack';
import { StateBucketStack } from './state-bucket-stack';

/** Adds every stack the config asks for to an app, with the guard-rails. */
export const addMirovoyStacks = (app: App, config: MirovoyConfig): void => {
  const state = config.state;
  if (state) new StateBucketStack(app, { ...config, state });
  if (config.ci && state) new CiStack(app, { ...config, ci: config.ci, state });
  const network = new NetworkStack(app, config);
  const { database } = new DatabaseStack(app, config, {
    dataSubnetIds: network.network.dataSubnets.map((subnet) => subnet.id),
    databaseSecurityGroupId: network.securityGroups.database.id,
  });
  const userSecretArn = (user: 'lookup' | 'postfix' | 'admin' | 'amavis' | 'dump') => database.userSecrets[user]!.secret.arn;
  const webmailSecretArns = config.webmail.enabled
    ? { roundcube: database.userSecrets.roundcube!.secret.arn, webmailPassword: database.userSecrets.webmailPassword!.secret.arn }
    : {};
  new MailStack(
    app,
    config,
    { publicSubnetIds: network.network.publicSubnets.map((subnet) => subnet.id), mailSecurityGroupId: network.securityGroups.mail.id },
    {
      address: database.instance.address,
      instanceIdentifier: database.instance.identifier,
      masterSecretArn: database.instance.masterUserSecret.get(0).secretArn,
      userSecretArns: { lookup: userSecretArn('lookup'), postfix: userSecretArn('postfix'), admin: userSecretArn('admin'), amavis: userSecretArn('amavis'), dump: userSecretArn('dump'), ...webmailSecretArns },
    },
  );
  if (needsWebStack(config)) {
    new WebStack(app, config, { publicSubnetIds: network.network.publicSubnets.map((subnet) => subnet.id), loadBalancerSecurityGroupId: network.securityGroups.loadBalancer.id });
  }
  addGuardRails(app);
};
