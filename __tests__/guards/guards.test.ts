import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { addGuardRails } from '../../modules/guards';

/** Synthesizes a stack holding what `build` adds, with the guard-rails on; returns the error or ''. */
const guardErrors = (build: (stack: TerraformStack) => void): string => {
  const outdir = mkdtempSync(join(tmpdir(), 'mirovoy-guard-'));
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'guarded');
  new AwsProvider(stack, 'Aws', { region: 'eu-central-1' });
  build(stack);
  addGuardRails(app);
  try {
    app.synth();
    return '';
  } catch (error) {
    return (error as Error).message;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};

const db = (publiclyAccessible: boolean, storageEncrypted: boolean) => (stack: TerraformStack) =>
  new DbInstance(stack, 'Db', { instanceClass: 'db.t4g.micro', engine: 'mysql', publiclyAccessible, storageEncrypted });

describe('Imdsv2Required', () => {
  const makers = {
    'launch template': (s: TerraformStack, props: { metadataOptions?: { httpTokens: string } }) => new LaunchTemplate(s, 'Lt', props),
    instance: (s: TerraformStack, props: { metadataOptions?: { httpTokens: string } }) => new Instance(s, 'Vm', props),
  };
  describe.each(Object.entries(makers))('on a %s', (kind, make) => {
    it('accepts one that requires session tokens', () => {
      expect(guardErrors((s) => make(s, { metadataOptions: { httpTokens: 'required' } }))).toBe('');
    });
    it.each([['optional tokens', { metadataOptions: { httpTokens: 'optional' } }], ['no metadata options', {}]])('rejects %s', (_, props) => {
      expect(guardErrors((s) => make(s, props))).toContain(`Imdsv2Required: set metadataOptions.httpTokens = "required" on this aws_${kind.replace(' ', '_')}`);
    });
  });
});

describe('DatabasePrivateAndEncrypted', () => {
  it('accepts a private, encrypted instance', () => expect(guardErrors(db(false, true))).toBe(''));
  it('rejects a public instance', () => expect(guardErrors(db(true, true))).toContain('set publiclyAccessible = false'));
  it('rejects unencrypted storage', () => expect(guardErrors(db(false, false))).toContain('set storageEncrypted = true'));
});

describe('NoWorldOpenDatabasePort', () => {
  const rule = (props: Partial<ConstructorParameters<typeof VpcSecurityGroupIngressRule>[2]>) => (stack: TerraformStack) =>
    new VpcSecurityGroupIngressRule(stack, 'Rule', { securityGroupId: 'sg-1', ipProtocol: 'tcp', ...props });
  it('accepts MySQL from a security group and SMTP from the world', () => {
    expect(guardErrors(rule({ fromPort: 3306, toPort: 3306, referencedSecurityGroupId: 'sg-2' }))).toBe('');
    expect(guardErrors(rule({ fromPort: 25, toPort: 25, cidrIpv4: '0.0.0.0/0' }))).toBe('');
  });
  it.each([
    ['MySQL from the world', { fromPort: 3306, toPort: 3306, cidrIpv4: '0.0.0.0/0' }],
    ['a port range covering MySQL', { fromPort: 3000, toPort: 4000, cidrIpv4: '0.0.0.0/0' }],
    ['all protocols from the world', { ipProtocol: '-1', cidrIpv4: '0.0.0.0/0' }],
    ['MySQL from the IPv6 world', { fromPort: 3306, toPort: 3306, cidrIpv6: '::/0' }],
  ])('rejects %s', (_, props) => {
    expect(guardErrors(rule(props))).toContain('NoWorldOpenDatabasePort');
  });
});
