/**
 * An SMTP server standing for "the rest of the internet": it accepts every message for any
 * recipient and stores it as an .eml file, so tests can check what our hosts relayed (and
 * with which signature). Run it inside a client's network namespace:
 *   ip netns exec <ns> tsx rehearsal/smtp-sink.ts <listen address> <directory>
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

/** Starts the sink; resolves once it listens. */
export const startSmtpSink = (address: string, directory: string, port = 25): Promise<SMTPServer> =>
  new Promise((resolve, reject) => {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const envelope = `X-Sink-Mail-From: ${session.envelope.mailFrom ? session.envelope.mailFrom.address : ''}\r\n` +
            `X-Sink-Rcpt-To: ${session.envelope.rcptTo.map((r) => r.address).join(', ')}\r\n` +
            `X-Sink-Client: ${session.remoteAddress}\r\n`;
          writeFileSync(join(directory, `${Date.now()}-${randomUUID()}.eml`), Buffer.concat([Buffer.from(envelope), ...chunks]));
          callback();
        });
      },
    });
    server.on('error', reject);
    server.listen(port, address, () => resolve(server));
  });

if (require.main === module) {
  const [address, directory] = process.argv.slice(2);
  void startSmtpSink(address, directory).then(() => console.log(`smtp-sink: listening on ${address}:25, storing in ${directory}`));
}
