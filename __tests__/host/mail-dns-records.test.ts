import { generateKeyPairSync } from 'node:crypto';
import { dkimTxtValue, mailDnsRecords, mtaStsPolicy } from '../../host/dns/mail-records';
import { splitTxtValue } from '../../host/dns/txt-chunks';

const publicKeyBase64 = (): string =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

describe('splitTxtValue', () => {
  it('keeps short texts whole and splits long ones at 255 bytes', () => {
    expect(splitTxtValue('v=spf1 mx -all')).toEqual(['v=spf1 mx -all']);
    const long = 'x'.repeat(600);
    expect(splitTxtValue(long).map((s) => s.length)).toEqual([255, 255, 90]);
    expect(splitTxtValue(long).join('')).toBe(long);
  });
  it('refuses text a TXT record cannot carry as-is', () => {
    expect(() => splitTxtValue('naïve')).toThrow('printable ASCII');
  });
});

describe('mailDnsRecords', () => {
  const key = publicKeyBase64();
  const records = mailDnsRecords({
    domains: ['example.com'],
    exchangers: [
      { hostname: 'mx1.example.com', ipv4: '192.0.2.10', priority: 10 },
      { hostname: 'mx2.example.com', ipv4: '192.0.2.20', priority: 20 },
    ],
    dkim: { selector: 'mail', publicKeys: { 'example.com': key } },
    reportAddress: 'postmaster@example.com',
  });
  const find = (type: string, name: string) => records.find((r) => r.type === type && r.name === name);

  it('lists the MX hosts by preference, with A and PTR records that agree', () => {
    expect(find('MX', 'example.com')?.values).toEqual([
      { priority: 10, host: 'mx1.example.com' },
      { priority: 20, host: 'mx2.example.com' },
    ]);
    expect(find('A', 'mx2.example.com')?.values).toEqual(['192.0.2.20']);
    expect(find('PTR', '20.2.0.192.in-addr.arpa')?.values).toEqual(['mx2.example.com']);
  });

  it('publishes SPF, DMARC and TLS-RPT policies', () => {
    expect(find('TXT', 'example.com')?.values).toEqual([['v=spf1 mx -all']]);
    expect(find('TXT', '_dmarc.example.com')?.values).toEqual([['v=DMARC1; p=quarantine; adkim=s; aspf=s; rua=mailto:postmaster@example.com']]);
    expect(find('TXT', '_smtp._tls.example.com')?.values).toEqual([['v=TLSRPTv1; rua=mailto:postmaster@example.com']]);
  });

  it('includes the SPF domains of the relays mail leaves through, after mx (issue 12, item 10)', () => {
    const relayed = mailDnsRecords({
      domains: ['example.com', 'example.net'],
      exchangers: [{ hostname: 'mx1.example.com', ipv4: '192.0.2.10', priority: 10 }],
      spfInclude: ['spf.relay.example.net', '_spf.example.org'],
    });
    const spf = relayed.filter((r) => r.type === 'TXT' && !r.name.startsWith('_')).map((r) => [r.name, r.values]);
    expect(spf).toEqual([
      ['example.com', [['v=spf1 mx include:spf.relay.example.net include:_spf.example.org -all']]],
      ['example.net', [['v=spf1 mx include:spf.relay.example.net include:_spf.example.org -all']]],
    ]);
  });

  it('splits a 2048-bit DKIM key into strings that join to the full value', () => {
    const [strings] = find('TXT', 'mail._domainkey.example.com')!.values as string[][];
    expect(strings.length).toBeGreaterThan(1);
    strings.forEach((s) => expect(Buffer.byteLength(s)).toBeLessThanOrEqual(255));
    expect(strings.join('')).toBe(dkimTxtValue(key));
  });

  it('tells mail clients where to connect (RFC 6186) and who may issue certificates', () => {
    expect(find('SRV', '_submissions._tcp.example.com')?.values).toEqual([{ priority: 0, weight: 1, port: 465, target: 'mx1.example.com' }]);
    expect(find('SRV', '_imaps._tcp.example.com')?.values).toEqual([{ priority: 0, weight: 1, port: 993, target: 'mx1.example.com' }]);
    expect(find('SRV', '_submission._tcp.example.com')?.values).toEqual([{ priority: 1, weight: 1, port: 587, target: 'mx1.example.com' }]);
    // RFC 6186 §4: "." — decidedly not offered (no IMAP STARTTLS in this spec, no POP3 at all).
    for (const service of ['imap', 'pop3', 'pop3s']) expect(find('SRV', `_${service}._tcp.example.com`)?.values).toEqual([{ priority: 0, weight: 0, port: 0, target: '.' }]);
    expect(find('CAA', 'example.com')?.values.map((v) => (v as { value: string }).value)).toEqual(['letsencrypt.org', 'amazon.com']);
  });

  it('names IMAP with STARTTLS on 143 when the primary offers it', () => {
    const records = mailDnsRecords({ domains: ['example.org'], exchangers: [{ hostname: 'mx1.example.org', ipv4: '192.0.2.1', priority: 10 }], imapStartTls: true });
    expect(records.find((r) => r.name === '_imap._tcp.example.org')?.values).toEqual([{ priority: 1, weight: 1, port: 143, target: 'mx1.example.org' }]);
  });

  it('has no DKIM record for a domain without a key', () => {
    const unsigned = mailDnsRecords({ domains: ['example.org'], exchangers: [{ hostname: 'mx1.example.org', ipv4: '192.0.2.1', priority: 10 }] });
    expect(unsigned.filter((r) => r.name.includes('_domainkey'))).toEqual([]);
    expect(unsigned.map((r) => `${r.type} ${r.name}`)).toMatchInlineSnapshot(`
[
  "A mx1.example.org",
  "PTR 1.2.0.192.in-addr.arpa",
  "MX example.org",
  "TXT example.org",
  "TXT _dmarc.example.org",
  "SRV _submissions._tcp.example.org",
  "SRV _submission._tcp.example.org",
  "SRV _imaps._tcp.example.org",
  "SRV _imap._tcp.example.org",
  "SRV _pop3._tcp.example.org",
  "SRV _pop3s._tcp.example.org",
  "CAA example.org",
]
`);
  });
});

