/** The volumes' AWS Backup plan in the mail stack, and the swap volume beside the data volumes. */
import { App, TerraformStack } from 'cdktf';
import { VolumeBackupPlan } from '../../modules/backup/volume-backup-plan';
import { allOptions, example, exampleWith } from '../support/configs';
import { resourcesOf, synthConfig, TerraformJson } from '../support/synth';

const mailStackOf = (stacks: Record<string, TerraformJson>): TerraformJson => stacks[Object.keys(stacks).find((name) => name.endsWith('-mail'))!];
const exampleMail = mailStackOf(synthConfig(example));
const allOptionsMail = mailStackOf(synthConfig(allOptions));

const only = (stack: TerraformJson, type: string): Record<string, any> => {
  const found = resourcesOf(stack, type);
  expect(found).toHaveLength(1);
  return found[0];
};
const volumesByName = (stack: TerraformJson): Record<string, Record<string, any>> => Object.fromEntries(resourcesOf(stack, 'aws_ebs_volume').map((v) => [v.tags.Name, v]));

describe('volume backups (AWS Backup)', () => {
  it('keeps recovery points in a vault of their own, with the configured KMS key', () => {
    const vault = only(exampleMail, 'aws_backup_vault');
    expect([vault.name, vault.kms_key_arn, vault.force_destroy]).toEqual(['mail-example-volumes', undefined, undefined]);
    const vaults = resourcesOf(allOptionsMail, 'aws_backup_vault');
    expect(vaults.find((v) => v.name === 'mail-all-options-volumes')!.kms_key_arn).toBe(allOptions.kmsKeyArn);
  });

  it('takes a daily and a weekly recovery point, each deleted after its retention (defaults: 7 days, 5 weeks)', () => {
    const plan = only(exampleMail, 'aws_backup_plan');
    expect(plan.name).toBe('mail-example-volumes');
    expect(plan.rule.map((r: any) => [r.rule_name, r.schedule, r.lifecycle.delete_after, r.start_window, r.completion_window])).toEqual([
      ['daily', 'cron(0 3 * * ? *)', 7, 60, 180],
      ['weekly', 'cron(0 4 ? * SUN *)', 35, 60, 180],
    ]);
    plan.rule.forEach((r: any) => expect(r.target_vault_name).toMatch(/^\$\{aws_backup_vault\.VolumeBackups_Vault_\w+\.name\}$/));
    const configured = only(allOptionsMail, 'aws_backup_plan');
    expect(configured.rule.map((r: any) => r.lifecycle.delete_after)).toEqual([14, 56]);
    const dailyOnly = only(mailStackOf(synthConfig(exampleWith({ backups: { volumes: { weeklyRetentionWeeks: 0 } } }))), 'aws_backup_plan');
    expect(dailyOnly.rule.map((r: any) => r.rule_name)).toEqual(['daily']);
  });

  it('selects the EBS volumes tagged mirovoy:backup = <environment>: spool and log of both hosts, not swap', () => {
    const selection = only(exampleMail, 'aws_backup_selection');
    expect(selection.resources).toEqual(['arn:aws:ec2:*:*:volume/*']);
    expect(selection.condition).toEqual([{ string_equals: [{ key: 'aws:ResourceTag/mirovoy:backup', value: 'example' }] }]);
    expect(selection.plan_id).toMatch(/^\$\{aws_backup_plan\.VolumeBackups_Plan_\w+\.id\}$/);
    const tagged = Object.entries(volumesByName(exampleMail))
      .filter(([, v]) => v.tags['mirovoy:backup'] === 'example')
      .map(([name]) => name)
      .sort();
    expect(tagged).toEqual(['mail-example-mx1-log', 'mail-example-mx1-spool', 'mail-example-mx2-log', 'mail-example-mx2-spool']);
    expect(volumesByName(exampleMail)['mail-example-mx1-swap'].tags['mirovoy:backup']).toBeUndefined();
  });

  it("gives AWS Backup a role of its own that only it can assume, with AWS's backup policy and nothing else", () => {
    const [roleName, role] = Object.entries(exampleMail.resource!.aws_iam_role).find(([name]) => name.startsWith('VolumeBackups_'))!;
    expect(role.name).toBe('mail-example-volumes-backup');
    expect(JSON.parse(role.assume_role_policy)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    const attached = resourcesOf(exampleMail, 'aws_iam_role_policy_attachment').filter((a) => a.role === `\${aws_iam_role.${roleName}.name}`);
    expect(attached.map((a) => a.policy_arn)).toEqual(['arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup']);
    expect(resourcesOf(exampleMail, 'aws_iam_role_policy').filter((p) => p.role.includes(roleName))).toEqual([]);
    expect(only(exampleMail, 'aws_backup_selection').iam_role_arn).toBe(`\${aws_iam_role.${roleName}.arn}`);
  });

  it('copies every recovery point to a vault in backups.copyToRegion, through a provider for that region, kept as long', () => {
    expect(exampleMail.provider!.aws).toHaveLength(1);
    expect(only(exampleMail, 'aws_backup_plan').rule.every((r: any) => r.copy_action === undefined)).toBe(true);

    const providers = allOptionsMail.provider!.aws as Record<string, any>[];
    const copyProvider = providers.find((p) => p.alias === 'backup-copy')!;
    expect(copyProvider.region).toBe('eu-central-1');
    // Tagged like everything else in the stack.
    expect(copyProvider.default_tags).toEqual(providers.find((p) => p.alias === undefined)!.default_tags);
    const copyVault = resourcesOf(allOptionsMail, 'aws_backup_vault').find((v) => v.name === 'mail-all-options-volumes-copy')!;
    // The config's key is in eu-west-1: the copy vault uses eu-central-1's AWS Backup key.
    expect([copyVault.provider, copyVault.kms_key_arn]).toEqual(['aws.backup-copy', undefined]);
    const [copyVaultName] = Object.entries(allOptionsMail.resource!.aws_backup_vault).find(([, v]) => v === copyVault)!;
    for (const rule of only(allOptionsMail, 'aws_backup_plan').rule) {
      expect(rule.copy_action).toEqual([{ destination_vault_arn: `\${aws_backup_vault.${copyVaultName}.arn}`, lifecycle: { delete_after: rule.lifecycle.delete_after } }]);
    }
  });

  it('is all gone with backups.enabled: false (no vault, plan, selection, role, tag), but the nightly dumps keep their backup-age alarm', () => {
    const off = mailStackOf(synthConfig(exampleWith({ backups: { enabled: false, copyToRegion: 'eu-west-1' } })));
    for (const type of ['aws_backup_vault', 'aws_backup_plan', 'aws_backup_selection']) expect(resourcesOf(off, type)).toEqual([]);
    expect(Object.keys(off.resource!.aws_iam_role).filter((name) => name.startsWith('VolumeBackups_'))).toEqual([]);
    expect(off.provider!.aws).toHaveLength(1);
    // The selection tag (not the primary's mirovoy:backup-bucket setting, which is the dumps').
    expect(JSON.stringify(off)).not.toMatch(/"mirovoy:backup"/);
    expect(resourcesOf(off, 'aws_cloudwatch_metric_alarm').map((a) => a.alarm_name)).toContain('mail-example-mx1-backup-age');
  });
});

it('VolumeBackupPlan refuses retentions AWS Backup cannot keep, naming each', () => {
  const stack = new TerraformStack(new App(), 'test');
  expect(() => new VolumeBackupPlan(stack, 'Plan', { name: 'x', selectionTagValue: 'x', dailyRetentionDays: 0, weeklyRetentionWeeks: 1.5 })).toThrow(
    'VolumeBackupPlan test/Plan:\n  - dailyRetentionDays 0 must be a whole number of days, at least 1\n  - weeklyRetentionWeeks 1.5 must be a whole number of weeks, 0 for no weekly rule',
  );
});

describe('swap volume', () => {
  it('gives each host an encrypted swap volume of mail.storage.swapGiB, deleted with it, named to the host in a setting', () => {
    const volumes = volumesByName(allOptionsMail);
    expect(volumes['mail-all-options-mx1-swap']).toMatchObject({ size: 4, encrypted: true, kms_key_id: allOptions.kmsKeyArn, final_snapshot: false, lifecycle: { prevent_destroy: false } });
    // The data volumes keep the configured retention (all-options: retain).
    expect(volumes['mail-all-options-mx1-spool'].lifecycle).toEqual({ prevent_destroy: true });
    const [swapName] = Object.entries(allOptionsMail.resource!.aws_ebs_volume).find(([, v]) => v.tags.Name === 'mail-all-options-mx1-swap')!;
    const attachment = resourcesOf(allOptionsMail, 'aws_volume_attachment').find((a) => a.volume_id === `\${aws_ebs_volume.${swapName}.id}`)!;
    expect(attachment.device_name).toBe('/dev/sdh');
    const primary = resourcesOf(allOptionsMail, 'aws_instance').find((i) => i.tags.Name === 'mail-all-options-mx1')!;
    expect(primary.tags['mirovoy:volume-swap']).toBe(`\${aws_ebs_volume.${swapName}.id}`);
  });

  it('makes none with mail.storage.swapGiB: 0', () => {
    const none = mailStackOf(synthConfig(exampleWith({ mail: { storage: { swapGiB: 0 } } })));
    expect(Object.keys(volumesByName(none)).filter((name) => name.endsWith('-swap'))).toEqual([]);
    resourcesOf(none, 'aws_instance').forEach((i) => expect(i.tags['mirovoy:volume-swap']).toBeUndefined());
    expect(resourcesOf(none, 'aws_volume_attachment').map((a) => a.device_name)).not.toContain('/dev/sdh');
  });
});
