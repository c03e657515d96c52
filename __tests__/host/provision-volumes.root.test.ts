/**
 * The data-volume and swap steps of the real `mirovoy-provision` (`ensure_volume`,
 * `ensure_swap`), run by bash as root in a private mount namespace against real block devices
 * (loop devices standing in for EBS volumes), a fake seam and a scratch /etc/fstab.
 * A root test (Jest project `root`, by its name `*.root.test.ts`): losetup, mkfs, mkswap and
 * mount need root, so `npm run test:unit` leaves it out; `npm test` runs it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderMailHost } from '../../host';
import { renderShellAssignments } from '../../host/format/shell';
import { renderProvisionCommand, SWAP_VOLUME } from '../../host/provision';
import { primarySpec } from './fixtures';

const script = renderProvisionCommand(renderMailHost(primarySpec)).content;
const functions = script.slice(script.indexOf('set -euo pipefail'), script.indexOf('[[ $(id -u) == 0 ]]')).replace(/^readonly [A-Z_]+=.*\n/gm, '');

let dir: string;
const loops: string[] = [];
/** A unique label per test, so no other block device on this machine can match it. */
let label: string;
let tests = 0;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mirovoy-volume-test-'));
  label = `mvt-${process.pid}-${(tests += 1)}`;
  for (const sub of ['by-id', 'settings', 'spool']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'spool', 'from-the-packages'), 'queue\n');
  writeFileSync(join(dir, 'fstab'), '# scratch fstab\n');
  // The seam: `setting <name>` prints the file settings/<name>, or fails as on a host without it.
  writeFileSync(join(dir, 'fetch'), `#!/bin/bash\ncat "${dir}/settings/$2"\n`, { mode: 0o755 });
});
afterEach(() => {
  // A swap test may leave its device on (the machine's swap): off before the device goes.
  for (const loop of loops) spawnSync('swapoff', [loop]);
  while (loops.length) execFileSync('losetup', ['-d', loops.pop()!]);
  rmSync(dir, { recursive: true, force: true });
});

/** A 32 MiB loop device (an "EBS volume"), blank or with a file system. */
const newDevice = (format?: { label?: string; file?: string }): string => {
  const image = join(dir, `disk${loops.length}.img`);
  execFileSync('truncate', ['-s', '32M', image]);
  const device = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
  loops.push(device);
  if (format) {
    execFileSync('mkfs.ext4', ['-q', ...(format.label ? ['-L', format.label] : []), device]);
    if (format.file) execFileSync('bash', ['-c', `m=$(mktemp -d) && mount ${device} $m && echo kept > $m/${format.file} && umount $m && rmdir $m`]);
  }
  return device;
};

/** Names the device like a Nitro instance does: by-id/nvme-Amazon_Elastic_Block_Store_<volume id>. */
const attachAs = (volumeId: string, device: string) => symlinkSync(device, join(dir, 'by-id', `nvme-Amazon_Elastic_Block_Store_${volumeId.replace('-', '')}`));

interface StepOptions {
  readonly waitSeconds?: number;
  readonly before?: string;
  readonly after?: string;
  /** Run the step without CAP_SYS_ADMIN, as in a container whose kernel refuses swapon. */
  readonly withoutSysAdmin?: boolean;
}

/** Runs `step` (a provision function call) between `before` and `after`, inside one mount namespace. */
const provisionStep = (step: string, options: StepOptions = {}) => {
  const settings = renderShellAssignments({
    FETCH: join(dir, 'fetch'),
    BY_ID_DIRECTORY: join(dir, 'by-id'),
    VOLUME_WAIT_SECONDS: String(options.waitSeconds ?? 5),
    // The swap volume's label as a unique one, so no other block device on this machine matches it.
    SWAP_LABEL: label,
    SWAP_SETTING: 'volume-swap',
    SWAP_DEVICE: '/dev/mirovoy-absent-sdh',
    SPOOL_UNITS: ['mirovoy-test-absent'],
  });
  const script = [settings + functions, options.before ?? '', step, options.after ?? ''].join('\n');
  const mounts = 'mount --make-rprivate / && mount --bind "$SCRATCH/fstab" /etc/fstab';
  const body = options.withoutSysAdmin ? `${mounts} && exec setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin bash -c "$STEP"` : `${mounts}\n${script}`;
  const result = spawnSync('unshare', ['-m', 'bash', '-c', body], { encoding: 'utf8', env: { ...process.env, SCRATCH: dir, STEP: script } });
  return { code: result.status, output: result.stdout + result.stderr };
};

/** Runs ensure_volume for the spool volume. */
const ensureSpool = (options: StepOptions = {}) => provisionStep(`ensure_volume ${label} volume-spool /dev/mirovoy-absent-sdf "$SCRATCH/spool"`, options);

/** Runs ensure_swap. */
const ensureSwap = (options: StepOptions = {}) => provisionStep('ensure_swap', options);

