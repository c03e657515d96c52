/**
 * Per-message timings from a mail host's journal. Postfix logs each hop of a message under its
 * queue ID, with journald's microsecond timestamps: smtpd's `client=` when the message is
 * received (at MAIL FROM), the smtp-amavis delivery whose reply names the re-injected copy
 * ("queued as <id>"), and the LMTP delivery into Dovecot. Following those links gives an
 * end-to-end latency per message without trusting a second-resolution Date header.
 * Amavis logs its own processing time per message ("Passed CLEAN …, 345 ms").
 */
import type { Container } from '../rehearsal/container';

/** Timings of the messages seen in a time window. */
export interface MailLogTimings {
  /** Received from `clientIp` on port 25 → saved by Dovecot's LMTP, per delivered message (ms). */
  readonly endToEndMs: readonly number[];
  /** Amavis' own time per message (ms), as it logs it. */
  readonly amavisMs: readonly number[];
  /** journald's "Suppressed N messages" notices in the window: timings are then incomplete. */
  readonly suppressedNotices: number;
}

interface JournalEntry {
  readonly __REALTIME_TIMESTAMP: string;
  readonly SYSLOG_IDENTIFIER?: string;
  readonly MESSAGE?: string;
}

const RECEIVED = /^(\w+): client=\S+\[([\d.]+)\]/;
const HANDED_ON = /^(\w+): to=<[^>]*>, .*status=sent \(250 .*queued as (\w+)\)/;
const SAVED_BY_LMTP = /^(\w+): to=<[^>]*>, relay=[^,]*lmtp[^,]*, .*status=sent/;
const AMAVIS_PASSED = /\) Passed \w+.*, (\d+) ms$/;

/** Reads the host's journal from `sinceMs` (epoch ms) on and extracts the timings. */
export async function readMailLogTimings(host: Container, sinceMs: number, clientIp: string): Promise<MailLogTimings> {
  const output = await host.exec(
    ['journalctl', '--output=json', '--output-fields=MESSAGE,SYSLOG_IDENTIFIER', '--no-pager', `--since=@${Math.floor(sinceMs / 1000)}`],
    { timeoutMs: 60_000 },
  );
  const receivedAt = new Map<string, number>();
  const fromClient = new Set<string>();
  const next = new Map<string, string>();
  const savedAt = new Map<string, number>();
  const amavisMs: number[] = [];
  let suppressedNotices = 0;
  for (const line of output.stdout.split('\n')) {
    if (line === '') continue;
    const entry = JSON.parse(line) as JournalEntry;
    const at = Number(entry.__REALTIME_TIMESTAMP) / 1000;
    const message = typeof entry.MESSAGE === 'string' ? entry.MESSAGE : '';
    if (at < sinceMs) continue;
    if (entry.SYSLOG_IDENTIFIER === 'systemd-journald' && /^Suppressed \d+ messages/.test(message)) suppressedNotices++;
    const amavis = entry.SYSLOG_IDENTIFIER?.startsWith('amavis') ? AMAVIS_PASSED.exec(message) : null;
    if (amavis) amavisMs.push(Number(amavis[1]));
    if (!entry.SYSLOG_IDENTIFIER?.startsWith('postfix')) continue;
    let match: RegExpExecArray | null;
    if ((match = RECEIVED.exec(message))) {
      receivedAt.set(match[1], at);
      if (match[2] === clientIp) fromClient.add(match[1]);
    } else if ((match = SAVED_BY_LMTP.exec(message))) savedAt.set(match[1], at);
    else if ((match = HANDED_ON.exec(message))) next.set(match[1], match[2]);
  }
  const endToEndMs = [...fromClient].flatMap((id) => {
    let hop = id;
    for (let hops = 0; !savedAt.has(hop) && next.has(hop) && hops < 5; hops++) hop = next.get(hop)!;
    const saved = savedAt.get(hop);
    return saved === undefined ? [] : [saved - receivedAt.get(id)!];
  });
  return { endToEndMs, amavisMs, suppressedNotices };
}
