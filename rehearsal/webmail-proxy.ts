/**
 * The load balancer's stand-in for the webmail host: TLS terminated here with a certificate of the
 * rehearsal's test CA, each request passed on over HTTP to the web host with the headers an ALB adds
 * (`X-Forwarded-For` with the client's address, `X-Forwarded-Proto: https`, `X-Forwarded-Port`).
 * Run it inside a client's network namespace:
 *   ip netns exec <ns> tsx rehearsal/webmail-proxy.ts <options.json>
 * It prints one line once it listens.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:https';

/** What the proxy needs (a root-only JSON file: it holds the key). */
export interface WebmailProxyOptions {
  /** Address and port to listen on (HTTPS). */
  readonly listen: { readonly address: string; readonly port: number };
  /** The web host (HTTP). */
  readonly target: { readonly address: string; readonly port: number };
  /** PEM chain (leaf first) and key. */
  readonly tls: { readonly chainPem: string; readonly keyPem: string };
}

/** Hop-by-hop headers a proxy does not pass on (RFC 9110, 7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/** Starts the proxy; resolves once it listens. */
export const startWebmailProxy = (options: WebmailProxyOptions): Promise<void> =>
  new Promise((resolve, reject) => {
    const server = createServer({ key: options.tls.keyPem, cert: options.tls.chainPem, minVersion: 'TLSv1.2' }, (incoming, outgoing) => {
      const headers = Object.fromEntries(Object.entries(incoming.headers).filter(([name]) => !HOP_BY_HOP.has(name) && !name.startsWith('x-forwarded-')));
      const upstream = request(
        {
          host: options.target.address,
          port: options.target.port,
          method: incoming.method,
          path: incoming.url,
          // An ALB replaces what a client claims with what it saw.
          headers: { ...headers, 'x-forwarded-for': incoming.socket.remoteAddress ?? '', 'x-forwarded-proto': 'https', 'x-forwarded-port': String(options.listen.port) },
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name))));
          answer.pipe(outgoing);
        },
      );
      upstream.on('error', (error) => {
        outgoing.writeHead(502, { 'content-type': 'text/plain' });
        outgoing.end(`bad gateway: ${error.message}\n`);
      });
      incoming.pipe(upstream);
    });
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.address, () => resolve());
  });

if (require.main === module) {
  const options = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as WebmailProxyOptions;
  startWebmailProxy(options).then(
    () => console.log(`webmail proxy: https://${options.listen.address}:${options.listen.port} -> http://${options.target.address}:${options.target.port}`),
    (error: Error) => {
      console.error(`webmail proxy: ${error.message}`);
      process.exit(1);
    },
  );
}
