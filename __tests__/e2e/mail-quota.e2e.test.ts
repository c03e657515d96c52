/**
 * Mailbox quotas, rehearsed for real: the example config's primary and backup MX booted from their
 * exact user data. A mailbox with a 1 MiB quota (set with mirovoy-admin) receives mail under its
 * quota, gets the 80 % warning in its INBOX, and then: a message that does not fit is refused at
 * RCPT time (SIZE declared, as MTAs do) while the sender is connected; a message accepted before
 * the mailbox filled (no SIZE) stays queued with a 4xx from LMTP and is delivered once the quota
 * is raised; the backup MX gets a deferral, not a 5xx, and keeps the message; with Dovecot down
 * (so its quota-status service) RCPT is answered 4xx. Nothing is ever bounced.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIL_REHEARSAL_ADDRESSES, MailRehearsal } from '../../rehearsal/mail-system';
import { deliver, eventually, imapsCurl, onHost, rcptReplyCode, searchInbox, smtpWithSize, swaks, uniqueSubject } from '../support/mail-clients';
import { acquireMailRehearsal, releaseMailRehearsal } from '../support/shared-mail-rehearsal';

jest.setTimeout(180_000);

const PASSWORD = { alice: 'alice-Quota-1', bob: 'bob-Quota-2' };
const ALICE = 'alice@example.com';
const SENDER = 'carol@sender.test';
const { backup: BACKUP } = MAIL_REHEARSAL_ADDRESSES;

let mail: MailRehearsal;

const on = (host: 'mx1' | 'mx2', command: string, allowFailure = false) => onHost(mail, host, command, { allowFailure });
const admin = (args: string) => on('mx1', `mirovoy-admin ${args}`, true);

/** Queue entries of a host (postqueue -j, one JSON object a line). */
const queue = async (host: 'mx1' | 'mx2'): Promise<{ queue_id: string; queue_name: string; sender: string; recipients: { address: string; delay_reason?: string }[] }[]> =>
  (await on(host, 'postqueue -j')).output.split('\n').filter(Boolean).map((line) => JSON.parse(line));

/** The queue id Postfix gave an accepted message ("250 2.0.0 Ok: queued as ABC123"). */
const queuedAs = (transcript: string): string | undefined => /queued as ([0-9A-Za-z]+)/.exec(transcript)?.[1];

/** Log lines of a host's Postfix that would mean a bounce: a non-delivery notice or a bounced status. */
const bounces = async (host: 'mx1' | 'mx2') =>
  (await on(host, "journalctl --no-pager -o cat | grep -E 'status=bounced|sender non-delivery notification' || true")).output.trim();

/** A message body of about `bytes` bytes, in a file for swaks (`--body @file`: too large for an argument). */
const BODY_DIRECTORY = mkdtempSync(join(tmpdir(), 'mirovoy-quota-'));
const bodyFile = (bytes: number): string => {
  const path = join(BODY_DIRECTORY, `${bytes}.txt`);
  writeFileSync(path, `${'x'.repeat(75)}\n`.repeat(Math.floor(bytes / 76)));
  return path;
};

const inboxHas = (subject: string) => eventually(() => searchInbox(mail, ALICE, PASSWORD.alice, subject).then((u) => u.length), 30_000);

beforeAll(async () => {
  // Shared with mail-status (short greylisting, no bans); alone it boots its own.
  mail = await acquireMailRehearsal('example-backup-mx');
  for (const user of ['alice', 'bob'] as const) await onHost(mail, 'mx1', `mirovoy-admin user add ${user}@example.com`, { input: `${PASSWORD[user]}\n` });
}, 600_000);

afterAll(async () => {
  rmSync(BODY_DIRECTORY, { recursive: true, force: true });
  await releaseMailRehearsal('example-backup-mx', mail);
}, 120_000);

