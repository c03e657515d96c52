/**
 * The part of a web host's Apache site that is about the load balancer in front, the same for
 * every web application: the balancer terminates TLS and connects over plain HTTP from its own
 * subnets. mod_remoteip takes the client's address from `X-Forwarded-For` only from those
 * networks (https://httpd.apache.org/docs/2.4/mod/mod_remoteip.html), so logs and the
 * application see the client; `HTTPS=on` only when the balancer says the client used HTTPS.
 */

/** Module loads and server-wide lines, before the `<VirtualHost>`. */
export const LOAD_BALANCER_SERVER_LINES: readonly string[] = [
  '<IfModule !remoteip_module>',
  '  LoadModule remoteip_module /usr/lib/apache2/modules/mod_remoteip.so',
  '</IfModule>',
  '<IfModule !headers_module>',
  '  LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so',
  '</IfModule>',
  'ServerTokens Prod',
  'ServerSignature Off',
];

/**
 * Lines inside the `<VirtualHost>`: the trusted proxies, HTTPS as the client saw it, HSTS, and an
 * access log (`<name>-access.log`) with the client's address (`%a`).
 */
export const loadBalancerVirtualHostLines = (trustedProxies: readonly string[], accessLogName: string): string[] => [
  '  RemoteIPHeader X-Forwarded-For',
  ...trustedProxies.map((cidr) => `  RemoteIPTrustedProxy ${cidr}`),
  '  SetEnvIf X-Forwarded-Proto "^https$" HTTPS=on',
  '  Header always set Strict-Transport-Security "max-age=31536000"',
  '  LogFormat "%a %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\"" mirovoy_client',
  `  CustomLog \${APACHE_LOG_DIR}/${accessLogName}-access.log mirovoy_client`,
];
