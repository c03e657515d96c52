import { execFileSync } from 'node:child_process';
import { enabledDaemons, MAIL_DAEMONS, MailHostSpec, postfixExtensionsFor, renderMailHost, resolveMailHostSpec } from '../../host';
import { mailHostPackages, renderProvisionCommand, stagedFilesOf } from '../../host/provision';
import { shellTableRows } from '../support/shell-table';
import { backupSpec, primarySpec } from './fixtures';

/** The provision command's units, in start order, and the units it checks, as bash reads them. */
const unitsOf = (spec: MailHostSpec): { units: string[]; checked: string[] } => {
  const script = renderProvisionCommand(renderMailHost(spec)).content;
  const settings = script.split('\n').filter((line) => line.startsWith('readonly ')).join('\n');
  const units = execFileSync('bash', ['-c', `${settings}\nprintf '%s\\n' "\${UNITS[@]}"`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return { units, checked: shellTableRows(script, 'CHECK', ['unit']) };
};

/** Each daemon that has a switch, turned off. */
const withoutDaemon: Readonly<Record<string, MailHostSpec>> = {
  amavis: { ...primarySpec, amavis: { enabled: false } },
  postgrey: { ...primarySpec, postgrey: { enabled: false } },
  'policyd-spf': { ...primarySpec, spf: { enabled: false } },
  opendkim: { ...primarySpec, dkim: { enabled: false } },
  fail2ban: { ...primarySpec, fail2ban: { enabled: false } },
  dovecot: backupSpec,
  // Submission, and so its milter, is the primary's alone.
  'from-check': backupSpec,
};

describe('MAIL_DAEMONS', () => {
  it('names each daemon once', () => {
    const names = MAIL_DAEMONS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('no two daemons claim overlapping path prefixes, so every file has one owner', () => {
    const claims = MAIL_DAEMONS.flatMap((d) => d.unitOfPath.map((u) => ({ daemon: d.name, prefix: u.prefix })));
    const overlaps = claims.flatMap((a) => claims.filter((b) => a !== b && b.prefix.startsWith(a.prefix)).map((b) => `${a.daemon} ${a.prefix} ~ ${b.daemon} ${b.prefix}`));
    expect(overlaps).toEqual([]);
  });

  it.each([
    ['primary', primarySpec],
    ['backup', backupSpec],
  ])('every file of every enabled daemon of the %s is in its bundle, under its unit', (_, spec) => {
    const rendering = renderMailHost(spec);
    const staged = new Map(stagedFilesOf(rendering).map((f) => [f.path, f]));
    for (const d of rendering.daemons) {
      for (const f of d.files) {
        expect(staged.get(f.path)).toEqual(f);
        expect(d.daemon.unitOfPath.some((u) => f.path.startsWith(u.prefix))).toBe(true);
      }
    }
    expect(rendering.daemons.map((d) => d.daemon.name)).toEqual(enabledDaemons(rendering.spec).map((d) => d.name));
  });
});

describe.each(Object.entries(withoutDaemon))('without %s', (name, spec) => {
  const daemon = MAIL_DAEMONS.find((d) => d.name === name)!;
  const rendering = renderMailHost(spec);
  const resolved = resolveMailHostSpec(spec);
  const others = enabledDaemons(resolved);
  const { units, checked } = unitsOf(spec);

  it('is off, and contributes nothing another enabled daemon does not', () => {
    expect(daemon.enabled(resolved)).toBe(false);
    const packages = mailHostPackages(rendering);
    const otherUnits = others.flatMap((d) => d.units(resolved));
    for (const pkg of daemon.packages(resolved)) expect(packages).not.toContain(pkg);
    expect(units.length).toBeGreaterThan(0);
    for (const unit of daemon.units(resolved).filter((u) => !otherUnits.includes(u))) {
      expect(units).not.toContain(unit);
      expect(checked).not.toContain(unit);
    }
    expect(rendering.files.filter((f) => daemon.unitOfPath.some((u) => f.path.startsWith(u.prefix)))).toEqual([]);
  });

  it('leaves no hook in Postfix', () => {
    const hooks = daemon.postfix?.(resolved) ?? {};
    const ext = postfixExtensionsFor(resolved);
    for (const p of hooks.policyServices ?? []) expect(ext.policyServices).not.toContainEqual(p.service);
    for (const m of hooks.masterServices ?? []) expect(ext.masterServices).not.toContainEqual(m);
    if (hooks.contentFilter) expect(ext.contentFilter).toBeNull();
    for (const e of hooks.milters?.endpoints ?? []) expect(ext.milters?.endpoints ?? []).not.toContain(e);
    for (const e of hooks.milters?.submissionEndpoints ?? []) expect(ext.milters?.submissionEndpoints ?? []).not.toContain(e);
  });
});

describe('start order', () => {
  it('starts the filter layer before Postfix and Dovecot, and the dump and metrics timers after them', () => {
    expect(unitsOf(primarySpec).units).toEqual(['clamav-daemon', 'amavis', 'postgrey', 'mirovoy-from-check', 'opendkim', 'fail2ban', 'postfix', 'dovecot', 'mirovoy-db-dump.timer', 'mirovoy-metrics.timer']);
  });

  it('asks SPF (a final verdict) before Postgrey (which defers)', () => {
    expect(postfixExtensionsFor(resolveMailHostSpec(primarySpec)).policyServices).toEqual([{ endpoint: 'unix:private/policyd-spf' }, { endpoint: 'unix:postgrey/socket' }]);
  });
});
