<?php
// The load balancer's health check of a phpMyAdmin host (GET /mirovoy-health), and the provision
// step's check before Apache is (re)started (php -f: exit 1 on a problem): 200 "ok" only when
// phpMyAdmin's configuration loads with its run-time files — one server, its host name, the CA of
// its certificate, a cookie key of the 32 bytes phpMyAdmin's sodium encryption takes — and the
// mysqli extension is there; 503 with the reason otherwise. The database itself is not asked:
// phpMyAdmin holds no account to ask with, and an outage of the database is no reason to
// replace the web host.
header('Content-Type: text/plain; charset=utf-8');
header('Cache-Control: no-store');

function answer(int $status, string $text): never
{
    http_response_code($status);
    echo $text, "\n";
    exit($status === 200 ? 0 : 1);
}

define('PHPMYADMIN_ROOT', '/usr/share/phpmyadmin/');
if (!is_readable(PHPMYADMIN_ROOT . 'index.php')) {
    answer(503, 'phpMyAdmin is not installed');
}
if (!extension_loaded('mysqli')) {
    answer(503, 'the mysqli extension is not loaded');
}
$cfg = [];
require '/etc/phpmyadmin/config.inc.php';
$server = $cfg['Servers'][1] ?? [];
$secret = $cfg['blowfish_secret'] ?? '';
if (!is_string($secret) || strlen($secret) !== 32) {
    answer(503, 'blowfish_secret (secret phpmyadmin-blowfish-secret) is not 32 bytes');
}
if (count($cfg['Servers'] ?? []) !== 1 || ($server['host'] ?? '') === '') {
    answer(503, 'not exactly one database server with a host name');
}
if (!($server['ssl'] ?? false) || !($server['ssl_verify'] ?? false) || !is_readable($server['ssl_ca'] ?? '')
    || !str_contains((string) file_get_contents($server['ssl_ca']), '-----BEGIN CERTIFICATE-----')) {
    answer(503, 'no verified TLS to the database: ssl, ssl_verify or a readable ssl_ca certificate missing');
}
answer(200, 'ok');
