/**
 * Client autoconfiguration served by the web hosts (issue 13 item 3): mail programs that are
 * given only an address and a password find IMAPS and submission exactly as the primary offers
 * them — the ports come from host/client-ports.ts, the same constants Dovecot's and Postfix's
 * renderers open.
 *
 * - Mozilla autoconfig (Thunderbird, K-9/Thunderbird for Android, Evolution, …):
 *   `https://autoconfig.<domain>/mail/config-v1.1.xml` and
 *   `https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml`, a static file.
 *   https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat
 * - Microsoft autodiscover (Outlook's POX protocol): a POST of the address to
 *   `https://autodiscover.<domain>/autodiscover/autodiscover.xml`, answered by a small PHP
 *   script ({@link AUTODISCOVER_SCRIPT_PATH}) from a JSON file of settings rendered here.
 *   https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/pox-autodiscover-request-and-response-elements
 *
 * What the web host must provide (it renders these files among its own): Apache with `mod_alias`
 * (enabled by Debian's default) and PHP (`libapache2-mod-php8.4`, which enables its module and
 * handler for `.php` files on installation) with the DOM extension (package `php-xml`); the site
 * file is written straight into sites-enabled, so no `a2ensite`/`a2enconf` is needed; the load
 * balancer sends {@link clientAutoconfigHostnames} to the web hosts with `Host` kept.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { XMLBuilder } from 'fast-xml-parser';
import { IMAP_STARTTLS_PORT, IMAPS_PORT, SUBMISSION_PORT, SUBMISSIONS_PORT } from '../client-ports';
import { generatedHeader, RenderedFile } from '../files';
import { generatedJsonFile } from '../format/json-file';

/** What the autoconfiguration describes. */
export interface ClientAutoconfigSpec {
  /** The mail domains (one Mozilla `emailProvider` each; autodiscover answers only for them). */
  readonly domains: readonly string[];
  /**
   * The name mail programs connect to for IMAP and submission: the primary's host name, which its
   * certificate covers (the RFC 6186 SRV records in host/dns/mail-records.ts name the same).
   */
  readonly mailHostname: string;
  /** IMAP with STARTTLS on 143 is offered too (the primary's `imapStartTls`). @default false */
  readonly imapStartTls?: boolean;
  /** The port the web host's Apache serves the load balancer's requests on (its name-based virtual hosts). */
  readonly listenPort: number;
}

/** Where the files live on the web host (outside every DocumentRoot; the site maps single URLs to them). */
export const AUTOCONFIG_DIRECTORY = '/srv/mirovoy-autoconfig';
/** The Mozilla autoconfig file. */
export const MOZILLA_AUTOCONFIG_PATH = `${AUTOCONFIG_DIRECTORY}/config-v1.1.xml`;
/** The autodiscover script (shipped as it is beside this module). */
export const AUTODISCOVER_SCRIPT_PATH = `${AUTOCONFIG_DIRECTORY}/autodiscover.php`;
/** The settings the script answers with; the site refuses to serve it. */
export const AUTODISCOVER_SETTINGS_PATH = `${AUTOCONFIG_DIRECTORY}/autodiscover.json`;
/** The Apache site. */
export const AUTOCONFIG_SITE_PATH = '/etc/apache2/sites-enabled/10-mirovoy-autoconfig.conf';

/** The URL paths clients ask for: Mozilla's two, and autodiscover as Outlook spells it in either case. */
export const AUTOCONFIG_URL_PATHS = {
  mozilla: ['/mail/config-v1.1.xml', '/.well-known/autoconfig/mail/config-v1.1.xml'],
  autodiscover: ['/autodiscover/autodiscover.xml', '/Autodiscover/Autodiscover.xml'],
} as const;

/**
 * The host names mail programs look up for a domain's autoconfiguration: what the load balancer
 * routes to the web hosts, the certificate covers and DNS points at the balancer.
 */
export const clientAutoconfigHostnames = (domain: string): readonly [string, string] => [`autoconfig.${domain}`, `autodiscover.${domain}`];

/** Mozilla's `socketType` of a port. */
type SocketType = 'SSL' | 'STARTTLS';

/** One server as both formats describe it. */
interface ClientServer {
  readonly protocol: 'imap' | 'smtp';
  readonly port: number;
  readonly socketType: SocketType;
}

/** The servers, preferred first: implicit TLS before STARTTLS (RFC 8314 §3). */
export const clientServers = (spec: ClientAutoconfigSpec): readonly ClientServer[] => [
  { protocol: 'imap', port: IMAPS_PORT, socketType: 'SSL' },
  ...(spec.imapStartTls ? [{ protocol: 'imap', port: IMAP_STARTTLS_PORT, socketType: 'STARTTLS' } as const] : []),
  { protocol: 'smtp', port: SUBMISSIONS_PORT, socketType: 'SSL' },
  { protocol: 'smtp', port: SUBMISSION_PORT, socketType: 'STARTTLS' },
];

/** One serializer for the XML we render: declaration, two-space indent, entities escaped. */
const xml = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, indentBy: '  ', suppressEmptyNode: true, processEntities: true });
const renderXml = (document: object): string => xml.build({ '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' }, ...document });

