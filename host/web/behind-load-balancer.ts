/**
 * The part of a web host's Apache site that is about the load balancer in front, the same for
 * every web application: the balancer terminates TLS and connects over plain HTTP from its own
 * subnets. mod_remoteip takes the client's address from `X-Forwarded-For` only from those
 * networks (https://httpd.apache.org/docs/2.4/mod/mod_remoteip.html), so logs and the
 * application see the client; `HTTPS=on` only when the balancer says the client used HTTPS.
 */

/** Module loads and server-wide lines, before the first `<VirtualHost>`. */
export const loadBalancerServerLines = (trustedProxies: readonly string[]): string[] => [
  '<IfModule !remoteip_module>',
  '  LoadModule remoteip_module /usr/lib/apache2/modules/mod_remoteip.so',
  '</IfModule>',
  '<IfModule !headers_module>',
  '  LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so',
  '</IfModule>',
  'ServerTokens Prod',
  'ServerSignature Off',
  'RemoteIPHeader X-Forwarded-For',
  ...trustedProxies.map((cidr) => `RemoteIPTrustedProxy ${cidr}`),
  'SetEnvIf X-Forwarded-Proto "^https$" HTTPS=on',
  // %a: the client's address as mod_remoteip found it.
  'LogFormat "%a %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\"" mirovoy_client',
];

/** The health page's lines inside a `<VirtualHost>`: `urlPath` served from the file `pagePath`. */
export const healthPageLines = (urlPath: string, pagePath: string): string[] => [
  `  Alias ${urlPath} ${pagePath}`,
  `  <Directory ${pagePath.slice(0, pagePath.lastIndexOf('/'))}>`,
  '    Options -Indexes',
  '    Require all granted',
  '  </Directory>',
];

/**
 * The first, default virtual host: what a request whose Host no application claims gets — the
 * balancer's health check asks by the instance's address — the health page and 404s.
 */
export const fallbackVirtualHostLines = (port: number, accessLogName: string, health: readonly string[], healthPagePath: string): string[] => [
  `<VirtualHost *:${port}>`,
  // A name no request carries (RFC 2606): this host only answers what no other one claims.
  '  ServerName health.invalid',
  `  DocumentRoot ${healthPagePath.slice(0, healthPagePath.lastIndexOf('/'))}`,
  `  CustomLog \${APACHE_LOG_DIR}/${accessLogName}-access.log mirovoy_client`,
  ...health,
  '</VirtualHost>',
];