/**
 * A command that prints `SWAPPING <device>` when the kernel swaps on it: run in the step's mount
 * namespace (outside it the kernel names the device by a path relative to that namespace's /dev).
 */
const swapsOn = (device: string) => `if swapon --show=NAME --noheadings --raw | grep -qxF ${device}; then echo SWAPPING ${device}; fi`;

describe('mirovoy-provision data volumes', () => {
  it('leaves the directory on the root volume when the host has no such volume (the rehearsal)', () => {
    const run = ensureSpool({ after: 'mountpoint -q "$SCRATCH/spool" && echo MOUNTED; cat /etc/fstab' });
    expect(run.code).toBe(0);
    expect(run.output).toContain(`no ${label} volume: ${dir}/spool stays on the root volume`);
    expect(run.output).not.toContain('MOUNTED');
  });

  it('formats a blank volume, gives it what the packages wrote, mounts it, lists it by label in fstab, and does nothing the second time', () => {
    const device = newDevice();
    attachAs('vol-0abc123', device);
    writeFileSync(join(dir, 'settings', 'volume-spool'), 'vol-0abc123');
    const check = `findmnt -no SOURCE "$SCRATCH/spool"; cat "$SCRATCH/spool/from-the-packages"; grep LABEL= /etc/fstab`;
    const first = ensureSpool({ after: check });
    expect(first.code).toBe(0);
    expect(first.output).toContain(`formatting ${device} (vol-0abc123) as ${label}`);
    expect(first.output).toContain(`mounted ${label} (vol-0abc123) on ${dir}/spool`);
    expect(first.output).toContain(`${device}\nqueue\nLABEL=${label} ${dir}/spool ext4 defaults,nofail 0 2\n`);
    // The same host again (the volume keeps its label and content; the fstab line is there).
    const second = ensureSpool({ after: check });
    expect(second.code).toBe(0);
    expect(second.output).not.toContain('formatting');
    expect(second.output.match(/LABEL=/g)).toHaveLength(1);
  });

  it("keeps what a top-level symlink points at on the volume: Debian's /var/spool/mail -> ../mail becomes a directory there, with the mail", () => {
    mkdirSync(join(dir, 'mail', 'virtual', 'example.com', 'alice'), { recursive: true });
    writeFileSync(join(dir, 'mail', 'virtual', 'example.com', 'alice', 'message'), 'hello\n');
    symlinkSync('../mail', join(dir, 'spool', 'mail'));
    const device = newDevice();
    attachAs('vol-0a11', device);
    writeFileSync(join(dir, 'settings', 'volume-spool'), 'vol-0a11');
    const check = 'test -L "$SCRATCH/spool/mail" && echo STILL-A-LINK; findmnt -no SOURCE -T "$SCRATCH/spool/mail/virtual"; cat "$SCRATCH/spool/mail/virtual/example.com/alice/message"';
    const first = ensureSpool({ after: check });
    expect(first.code).toBe(0);
    expect(first.output).toContain(`${dir}/spool/mail pointed off the volume (to ${dir}/mail): now a directory on the volume`);
    expect(first.output).not.toContain('STILL-A-LINK');
    expect(first.output).toContain(`${device}\nhello\n`);
    // Once moved, nothing more to do.
    const second = ensureSpool({ after: check });
    expect(second.output).not.toContain('pointed off the volume');
  });

  it('mounts a restored snapshot as it is, without formatting it', () => {
    const device = newDevice({ label, file: 'old-mail' });
    attachAs('vol-0feed', device);
    writeFileSync(join(dir, 'settings', 'volume-spool'), 'vol-0feed');
    const run = ensureSpool({ after: 'cat "$SCRATCH/spool/old-mail"; ls "$SCRATCH/spool"' });
    expect(run.code).toBe(0);
    expect(run.output).not.toContain('formatting');
    expect(run.output).toContain('kept\n');
    expect(run.output).not.toContain('from-the-packages');
  });

  it('waits for a volume that Terraform attaches after the instance started (Xen name sdX as xvdX too)', () => {
    const device = newDevice();
    writeFileSync(join(dir, 'settings', 'volume-spool'), 'vol-0a7e');
    const late = join(dir, 'by-id', 'nvme-Amazon_Elastic_Block_Store_vol0a7e');
    const run = ensureSpool({ before: `(sleep 2; ln -s ${device} ${late}) &`, after: 'findmnt -no SOURCE "$SCRATCH/spool"' });
    expect(run.code).toBe(0);
    expect(run.output).toContain(`${device}\n`);
    expect(script).toContain('"${device/\\/sd/\\/xvd}"');
  });

  it('refuses a volume that never arrives, and one with a foreign file system, touching nothing', () => {
    writeFileSync(join(dir, 'settings', 'volume-spool'), 'vol-0dead');
    const missing = ensureSpool({ waitSeconds: 2 });
    expect(missing.code).toBe(1);
    expect(missing.output).toContain(`ERROR: volume vol-0dead (${label}) is not attached after 2s`);

    const device = newDevice({ label: 'someone-else', file: 'theirs' });
    attachAs('vol-0c0ffee', device);
    writeFileSync(join(dir, 'settings', 'volume-spool'), 'vol-0c0ffee');
    const foreign = ensureSpool({ after: 'echo AFTER' });
    expect(foreign.code).toBe(1);
    expect(foreign.output).toContain(`ERROR: ${device} (vol-0c0ffee) holds something else than ${label}; refusing to touch it`);
    expect(execFileSync('blkid', ['-p', '-o', 'value', '-s', 'LABEL', device], { encoding: 'utf8' }).trim()).toBe('someone-else');
  });

  it('refuses a setting that is not a volume id', () => {
    writeFileSync(join(dir, 'settings', 'volume-spool'), '/dev/sda');
    expect(ensureSpool().output).toContain("ERROR: setting volume-spool is not an EBS volume id: '/dev/sda'");
  });
});