describe('mirovoy-admin user quota', () => {
  it('shows the default quota and the usage of a new mailbox', async () => {
    const shown = await admin(`user quota ${ALICE}`);
    expect(shown.code).toBe(0);
    expect(shown.output).toContain(`${ALICE}: quota 1024 MiB (the default)`);
    expect(shown.output).toMatch(/storage: 0\.0 MiB used of 1024\.0 MiB \(0 %\)/);
  });

  it('sets a quota of its own, which Dovecot enforces at once (doveadm, IMAP QUOTA)', async () => {
    const set = await admin(`user quota ${ALICE} 1`);
    expect(set.code).toBe(0);
    expect(set.output).toContain(`${ALICE}: quota 1 MiB (its own; the default is 1024 MiB)`);
    expect(set.output).toMatch(/storage: 0\.0 MiB used of 1\.0 MiB/);
    const imap = await imapsCurl(mail, ALICE, PASSWORD.alice, '', ['--request', 'GETQUOTAROOT INBOX']);
    expect(imap.output).toMatch(/\* QUOTA mailbox \(STORAGE 0 1024\)/);
  });

  it('sets no limit (unlimited) and back to the default; a value it never writes counts as the default', async () => {
    expect((await admin(`user quota ${ALICE} unlimited`)).output).toMatch(/quota unlimited \(its own\)\n {2}storage: 0\.0 MiB used of no limit/);
    await on('mx1', "mariadb --defaults-extra-file=/etc/mirovoy/private/mysql-admin.cnf --user=mirovoy_admin --ssl-ca=/etc/mirovoy/tls/database-ca.pem --ssl-verify-server-cert maildb -e \"UPDATE users SET quota = '10M' WHERE id = 'alice@example.com'\"");
    expect((await admin(`user quota ${ALICE}`)).output).toMatch(/quota 1024 MiB \(the default\); users\.quota '10M' is not a quota and counts as the default\n {2}storage: 0\.0 MiB used of 1024\.0 MiB/);
    expect((await admin(`user quota ${ALICE} default`)).output).toContain(`${ALICE}: quota 1024 MiB (the default)\n`);
    expect((await admin(`user quota ${ALICE} 1`)).code).toBe(0);
  });

  it('refuses a quota that is not a whole number of MiB, default or unlimited, and an unknown mailbox', async () => {
    for (const bad of ['0', '1.5', '10M', '-1']) {
      const refused = await admin(`user quota ${ALICE} -- ${bad}`);
      expect({ bad, code: refused.code }).toEqual({ bad, code: 1 });
      expect(refused.output).toContain(`quota '${bad}' is not valid: give a whole number of MiB (1-999999999), default or unlimited`);
    }
    expect((await admin('user quota nobody@example.com')).output).toContain('mailbox nobody@example.com does not exist');
    expect((await admin(`user quota ${ALICE}`)).output).toContain('quota 1 MiB (its own');
  });
});

