import { checkMailHostSpec, MailHostSpec, MailHostSpecError, resolveMailHostSpec, VMAIL_UID_RANGE } from '../../host';
import { backupSpec, primarySpec } from './fixtures';

describe('resolveMailHostSpec', () => {
  it('applies the documented defaults', () => {
    const s = resolveMailHostSpec(primarySpec);
    expect(s).toMatchObject({
      mailOrigin: 'example.com',
      vmailUid: 5000,
      vmailGid: 5000,
      imapStartTls: false,
      plusAddressing: true,
      unknownLocalRecipientRejectCode: 550,
      database: { port: 3306, name: 'maildb', tlsCaFile: null, users: { lookup: 'mirovoy_lookup' } },
      automaticRebootTime: null,
    });
  });

  it('reports every problem at once, with field, value and fix', () => {
    let error: unknown;
    try {
      resolveMailHostSpec({ ...backupSpec, hostname: 'MX', vmailUid: 12, primaryMxHostname: null, database: { name: 'x;drop' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MailHostSpecError);
    const problems = (error as MailHostSpecError).problems.join('\n');
    expect(problems).toMatch(/^hostname = "MX": use a lower-case fully qualified name/m);
    expect(problems).toMatch(/^vmailUid = 12:/m);
    expect(problems).toMatch(/^primaryMxHostname = null: a backup MX needs/m);
    expect(problems).toMatch(/^database.name = "x;drop":/m);
  });

  it('throws the problems checkMailHostSpec finds, structured and as lines', () => {
    const spec: MailHostSpec = { ...primarySpec, vmailUid: 12 };
    const problems = checkMailHostSpec(spec);
    expect(problems).toEqual([{ field: 'vmailUid', value: 12, fix: expect.stringContaining('must be at least 1000') }]);
    expect(() => resolveMailHostSpec(spec)).toThrow(expect.objectContaining({ specProblems: problems, problems: [`vmailUid = 12: ${problems[0].fix}`] }));
  });
});

describe('checkMailHostSpec', () => {
  it('finds nothing in a valid spec', () => {
    expect(checkMailHostSpec(primarySpec)).toEqual([]);
    expect(checkMailHostSpec(backupSpec)).toEqual([]);
  });

  // Each row: a spec change, and the field it is reported at (none: valid).
  const ROWS: [string, Partial<MailHostSpec>, string | null][] = [
    ['lowest vmail UID', { vmailUid: VMAIL_UID_RANGE.min }, null],
    ['highest vmail UID', { vmailUid: VMAIL_UID_RANGE.max }, null],
    ['vmail UID in the range Debian allocates', { vmailUid: 60000 }, 'vmailUid'],
    ['database name of 32 characters', { database: { name: 'm'.repeat(32) } }, null],
    ['database name of 33 characters', { database: { name: 'm'.repeat(33) } }, 'database.name'],
    ['database name starting with a digit', { database: { name: '1mail' } }, 'database.name'],
    ['relay host in capitals', { relay: { host: '[SMTP.Example.net]:587' } }, null],
    ['relay host without brackets', { relay: { host: 'smtp.example.net' } }, null],
    ['relay host with an open bracket', { relay: { host: '[smtp.example.net:587' } }, 'relay.host'],
    ['relay host with port 0', { relay: { host: '[smtp.example.net]:0' } }, 'relay.host'],
    ['relay host with port 65536', { relay: { host: '[smtp.example.net]:65536' } }, 'relay.host'],
    ['authenticated relay by address', { relay: { host: '[192.0.2.1]:587', authenticated: true } }, 'relay.host'],
    ['greylisting without a delay', { postgrey: { delaySeconds: 0 } }, null],
    ['greylisting for more than an hour', { postgrey: { delaySeconds: 3601 } }, 'postgrey.delaySeconds'],
    ['reboot at midnight', { automaticRebootTime: '00:00' }, null],
    ['reboot at 24:00', { automaticRebootTime: '24:00' }, 'automaticRebootTime'],
    ['reboot at 4 without minutes', { automaticRebootTime: '4' }, 'automaticRebootTime'],
  ];

  it.each(ROWS)('%s', (_, change, field) => {
    expect(checkMailHostSpec({ ...primarySpec, ...change }).map((p) => p.field)).toEqual(field === null ? [] : [field]);
  });

  it('blames the backup MX name when it is the primary', () => {
    expect(checkMailHostSpec({ ...backupSpec, hostname: 'mx1.example.com' })).toEqual([
      { field: 'hostname', value: 'mx1.example.com', fix: 'must differ from primaryMxHostname: the backup MX forwards to the primary' },
    ]);
  });
});