/** config-v1.1.xml: the same servers for every domain, each password-authenticated with the full address. */
export const renderMozillaAutoconfig = (spec: ClientAutoconfigSpec): string => {
  const server = (s: ClientServer) => ({
    '@_type': s.protocol,
    hostname: spec.mailHostname,
    port: s.port,
    socketType: s.socketType,
    // Our logins are full addresses; PLAIN is only offered inside TLS.
    username: '%EMAILADDRESS%',
    authentication: 'password-cleartext',
  });
  const servers = clientServers(spec);
  return renderXml({
    clientConfig: {
      '@_version': '1.1',
      emailProvider: spec.domains.map((domain) => ({
        '@_id': domain,
        domain,
        displayName: domain,
        displayShortName: domain,
        incomingServer: servers.filter((s) => s.protocol === 'imap').map(server),
        outgoingServer: servers.filter((s) => s.protocol === 'smtp').map(server),
      })),
    },
  });
};

/** One `Protocol` element of the POX response, the script adds `LoginName` (the address asked for). */
export interface AutodiscoverProtocol {
  readonly Type: 'IMAP' | 'SMTP';
  readonly Server: string;
  readonly Port: number;
  readonly DomainRequired: 'off';
  readonly SPA: 'off';
  readonly SSL: 'on';
  readonly AuthRequired: 'on';
  /** Outlook 2013+: `SSL` is implicit TLS, `TLS` is STARTTLS. */
  readonly Encryption: 'SSL' | 'TLS';
}

/** What the autodiscover script answers with. */
export interface AutodiscoverSettings {
  /** Lower-case mail domains it answers for. */
  readonly domains: readonly string[];
  /** Outlook takes the first `Protocol` of each `Type`: the implicit-TLS ports. */
  readonly protocols: readonly AutodiscoverProtocol[];
}

/** The settings file's content (the first server of each protocol, implicit TLS). */
export const autodiscoverSettings = (spec: ClientAutoconfigSpec): AutodiscoverSettings => ({
  domains: spec.domains.map((d) => d.toLowerCase()),
  protocols: (['imap', 'smtp'] as const).map((protocol) => {
    const s = clientServers(spec).find((c) => c.protocol === protocol)!;
    return { Type: protocol === 'imap' ? 'IMAP' : 'SMTP', Server: spec.mailHostname, Port: s.port, DomainRequired: 'off', SPA: 'off', SSL: 'on', AuthRequired: 'on', Encryption: s.socketType === 'SSL' ? 'SSL' : 'TLS' };
  }),
});

/** The Apache site: one name-based virtual host for every autoconfig name, serving only the mapped URLs. */
export const renderAutoconfigSite = (spec: ClientAutoconfigSpec): string => {
  const [first, ...others] = spec.domains.flatMap((d) => [...clientAutoconfigHostnames(d), d]);
  const lines = [
    `<VirtualHost *:${spec.listenPort}>`,
    `  ServerName ${first}`,
    ...others.map((name) => `  ServerAlias ${name}`),
    `  DocumentRoot ${AUTOCONFIG_DIRECTORY}`,
    ...AUTOCONFIG_URL_PATHS.mozilla.map((path) => `  Alias ${path} ${MOZILLA_AUTOCONFIG_PATH}`),
    ...AUTOCONFIG_URL_PATHS.autodiscover.map((path) => `  Alias ${path} ${AUTODISCOVER_SCRIPT_PATH}`),
    // Only the two answering files are served; the settings file and anything else are refused.
    `  <Directory ${AUTOCONFIG_DIRECTORY}>`,
    '    Options None',
    '    AllowOverride None',
    '    Require all denied',
    ...[MOZILLA_AUTOCONFIG_PATH, AUTODISCOVER_SCRIPT_PATH].flatMap((path) => [`    <Files "${basename(path)}">`, '      Require all granted', '    </Files>']),
    '  </Directory>',
    '</VirtualHost>',
  ];
  return `${generatedHeader('#', 'host/web/autoconfig.ts')}${lines.join('\n')}\n`;
};

const rootFile = (path: string, content: string): RenderedFile => ({ path, content, mode: '0644', owner: 'root', group: 'root' });

/**
 * Every file of the client autoconfiguration on a web host: the Mozilla file, the autodiscover
 * script and its settings, the Apache site. Checks the spec first.
 */
export const renderClientAutoconfig = (spec: ClientAutoconfigSpec): RenderedFile[] => {
  const problems = [
    ...(spec.domains.length === 0 ? ['domains: empty; name at least one mail domain'] : []),
    ...spec.domains.filter((d) => !HOSTNAME.test(d)).map((d) => `domains: ${JSON.stringify(d)} is not a domain name; use e.g. example.com`),
    ...(HOSTNAME.test(spec.mailHostname) ? [] : [`mailHostname: ${JSON.stringify(spec.mailHostname)} is not a host name; use the primary's, e.g. mx1.example.com`]),
    ...(Number.isInteger(spec.listenPort) && spec.listenPort > 0 && spec.listenPort < 65536 ? [] : [`listenPort: ${spec.listenPort} is not a TCP port; use 1-65535`]),
  ];
  if (problems.length) throw new Error(`Client autoconfiguration:\n  ${problems.join('\n  ')}`);
  return [
    rootFile(MOZILLA_AUTOCONFIG_PATH, renderMozillaAutoconfig(spec)),
    rootFile(AUTODISCOVER_SCRIPT_PATH, readFileSync(join(__dirname, 'autodiscover.php'), 'utf8')),
    generatedJsonFile(AUTODISCOVER_SETTINGS_PATH, 'host/web/autoconfig.ts', autodiscoverSettings(spec)),
    rootFile(AUTOCONFIG_SITE_PATH, renderAutoconfigSite(spec)),
  ];
};

/** A DNS host name (letters, digits, hyphens; at least two labels). */
const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i;
