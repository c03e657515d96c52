<?php
// The load balancer's health check of a webmail host (GET /mirovoy-health): 200 "ok" only when
// Roundcube's configuration loads, its database answers over its TLS connection and holds the
// schema (a `roundcube-version` row); 503 with the reason otherwise. Roundcube's own page would
// answer 200 on a login form whose first login then fails.
define('INSTALL_PATH', '/var/lib/roundcube/');
require_once INSTALL_PATH . 'program/include/iniset.php';

header('Content-Type: text/plain; charset=utf-8');
header('Cache-Control: no-store');

function answer(int $status, string $text): never
{
    http_response_code($status);
    echo $text, "\n";
    exit;
}

$rcube = rcube::get_instance(rcube::INIT_WITH_DB);
$db = $rcube->get_dbh();
$db->db_connect('r');
if (!$db->is_connected()) {
    answer(503, 'database unreachable');
}
$db->query('SELECT `value` FROM ' . $db->table_name('system', true) . ' WHERE `name` = ?', 'roundcube-version');
$row = $db->fetch_array();
if (!$row) {
    answer(503, 'no Roundcube schema in the database');
}
answer(200, 'ok');