describe('mirovoy-provision swap volume', () => {
  it('runs without swap, and says so, when the host has no swap volume (the rehearsal)', () => {
    const run = ensureSwap({ after: 'cat /etc/fstab' });
    expect(run.code).toBe(0);
    expect(run.output).toContain('no swap volume: the host runs without swap');
    expect(run.output).not.toContain('swap sw');
  });

  it('makes a blank volume swap once, lists it by label in fstab for every boot, turns it on, and does nothing the second time', () => {
    const device = newDevice();
    attachAs('vol-05a9', device);
    writeFileSync(join(dir, 'settings', 'volume-swap'), 'vol-05a9');
    // All in one mount namespace: the kernel names a swap device by its path in the namespace that
    // turned it on, and each step starts a new one.
    const again = (marker: string) => `echo ${marker}; ensure_swap; grep -c LABEL= /etc/fstab; ${swapsOn(device)}`;
    const run = ensureSwap({ after: [`grep LABEL= /etc/fstab; ${swapsOn(device)}`, again('SECOND'), `swapoff ${device}`, again('REBOOTED')].join('\n') });
    expect(run.code).toBe(0);
    const [first, second, rebooted] = run.output.split(/SECOND\n|REBOOTED\n/);
    expect(first).toContain(`making ${device} (vol-05a9) swap as ${label}`);
    expect(first).toContain(`swap on: ${label} (vol-05a9), 32 MiB`);
    expect(first).toContain(`LABEL=${label} none swap sw,nofail 0 0\n`);
    expect(first).toContain(`SWAPPING ${device}`);
    expect(execFileSync('blkid', ['-p', '-o', 'value', '-s', 'TYPE', device], { encoding: 'utf8' }).trim()).toBe('swap');
    // Again: nothing to do; one fstab line.
    expect(second).toBe(`1\nSWAPPING ${device}\n`);
    // After a reboot (swap off): turned on again, not made swap again.
    expect(rebooted).toBe(`mirovoy-provision: swap on: ${label} (vol-05a9), 32 MiB\n1\nSWAPPING ${device}\n`);
  });

  it('keeps going, with a warning, where the kernel refuses swap (a container such as the rehearsal)', () => {
    const device = newDevice();
    attachAs('vol-0c07', device);
    writeFileSync(join(dir, 'settings', 'volume-swap'), 'vol-0c07');
    const run = ensureSwap({ withoutSysAdmin: true, after: `echo AFTER; ${swapsOn(device)}` });
    expect(run.code).toBe(0);
    expect(run.output).toContain(`WARNING: the kernel refused swap on ${device} (vol-0c07) (a container?): running without swap`);
    expect(run.output).toContain('AFTER');
    expect(run.output).not.toContain('SWAPPING');
  });

  it('refuses a swap volume that holds a file system, touching nothing', () => {
    const device = newDevice({ label: 'someone-else', file: 'theirs' });
    attachAs('vol-0f5', device);
    writeFileSync(join(dir, 'settings', 'volume-swap'), 'vol-0f5');
    const run = ensureSwap();
    expect(run.code).toBe(1);
    expect(run.output).toContain(`ERROR: ${device} (vol-0f5) holds something else than ${label}; refusing to touch it`);
    expect(execFileSync('blkid', ['-p', '-o', 'value', '-s', 'TYPE', device], { encoding: 'utf8' }).trim()).toBe('ext4');
  });

  it('is the volume the deployment attaches as /dev/sdh, found by its setting volume-swap', () => {
    expect(script).toContain(`SWAP_SETTING='volume-swap'`);
    expect(script).toContain(`SWAP_DEVICE='${SWAP_VOLUME.device}'`);
    // Run on every host with data volumes (a web host has SWAP_SETTING '').
    expect(script).toMatch(/\n\[\[ -z \$SWAP_SETTING \]\] \|\| ensure_swap\n/);
  });
});
