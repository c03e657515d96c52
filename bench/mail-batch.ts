/**
 * One measured batch of mail into a rehearsed mail host: send it, wait (bounded) until every
 * message is a file in the recipient's maildir, and collect rates, per-message timings from the
 * journal and the peak memory of the host's daemons meanwhile.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../rehearsal/command';
import type { Container } from '../rehearsal/container';
import { sleep } from '../rehearsal/processes';
import { PeakMemorySampler, type MemoryFigures } from './guest-memory';
import { readMailLogTimings, type MailLogTimings } from './mail-log';

/** What {@link measureBatch} needs. */
export interface BatchProps {
  /** The receiving host. */
  readonly host: Container;
  /** Maildir of the recipient, a path in the host, e.g. /var/spool/mail/virtual/example.com/bench. */
  readonly maildir: string;
  readonly messages: number;
  /** Sends the batch; resolves when the sender is done (smtp-source exits after the last reply), rejects when it fails. */
  readonly send: () => Promise<RunResult>;
  /** Address the batch comes from as the host sees it; end-to-end latencies are for these messages. */
  readonly clientIp: string;
  /** Stop waiting for deliveries this long after sending ended. */
  readonly deliveryWaitMs: number;
}

/** Figures of one batch. */
export interface BatchResult {
  readonly messages: number;
  /** Messages per second the sender got accepted (250 after DATA). */
  readonly acceptedPerSecond: number;
  /** Messages per second from the start of sending until the last one was in the maildir. */
  readonly deliveredPerSecond: number;
  readonly delivered: number;
  /** Sent but not in the maildir when the wait ended. */
  readonly lost: number;
  readonly timings: MailLogTimings;
  /** Peak PSS and summed RSS per unit label while the batch ran. */
  readonly peakMemory: ReadonlyMap<string, MemoryFigures>;
}

/** Messages in a maildir: Dovecot renames finished files into new/ (cur/ once a client has seen them). */
export function countMaildir(host: Container, maildir: string): number {
  return ['new', 'cur']
    .map((folder) => {
      try {
        return readdirSync(join(host.root, maildir, folder)).length;
      } catch {
        return 0; // the maildir appears with the first delivery
      }
    })
    .reduce((a, b) => a + b, 0);
}

/** Sends one batch and measures it; throws when the sender fails (e.g. a message refused). */
export async function measureBatch(props: BatchProps): Promise<BatchResult> {
  const before = countMaildir(props.host, props.maildir);
  const sampler = new PeakMemorySampler(props.host.pid1);
  sampler.start();
  const started = Date.now();
  try {
    await props.send();
  } catch (error) {
    await sampler.stop();
    throw error;
  }
  const acceptedSeconds = (Date.now() - started) / 1000;
  let delivered = countMaildir(props.host, props.maildir) - before;
  let lastArrival = Date.now();
  for (const deadline = Date.now() + props.deliveryWaitMs; delivered < props.messages && Date.now() < deadline; await sleep(100)) {
    const now = countMaildir(props.host, props.maildir) - before;
    if (now > delivered) lastArrival = Date.now();
    delivered = now;
  }
  const peakMemory = await sampler.stop();
  return {
    messages: props.messages,
    acceptedPerSecond: props.messages / acceptedSeconds,
    deliveredPerSecond: delivered / ((lastArrival - started) / 1000),
    delivered,
    lost: props.messages - delivered,
    timings: await readMailLogTimings(props.host, started, props.clientIp),
    peakMemory,
  };
}
