import { MailHostSpecError, resolveMailHostSpec } from '../../host';
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
});
