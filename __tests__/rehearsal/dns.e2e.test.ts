/**
 * The LAN and the rehearsal DNS without booting anything (about a second): what the hosts' resolvers
 * will get, checked with dig from a client namespace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressPool } from '../../rehearsal/addresses';
import { startDnsServer, type DnsServer } from '../../rehearsal/dns-server';
import { newRunId } from '../../rehearsal/names';
import { listNetns, RehearsalLan } from '../../rehearsal/network';

jest.setTimeout(60_000);

const DKIM = `v=DKIM1; k=rsa; p=${'M'.repeat(300)}`;

describe('rehearsal LAN and DNS', () => {
  let lan: RehearsalLan;
  let dns: DnsServer;
  let directory: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'mvr-dns-test-'));
    const addresses = new AddressPool('10.203.0.0/24');
    lan = await RehearsalLan.create({
      runId: newRunId(),
      addresses,
      nodes: [{ name: 'client', ip: addresses.claim('10.203.0.20') }, { name: 'dns', ip: addresses.claim('10.203.0.53') }],
    });
    dns = await startDnsServer({
      netns: lan.node('dns').netns,
      listenAddress: '10.203.0.53',
      directory,
      records: [
        { type: 'A', name: 'mx.example.test', value: '10.203.0.10' },
        { type: 'A', name: 'www.example.test', value: '10.203.0.11' },
        { type: 'MX', name: 'example.test', value: 'mx.example.test', priority: 10 },
        { type: 'TXT', name: 'example.test', value: 'v=spf1 mx -all' },
        { type: 'TXT', name: 'mail._domainkey.example.test', value: [DKIM.slice(0, 255), DKIM.slice(255)] },
        { type: 'PTR', name: '10.203.0.10', value: 'mx.example.test' },
        { type: 'CNAME', name: 'imap.example.test', value: 'mx.example.test' },
        { type: 'SRV', name: '_imaps._tcp.example.test', value: '0 1 993 mx.example.test' },
        { type: 'CAA', name: 'example.test', value: '0 issue "letsencrypt.org"' },
      ],
    });
  });

  afterAll(async () => {
    await dns?.stop();
    await lan?.destroy();
    rmSync(directory, { recursive: true, force: true });
  });

  const dig = async (...query: string[]): Promise<string> =>
    (await lan.exec('client', ['dig', '@10.203.0.53', '+short', '+time=2', '+tries=1', ...query])).stdout.trim();

  it.each([
    [['mx.example.test', 'A'], '10.203.0.10'],
    [['example.test', 'MX'], '10 mx.example.test.'],
    [['example.test', 'TXT'], '"v=spf1 mx -all"'],
    [['-x', '10.203.0.10'], 'mx.example.test.'],
    [['imap.example.test', 'A'], 'mx.example.test.\n10.203.0.10'],
    [['_imaps._tcp.example.test', 'SRV'], '0 1 993 mx.example.test.'],
    [['example.test', 'CAA'], '0 issue "letsencrypt.org"'],
  ])('answers dig %j with %j', async (query, answer) => {
    expect(await dig(...query)).toBe(answer);
  });

  it('serves a DKIM key as one TXT record of several strings', async () => {
    expect(await dig('mail._domainkey.example.test', 'TXT')).toBe(`"${DKIM.slice(0, 255)}" "${DKIM.slice(255)}"`);
  });

  it('answers NXDOMAIN at once for names it does not know, and has no A-record PTR side effects', async () => {
    const { stdout } = await lan.exec('client', ['dig', '@10.203.0.53', '+time=2', '+tries=1', 'zen.spamhaus.org', 'A']);
    expect(stdout).toContain('status: NXDOMAIN');
    expect(await dig('-x', '10.203.0.11')).toBe(''); // www has an A record but no PTR was published
  });

  it('gives no namespace a default route', async () => {
    for (const node of ['client', 'dns']) {
      expect((await lan.exec(node, ['ip', 'route', 'show', 'default'])).stdout).toBe('');
    }
  });

  it('leaves no namespace behind', async () => {
    const namespaces = lan.namespaces;
    expect(listNetns()).toEqual(expect.arrayContaining(namespaces));
    await dns.stop();
    await lan.destroy();
    expect(listNetns().filter((netns) => namespaces.includes(netns))).toEqual([]);
  });
});
