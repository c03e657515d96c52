/**
 * Backups, rehearsed with a restore: the primary's nightly dump of the mail database (its timer,
 * the dump-only account, the upload through mirovoy-store into the rehearsal's backup store,
 * /var/lib/mirovoy/backup.json), a failed dump that stays visible, `mirovoy-restore` refusing
 * what it should, then a lost database restored (users log in again with their passwords over
 * IMAPS and read their mail; the restore time is printed), and the spool volume of the primary
 * copied as an image (an EBS snapshot's stand-in) onto a fresh instance, which serves the same mail.
 * The example config's primary, booted from its exact user data, with a spool volume.
 */
import { MAIL_TLS_FILES } from '../../adapters/mail-host-spec';
import { BACKUP_STATE_FILE, DB_DUMP_UNIT } from '../../host/backup';
import { REHEARSAL_STORE_DIRECTORY } from '../../host/provision/runtime-seam';
import { databaseSecretFile } from '../../host/secrets';
import { MailRehearsal, startMailRehearsal } from '../../rehearsal/mail-system';
import { progress } from '../../rehearsal/progress';
import { deliver, eventually, imapsCurl, onHost, searchInbox, uniqueSubject } from '../support/mail-clients';

jest.setTimeout(180_000);

const USERS = { alice: 'alice-Backup-1', bob: 'bob-Backup-2' } as const;
type User = keyof typeof USERS;
const address = (user: User) => `${user}@example.com`;

let mail: MailRehearsal;
/** Subjects each user has in INBOX. */
const delivered: Record<User, string[]> = { alice: [], bob: [] };

const on = (host: 'mx1' | 'db', command: string, allowFailure = false) => onHost(mail, host, command, { allowFailure });
/** SQL on the database stand-in, as its administrator (the local socket). */
const sql = (statement: string) => on('db', `mariadb --skip-ssl --batch --skip-column-names maildb -e ${JSON.stringify(statement)}`);

const send = async (user: User, label: string) => {
  const subject = uniqueSubject(label);
  const result = await deliver(mail, ['--to', address(user), '--from', 'someone@sender.test', '--header', `Subject: ${subject}`, '--body', `${label} for ${user}`]);
  expect(result.output).toMatch(/<[~-]*\s+250 .*queued/);
  delivered[user].push(subject);
  await eventually(async () => (await searchInbox(mail, address(user), USERS[user], subject)).length === 1, 60_000);
};

/** Every subject delivered to the user is in INBOX, read over IMAPS with the user's password. */
const readsAllMail = async (user: User) => {
  for (const subject of delivered[user]) expect(await searchInbox(mail, address(user), USERS[user], subject)).toHaveLength(1);
};

const startDump = () => on('mx1', `systemctl start ${DB_DUMP_UNIT}.service`, true);
const dumpResult = async () => (await on('mx1', `systemctl show -p Result --value ${DB_DUMP_UNIT}.service`)).output.trim();
const backupState = async (): Promise<{ finished: string; key: string; bytes: number; sha256: string }> => JSON.parse((await on('mx1', `cat ${BACKUP_STATE_FILE}`)).output);

beforeAll(async () => {
  mail = await startMailRehearsal({
    backupMx: false,
    primaryVolumes: { spool: 256 },
    tuneSpec: (spec) => ({ ...spec, postgrey: { delaySeconds: 2 }, fail2ban: { maxretry: 1000 } }),
  });
  for (const user of Object.keys(USERS) as User[]) {
    await onHost(mail, 'mx1', `mirovoy-admin user add ${address(user)}`, { input: `${USERS[user]}\n` });
    await send(user, 'before the dump');
  }
}, 900_000);

afterAll(async () => {
  await mail?.stop();
}, 120_000);

