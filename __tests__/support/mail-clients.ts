/**
 * Test support: real mail clients (swaks, openssl s_client, curl for IMAP) run from the
 * rehearsal's client host, and commands on the mail host, for the e2e suites.
 */
import { MAIL_REHEARSAL_ADDRESSES, MailRehearsal } from '../../rehearsal/mail-system';

/** Result of a client program. */
export interface ClientResult {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a program in the client host's network namespace. */
export const onClient = async (mail: MailRehearsal, argv: readonly string[], input?: string): Promise<ClientResult> => {
  const result = await mail.rehearsal.exec('client', argv, { allowFailure: true, timeoutMs: 60_000, input });
  return { code: result.code, output: result.stdout + result.stderr };
};

/** Runs a shell command on the primary MX (as root); throws when it fails unless allowed. */
export const onPrimary = async (mail: MailRehearsal, command: string, options: { input?: string; allowFailure?: boolean } = {}): Promise<ClientResult> => {
  const result = await mail.rehearsal.host('mx1').exec(['bash', '-c', command], { input: options.input, allowFailure: options.allowFailure, timeoutMs: 120_000 });
  return { code: result.code, output: result.stdout + result.stderr };
};

/** Runs a shell command on a mail host (as root); throws when it fails unless allowed. */
export const onHost = async (mail: MailRehearsal, host: 'mx1' | 'mx2' | 'db', command: string, options: { input?: string; allowFailure?: boolean } = {}): Promise<ClientResult> => {
  const result = await mail.rehearsal.host(host).exec(['bash', '-c', command], { input: options.input, allowFailure: options.allowFailure, timeoutMs: 120_000 });
  return { code: result.code, output: result.stdout + result.stderr };
};

/**
 * swaks from a client (default: the well-behaved one) to a mail server (default: the primary);
 * `args` are swaks options.
 */
export const swaks = (mail: MailRehearsal, args: readonly string[], from: 'client' | 'prober' = 'client', server: string = MAIL_REHEARSAL_ADDRESSES.primary): Promise<ClientResult> =>
  mail.rehearsal
    .exec(from, ['swaks', '--server', server, '--helo', 'client.sender.test', '--timeout', '20', ...args], { allowFailure: true, timeoutMs: 60_000 })
    .then((r) => ({ code: r.code, output: r.stdout + r.stderr }));

/**
 * Sends like a real MTA: when greylisted (4xx), waits and retries, as a sending server would.
 * Returns the transcript of the last attempt.
 */
export const deliver = async (mail: MailRehearsal, args: readonly string[], retryAfterMs = 3_000, server: string = MAIL_REHEARSAL_ADDRESSES.primary): Promise<ClientResult> => {
  let result = await swaks(mail, args, 'client', server);
  for (let attempt = 1; attempt < 4 && /^<\*\*\s+4\d\d .*greylist/im.test(result.output); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, retryAfterMs));
    result = await swaks(mail, args, 'client', server);
  }
  return result;
};

/** The last SMTP reply code the server gave (from swaks' transcript). */
export const lastReplyCode = (transcript: string): number => {
  const codes = [...transcript.matchAll(/^<[~*-]*\s+(\d{3})[ -]/gm)].map((m) => Number(m[1]));
  return codes[codes.length - 1] ?? 0;
};

/** The reply code swaks got to RCPT TO (with `--quit-after RCPT`). */
export const rcptReplyCode = (transcript: string): number => {
  const match = /[-~]> RCPT TO:.*\n(?:.*\n)*?<[~*-]*\s+(\d{3})/.exec(transcript);
  return match ? Number(match[1]) : 0;
};

/** curl IMAPS options that trust the rehearsal CA and resolve the primary's name. */
export const imapsCurl = (mail: MailRehearsal, user: string, password: string, url: string, extra: readonly string[] = []): Promise<ClientResult> =>
  onClient(mail, [
    'curl', '--silent', '--show-error', '--max-time', '20',
    '--cacert', mail.rootCaFile,
    '--resolve', `${mail.primaryHostname}:993:${MAIL_REHEARSAL_ADDRESSES.primary}`,
    '--user', `${user}:${password}`,
    ...extra,
    `imaps://${mail.primaryHostname}/${url}`,
  ]);

