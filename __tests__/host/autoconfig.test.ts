/**
 * Client autoconfiguration (issue 13 item 3): the Mozilla file and the autodiscover answers parse
 * as XML and name exactly the ports the primary opens; the autodiscover script runs in the real
 * `php` (its built-in web server, on loopback) against valid, malformed and hostile requests.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { dovecotDaemon, postfixDaemon, resolveMailHostSpec } from '../../host';
import {
  AUTOCONFIG_SITE_PATH,
  AUTODISCOVER_SCRIPT_PATH,
  AUTODISCOVER_SETTINGS_PATH,
  ClientAutoconfigSpec,
  clientAutoconfigHostnames,
  MOZILLA_AUTOCONFIG_PATH,
  renderClientAutoconfig,
} from '../../host/web/autoconfig';
import { primarySpec } from './fixtures';

const SPEC: ClientAutoconfigSpec = { domains: ['example.com', 'example.net'], mailHostname: 'mx1.example.com', listenPort: 8080 };
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (name) => ['emailProvider', 'incomingServer', 'outgoingServer', 'Protocol'].includes(name), parseTagValue: false });
const fileOf = (spec: ClientAutoconfigSpec, path: string) => renderClientAutoconfig(spec).find((f) => f.path === path)!.content;

/** Client ports the primary waits for before it is ready: what its Dovecot and Postfix listen on (SMTP 25 and ManageSieve aside). */
const primaryClientPorts = (imapStartTls: boolean) => {
  const spec = resolveMailHostSpec({ ...primarySpec, imapStartTls });
  return [...dovecotDaemon.readyPorts!(spec), ...postfixDaemon.readyPorts!(spec)].filter((p) => p !== 25 && p !== 4190).sort();
};

describe('Mozilla autoconfig (config-v1.1.xml)', () => {
  it('parses as XML with one emailProvider per mail domain, IMAPS 993 SSL and submission 465 SSL / 587 STARTTLS on the primary, logins by full address', () => {
    const config = parser.parse(fileOf(SPEC, MOZILLA_AUTOCONFIG_PATH)).clientConfig;
    expect(config['@_version']).toBe('1.1');
    expect(config.emailProvider.map((p: { '@_id': string; domain: string }) => [p['@_id'], p.domain])).toEqual([['example.com', 'example.com'], ['example.net', 'example.net']]);
    for (const provider of config.emailProvider) {
      const servers = [...provider.incomingServer, ...provider.outgoingServer];
      expect(servers.map((s: Record<string, string>) => [s['@_type'], s.hostname, s.port, s.socketType])).toEqual([
        ['imap', 'mx1.example.com', '993', 'SSL'],
        ['smtp', 'mx1.example.com', '465', 'SSL'],
        ['smtp', 'mx1.example.com', '587', 'STARTTLS'],
      ]);
      for (const s of servers) expect(s).toMatchObject({ username: '%EMAILADDRESS%', authentication: 'password-cleartext' });
    }
  });

  it.each([false, true])('names exactly the client ports the primary opens (imapStartTls %s)', (imapStartTls) => {
    const config = parser.parse(fileOf({ ...SPEC, imapStartTls }, MOZILLA_AUTOCONFIG_PATH)).clientConfig;
    const [provider] = config.emailProvider;
    const ports = [...provider.incomingServer, ...provider.outgoingServer].map((s: { port: string }) => Number(s.port)).sort();
    expect(ports).toEqual(primaryClientPorts(imapStartTls));
  });

  it('refuses a bad spec, naming every field and the fix', () => {
    expect(() => renderClientAutoconfig({ domains: ['exa mple.com'], mailHostname: 'mx1', listenPort: 0 })).toThrow(
      /domains: "exa mple\.com" is not a domain name[^]*mailHostname: "mx1" is not a host name[^]*listenPort: 0 is not a TCP port/,
    );
    expect(() => renderClientAutoconfig({ ...SPEC, domains: [] })).toThrow(/domains: empty; name at least one mail domain/);
  });
});

