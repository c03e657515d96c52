import { allOptions, example, exampleWith } from '../support/configs';
import { resourcesOf, synthConfig } from '../support/synth';

const exampleStacks = synthConfig(example);
const fullStacks = synthConfig(allOptions);

describe.each([
  ['example', exampleStacks['example-database'], exampleStacks['example-network']],
  ['all-options', fullStacks['all-options-database'], fullStacks['all-options-network']],
])('%s database', (name, stack, network) => {
  const [db] = resourcesOf(stack, 'aws_db_instance');

  it('is MySQL 8.4, private, encrypted and backed up', () => {
    expect(db).toMatchObject({ engine: 'mysql', engine_version: '8.4', publicly_accessible: false, storage_encrypted: true });
    expect(db.backup_retention_period).toBeGreaterThanOrEqual(1);
  });

  it('requires TLS from every client', () => {
    const [group] = resourcesOf(stack, 'aws_db_parameter_group');
    expect(group.family).toBe('mysql8.4');
    expect(group.parameter).toContainEqual({ name: 'require_secure_transport', value: '1' });
    expect(db.parameter_group_name).toContain('aws_db_parameter_group.');
  });

  // Review issue 12, item 16: a fixed name with create_before_destroy made a replacement fail as a duplicate name.
  it('names its parameter group by prefix, so a replacement can be made beside the group in use', () => {
    const [group] = resourcesOf(stack, 'aws_db_parameter_group');
    expect([group.name, group.name_prefix, group.lifecycle]).toEqual([undefined, `mail-${name}-db-mysql84-`, { create_before_destroy: true }]);
    expect(db.parameter_group_name).toMatch(/^\$\{aws_db_parameter_group\.[\w-]+\.name\}$/);
  });

  it('keeps the master password out of code and outputs', () => {
    expect(db.manage_master_user_password).toBe(true);
    expect(db.password).toBeUndefined();
    const outputs = JSON.stringify(stack.output);
    expect(outputs).not.toMatch(/random_password\.[\w.]+\.result/);
    expect(outputs).not.toContain('secret_string');
  });

  it('is reachable only from the mail, webmail and phpMyAdmin groups', () => {
    const rules = resourcesOf(network, 'aws_vpc_security_group_ingress_rule').filter((r) => r.security_group_id.includes('SecurityGroups_Database_'));
    expect(rules.map((r) => [r.from_port, r.cidr_ipv4, r.referenced_security_group_id?.replace(/_[0-9A-F]{8}\.id\}$/, '')]).sort()).toEqual([
      [3306, undefined, '${aws_security_group.SecurityGroups_Mail'],
      [3306, undefined, '${aws_security_group.SecurityGroups_PhpMyAdmin'],
      [3306, undefined, '${aws_security_group.SecurityGroups_Webmail'],
    ]);
    const worldOpen = resourcesOf(network, 'aws_vpc_security_group_ingress_rule').filter(
      (r) => r.cidr_ipv4 === '0.0.0.0/0' && (r.ip_protocol === '-1' || (r.from_port <= 3306 && 3306 <= r.to_port)),
    );
    expect(worldOpen).toEqual([]);
  });

  it('stores a generated password per application user in Secrets Manager', () => {
    const users = resourcesOf(stack, 'aws_secretsmanager_secret').map((s) => s.name.split('/').pop()).sort();
    expect(users).toEqual(['mirovoy_admin', 'mirovoy_amavis', 'mirovoy_dump', 'mirovoy_lookup', 'mirovoy_password', 'mirovoy_postfix', 'mirovoy_roundcube']);
    expect(resourcesOf(stack, 'random_password')).toHaveLength(7);
  });

  it(`protects the database from deletion unless the config is a throw-away (${name})`, () => {
    expect(db.deletion_protection).toBe(name !== 'example');
  });

  // Issue 11: turning deletion protection off (the step before a destroy) also skipped the final
  // snapshot, and the automated backups went with the instance.
  it('keeps a final snapshot under a name of its own and the automated backups, whatever the deletion protection', () => {
    expect(db).toMatchObject({ skip_final_snapshot: false, delete_automated_backups: false, copy_tags_to_snapshot: true });
    const [[suffixName, suffix]] = Object.entries(stack.resource!.random_id);
    expect(db.final_snapshot_identifier).toBe(`mail-${name}-db-final-\${random_id.${suffixName}.hex}`);
    // Kept in state: a new suffix only with a new instance.
    expect(suffix).toMatchObject({ byte_length: 4, keepers: { identifier: `mail-${name}-db`, restoreFromSnapshot: '' } });
    expect(db.backup_retention_period).toBe(name === 'example' ? 30 : 35);
  });
});

it('takes no final snapshot when database.finalSnapshot is off', () => {
  const stack = synthConfig(exampleWith({ database: { finalSnapshot: false } }))['example-database'];
  const [db] = resourcesOf(stack, 'aws_db_instance');
  expect([db.skip_final_snapshot, db.final_snapshot_identifier, db.delete_automated_backups]).toEqual([true, undefined, false]);
  expect(stack.resource!.random_id).toBeUndefined();
});

it('uses the customer KMS key for storage and secrets when configured', () => {
  const stack = fullStacks['all-options-database'];
  const [db] = resourcesOf(stack, 'aws_db_instance');
  expect(db.kms_key_id).toBe(allOptions.kmsKeyArn);
  expect(db.master_user_secret_kms_key_id).toBe(allOptions.kmsKeyArn);
  resourcesOf(stack, 'aws_secretsmanager_secret').forEach((s) => expect(s.kms_key_id).toBe(allOptions.kmsKeyArn));
  expect(db.multi_az).toBe(true);
});
