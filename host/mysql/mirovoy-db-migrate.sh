#!/bin/bash
# mirovoy-db-migrate: its configuration (DB_PORT, MIGRATIONS, ACCOUNTS, ...) is generated
# by host/mysql/index.ts and placed at the top of the installed script. The database host
# comes with the password from the master option file (written by mirovoy-provision).
#
# Applies the mail-schema migrations and ensures the service accounts, in one database
# session that holds GET_LOCK for its whole duration, so hosts booting at the same time
# take turns instead of racing (the reference's backup MX raced the primary here).
set -euo pipefail

die() { echo "mirovoy-db-migrate: $*" >&2; exit 1; }

# The value of "password" in the [client] group of a secret option file.
password_from() {
  [[ -r $1 ]] || die "secret file $1 is missing or unreadable; the provision step writes it before this script runs"
  local value
  value=$(my_print_defaults --defaults-file="$1" client | sed -n 's/^--password=//p' | tail -n 1)
  [[ -n $value ]] || die "no password in the [client] group of $1"
  [[ $value =~ $SECRET_VALUE ]] || die "the password in $1 has characters outside $SECRET_VALUE"
  printf '%s' "$value"
}

# --wait <seconds>: first wait until the server accepts the master user (a database that is
# still starting refuses connections or, while its users are being restored, logins).
wait_for_database() {
  local deadline=$((SECONDS + $1)) error
  until error=$(mariadb --defaults-extra-file="$MASTER_OPTION_FILE" --port="$DB_PORT" \
    "${TLS_ARGS[@]}" --batch --execute='SELECT 1' 2>&1 >/dev/null); do
    ((SECONDS < deadline)) || die "the database did not accept a connection within $1 s: $error"
    echo "mirovoy-db-migrate: waiting for the database: $error"
    sleep 5
  done
}
if [[ ${1:-} == --wait ]]; then wait_for_database "${2:?--wait needs seconds}"; fi

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

[[ $(run_sql "SELECT GET_LOCK('$LOCK_NAME', 600);") == 1 ]] || die "could not take the lock $LOCK_NAME within 600 s"
run_sql "CREATE DATABASE IF NOT EXISTS $DB_NAME CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; USE $DB_NAME;" >/dev/null
run_sql "CREATE TABLE IF NOT EXISTS schema_migrations (
  version INT UNSIGNED NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  checksum CHAR(64) NOT NULL,
  applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;" >/dev/null

for entry in "${MIGRATIONS[@]}"; do
  read -r version file checksum <<<"$entry"
  recorded=$(run_sql "SELECT checksum FROM schema_migrations WHERE version = $version;")
  if [[ -z $recorded ]]; then
    run_sql "$(<"$SHARE_DIRECTORY/migrations/$file")
INSERT INTO schema_migrations (version, name, checksum) VALUES ($version, '$file', '$checksum');" >/dev/null
    echo "mirovoy-db-migrate: applied $file"
  elif [[ $recorded != "$checksum" ]]; then
    die "migration $file was applied with checksum $recorded but ships with $checksum: add a new migration instead of editing one"
  fi
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

run_sql "SELECT RELEASE_LOCK('$LOCK_NAME');" >/dev/null
exec {DB_IN}>&-
wait "$DB_PROCESS" || true
echo "mirovoy-db-migrate: migrations up to ${MIGRATIONS[-1]%% *} applied; accounts ensured: ${#ACCOUNTS[@]}; mail domains ensured: ${#MAIL_DOMAINS[@]}"