describe('a mailbox filling up', () => {
  it('takes mail under its quota (after greylisting: the quota check answers DUNNO, not OK)', async () => {
    const subject = uniqueSubject('under-quota');
    const replies = await smtpWithSize(mail, { from: SENDER, to: ALICE, subject, bytes: 300_000 });
    expect(replies.rcpt[0]).toBe(250);
    expect(replies.data?.[0]).toBe(250);
    expect(await inboxHas(subject)).toBe(1);
    // The first attempt of a new triplet is greylisted: quota-status did not end the restriction list.
    expect((await on('mx1', `journalctl --no-pager -o cat -t postfix/smtpd | grep -c 'Greylisted.*to=<${ALICE}>' || true`)).output.trim()).not.toBe('0');
  });

  it('tells the user in the INBOX once past 80 %', async () => {
    const subject = uniqueSubject('to-80');
    expect((await smtpWithSize(mail, { from: SENDER, to: ALICE, subject, bytes: 560_000 })).data?.[0]).toBe(250);
    expect(await inboxHas(subject)).toBe(1);
    expect(await inboxHas('Your mailbox is 80 % full')).toBe(1);
    expect(await searchInbox(mail, ALICE, PASSWORD.alice, 'Your mailbox is 95 % full')).toEqual([]);
    const usage = await admin(`user quota ${ALICE}`);
    expect(usage.output).toMatch(/storage: 0\.8 MiB used of 1\.0 MiB \((8\d) %\)/);
  });

  it('refuses a message that does not fit at RCPT, while the sender is connected (552 5.2.2)', async () => {
    const replies = await smtpWithSize(mail, { from: SENDER, to: ALICE, subject: uniqueSubject('too-big'), bytes: 300_000 });
    expect(replies.rcpt).toEqual([552, `5.2.2 <${ALICE}>: Recipient address rejected: Quota exceeded (mailbox for user is full)`]);
    expect(replies.data).toBeUndefined();
    expect(await queue('mx1')).toEqual([]);
  });

  it('keeps a message accepted before the mailbox was full queued (LMTP 4xx), and delivers it when the quota is raised', async () => {
    const subject = uniqueSubject('accepted-then-full');
    // swaks declares no SIZE: quota-status sees a message of 1 byte, which fits.
    const sent = await deliver(mail, ['--to', ALICE, '--from', SENDER, '--header', `Subject: ${subject}`, '--body', `@${bodyFile(300_000)}`]);
    expect(queuedAs(sent.output)).toBeDefined();
    // Amavis re-injects it under a new queue id; that one waits for LMTP.
    const deferred = await eventually(async () => (await queue('mx1')).find((e) => e.queue_name === 'deferred' && e.recipients.some((r) => r.address === ALICE)), 60_000);
    expect(deferred).toMatchObject({ sender: SENDER, recipients: [{ address: ALICE, delay_reason: expect.stringMatching(/said: 452 4\.2\.2 <alice@example\.com> Quota exceeded \(mailbox for user is full\) \(in reply to end of DATA command\)/) }] });

    expect((await admin(`user quota ${ALICE} 2`)).output).toContain('quota 2 MiB');
    await on('mx1', 'postqueue -f');
    expect(await inboxHas(subject)).toBe(1);
    expect(await eventually(async () => (await queue('mx1')).length === 0, 30_000)).toBe(true);
  });

  it('answers the backup MX, which accepted the message already, with a deferral: it keeps the message', async () => {
    expect((await admin(`user quota ${ALICE} 1`)).code).toBe(0);
    // The backup accepts it (it cannot see the mailbox) and relays it with its SIZE; it does not fit.
    const sent = await deliver(mail, ['--to', ALICE, '--from', SENDER, '--header', `Subject: ${uniqueSubject('via-backup')}`, '--body', `@${bodyFile(300_000)}`], 3_000, BACKUP);
    const queueId = queuedAs(sent.output);
    expect(queueId).toBeDefined();
    const held = await eventually(async () => (await queue('mx2')).find((e) => e.queue_id === queueId && e.queue_name === 'deferred' && e.recipients[0]?.delay_reason), 60_000);
    expect(held?.recipients[0].delay_reason).toMatch(
      /said: 450 4\.7\.1 <mx2\.example\.com\[[\d.]+\]>: Client host rejected: Mailbox full: keep the message queued and try again later \(in reply to RCPT TO command\)/,
    );
    await on('mx2', `postsuper -d ${queueId}`);
  });

  it('refuses a full mailbox on submission too, so our own user is told at once', async () => {
    const replies = await smtpWithSize(mail, { from: 'bob@example.com', to: ALICE, subject: uniqueSubject('submitted'), bytes: 10_000, login: { user: 'bob@example.com', password: PASSWORD.bob } });
    expect(replies.mail[0]).toBe(250);
    expect(replies.rcpt).toEqual([552, `5.2.2 <${ALICE}>: Recipient address rejected: Quota exceeded (mailbox for user is full)`]);
  });

  it('never bounced anything, on either host', async () => {
    expect(await bounces('mx1')).toBe('');
    expect(await bounces('mx2')).toBe('');
  });
});

describe('the quota check unavailable', () => {
  afterEach(async () => {
    await on('mx1', 'systemctl start dovecot');
  });

  it('defers the recipient (451 4.3.5) with Dovecot and so its quota-status service stopped', async () => {
    await on('mx1', 'systemctl stop dovecot');
    const result = await swaks(mail, ['--to', 'bob@example.com', '--from', SENDER, '--quit-after', 'RCPT']);
    expect(rcptReplyCode(result.output)).toBe(451);
    expect(result.output).toMatch(/451 4\.3\.5 .*Policy service unavailable, try again later/);
  });
});
