/**
 * `npm run bench:mail [-- --messages 500 --body-bytes 10240 --sessions 10 --max-servers N --amavis-temp disk|tmpfs]`:
 * mail throughput of the rehearsed primary through the whole inbound chain (client → smtpd :25 →
 * policy services → Amavis with SpamAssassin and ClamAV → re-injection → LMTP → Dovecot maildir),
 * compared with Amavis' own capacity (the same batch fed straight to 127.0.0.1:10024 inside the
 * host, re-injected as usual), with end-to-end latencies, peak memory per daemon and lost mail.
 *
 * Loads are bounded (message count, smtp-source time limit, delivery wait) and stay on the
 * rehearsal LAN: the client's namespace → 10.203.0.10, and loopback inside the primary.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../configs/load';
import type { MirovoyConfig } from '../configs/schema';
import type { MailHostSpec } from '../host';
import { resolveMailHostSpec } from '../host/spec';
import type { Container } from '../rehearsal/container';
import { MAIL_REHEARSAL_ADDRESSES, REHEARSAL_NAMES, startMailRehearsal } from '../rehearsal/mail-system';
import { sleep } from '../rehearsal/processes';
import { progress } from '../rehearsal/progress';
import type { Rehearsal } from '../rehearsal/rehearsal';
import { memoryByUnit, OUTSIDE_UNITS, WHOLE_HOST } from './guest-memory';
import { measureBatch, type BatchResult } from './mail-batch';
import { againstTarget, mib, quantile, renderTable } from './report';
import { sendFromClient, sendInsideHost, type MailBatch } from './smtp-source';

/** The full chain must reach this share of Amavis' own capacity. */
const TARGET_SHARE_OF_AMAVIS = 0.8;
/** Messages through the full chain before measuring: first connections to the database, first scans. */
const WARM_UP_MESSAGES = 20;
/** smtp-source gets this long per batch at most, and deliveries this long after it ends. */
const SEND_LIMIT_MS = 10 * 60_000;
const DELIVERY_WAIT_MS = 5 * 60_000;
const MAILBOX = { user: 'bench', domain: 'example.com', password: 'bench-Secret-1' };
const MAILDIR = `/var/spool/mail/virtual/${MAILBOX.domain}/${MAILBOX.user}`;

/**
 * Documented memory of clamd with the official signature database, for sizing (this rehearsal has
 * one test signature). https://docs.clamav.net/manual/Installing/Docker.html, "Memory (RAM) Requirements".
 */
const CLAMD_OFFICIAL_DATABASE =
  'clamd with the official database: "upwards of 1.2 GiB" to hold the signatures, "upwards of 2.4 GiB" briefly while a concurrent ' +
  'reload builds the new engine; ClamAV recommends ≥ 3 GiB RAM, 4 GiB preferred (docs.clamav.net/manual/Installing/Docker.html, ' +
  '"Memory (RAM) Requirements")';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '500' },
    'body-bytes': { type: 'string', default: '10240' },
    sessions: { type: 'string', default: '10' },
    'max-servers': { type: 'string' },
    'amavis-temp': { type: 'string' },
  },
});