describe('mailDnsRecords for a multi-domain deployment', () => {
  const spec = {
    domains: ['example.com', 'example.net'],
    exchangers: [
      { hostname: 'mx1.example.com', ipv4: '192.0.2.10', priority: 10 },
      { hostname: 'mx2.example.com', ipv4: '192.0.2.20', priority: 20 },
    ],
    reportAddress: 'postmaster@example.com',
    clientHostnames: ['imap.example.com'],
    mtaStsMode: 'testing' as const,
  };
  const records = mailDnsRecords(spec);
  const find = (type: string, name: string) => records.find((r) => r.type === type && r.name === name);

  it('points the client names at the primary', () => {
    expect(find('CNAME', 'imap.example.com')?.values).toEqual(['mx1.example.com']);
  });

  it('lets example.com receive the DMARC reports of example.net (RFC 7489 §7.1), and only those', () => {
    expect(find('TXT', 'example.net._report._dmarc.example.com')?.values).toEqual([['v=DMARC1']]);
    expect(records.filter((r) => r.name.includes('._report._dmarc.')).map((r) => r.name)).toEqual(['example.net._report._dmarc.example.com']);
  });

  it('announces MTA-STS with an id that changes exactly when the policy does', () => {
    const id = (r: ReturnType<typeof mailDnsRecords>) => (r.find((x) => x.name === '_mta-sts.example.net')!.values as string[][])[0][0];
    expect(id(records)).toMatch(/^v=STSv1; id=[0-9a-f]{20}$/);
    expect(id(mailDnsRecords(spec))).toBe(id(records));
    expect(id(mailDnsRecords({ ...spec, mtaStsMode: 'enforce' }))).not.toBe(id(records));
    expect(id(mailDnsRecords({ ...spec, exchangers: spec.exchangers.slice(0, 1) }))).not.toBe(id(records));
    expect(mailDnsRecords({ ...spec, mtaStsMode: undefined }).filter((r) => r.name.startsWith('_mta-sts.'))).toEqual([]);
  });

  it('writes the MTA-STS policy file that the id stands for', () => {
    expect(mtaStsPolicy({ exchangers: spec.exchangers, mtaStsMode: 'enforce' })).toBe('version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: mx2.example.com\r\nmax_age: 604800\r\n');
  });
});
