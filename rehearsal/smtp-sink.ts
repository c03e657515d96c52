/**
 * An SMTP server standing for "the rest of the internet": it accepts every message for any
 * recipient and stores it as an .eml file, so tests can check what our hosts relayed (and
 * with which signature). With `auth`, it stands for an authenticated relay such as Amazon SES
 * instead: STARTTLS with the given certificate, and AUTH (only after STARTTLS) with the given
 * credentials before any mail. Run it inside a client's network namespace:
 *   ip netns exec <ns> tsx rehearsal/smtp-sink.ts <listen address> <directory> [<options.json>]
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

/** What makes the sink an authenticated relay. */
export interface SmtpSinkOptions {
  /** @default 25 */
  readonly port?: number;
  /** STARTTLS certificate (chain, leaf first) and key, PEM. @default none: no STARTTLS, no AUTH */
  readonly tls?: { readonly chainPem: string; readonly keyPem: string };
  /**
   * Accounts a client may log in with (needs `tls`); more than one, as SES accepts both access
   * keys of its IAM user while one is rotated. @default none: anyone may send
   */
  readonly auth?: readonly { readonly username: string; readonly password: string }[];
}

/** Starts the sink; resolves once it listens. */
export const startSmtpSink = (address: string, directory: string, options: SmtpSinkOptions = {}): Promise<SMTPServer> =>
  new Promise((resolve, reject) => {
    const { tls, auth } = options;
    const server = new SMTPServer({
      authOptional: !auth,
      disabledCommands: [...(tls ? [] : ['STARTTLS']), ...(auth ? [] : ['AUTH'])],
      ...(tls ? { key: tls.keyPem, cert: tls.chainPem } : {}),
      // AUTH only over TLS, as SES requires.
      allowInsecureAuth: false,
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      onAuth(credentials, _session, callback) {
        if (auth?.some((a) => credentials.username === a.username && credentials.password === a.password)) callback(null, { user: credentials.username });
        else callback(new Error('Authentication credentials invalid'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const envelope = `X-Sink-Mail-From: ${session.envelope.mailFrom ? session.envelope.mailFrom.address : ''}\r\n` +
            `X-Sink-Rcpt-To: ${session.envelope.rcptTo.map((r) => r.address).join(', ')}\r\n` +
            `X-Sink-Client: ${session.remoteAddress}\r\n` +
            (auth ? `X-Sink-Auth-User: ${String(session.user)}\r\nX-Sink-Tls: ${session.secure ? 'yes' : 'no'}\r\n` : '');
          writeFileSync(join(directory, `${Date.now()}-${randomUUID()}.eml`), Buffer.concat([Buffer.from(envelope), ...chunks]));
          callback();
        });
      },
    });
    server.on('error', reject);
    server.listen(options.port ?? 25, address, () => resolve(server));
  });

if (require.main === module) {
  const [address, directory, optionsFile] = process.argv.slice(2);
  const options: SmtpSinkOptions = optionsFile ? JSON.parse(readFileSync(optionsFile, 'utf8')) : {};
  void startSmtpSink(address, directory, options).then(() =>
    console.log(`smtp-sink: listening on ${address}:${options.port ?? 25}${options.auth ? ' (STARTTLS, AUTH required)' : ''}, storing in ${directory}`),
  );
}