/** A positive whole number from a flag, or a clear error. */
const positive = (flag: string, value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} ${value}: use a positive whole number`);
  return n;
};

/**
 * The example config without its backup MX: the backup is not in the inbound chain measured here,
 * and booting it would only take CPU from the primary.
 */
const withoutBackupMx = (config: MirovoyConfig): MirovoyConfig => ({ ...config, mail: { ...config.mail, backupMx: { ...config.mail.backupMx, enabled: false } } });

/** Postgrey's delay in the bench: it still greylists a new triplet once (even with 0), so the bench retries after it. */
const GREYLIST_DELAY_SECONDS = 1;

/**
 * Postgrey keeps checking every message, with a short delay that {@link passGreylisting} waits out
 * once, and fail2ban does not ban the client for a burst, nor anvil limit it: the client stands for
 * all the senders of the internet at once (smtp-source opens a connection per message, hundreds a
 * minute); Amavis is tuned only when a flag asks.
 */
const benchSpec = (spec: MailHostSpec): MailHostSpec => ({
  ...spec,
  postgrey: { ...spec.postgrey, delaySeconds: GREYLIST_DELAY_SECONDS },
  fail2ban: { ...spec.fail2ban, maxretry: 1_000_000 },
  smtpClientLimits: { connectionCount: 0, connectionRate: 0, messageRate: 0 },
  amavis: {
    ...spec.amavis,
    ...(args['max-servers'] === undefined ? {} : { maxServers: positive('max-servers', args['max-servers']) }),
    ...(args['amavis-temp'] === undefined ? {} : { tempDirectory: args['amavis-temp'] as 'disk' | 'tmpfs' }),
  },
});

/**
 * journald drops a unit's messages beyond 10000 per 30 s (RateLimitBurst); a batch logs ~15 lines
 * per message, and the latencies come from those lines.
 */
async function unthrottleJournal(primary: Container): Promise<void> {
  primary.writeFile({ path: '/etc/systemd/journald.conf.d/90-bench.conf', content: '# bench/mail.ts: keep every line of a load burst.\n[Journal]\nRateLimitIntervalSec=0\n' });
  await primary.exec(['systemctl', 'restart', 'systemd-journald']);
}

/**
 * Offers the batch's (client, sender, recipient) triplet once and waits out the delay, as a
 * retrying MTA would: every message of the batch has the same triplet, so all pass afterwards.
 */
async function passGreylisting(rehearsal: Rehearsal, batch: MailBatch): Promise<void> {
  const attempt = ['swaks', '--server', MAIL_REHEARSAL_ADDRESSES.primary, '--helo', batch.helo, '--from', batch.from, '--to', batch.to, '--quit-after', 'RCPT', '--timeout', '20'];
  const first = await rehearsal.exec('client', attempt, { allowFailure: true, timeoutMs: 60_000 });
  if (!/<\*\* +450 .*Greylisted/.test(first.stdout)) throw new Error(`expected the first attempt to be greylisted:\n${first.stdout}${first.stderr}`);
  await sleep((GREYLIST_DELAY_SECONDS + 1) * 1000);
}

const msRange = (values: readonly number[]): string =>
  values.length === 0 ? 'n/a' : `${quantile(values, 0.5).toFixed(0)} / ${quantile(values, 0.95).toFixed(0)}`;

const batchRows = (chain: BatchResult, amavis: BatchResult): string[][] => [
  ['measure', 'full chain (client → :25)', 'Amavis alone (→ 127.0.0.1:10024)'],
  ['accepted msg/s (SMTP side)', chain.acceptedPerSecond.toFixed(1), amavis.acceptedPerSecond.toFixed(1)],
  ['delivered msg/s (in maildir)', chain.deliveredPerSecond.toFixed(1), amavis.deliveredPerSecond.toFixed(1)],
  ['end-to-end p50 / p95 ms (smtpd → LMTP saved; a burst: mostly queue wait)', `${msRange(chain.timings.endToEndMs)} (n=${chain.timings.endToEndMs.length})`, '-'],
  ['Amavis time per message p50 / p95 ms', msRange(chain.timings.amavisMs), msRange(amavis.timings.amavisMs)],
  ['delivered / sent, lost', `${chain.delivered} / ${chain.messages}, lost ${chain.lost}`, `${amavis.delivered} / ${amavis.messages}, lost ${amavis.lost}`],
];

const memoryRows = (idle: ReturnType<typeof memoryByUnit>, chain: BatchResult, amavis: BatchResult): string[][] => {
  const labels = [...idle.keys()].filter((label) => label !== OUTSIDE_UNITS && label !== WHOLE_HOST);
  const peak = (result: BatchResult, label: string) => result.peakMemory.get(label) ?? { pssKiB: 0, rssKiB: 0, processes: 0 };
  labels.sort((a, b) => peak(chain, b).pssKiB - peak(chain, a).pssKiB);
  return [
    ['unit', 'idle PSS', 'idle RSS', 'full chain: peak PSS', 'peak RSS', 'procs', 'Amavis alone: peak PSS', 'peak RSS'],
    ...[...labels, WHOLE_HOST].map((label) => [
      label,
      mib(idle.get(label)?.pssKiB ?? 0),
      mib(idle.get(label)?.rssKiB ?? 0),
      mib(peak(chain, label).pssKiB),
      mib(peak(chain, label).rssKiB),
      String(peak(chain, label).processes),
      mib(peak(amavis, label).pssKiB),
      mib(peak(amavis, label).rssKiB),
    ]),
  ];
};

async function main(): Promise<void> {
  const batch: MailBatch = {
    messages: positive('messages', args.messages!),
    bodyBytes: positive('body-bytes', args['body-bytes']!),
    sessions: positive('sessions', args.sessions!),
    from: `bench@${REHEARSAL_NAMES.senderDomain}`,
    to: `${MAILBOX.user}@${MAILBOX.domain}`,
    helo: REHEARSAL_NAMES.senderHost,
  };
  let primarySpec: MailHostSpec | undefined;
  const tuneSpec = (spec: MailHostSpec): MailHostSpec => {
    const tuned = benchSpec(spec);
    if (spec.role === 'primary') primarySpec = tuned;
    return tuned;
  };
  const mail = await startMailRehearsal({ config: withoutBackupMx(loadConfig('example')), tuneSpec });
  try {
    const { amavis: amavisSettings } = resolveMailHostSpec(primarySpec!);
    const primary = mail.rehearsal.host('mx1');
    const clientNetns = mail.rehearsal.lan.node('client').netns;
    await unthrottleJournal(primary);
    // The config's mail domains are in the database from the first provision run on.
    await primary.exec(['mirovoy-admin', 'user', 'add', batch.to], { input: `${MAILBOX.password}\n${MAILBOX.password}\n` });
    const idle = memoryByUnit(primary.pid1);

    const toPort25 = (b: MailBatch) => () => sendFromClient(primary, clientNetns, b, `${MAIL_REHEARSAL_ADDRESSES.primary}:25`, SEND_LIMIT_MS);
    const common = { host: primary, maildir: MAILDIR, clientIp: MAIL_REHEARSAL_ADDRESSES.client, deliveryWaitMs: DELIVERY_WAIT_MS };
    await passGreylisting(mail.rehearsal, batch);
    progress(`bench: warm-up, ${WARM_UP_MESSAGES} messages through the full chain`);
    const warmUp = await measureBatch({ ...common, messages: WARM_UP_MESSAGES, send: toPort25({ ...batch, messages: WARM_UP_MESSAGES }) });
    if (warmUp.lost > 0) throw new Error(`warm-up: ${warmUp.lost} of ${WARM_UP_MESSAGES} messages not delivered; check greylisting/fail2ban in the bench spec`);
    progress(`bench: ${batch.messages} messages straight into Amavis (127.0.0.1:10024)`);
    const amavis = await measureBatch({ ...common, messages: batch.messages, send: () => sendInsideHost(primary, batch, '127.0.0.1:10024', SEND_LIMIT_MS) });
    progress(`bench: ${batch.messages} messages from the client through the full chain`);
    const chain = await measureBatch({ ...common, messages: batch.messages, send: toPort25(batch) });

    const share = chain.deliveredPerSecond / amavis.deliveredPerSecond;
    console.log(
      `\nMail throughput: ${batch.messages} messages × ${batch.bodyBytes}-byte body, ${batch.sessions} sessions, one mailbox; ` +
        `Amavis max_servers ${amavisSettings.maxServers}, temp directory on ${amavisSettings.tempDirectory}\n`,
    );
    console.log(renderTable(batchRows(chain, amavis)));
    console.log(`\nfull chain ÷ Amavis capacity (delivered msg/s): ${againstTarget(share * 100, TARGET_SHARE_OF_AMAVIS * 100, '%', false)}, lost ${chain.lost + amavis.lost} (target 0)`);
    const suppressed = chain.timings.suppressedNotices + amavis.timings.suppressedNotices;
    if (suppressed > 0) console.log(`warning: journald suppressed messages ${suppressed} times: latencies are from a subset`);
    console.log(`\nMemory of the primary per unit (MiB): idle after boot, and peaks sampled each second during each batch (PSS; RSS summed over the unit's processes)\n`);
    console.log(renderTable(memoryRows(idle, chain, amavis)));
    const clamd = idle.get('clamav-daemon');
    console.log(`\nClamAV: clamd here, one test signature: PSS ${mib(clamd?.pssKiB ?? 0)} MiB, RSS ${mib(clamd?.rssKiB ?? 0)} MiB.`);
    console.log(`ClamAV: ${CLAMD_OFFICIAL_DATABASE}.`);
    if (chain.lost + amavis.lost > 0) process.exitCode = 1;
  } finally {
    await mail.stop();
  }
}

main().catch((error) => {
  console.error(`bench:mail failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
