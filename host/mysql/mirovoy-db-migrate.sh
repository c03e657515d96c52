#!/bin/bash
# mirovoy-db-migrate: its configuration (DB_PORT, MIGRATIONS, ACCOUNTS, ...) is generated
# by host/mysql/index.ts and placed at the top of the installed script. Primary only, as root.
# Usage: mirovoy-db-migrate [--wait <seconds>] [--lock-wait <seconds>] [--then <program>]
#
# The schema step: applies the mail-schema migrations and ensures every service account (the
# backup MX's Postfix account included), in one database session that holds GET_LOCK for its
# whole duration, so runs take turns instead of racing (a restore and the provision timer, an old
# and a new primary). It is the one program on any host that holds the master credential, and only
# while it runs: fetched from the seam, written to MASTER_OPTION_FILE (root-only) for the mariadb
# client, removed when the script exits, whether it succeeded or not. Work that needs the master
# belongs in here, between the migrations and the release of the lock: `--then <program>` runs
# one (mirovoy-db-import) there, with the option file present and the lock held; its failure is
# this script's failure.
# Exit 1 with a message: a refusal (an edited migration, the lock held elsewhere) or a failure;
# nothing after the point of failure was applied.
set -euo pipefail

die() { echo "mirovoy-db-migrate: $*" >&2; exit 1; }

db_wait='' lock_wait=$LOCK_WAIT_SECONDS then_program=''
while (($#)); do
  case $1 in
    --wait) db_wait=${2:?--wait needs seconds} ;;
    --lock-wait) lock_wait=${2:?--lock-wait needs seconds} ;;
    --then) then_program=${2:?--then needs a program} ;;
    *) die "unknown argument '$1' (usage: mirovoy-db-migrate [--wait <seconds>] [--lock-wait <seconds>] [--then <program>])" ;;
  esac
  shift 2
done
[[ $db_wait =~ ^[0-9]*$ && $lock_wait =~ ^[0-9]+$ ]] || die "--wait and --lock-wait take whole seconds"

# The value of "password" in the [client] group of a secret option file.
password_from() {
  [[ -r $1 ]] || die "secret file $1 is missing or unreadable; the provision step writes it before this script runs"
  local value
  value=$(my_print_defaults --defaults-file="$1" client | sed -n 's/^--password=//p' | tail -n 1)
  [[ -n $value ]] || die "no password in the [client] group of $1"
  [[ $value =~ $SECRET_VALUE ]] || die "the password in $1 has characters outside $SECRET_VALUE"
  printf '%s' "$value"
}

