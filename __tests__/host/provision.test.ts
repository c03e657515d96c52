import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { loadConfig } from '../../configs/load';
import { renderMailHost } from '../../host';
import { mailHostSpecFromConfig } from '../../adapters/mail-host-spec';
import { renderFetchCommand } from '../../host/provision/runtime-seam';
import { EC2_USER_DATA_LIMIT, renderMailHostCloudConfig, renderMailHostUserData, renderProvisionCommand, STAGED_DIRECTORY, stagedFilesOf } from '../../host/provision';

/** Each config as it is, and all-options sending through SES (the relay login adds to the user data). */
const configs = [
  ...['example', 'all-options'].map((name) => ({ name, config: loadConfig(name) })),
  ...[loadConfig('all-options')].map((c) => ({ name: 'all-options with SES', config: { ...c, mail: { ...c.mail, outbound: 'ses' as const, relayHost: undefined } } })),
];

const renderings = configs.flatMap(({ name, config }) => {
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
    expect(staged).toEqual(stagedFilesOf(rendering).map((f) => `${STAGED_DIRECTORY}${f.path}`));
    expect(staged).toEqual(expect.arrayContaining([...rendering.files.map((f) => `${STAGED_DIRECTORY}${f.path}`), `${STAGED_DIRECTORY}/etc/systemd/system/mirovoy-certificates.timer`]));
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

describe('certificate refresh', () => {
  const { rendering } = renderings[0];
  const files = Object.fromEntries(stagedFilesOf(rendering).map((f) => [f.path, f.content]));
  const script = renderProvisionCommand(rendering).content;

  it('runs mirovoy-provision --certificates from a daily timer with a random delay, catching up after downtime', () => {
    expect(files['/etc/systemd/system/mirovoy-certificates.service']).toMatch(/^Type = oneshot\nExecStart = \/usr\/local\/sbin\/mirovoy-provision --certificates$/m);
    const timer = files['/etc/systemd/system/mirovoy-certificates.timer'];
    expect(timer).toMatch(/^OnCalendar = daily$/m);
    expect(timer).toMatch(/^RandomizedDelaySec = \d+h$/m);
    expect(timer).toMatch(/^Persistent = true$/m);
    expect(timer).toMatch(/^WantedBy = timers\.target$/m);
  });

  it('is enabled and started by the provision step like the daemons, and restarted when its file changes', () => {
    expect(script).toMatch(/^readonly UNITS=\(.*'mirovoy-certificates\.timer'\)$/m);
    expect(script).toContain("'/etc/systemd/system/mirovoy-certificates.timer 0644 root root mirovoy-certificates.timer'");
  });

  it('takes only the TLS chain and key, checked as a pair, and reloads the daemons serving them', () => {
    expect(script).toContain("'certificate-chain /etc/mirovoy/tls/mail-chain.pem 0644 root root tls:certificate_chain postfix,dovecot'");
    expect(script).toContain("'private-key /etc/mirovoy/tls/mail-key.pem 0600 root root tls:private_key postfix,dovecot'");
    const mode = script.slice(script.indexOf('if [[ ${1:-} == --certificates ]]; then'));
    const block = mode.slice(0, mode.indexOf('\nfi\n'));
    expect(block).toContain("write_secret_files 'certificate-chain private-key'");
    expect(block).toContain('systemctl reload "${!CHANGED_UNITS[@]}"');
    expect(block).not.toMatch(/restart|start_services/);
    const backup = renderProvisionCommand(renderings.find((r) => r.rendering.spec.role === 'backup')!.rendering).content;
    expect(backup).toContain('tls:certificate_chain postfix\'');
  });
});

describe('scripts shipped without comment lines', () => {
  const { rendering } = renderings[0];
  const shipped = (path: string) => stagedFilesOf(rendering).find((f) => f.path === path)!.content;

  it('mirovoy-admin is still a Python program that parses, with its header after the shebang', () => {
    const admin = shipped('/usr/local/sbin/mirovoy-admin');
    expect(admin).toMatch(/^#!\/usr\/bin\/python3\n# Generated by Mirovoy Mail from host\/admin\/mirovoy-admin\.py\./);
    expect(admin.split('\n').slice(3).filter((l) => /^\s*#/.test(l))).toEqual([]);
    expect(() => execFileSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: admin })).not.toThrow();
  });

  it('mirovoy-fetch is still a bash script that parses', () => {
    expect(() => execFileSync('bash', ['-n'], { input: renderFetchCommand().content })).not.toThrow();
  });
});
