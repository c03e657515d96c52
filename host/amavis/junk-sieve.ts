/**
 * The global Sieve script that files spam tagged by Amavis into the Junk folder. Dovecot
 * runs it before each user's own script (`sieve_script` of type `before`), so a user's
 * rules still see and may move the message. RFC 5228 (Sieve), RFC 5490 (mailbox, :create).
 */
import { withHeader } from '../files';

/** Where the script lives; `sievec` compiles it next to itself (LMTP cannot write there). */
export const JUNK_SIEVE_PATH = '/etc/dovecot/sieve/spam-to-junk.sieve';
/** The Junk folder's full name in our namespace (prefix `INBOX.`, separator `.`). */
export const JUNK_MAILBOX = 'INBOX.Junk';

/** A Sieve quoted string (RFC 5228 §2.4.2: backslash escapes `"` and `\`). */
const sieveString = (text: string): string => {
  if (/[\r\n]/.test(text)) throw new Error(`Sieve string ${JSON.stringify(text)} contains a line break.`);
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
};

/** A rule: when `header` is exactly `value`, file into `mailbox` (created if missing) and stop. */
export interface SieveFileIntoRule {
  readonly header: string;
  readonly value: string;
  readonly mailbox: string;
}

/** Amavis sets `X-Spam-Flag: YES` at or above the spam score (`$sa_tag2_level_deflt`). */
export const SPAM_TO_JUNK: SieveFileIntoRule = { header: 'X-Spam-Flag', value: 'YES', mailbox: JUNK_MAILBOX };

/** The script text. `:create` because a user who never logged in has no Junk folder yet. */
export const renderSieveFileIntoRule = (rule: SieveFileIntoRule): string =>
  withHeader(
    '#',
    'host/amavis/junk-sieve.ts',
    [
      'require ["fileinto", "mailbox"];',
      `if header :is ${sieveString(rule.header)} ${sieveString(rule.value)} {`,
      `  fileinto :create ${sieveString(rule.mailbox)};`,
      '  stop;',
      '}',
    ].join('\n') + '\n',
  );