describe('the nightly dump', () => {
  it('is scheduled by a timer with a randomized delay', async () => {
    const timer = await on('mx1', `systemctl is-active ${DB_DUMP_UNIT}.timer; systemctl show -p TimersCalendar -p RandomizedDelayUSec ${DB_DUMP_UNIT}.timer`);
    expect(timer.output).toMatch(/^active\n/);
    expect(timer.output).toMatch(/TimersCalendar=.*OnCalendar=\*-\*-\* 02:30:00 UTC/);
    expect(timer.output).toMatch(/RandomizedDelayUSec=30min/);
  });

  it('dumps the database into the backup store and records it in backup.json', async () => {
    expect((await startDump()).code).toBe(0);
    const state = await backupState();
    expect(state.key).toMatch(/^database\/maildb\/\d{8}T\d{6}Z\.sql\.gz$/);
    expect(Date.now() - Date.parse(state.finished)).toBeLessThan(120_000);
    const object = await on('mx1', `stat -c %s ${REHEARSAL_STORE_DIRECTORY}/backups/${state.key} && sha256sum ${REHEARSAL_STORE_DIRECTORY}/backups/${state.key}`);
    const [bytes, sha256] = object.output.trim().split(/\s+/);
    expect([Number(bytes), sha256]).toEqual([state.bytes, state.sha256]);
    // The users' rows and the schema version are in it; the mail database's content, nothing else.
    const content = await on('mx1', `gzip -dc ${REHEARSAL_STORE_DIRECTORY}/backups/${state.key}`);
    expect(content.output).toContain("'alice@example.com'");
    expect(content.output).toMatch(/CREATE TABLE `schema_migrations`/);
    expect(content.output).not.toMatch(/^CREATE DATABASE/m);
    const journal = await on('mx1', `journalctl --no-pager -o cat -u ${DB_DUMP_UNIT}.service`);
    expect(journal.output).toContain(`mirovoy-db-dump: done: ${state.key}`);
  });

  it('runs as an account that can read the mail database and change nothing', async () => {
    const client = `mariadb --defaults-extra-file=${databaseSecretFile('dump').path} --user=mirovoy_dump --ssl-ca=${MAIL_TLS_FILES.databaseCaFile} --ssl-verify-server-cert maildb`;
    expect((await on('mx1', `${client} --batch --skip-column-names -e 'SELECT COUNT(*) FROM users'`)).output.trim()).toBe('2');
    const attempt = await on('mx1', `${client} -e 'DELETE FROM users'`, true);
    expect(attempt.code).not.toBe(0);
    expect(attempt.output).toMatch(/DELETE command denied to user 'mirovoy_dump'/);
  });

  it('a failed dump leaves the unit failed and backup.json naming the last good dump', async () => {
    const before = await backupState();
    const optionFile = databaseSecretFile('dump').path;
    await on('mx1', `cp -p ${optionFile} /root/dump.cnf && sed -i 's/^password = .*/password = wrong/' ${optionFile}`);
    try {
      expect((await startDump()).code).not.toBe(0);
      expect(await dumpResult()).toBe('exit-code');
      expect(await backupState()).toEqual(before);
      const journal = await on('mx1', `journalctl --no-pager -o cat -u ${DB_DUMP_UNIT}.service -n 5`);
      expect(journal.output).toMatch(/Access denied for user 'mirovoy_dump'[\s\S]*mariadb-dump failed/);
    } finally {
      await on('mx1', `mv /root/dump.cnf ${optionFile} && systemctl reset-failed ${DB_DUMP_UNIT}.service`);
    }
  });
});

