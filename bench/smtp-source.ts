/**
 * Postfix's own SMTP load generator, smtp-source(1), run from the binaries of a booted mail host
 * (this machine has no Postfix): either in the host itself, or with the host's filesystem but a
 * client's network namespace, so the load arrives from the client's address like a foreign MTA's.
 * https://www.postfix.org/smtp-source.1.html
 */
import { run, type RunResult } from '../rehearsal/command';
import type { Container } from '../rehearsal/container';
import { NETNS_DIR } from '../rehearsal/network';

/** A bounded batch of identical-size messages to one recipient. */
export interface MailBatch {
  readonly messages: number;
  /** Body length in bytes (smtp-source adds From, To, Date, Message-Id and Subject headers). */
  readonly bodyBytes: number;
  /** Parallel SMTP sessions; each message gets its own connection, as from separate MTAs. */
  readonly sessions: number;
  readonly from: string;
  readonly to: string;
  /** HELO name. */
  readonly helo: string;
}

const SMTP_SOURCE = '/usr/sbin/smtp-source';
const GUEST_PATH = 'PATH=/usr/sbin:/usr/bin:/sbin:/bin';

/** smtp-source's argv for `batch` against `server` ("host:port"). */
const smtpSourceArgv = (batch: MailBatch, server: string): string[] => [
  SMTP_SOURCE,
  '-s', String(batch.sessions),
  '-m', String(batch.messages),
  '-l', String(batch.bodyBytes),
  '-f', batch.from,
  '-t', batch.to,
  '-M', batch.helo,
  '-S', 'mirovoy bench',
  server,
];

/**
 * Sends `batch` to `server` from a client's network namespace, using the smtp-source of `host`:
 * nsenter joins the host's mount namespace (its binaries and libraries) and the client's network
 * namespace, nothing else. Killed after `timeoutMs`.
 */
export function sendFromClient(host: Container, clientNetns: string, batch: MailBatch, server: string, timeoutMs: number): Promise<RunResult> {
  return run(
    ['nsenter', `--mount=/proc/${host.pid1}/ns/mnt`, `--net=${NETNS_DIR}/${clientNetns}`, '--', 'env', '-i', GUEST_PATH, ...smtpSourceArgv(batch, server)],
    { timeoutMs },
  );
}

/** Sends `batch` to `server` from inside `host` (e.g. straight to a local content filter). Killed after `timeoutMs`. */
export function sendInsideHost(host: Container, batch: MailBatch, server: string, timeoutMs: number): Promise<RunResult> {
  return host.exec(smtpSourceArgv(batch, server), { timeoutMs });
}
