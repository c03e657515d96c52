#!/usr/bin/php
<?php
// mirovoy-roundcube-schema: Roundcube's database schema, created when absent and upgraded otherwise.
// Usage: mirovoy-roundcube-schema [--wait <seconds>]   (run by mirovoy-provision on a webmail host)
//
// What Debian's roundcube package leaves out of upstream's bin/initdb.sh, and upstream's
// bin/updatedb.sh --package=roundcube, in one run that holds a database lock (GET_LOCK), so two
// webmail hosts booting together (an auto-scaling group replacing its instance) take turns:
// - no `system` table: rcmail_utils::db_init() runs the package's <provider>.initial.sql;
// - otherwise rcmail_utils::db_update() applies the package's numbered migrations newer than the
//   `roundcube-version` row (none: nothing changes). The initial SQL is never rewritten or re-run,
//   which is how the reference bumped the version without migrating.
// The connection is Roundcube's own (db_dsnw of /etc/roundcube/config.inc.php: TLS, CA verified).
define('INSTALL_PATH', '/var/lib/roundcube/');
const SQL_DIRECTORY = INSTALL_PATH . 'SQL';
const LOCK_NAME = 'mirovoy_roundcube_schema';

require_once INSTALL_PATH . 'program/include/clisetup.php';

function fail(string $message): never
{
    fwrite(STDERR, "mirovoy-roundcube-schema: $message\n");
    exit(1);
}

$wait = 0;
$args = array_slice($argv, 1);
while ($args) {
    $option = array_shift($args);
    if ($option !== '--wait' || !preg_match('/^\d+$/', $value = (string) array_shift($args))) {
        fail("unknown argument '$option' (usage: mirovoy-roundcube-schema [--wait <seconds>])");
    }
    $wait = (int) $value;
}

// rcmail_utils::db() ends the script when it cannot connect: wait on a connection of our own first.
$config = rcube::get_instance()->config;
$deadline = time() + $wait;
while (true) {
    $probe = rcube_db::factory($config->get('db_dsnw'));
    $probe->db_connect('w');
    if ($probe->is_connected()) {
        $probe->closeConnection();
        break;
    }
    if (time() >= $deadline) {
        fail('the database did not accept a connection: ' . $probe->is_error());
    }
    echo "mirovoy-roundcube-schema: waiting for the database: {$probe->is_error()}\n";
    sleep(5);
}
// The connection db_init() and db_update() use, which holds the lock.
$db = rcmail_utils::db();
$db->query('SELECT GET_LOCK(?, 600)', LOCK_NAME);
$locked = $db->fetch_array();
if (!$locked || (string) $locked[0] !== '1') {
    fail('could not take the lock ' . LOCK_NAME . ' within 600 s; nothing was changed');
}
if (!in_array($db->table_name('system'), (array) $db->list_tables(), true)) {
    rcmail_utils::db_init(SQL_DIRECTORY);
    echo "mirovoy-roundcube-schema: created the schema, version " . rcmail_utils::db_version() . "\n";
} else {
    $before = rcmail_utils::db_version();
    if (!rcmail_utils::db_update(SQL_DIRECTORY, 'roundcube', null, ['errors' => true, 'quiet' => true])) {
        fail("updating the schema from version $before failed");
    }
    $after = rcmail_utils::db_version();
    echo $before === $after
        ? "mirovoy-roundcube-schema: schema version $after is current\n"
        : "mirovoy-roundcube-schema: upgraded the schema from version $before to $after\n";
}
$db->query('SELECT RELEASE_LOCK(?)', LOCK_NAME);