describe('the Apache site and the host names', () => {
  it('names autoconfig.<domain> and autodiscover.<domain> of every domain', () => {
    expect(clientAutoconfigHostnames('example.com')).toEqual(['autoconfig.example.com', 'autodiscover.example.com']);
  });

  it('serves only the mapped URLs on those names, never the settings file', () => {
    const site = fileOf(SPEC, AUTOCONFIG_SITE_PATH);
    expect(site).toContain('<VirtualHost *:8080>\n  ServerName autoconfig.example.com\n  ServerAlias autodiscover.example.com\n  ServerAlias example.com\n  ServerAlias autoconfig.example.net');
    expect(site).toContain(`Alias /mail/config-v1.1.xml ${MOZILLA_AUTOCONFIG_PATH}`);
    expect(site).toContain(`Alias /.well-known/autoconfig/mail/config-v1.1.xml ${MOZILLA_AUTOCONFIG_PATH}`);
    expect(site).toContain(`Alias /autodiscover/autodiscover.xml ${AUTODISCOVER_SCRIPT_PATH}`);
    expect(site).toContain(`Alias /Autodiscover/Autodiscover.xml ${AUTODISCOVER_SCRIPT_PATH}`);
    expect(site).toMatch(/<Directory \/srv\/mirovoy-autoconfig>\n(?:.*\n)*?    Require all denied\n/);
    expect(site).not.toContain(basename(AUTODISCOVER_SETTINGS_PATH));
  });
});

describe('Microsoft autodiscover (the PHP script in the real php)', () => {
  let directory: string;
  let server: ChildProcess;
  let url: string;

  const freePort = () =>
    new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });

  beforeAll(async () => {
    // The script and its settings side by side, as on the web host.
    directory = mkdtempSync(join(tmpdir(), 'autodiscover-'));
    for (const file of renderClientAutoconfig(SPEC).filter((f) => f.path === AUTODISCOVER_SCRIPT_PATH || f.path === AUTODISCOVER_SETTINGS_PATH)) {
      writeFileSync(join(directory, basename(file.path)), file.content);
    }
    const port = await freePort();
    url = `http://127.0.0.1:${port}/autodiscover/autodiscover.xml`;
    // PHP's built-in web server with the script as router: every request runs it, as Apache's Alias does.
    server = spawn('php', ['-S', `127.0.0.1:${port}`, join(directory, 'autodiscover.php')], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await fetch(url);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });

  afterAll(() => {
    server?.kill();
    rmSync(directory, { recursive: true, force: true });
  });

  const post = async (body: string) => {
    const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body });
    return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
  };
  const request = (address: string, schema = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a') =>
    `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request><EMailAddress>${address}</EMailAddress><AcceptableResponseSchema>${schema}</AcceptableResponseSchema></Request>
</Autodiscover>`;
  const errorOf = (body: string) => parser.parse(body).Autodiscover.Response.Error;

  it('answers a valid request with IMAP 993 and SMTP 465 over TLS on the primary, the address as login', async () => {
    const answer = await post(request('alice@Example.com'));
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^text\/xml/);
    const document = parser.parse(answer.body).Autodiscover;
    expect(document['@_xmlns']).toBe('http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006');
    const account = document.Response.Account;
    expect(document.Response['@_xmlns']).toBe('http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a');
    expect(account).toMatchObject({ AccountType: 'email', Action: 'settings' });
    expect(account.Protocol.map((p: Record<string, string>) => [p.Type, p.Server, p.Port, p.SSL, p.Encryption, p.LoginName])).toEqual([
      ['IMAP', 'mx1.example.com', '993', 'on', 'SSL', 'alice@Example.com'],
      ['SMTP', 'mx1.example.com', '465', 'on', 'SSL', 'alice@Example.com'],
    ]);
  });

  it('escapes what it echoes: the address is text in the answer, not markup', async () => {
    // A valid address per RFC 5321 whose local part holds characters XML must escape.
    const answer = await post(request('"a&b<c>"@example.net'.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')));
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<LoginName>"a&amp;b&lt;c&gt;"@example.net</LoginName>');
  });

  it.each([
    ['not XML at all', 'EMailAddress=alice@example.com'],
    ['no address', request('')],
    ['an empty body', ''],
  ])('answers a malformed request (%s) with 400 and POX error 600', async (_what, body) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(errorOf(answer.body)).toMatchObject({ ErrorCode: '600', Message: expect.stringMatching(/^Invalid Request/) });
  });

  it('refuses a request with a DOCTYPE (external entity), reading no file', async () => {
    const hostile = `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>&x;@example.com</EMailAddress></Request></Autodiscover>`;
    const answer = await post(hostile);
    expect(answer.status).toBe(400);
    expect(answer.body).not.toContain('root:');
    expect(errorOf(answer.body).ErrorCode).toBe('600');
  });

  it('answers an address of another domain and another schema with POX errors 600 and 601', async () => {
    expect(errorOf((await post(request('alice@elsewhere.test'))).body)).toMatchObject({ ErrorCode: '600', Message: 'Invalid Request: not a mail domain of this service' });
    expect(errorOf((await post(request('alice@example.com', 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006'))).body).ErrorCode).toBe('601');
  });

  it('takes only POST', async () => {
    const answer = await fetch(url);
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST');
  });
});
