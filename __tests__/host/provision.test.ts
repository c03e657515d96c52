import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { loadConfig } from '../../configs/load';
import { renderMailHost } from '../../host';
import { mailHostSpecFromConfig } from '../../adapters/mail-host-spec';
import { IMDS_GUARD_RULES_PATH, IMDS_GUARD_UNIT } from '../../host/base/imds-guard';
import { renderFetchCommand } from '../../host/provision/runtime-seam';
import {
  BOOTSTRAP_LIMIT,
  CONVERGE_COMMAND,
  EC2_USER_DATA_LIMIT,
  packBundle,
  renderMailHostBundle,
  renderMailHostUserData,
  renderProvisionCommand,
  SECRET_FILE_COLUMNS,
  stagedFilesOf,
  unpackBundle,
} from '../../host/provision';
import { shellTableRows } from '../support/shell-table';

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

describe.each(renderings)('$label user data (bootstrap)', ({ config, rendering }) => {
  const userData = renderMailHostUserData(rendering, { admin: config.admin });
  const cloudConfig = gunzipSync(userData).toString();

  it(`stays under ${BOOTSTRAP_LIMIT} bytes, far below EC2's 16 KB`, () => {
    expect(userData.length).toBeLessThanOrEqual(BOOTSTRAP_LIMIT);
    expect(userData.length).toBeLessThan(EC2_USER_DATA_LIMIT);
  });

  it('is deterministic, and does not change with the configuration of the mail system', () => {
    expect(renderMailHostUserData(rendering, { admin: config.admin }).equals(userData)).toBe(true);
    const tuned = renderMailHost({ ...mailHostSpecFromConfig(config, rendering.spec.role), messageSizeLimit: 7340032, postgrey: { delaySeconds: 17 } });
    expect(renderMailHostUserData(tuned, { admin: config.admin }).equals(userData)).toBe(true);
    expect(renderMailHostBundle(tuned, { admin: config.admin }).sha256).not.toBe(renderMailHostBundle(rendering, { admin: config.admin }).sha256);
  });

  it('sets the FQDN, installs only what the seam and the metadata guard need, and starts the provisioning unit and its timer', () => {
    expect(cloudConfig.startsWith('#cloud-config\n')).toBe(true);
    const parsed = parse(cloudConfig);
    expect(parsed).toMatchObject({ fqdn: rendering.spec.hostname, manage_etc_hosts: true, package_update: true, packages: ['curl', 'ca-certificates', 'nftables'] });
    expect(parsed.write_files.map((f: { path: string }) => f.path)).toEqual([
      IMDS_GUARD_RULES_PATH,
      `/etc/systemd/system/${IMDS_GUARD_UNIT}`,
      '/usr/local/sbin/mirovoy-fetch',
      CONVERGE_COMMAND,
      '/etc/systemd/system/mirovoy-provision.service',
      '/etc/systemd/system/mirovoy-provision.timer',
    ]);
    expect(parsed.runcmd).toContainEqual(['systemctl', 'start', '--no-block', 'mirovoy-provision.service', 'mirovoy-provision.timer']);
  });

  // Issue 12, item 1: no daemon of the bundle runs before only root can reach the metadata service.
  it('loads the metadata guard before it starts provisioning, which requires it', () => {
    const parsed = parse(cloudConfig);
    const commands = parsed.runcmd.map((argv: string[]) => argv.join(' '));
    expect(commands.indexOf(`systemctl enable --now ${IMDS_GUARD_UNIT}`)).toBeGreaterThanOrEqual(0);
    expect(commands.indexOf(`systemctl enable --now ${IMDS_GUARD_UNIT}`)).toBeLessThan(commands.findIndex((c: string) => c.startsWith('systemctl start')));
    const provisionUnit = parsed.write_files.find((f: { path: string }) => f.path === '/etc/systemd/system/mirovoy-provision.service').content.split('\n');
    expect(provisionUnit).toEqual(expect.arrayContaining([`Requires = ${IMDS_GUARD_UNIT}`, `After = network-online.target ${IMDS_GUARD_UNIT}`]));
  });

  it('holds no secret: no password, no private key, no Terraform reference', () => {
    expect(cloudConfig).not.toMatch(/^\s*password = /m);
    expect(cloudConfig).not.toMatch(/PRIVATE KEY-----/);
    expect(cloudConfig).not.toContain('${TfToken');
  });

  it('carries scripts that bash accepts', () => {
    for (const file of parse(cloudConfig).write_files.filter((f: { path: string }) => f.path.includes('/sbin/'))) {
      expect(() => execFileSync('bash', ['-n'], { input: file.content })).not.toThrow();
    }
  });
});

