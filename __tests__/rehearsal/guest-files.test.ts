import { lstatSync, mkdtempSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPathOf, noCloudSeed, readGuestFile, rehearsalOverrides, writeGuestFile } from '../../rehearsal/guest-files';

describe('guest files', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'guest-files-'));
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    symlinkSync('usr/bin', join(root, 'bin')); // merged /usr, as in Debian
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes content, mode and parents', () => {
    writeGuestFile(root, { path: '/etc/mirovoy/secret.env', content: 'X=1\n', mode: 0o600 });
    expect(readFileSync(join(root, 'etc/mirovoy/secret.env'), 'utf8')).toBe('X=1\n');
    expect(statSync(join(root, 'etc/mirovoy/secret.env')).mode & 0o777).toBe(0o600);
  });

  it('follows relative symlinks that stay inside the root', () => {
    writeGuestFile(root, { path: '/bin/hello', content: '#!/bin/sh\n', mode: 0o755 });
    expect(readGuestFile(root, '/usr/bin/hello')).toBe('#!/bin/sh\n');
  });

  it('replaces a symlink instead of writing through it', () => {
    mkdirSync(join(root, 'etc'));
    symlinkSync('/run/systemd/resolve/stub-resolv.conf', join(root, 'etc/resolv.conf'));
    writeGuestFile(root, { path: '/etc/resolv.conf', content: 'nameserver 10.203.0.254\n' });
    expect(lstatSync(join(root, 'etc/resolv.conf')).isFile()).toBe(true);
  });

  it('makes symlinks (masked units)', () => {
    writeGuestFile(root, { path: '/etc/systemd/system/x.service', symlinkTo: '/dev/null' });
    expect(readlinkSync(join(root, 'etc/systemd/system/x.service'))).toBe('/dev/null');
  });

  it.each(['etc/passwd', '/etc/../../host', '/'])('refuses path %j', (path) => {
    expect(() => hostPathOf(root, path)).toThrow('absolute path to a file');
  });

  it('refuses to write through an absolute symlink into the host', () => {
    symlinkSync('/tmp', join(root, 'escape'));
    expect(() => writeGuestFile(root, { path: '/escape/x', content: '' })).toThrow('leads out of the host');
  });

  it('refuses to read through an absolute symlink into the host', () => {
    writeFileSync(join(root, 'target'), 'guest');
    symlinkSync('/etc/hostname', join(root, 'hostname'));
    expect(() => readGuestFile(root, '/hostname')).toThrow('symlink out of the host');
  });
});

describe('rehearsalOverrides', () => {
  const files = rehearsalOverrides({ nameserver: '10.203.0.254' });
  const content = (path: string): string => {
    const file = files.find((f) => f.path === path);
    return file && 'content' in file ? String(file.content) : '';
  };

  it('points apt at the local repository only and DNS at the rehearsal server', () => {
    expect(content('/etc/apt/sources.list.d/rehearsal.list')).toBe('deb [trusted=yes] file:/srv/repo ./\n');
    expect(content('/etc/resolv.conf')).toContain('nameserver 10.203.0.254\n');
  });

  it('makes cloud-init use the NoCloud seed and leave the network alone', () => {
    expect(content('/etc/cloud/cloud.cfg.d/90-rehearsal.cfg')).toContain('datasource_list: [ NoCloud, None ]');
    expect(content('/etc/cloud/cloud.cfg.d/90-rehearsal.cfg')).toContain('network: {config: disabled}');
  });

  it('masks freshclam (no internet; it held boot for 40 s in the feasibility study)', () => {
    expect(files.filter((f) => 'symlinkTo' in f).map((f) => f.path)).toEqual([
      '/etc/systemd/system/clamav-freshclam.service',
      '/etc/systemd/system/clamav-freshclam-once.service',
      '/etc/systemd/system/clamav-freshclam-once.timer',
    ]);
  });
});

describe('noCloudSeed', () => {
  it('writes the user-data unchanged', () => {
    const userData = '#cloud-config\nfqdn: mx.example.test\n';
    const [seed, meta] = noCloudSeed({ userData, instanceId: 'mvr-1a2b3c-mx', hostname: 'mx' });
    expect(seed).toEqual({ path: '/var/lib/cloud/seed/nocloud/user-data', content: userData, mode: 0o600 });
    expect(meta).toMatchObject({ content: 'instance-id: mvr-1a2b3c-mx\nlocal-hostname: mx\n' });
  });
});
