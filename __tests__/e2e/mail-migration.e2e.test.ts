/**
 * Moving in (issue 14, items 3 and 4), rehearsed on the example's primary with
 * `migration.databaseDumpS3Uri` and `testData`: a reference-shaped mysqldump (the reference's
 * own tables, required rows and cleartext column) imported at the first provisioning, its users
 * logging in over IMAPS with their SHA512-CRYPT and SHA256-CRYPT passwords; a later provision run
 * importing nothing again; dumps that are not the reference's refused with the database
 * unchanged; the sample mailboxes logging in with the passwords of the secret `test-data`; and
 * the README's `doveadm backup` command moving a mailbox from another Dovecot.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../../configs/validate';
import { DATA_IMPORT_NAMES, IMPORT_SCRATCH_DATABASE } from '../../host/mysql';
import { rehearsalObjectPath } from '../../host/provision/runtime-seam';
import { MailRehearsal, startMailRehearsal } from '../../rehearsal/mail-system';
import { exampleWith } from '../support/configs';
import { deliver, eventually, imapsCurl, onHost, searchInbox, uniqueSubject } from '../support/mail-clients';
import { referenceDump } from '../support/reference-dump';

jest.setTimeout(300_000);

const DUMP = { bucket: 'old-mail-rehearsal', key: 'mail/maildb-20260101.sql' } as const;
const PASSWORDS = { alice: 'alice-Old-Server-1', bob: 'bob-Old-Server-2', dave: 'dave-Old-Server-4', erin: 'erin-Old-Server-5' } as const;
const DUMP_TEXT = referenceDump({
  domains: ['example.com', 'example.net', 'old.example.org'],
  mailboxes: [
    { id: 'alice@example.com', password: PASSWORDS.alice, clear: PASSWORDS.alice },
    // A bare $6$ hash, as Dovecot's default scheme CRYPT reads it.
    { id: 'bob@example.net', password: PASSWORDS.bob, schemePrefix: false },
    // The reference's default: a DES hash of a shared default password.
    { id: 'carol@example.com', crypt: 'sdtrusfX0Jj66' },
    // The reference's default maildir, which every such mailbox shared.
    { id: 'dave@old.example.org', password: PASSWORDS.dave, maildir: 'blah/' },
    // The other scheme of the reference's documentation.
    { id: 'erin@example.com', password: PASSWORDS.erin, scheme: 'SHA256-CRYPT' },
  ],
  aliases: [
    ['alice@example.com', 'alice@example.com'],
    ['info@example.com', 'alice@example.com,bob@example.net'],
    ['postmaster@example.com', 'postmaster@localhost'],
  ],
});

let mail: MailRehearsal;
const on = (command: string, allowFailure = false) => onHost(mail, 'mx1', command, { allowFailure });
/** SQL on the database stand-in, as its administrator (the local socket). */
const sql = async (statement: string) => (await onHost(mail, 'db', `mariadb --skip-ssl --batch --skip-column-names maildb -e ${JSON.stringify(statement)}`)).output.trim();
const logsIn = async (user: string, password: string) => (await imapsCurl(mail, user, password, 'INBOX', ['--request', 'EXAMINE INBOX'])).code === 0;
/** Checksums of every table of the mail database: equal means unchanged. */
const contentOfDatabase = () => sql('CHECKSUM TABLE domains, users, aliases, backups, relays, data_imports, schema_migrations');

beforeAll(async () => {
  mail = await startMailRehearsal({
    config: validateConfig(exampleWith({ migration: { databaseDumpS3Uri: `s3://${DUMP.bucket}/${DUMP.key}` }, testData: true }), 'example'),
    backupMx: false,
    objects: [{ ...DUMP, content: DUMP_TEXT }],
    tuneSpec: (spec) => ({ ...spec, postgrey: { delaySeconds: 2 }, fail2ban: { maxretry: 1000 } }),
  });
}, 900_000);

afterAll(async () => {
  await mail?.stop();
}, 120_000);