describe.each(renderings)('$label configuration bundle', ({ config, rendering }) => {
  const bundle = renderMailHostBundle(rendering, { admin: config.admin });
  const script = renderProvisionCommand(rendering, { admin: config.admin }).content;

  it('holds every rendered file and mirovoy-provision, exactly, and is named by its sha256', () => {
    expect(unpackBundle(bundle.content)).toEqual(stagedFilesOf(rendering, { admin: config.admin }));
    expect(unpackBundle(bundle.content).map((f) => f.path)).toEqual(expect.arrayContaining([...rendering.files.map((f) => f.path), '/usr/local/sbin/mirovoy-provision']));
    expect(bundle.sha256).toBe(createHash('sha256').update(Buffer.from(bundle.content, 'utf8')).digest('hex'));
    expect(renderMailHostBundle(rendering, { admin: config.admin })).toEqual(bundle);
  });

  it('holds no secret: no password, no private key, no Terraform reference', () => {
    expect(bundle.content).not.toMatch(/^\s*password = \S/m);
    expect(bundle.content).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    expect(bundle.content).not.toContain('${TfToken');
  });

  it('lists the packages mirovoy-provision installs: the daemons, curl for the seam, no AWS CLI', () => {
    const packages = /^readonly PACKAGES=\((.*)\)$/m.exec(script)![1];
    for (const pkg of ['postfix', 'postfix-mysql', 'unattended-upgrades', 'curl', ...rendering.packages]) expect(packages).toContain(`'${pkg}'`);
    expect(packages).not.toContain("'awscli'");
  });

  it('keeps Postfix (and Dovecot and Amavis, whose quarantine is there) off the root file system when the spool volume is missing', () => {
    const dropIns = unpackBundle(bundle.content).filter((f) => f.path.endsWith('/mirovoy-spool.conf'));
    expect(dropIns.map((f) => f.path)).toEqual(
      rendering.spec.role === 'primary'
        ? ['/etc/systemd/system/postfix@.service.d/mirovoy-spool.conf', '/etc/systemd/system/dovecot.service.d/mirovoy-spool.conf', '/etc/systemd/system/amavis.service.d/mirovoy-spool.conf']
        : ['/etc/systemd/system/postfix@.service.d/mirovoy-spool.conf'],
    );
    for (const f of dropIns) expect(f.content).toMatch(/^\[Unit\]\nRequiresMountsFor=\/var\/spool$/m);
  });

  it('reboots for an update that needs it at its own time of the config (the primary and the backup MX apart)', () => {
    const reboot = unpackBundle(bundle.content).find((f) => f.path === '/etc/apt/apt.conf.d/52mirovoy-reboot')!;
    const time = config.mail.automaticReboot[rendering.spec.role === 'primary' ? 'primaryTime' : 'backupMxTime'];
    expect(reboot.content).toContain(`Unattended-Upgrade::Automatic-Reboot "true";\nUnattended-Upgrade::Automatic-Reboot-WithUsers "true";\nUnattended-Upgrade::Automatic-Reboot-Time "${time}";\n`);
    const never = renderMailHost({ ...mailHostSpecFromConfig({ ...config, mail: { ...config.mail, automaticReboot: { ...config.mail.automaticReboot, enabled: false } } }, rendering.spec.role) });
    expect(stagedFilesOf(never).find((f) => f.path === reboot.path)!.content).toMatch(/^Unattended-Upgrade::Automatic-Reboot "false";\n$/m);
    expect(stagedFilesOf(never).find((f) => f.path === reboot.path)!.content).not.toContain('Reboot-Time');
  });

  it('reloads (not restarts) the daemons serving a renewed certificate', () => {
    const tlsUnits = rendering.spec.role === 'primary' ? 'postfix,dovecot' : 'postfix';
    expect(shellTableRows(script, 'SECRET_FILE', SECRET_FILE_COLUMNS)).toContain(`certificate-chain /etc/mirovoy/tls/mail-chain.pem 0644 root root tls:certificate_chain ${tlsUnits}`);
    expect(script).toMatch(/systemctl reload-or-restart "\$unit"/);
    expect(script).toContain('mark_reload "${reload_units[@]}"');
  });
});

describe('bundle format', () => {
  const file = (path: string, content: string) => ({ path, content, mode: '0644', owner: 'root', group: 'root' });

  it('takes back any content exactly, === lines and missing final newlines included', () => {
    const files = [file('/etc/a', '=== /etc/b 0644 root root 3\nabc\n'), file('/etc/b', 'no newline'), file('/etc/c', ''), file('/etc/d', 'ünïcode ✓\n')];
    expect(unpackBundle(packBundle(files, ['test']).content)).toEqual(files);
  });

  it('refuses paths, modes and owners the host could not take back', () => {
    expect(() => packBundle([file('etc/relative', 'x')], [])).toThrow(/must be absolute/);
    expect(() => packBundle([file('/etc/../shadow', 'x')], [])).toThrow(/"\.\."/);
    expect(() => packBundle([{ ...file('/etc/x', 'x'), mode: '644' }], [])).toThrow(/octal/);
    expect(() => packBundle([file('/etc/x', 'a'), file('/etc/x', 'b')], [])).toThrow(/twice/);
  });

  it('refuses a truncated or foreign archive', () => {
    const { content } = packBundle([file('/etc/a', 'hello\n')], []);
    expect(() => unpackBundle(content.slice(0, -3))).toThrow(/truncated/);
    expect(() => unpackBundle(`#other\n${content}`)).toThrow(/does not start/);
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
