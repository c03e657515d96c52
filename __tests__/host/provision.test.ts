import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { loadConfig } from '../../configs/load';
import { renderMailHost } from '../../host';
import { mailHostSpecFromConfig } from '../../host/mail-host-spec-from-config';
import { EC2_USER_DATA_LIMIT, renderMailHostCloudConfig, renderMailHostUserData, renderProvisionCommand, STAGED_DIRECTORY } from '../../host/provision';

const renderings = ['example', 'all-options'].flatMap((name) => {
  const config = loadConfig(name);
  const roles = config.mail.backupMx.enabled ? (['primary', 'backup'] as const) : (['primary'] as const);
  return roles.map((role) => ({
    label: `${name} ${role}`,
    config,
    rendering: renderMailHost(mailHostSpecFromConfig(config, role, { backupMxAddresses: ['192.0.2.20'] })),
  }));
});

describe.each(renderings)('$label user data', ({ config, rendering }) => {
  const userData = renderMailHostUserData(rendering, { admin: config.admin });
  const cloudConfig = renderMailHostCloudConfig(rendering, { admin: config.admin });

  it("fits EC2's 16 KB limit and is what cloud-init gets after inflating", () => {
    expect(userData.length).toBeLessThan(EC2_USER_DATA_LIMIT);
    expect(gunzipSync(userData).toString()).toBe(cloudConfig);
  });

  it('is deterministic', () => {
    expect(renderMailHostUserData(rendering, { admin: config.admin }).equals(userData)).toBe(true);
  });

  it('is a cloud-config that sets the FQDN, installs the packages and runs the provision step', () => {
    expect(cloudConfig.startsWith('#cloud-config\n')).toBe(true);
    const parsed = parse(cloudConfig);
    expect(parsed).toMatchObject({ fqdn: rendering.spec.hostname, manage_etc_hosts: true, package_update: true, runcmd: [['/usr/local/sbin/mirovoy-provision']] });
    expect(parsed.packages).toEqual(expect.arrayContaining(['postfix', 'postfix-mysql', 'unattended-upgrades', 'awscli', ...rendering.packages]));
    // Every rendered file is staged, and the provision step installs each one.
    const staged = parsed.write_files.map((f: { path: string }) => f.path).filter((p: string) => p.startsWith(STAGED_DIRECTORY));
    expect(staged).toEqual(rendering.files.map((f) => `${STAGED_DIRECTORY}${f.path}`));
  });

  it('holds no secret: no password, no private key, no Terraform reference', () => {
    // The option-file and map-file form `password = <value>` (code that reads a password is fine).
    expect(cloudConfig).not.toMatch(/^\s*password = /m);
    expect(cloudConfig).not.toMatch(/PRIVATE KEY-----/);
    expect(cloudConfig).not.toContain('${TfToken');
  });

  it('carries a provision script that bash accepts', () => {
    expect(() => execFileSync('bash', ['-n'], { input: renderProvisionCommand(rendering).content })).not.toThrow();
  });
});