describe('the reference dump', () => {
  it('was imported at the first provisioning, recorded with its sha256, through a scratch database that is gone', async () => {
    const sha256 = createHash('sha256').update(DUMP_TEXT).digest('hex');
    expect(await sql(`SELECT source, sha256 FROM data_imports WHERE name = '${DATA_IMPORT_NAMES.referenceDump}'`)).toBe(`s3://${DUMP.bucket}/${DUMP.key}\t${sha256}`);
    expect((await on('journalctl --no-pager -o cat -u mirovoy-provision.service')).output).toMatch(
      /mirovoy-db-import: imported s3:\/\/old-mail-rehearsal\/mail\/maildb-20260101\.sql: 1 domains, 5 mailboxes \(1 with a DES password hash.*\), 1 aliases/,
    );
    expect(await sql(`SHOW DATABASES LIKE '${IMPORT_SCRATCH_DATABASE}'`)).toBe('');
    expect(await sql(`SELECT COUNT(*) FROM mysql.user WHERE user = '${IMPORT_SCRATCH_DATABASE}'`)).toBe('0');
  });

  it('left no cleartext, no DES hash, no shared maildir, and none of the reference rows for local delivery', async () => {
    expect(await sql("SELECT COUNT(*) FROM users WHERE clear <> ''")).toBe('0');
    expect(await sql("SELECT id, crypt = '' FROM users WHERE id LIKE 'carol@%'")).toBe('carol@example.com\t1');
    expect(await sql("SELECT home, maildir, uid, gid FROM users WHERE id = 'dave@old.example.org'")).toBe('/var/spool/mail/virtual\told.example.org/dave/\t5000\t5000');
    expect(await sql("SELECT COUNT(*) FROM domains WHERE domain LIKE 'localhost%'")).toBe('0');
    expect(await sql("SELECT mail FROM aliases WHERE mail NOT IN ('karl@example.com', '@example.net') ORDER BY mail")).toBe('info@example.com');
  });

  it('its users log in over IMAPS with their SHA512-CRYPT (prefixed or bare) and SHA256-CRYPT passwords; a DES one cannot', async () => {
    expect(await logsIn('alice@example.com', PASSWORDS.alice)).toBe(true);
    expect(await logsIn('erin@example.com', PASSWORDS.erin)).toBe(true);
    expect(await logsIn('erin@example.com', PASSWORDS.alice)).toBe(false);
    expect(await logsIn('bob@example.net', PASSWORDS.bob)).toBe(true);
    expect(await logsIn('dave@old.example.org', PASSWORDS.dave)).toBe(true);
    expect(await logsIn('alice@example.com', 'ChangeMe')).toBe(false);
    expect(await logsIn('carol@example.com', 'ChangeMe')).toBe(false);
  });

  it('its aliases deliver: info@ reaches alice and bob', async () => {
    const subject = uniqueSubject('to-an-imported-alias');
    expect((await deliver(mail, ['--to', 'info@example.com', '--from', 'someone@sender.test', '--header', `Subject: ${subject}`])).output).toMatch(/<[~-]*\s+250 .*queued/);
    expect(await eventually(async () => (await searchInbox(mail, 'alice@example.com', PASSWORDS.alice, subject)).length, 60_000)).toBe(1);
    expect(await eventually(async () => (await searchInbox(mail, 'bob@example.net', PASSWORDS.bob, subject)).length, 60_000)).toBe(1);
  });

  it('is not imported again by a later provision run: a mailbox removed after the import stays removed', async () => {
    await on('mirovoy-admin user remove bob@example.net');
    const run = await mail.converge('mx1');
    expect(run.code).toBe(0);
    expect(run.log).toMatch(/mirovoy-db-import: reference-dump: imported already \(.* UTC: 1 domains, 5 mailboxes/);
    expect(await sql("SELECT COUNT(*) FROM users WHERE id = 'bob@example.net'")).toBe('0');
    expect(await logsIn('bob@example.net', PASSWORDS.bob)).toBe(false);
  });
});

describe('the test data', () => {
  it('was loaded once: xandros and vivita log in with the passwords of the secret test-data', async () => {
    const passwords = mail.testDataPasswords!;
    expect(await sql(`SELECT COUNT(*) FROM data_imports WHERE name = '${DATA_IMPORT_NAMES.testData}'`)).toBe('1');
    expect(await logsIn('xandros@example.com', passwords.xandros)).toBe(true);
    expect(await logsIn('vivita@example.com', passwords.vivita)).toBe(true);
    expect(await logsIn('xandros@example.com', passwords.vivita)).toBe(false);
    // Hashes only: the passwords are nowhere in the database or the provisioning journal.
    expect(await sql("SELECT crypt LIKE '{SHA512-CRYPT}$6$%', clear = '' FROM users WHERE id = 'xandros@example.com'")).toBe('1\t1');
    const journal = (await on('journalctl --no-pager -o cat -u mirovoy-provision.service')).output;
    expect(journal).toContain('mirovoy-db-import: loaded the test data');
    expect(journal).not.toContain(passwords.xandros);
  });

  it("karl@ reaches both, and example.net's catch-all reaches xandros", async () => {
    const passwords = mail.testDataPasswords!;
    const subject = uniqueSubject('to-the-sample-aliases');
    for (const to of ['karl@example.com', 'anyone@example.net']) {
      expect((await deliver(mail, ['--to', to, '--from', 'someone@sender.test', '--header', `Subject: ${subject}`])).output).toMatch(/<[~-]*\s+250 .*queued/);
    }
    expect(await eventually(async () => (await searchInbox(mail, 'xandros@example.com', passwords.xandros, subject)).length === 2, 60_000)).toBe(true);
    expect(await eventually(async () => (await searchInbox(mail, 'vivita@example.com', passwords.vivita, subject)).length, 60_000)).toBe(1);
  });
});

describe('a dump that is not the reference', () => {
  // Another dump at the same place, as if the first had never been imported (its record set aside).
  const offer = async (text: string) => {
    await sql(`UPDATE data_imports SET name = 'set-aside' WHERE name = '${DATA_IMPORT_NAMES.referenceDump}'`);
    try {
      mail.rehearsal.host('mx1').writeFile({ path: rehearsalObjectPath(DUMP.bucket, DUMP.key), content: text, mode: 0o600 });
      const before = await contentOfDatabase();
      const run = await mail.converge('mx1');
      // systemd runs a failed provisioning again (with a growing delay); the next offer starts afresh.
      await on('systemctl stop mirovoy-provision.service; systemctl reset-failed mirovoy-provision.service', true);
      expect(run.code).not.toBe(0);
      expect(await contentOfDatabase()).toBe(before);
      expect(await sql(`SHOW DATABASES LIKE '${IMPORT_SCRATCH_DATABASE}'`)).toBe('');
      return run.log;
    } finally {
      await sql(`UPDATE data_imports SET name = '${DATA_IMPORT_NAMES.referenceDump}' WHERE name = 'set-aside'`);
    }
  };

  it('with other tables (a PostfixAdmin dump) is refused, naming what is missing, and the database is unchanged', async () => {
    const postfixAdmin = [
      'DROP TABLE IF EXISTS `mailbox`;',
      "CREATE TABLE `mailbox` (`username` varchar(255) NOT NULL, `password` varchar(255) NOT NULL, PRIMARY KEY (`username`)) ENGINE=InnoDB;",
      "INSERT INTO `mailbox` VALUES ('eve@example.com','{SHA512-CRYPT}$6$x$y');",
      'DROP TABLE IF EXISTS `users`;',
      "CREATE TABLE `users` (`id` varchar(128) NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB;",
      "INSERT INTO `users` VALUES ('eve@example.com');",
    ].join('\n');
    const log = await offer(postfixAdmin);
    expect(log).toMatch(/was not imported, the mail database is unchanged: it does not have the reference's mail tables[\s\S]*no column domains\.domain[\s\S]*no column users\.crypt/);
    expect(await sql("SELECT COUNT(*) FROM users WHERE id = 'eve@example.com'")).toBe('0');
  });

  it('cut off halfway (a failed upload) is refused, and the database is unchanged', async () => {
    const log = await offer(DUMP_TEXT.slice(0, DUMP_TEXT.indexOf("INSERT INTO `users`") + 60));
    expect(log).toMatch(/was not imported, the mail database is unchanged: it does not load into a scratch database.*: ERROR 1064/);
    // The client quotes the failing statement; the journal gets its error only (rows hold hashes and cleartext).
    expect(log).not.toMatch(/INSERT INTO `users`|alice@example.com','alice'/);
  });

  it('naming a database (mysqldump --databases) is refused before anything is loaded', async () => {
    const log = await offer(`CREATE DATABASE /*!32312 IF NOT EXISTS*/ \`maildb\`;\nUSE \`maildb\`;\n${DUMP_TEXT}`);
    expect(log).toMatch(/it names a database \(USE or CREATE DATABASE\): make it with 'mysqldump --add-drop-table <database>', without --databases/);
  });
});

/**
 * The README's `doveadm backup` command ("The maildirs from a server outside AWS"), run as written
 * with only the names replaced: this primary's own Dovecot over IMAPS stands in for the old server
 * (its folders are under `INBOX.` like a Flurdy server's), erin's mailbox is the old one.
 */
describe('moving the maildirs', () => {
  const NEW_MAILBOX = { address: 'frank@example.com', password: 'frank-New-Server-6' } as const;
  /** The README's command block, pointed at the stand-in, from erin into frank. */
  const readmeCommand = (): string => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const block = /\*\*`doveadm backup`\*\*[\s\S]*?```bash\n([\s\S]*?)```/.exec(readme)?.[1];
    if (!block?.includes('imapc_user=alice@example.com') || !block.includes('backup -R -u alice@example.com imapc:')) {
      throw new Error('README: the doveadm backup block is not where this test looks for it');
    }
    return block
      .split('\n')
      .filter((line) => !line.startsWith('read '))
      .join('\n')
      .replaceAll('old.example.org', mail.primaryHostname)
      .replace('imapc_user=alice@example.com', 'imapc_user=erin@example.com')
      .replace('backup -R -u alice@example.com', `backup -R -u ${NEW_MAILBOX.address}`);
  };
  const pull = () => on(`PASSWORD=${JSON.stringify(PASSWORDS.erin)}\n${readmeCommand()}`);
  /** Folder, UID, flags and subject of every message of a mailbox, sorted (without `\Recent`, which belongs to a session). */
  const messagesOf = async (user: string) =>
    (await on(`doveadm -f tab fetch -u ${user} 'mailbox uid flags hdr.subject' all`)).output.trim().split('\n').slice(1).map((line) => line.replace(/ ?\\Recent/, '')).sort();
  const save = (folder: string, subject: string) => on(`printf 'From: someone@sender.test\\nSubject: ${subject}\\n\\nkept\\n' | doveadm save -u erin@example.com -m ${folder}`);

  it("copies the old mailbox's folders, flags and UIDs into the new one, and again only what changed", async () => {
    await on(`printf '%s\\n%s\\n' '${NEW_MAILBOX.password}' '${NEW_MAILBOX.password}' | mirovoy-admin user add ${NEW_MAILBOX.address}`);
    await on('doveadm mailbox create -u erin@example.com INBOX.Archive');
    await save('INBOX', 'old-inbox-message');
    await save('INBOX.Archive', 'old-archived-message');
    await on("doveadm flags add -u erin@example.com '\\Flagged' mailbox INBOX all");

    expect((await pull()).code).toBe(0);
    const copied = await messagesOf(NEW_MAILBOX.address);
    expect(copied).toEqual(await messagesOf('erin@example.com'));
    expect(copied.join('\n')).toMatch(/^INBOX\t1\t.*\\Flagged.*\told-inbox-message$/m);
    expect(copied.join('\n')).toMatch(/^INBOX\.Archive\t1\t.*\told-archived-message$/m);
    const uidValidity = (user: string) => on(`doveadm -f flow mailbox status -u ${user} uidvalidity INBOX`).then((r) => r.output.trim());
    expect(await uidValidity(NEW_MAILBOX.address)).toBe(await uidValidity('erin@example.com'));

    // Mail that reached the old server meanwhile comes with the next run.
    await save('INBOX', 'arrived-meanwhile');
    expect((await pull()).code).toBe(0);
    expect(await messagesOf(NEW_MAILBOX.address)).toEqual(await messagesOf('erin@example.com'));
    expect(await logsIn(NEW_MAILBOX.address, NEW_MAILBOX.password)).toBe(true);
  });
});
