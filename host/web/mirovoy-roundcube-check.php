<?php
// The check mirovoy-provision runs before Apache (re)starts on a webmail host: Roundcube's config
// loads with its run-time secrets, and des_key is the 24 characters its 3DES cipher takes (a key of
// another length would fail every login only after the restart).
include '/etc/roundcube/config.inc.php';
if (strlen($config['des_key'] ?? '') !== 24) {
    fwrite(STDERR, "des_key (secret roundcube, field des_key) must be exactly 24 characters\n");
    exit(1);
}