/** UIDs of the messages in a user's INBOX whose subject contains `subject`. */
export const searchInbox = async (mail: MailRehearsal, user: string, password: string, subject: string): Promise<number[]> => {
  const result = await imapsCurl(mail, user, password, 'INBOX', ['--request', `UID SEARCH SUBJECT "${subject}"`]);
  if (result.code !== 0) throw new Error(`IMAP search as ${user} failed (curl exit ${result.code}): ${result.output}`);
  const line = /\* SEARCH([\d ]*)/.exec(result.output);
  return line ? line[1].trim().split(/\s+/).filter(Boolean).map(Number) : [];
};

/** Polls until `probe` returns a truthy value or the time is up; returns the last value. */
export const eventually = async <T>(probe: () => Promise<T>, timeoutMs = 20_000, intervalMs = 500): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!value && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    value = await probe();
  }
  return value;
};

/** A subject line unique to one test. */
export const uniqueSubject = (label: string): string => `${label} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** What an SMTP server answered to each step of {@link smtpWithSize} (`[code, text]`; `data` only when RCPT was accepted). */
export interface SmtpStepReplies {
  readonly mail: readonly [number, string];
  readonly rcpt: readonly [number, string];
  readonly data?: readonly [number, string];
}

/**
 * Python's smtplib from the client: declares the message's SIZE in MAIL FROM, as MTAs do (swaks
 * cannot). With a CA file it submits on 587 instead: STARTTLS (server verified), then AUTH with the
 * user and the password read from stdin.
 */
const SMTP_WITH_SIZE = `
import json, smtplib, ssl, sys
server, helo, sender, rcpt, subject, size, ca_file, user = sys.argv[1:9]
body = ("x" * 75 + "\\r\\n") * (int(size) // 77)
message = f"From: <{sender}>\\r\\nTo: <{rcpt}>\\r\\nSubject: {subject}\\r\\n\\r\\n{body}"
smtp = smtplib.SMTP(server, 587 if ca_file else 25, local_hostname=helo, timeout=30)
smtp.ehlo()
if ca_file:
    smtp.starttls(context=ssl.create_default_context(cafile=ca_file))
    smtp.ehlo()
    smtp.login(user, sys.stdin.readline().rstrip("\\n"))
replies = {}
code, text = smtp.mail(sender, [f"SIZE={len(message)}"])
replies["mail"] = [code, text.decode()]
code, text = smtp.rcpt(rcpt)
replies["rcpt"] = [code, text.decode()]
if code == 250:
    code, text = smtp.data(message)
    replies["data"] = [code, text.decode()]
smtp.quit()
print(json.dumps(replies))
`;

/** A mail user's login for submission (587). */
export interface SubmissionLogin {
  readonly user: string;
  readonly password: string;
}

/**
 * Sends a message of about `bytes` bytes with its size declared (SIZE=), like a real MTA, from the
 * client to a server's port 25 (with `login`: submitted on 587 as that user); when greylisted (4xx
 * with "greylist"), waits and retries as an MTA would.
 */
export const smtpWithSize = async (
  mail: MailRehearsal,
  message: { readonly from: string; readonly to: string; readonly subject: string; readonly bytes: number; readonly login?: SubmissionLogin },
  server: string = MAIL_REHEARSAL_ADDRESSES.primary,
  retryAfterMs = 3_000,
): Promise<SmtpStepReplies> => {
  const { login } = message;
  const argv = [server, 'client.sender.test', message.from, message.to, message.subject, String(message.bytes), login ? mail.rootCaFile : '', login?.user ?? ''];
  const attempt = async (): Promise<SmtpStepReplies> => {
    const result = await onClient(mail, ['python3', '-c', SMTP_WITH_SIZE, ...argv], login ? `${login.password}\n` : '');
    if (result.code !== 0) throw new Error(`smtplib to ${server} failed: ${result.output}`);
    return JSON.parse(result.output) as SmtpStepReplies;
  };
  let replies = await attempt();
  for (let i = 1; i < 4 && replies.rcpt[0] >= 400 && replies.rcpt[0] < 500 && /greylist/i.test(replies.rcpt[1]); i++) {
    await new Promise((resolve) => setTimeout(resolve, retryAfterMs));
    replies = await attempt();
  }
  return replies;
};