describe('mirovoy-restore', () => {
  it('refuses without --confirm, after checking the dump, and changes nothing', async () => {
    const rows = (await sql('SELECT COUNT(*) FROM users')).output.trim();
    const dryRun = await on('mx1', 'mirovoy-restore database --latest', true);
    expect(dryRun.code).toBe(2);
    expect(dryRun.output).toMatch(/dump checked: \d+ bytes, sha256 [0-9a-f]{64}, Dump completed/);
    expect(dryRun.output).toMatch(/nothing was changed: add --confirm/);
    expect((await sql('SELECT COUNT(*) FROM users')).output.trim()).toBe(rows);
  });

  it('refuses a damaged dump before it touches the database', async () => {
    const { key } = await backupState();
    await on('mx1', `gzip -dc ${REHEARSAL_STORE_DIRECTORY}/backups/${key} | head -n 40 | gzip > /root/cut.sql.gz`);
    const cut = await on('mx1', 'mirovoy-restore database --file /root/cut.sql.gz --confirm', true);
    expect(cut.code).toBe(1);
    expect(cut.output).toMatch(/does not end with '-- Dump completed'.*nothing was changed/);
    expect((await sql("SHOW DATABASES LIKE 'maildb\\_%'")).output.trim()).toBe('');
  });

  it('restores a lost database: users log in with their passwords again and read their mail', async () => {
    // The loss: every mail table gone, as a bad migration or a stolen master password could do.
    await sql('DROP TABLE users, aliases, domains, backups, relays, schema_migrations');
    const denied = await imapsCurl(mail, address('alice'), USERS.alice, 'INBOX', ['--request', 'NOOP']);
    expect(denied.code).not.toBe(0);

    const started = Date.now();
    const restore = await on('mx1', 'mirovoy-restore database --latest --confirm');
    const seconds = (Date.now() - started) / 1000;
    progress(`restore of the mail database from its dump: ${seconds.toFixed(1)} s`);
    console.log(`mirovoy-restore took ${seconds.toFixed(1)} s:\n${restore.output}`);
    expect(restore.output).toMatch(/users: 2 rows/);
    expect(restore.output).toMatch(/restored maildb from database\/maildb\/\d{8}T\d{6}Z\.sql\.gz/);

    for (const user of Object.keys(USERS) as User[]) await readsAllMail(user);
    // Postfix finds the mailboxes again: new mail is accepted and delivered.
    await send('alice', 'after the restore');
    // What the restore replaced is kept, and the staging database is gone.
    const databases = (await sql("SHOW DATABASES LIKE 'maildb\\_%'")).output.trim().split('\n');
    expect(databases).toEqual([expect.stringMatching(/^maildb_pre_restore_\d{8}T\d{6}Z$/)]);
  });
});

describe('the spool volume, restored onto a fresh instance', () => {
  it('a snapshot of the spool volume brings every mailbox to a new primary', async () => {
    // Mail that arrived after the last dump lives only on the volume.
    await send('bob', 'only on the volume');
    await on('mx1', 'echo old > /root/old-instance');
    const mounted = await on('mx1', 'findmnt -n -o SOURCE,TARGET -T /var/spool/mail/virtual; findmnt -n -o TARGET -T /var/spool/amavis/quarantine');
    expect(mounted.output).toMatch(/^\/dev\/sdf \/var\/spool\n\/var\/spool\n$/);

    const snapshot = await mail.snapshotVolume('mx1', 'spool');
    const started = Date.now();
    await mail.replaceHost('mx1', { spool: snapshot });
    progress(`fresh primary on the spool snapshot mail-ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);

    // A new root file system; the volume was mounted as it was, not formatted.
    expect((await on('mx1', 'test -e /root/old-instance', true)).code).not.toBe(0);
    const journal = await on('mx1', 'journalctl --no-pager -o cat -u mirovoy-provision.service');
    expect(journal.output).toMatch(/mounted mirovoy-spool \(vol-[0-9a-f]+\) on \/var\/spool/);
    expect(journal.output).not.toMatch(/formatting/);
    for (const user of Object.keys(USERS) as User[]) await readsAllMail(user);
    // And a message's text, not only its subject.
    const [uid] = await searchInbox(mail, address('bob'), USERS.bob, delivered.bob[delivered.bob.length - 1]);
    const body = await imapsCurl(mail, address('bob'), USERS.bob, `INBOX;UID=${uid}`);
    expect(body.output).toContain('only on the volume for bob');
  }, 900_000);
});