# The master's option file, from the seam. RDS generates the password itself and allows any
# printable ASCII in it but / @ ", so any printable ASCII is written: MariaDB's option-file parser
# takes a value in double quotes whole (# ; ' and spaces included) and turns \\ and \" back into \
# and " (mysys/my_default.c, https://mariadb.com/kb/en/configuring-mariadb-with-option-files/).
# Call it only in the main shell: a failing $(...) inside another command would not stop it.
write_master_option_file() {
  local host user password LC_ALL=C printable='^[ -~]+$'
  host=$("$FETCH" setting "$DB_HOST_SETTING") || die "no run-time setting $DB_HOST_SETTING (instance tag mirovoy:$DB_HOST_SETTING on EC2)"
  [[ $host =~ $DB_HOST_VALUE ]] || die "setting $DB_HOST_SETTING is not a host name: '$host'"
  user=$("$FETCH" secret "$MASTER_SECRET" username) || die "could not fetch the secret $MASTER_SECRET (only the primary may read it)"
  [[ $user =~ $SECRET_VALUE ]] || die "secret $MASTER_SECRET (username) has characters outside $SECRET_VALUE"
  password=$("$FETCH" secret "$MASTER_SECRET" password) || die "could not fetch the secret $MASTER_SECRET (only the primary may read it)"
  [[ $password =~ $printable ]] || die "secret $MASTER_SECRET (password) has characters other than printable ASCII"
  password=${password//\\/\\\\}
  install -d -m "$PRIVATE_DIRECTORY_MODE" "$PRIVATE_DIRECTORY"
  (umask 077 && printf '[client]\nhost = %s\nuser = %s\npassword = "%s"\n' "$host" "$user" "${password//\"/\\\"}" >"$MASTER_OPTION_FILE")
}

# <seconds>: wait until the server accepts the master user (a database that is still starting
# refuses connections or, while its users are being restored, logins).
wait_for_database() {
  local deadline=$((SECONDS + $1)) error
  until error=$(mariadb --defaults-extra-file="$MASTER_OPTION_FILE" --port="$DB_PORT" \
    "${TLS_ARGS[@]}" --batch --execute='SELECT 1' 2>&1 >/dev/null); do
    ((SECONDS < deadline)) || die "the database did not accept a connection within $1 s: $error"
    echo "mirovoy-db-migrate: waiting for the database: $error"
    sleep 5
  done
}

# One run at a time on this host: every run writes and removes the same master option file.
exec 7>/run/lock/mirovoy-db-migrate
flock 7
trap 'rm -f "$MASTER_OPTION_FILE"' EXIT
write_master_option_file
if [[ -n $db_wait ]]; then wait_for_database "$db_wait"; fi

coproc DB {
  exec mariadb --defaults-extra-file="$MASTER_OPTION_FILE" --port="$DB_PORT" \
    "${TLS_ARGS[@]}" --batch --skip-column-names --unbuffered 2>&1
}
DB_IN=${DB[1]}
DB_OUT=${DB[0]}
# Bash unsets DB_PID once the coprocess has exited; keep it for the final wait.
DB_PROCESS=$DB_PID

# Sends SQL to the session and prints its output. On an error the client exits; the
# server's message is shown unless a label is given (SQL holding a password).
run_sql() {
  local sql=$1 label=${2:-} line output=''
  printf '%s\nSELECT %s;\n' "$sql" "'-- mirovoy done --'" >&"$DB_IN" || true
  while IFS= read -r -t 600 line <&"$DB_OUT"; do
    if [[ $line == '-- mirovoy done --' ]]; then
      printf '%s' "$output"
      return 0
    fi
    output+="$line"$'\n'
  done
  [[ -n $label ]] && die "database error while $label"
  die "database error: $output"
}

[[ $(run_sql "SELECT GET_LOCK('$LOCK_NAME', $lock_wait);") == 1 ]] ||
  die "could not take the lock $LOCK_NAME within $lock_wait s: another run holds it (SELECT IS_USED_LOCK('$LOCK_NAME') names its connection); nothing was changed"
run_sql "CREATE DATABASE IF NOT EXISTS $DB_NAME CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; USE $DB_NAME;" >/dev/null
run_sql "CREATE TABLE IF NOT EXISTS schema_migrations (
  version INT UNSIGNED NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  checksum CHAR(64) NOT NULL,
  applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;" >/dev/null

# Every recorded checksum is compared before anything is applied, so an edited migration stops the
# run with nothing changed, whatever its place in the list.
pending=()
for entry in "${MIGRATIONS[@]}"; do
  read -r version file checksum <<<"$entry"
  recorded=$(run_sql "SELECT checksum FROM schema_migrations WHERE version = $version;")
  if [[ -z $recorded ]]; then pending+=("$entry")
  elif [[ $recorded != "$checksum" ]]; then
    die "migration $file was applied with checksum $recorded but ships with $checksum: add a new migration instead of editing one; nothing was changed"
  fi
done
for entry in "${pending[@]}"; do
  read -r version file checksum <<<"$entry"
  run_sql "$(<"$SHARE_DIRECTORY/migrations/$file")
INSERT INTO schema_migrations (version, name, checksum) VALUES ($version, '$file', '$checksum');" >/dev/null
  echo "mirovoy-db-migrate: applied $file"
done

for entry in "${ACCOUNTS[@]}"; do
  read -r user secret_file <<<"$entry"
  account="'$user'@'$ACCOUNT_HOST'"
  password=$(password_from "$secret_file")
  # Both statements work on MySQL 8.4 and MariaDB 11.8; ALTER applies a rotated password.
  run_sql "CREATE USER IF NOT EXISTS $account IDENTIFIED BY '$password';
ALTER USER $account IDENTIFIED BY '$password';" "setting the password of $account" >/dev/null
  unset password
  run_sql "$(<"$SHARE_DIRECTORY/grants/$user.sql")" >/dev/null
done

# The config's mail domains, so mailboxes can be added at once. Only added: a domain already there
# keeps its row (an operator's "enabled = 0" stays), and one dropped from the config is left for
# the operator to remove with mirovoy-admin, as it may still hold mailboxes and aliases. The names
# are checked lower-case FQDNs (host/spec.ts), safe inside the quotes.
for domain in "${MAIL_DOMAINS[@]}"; do
  if [[ $(run_sql "INSERT IGNORE INTO domains (domain) VALUES ('$domain'); SELECT ROW_COUNT();") == 1 ]]; then
    echo "mirovoy-db-migrate: added the mail domain $domain"
  fi
done

if [[ -n $then_program ]]; then "$then_program" || die "$then_program failed (exit $?); the schema and accounts above are applied"; fi

run_sql "SELECT RELEASE_LOCK('$LOCK_NAME');" >/dev/null
exec {DB_IN}>&-
wait "$DB_PROCESS" || true
echo "mirovoy-db-migrate: migrations up to ${MIGRATIONS[-1]%% *} applied; accounts ensured: ${#ACCOUNTS[@]}; mail domains ensured: ${#MAIL_DOMAINS[@]}"
