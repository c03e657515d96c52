#!/bin/bash
# mirovoy-restore: its configuration (DB_NAME, DB_PORT, TLS_ARGS, FETCH, STORE, ...) is generated
# by host/backup/index.ts and placed at the top of the installed script. Primary only, as root.
#
# Restores the mail database from a dump of mirovoy-db-dump, in this order, each step said:
#  1. get the dump (a key of the backup bucket, the newest one, or a local file);
#  2. check it without touching the database: gzip intact, "-- Dump completed" at its end, the
#     mail tables in it;
#  3. without --confirm, stop there and say what would happen (exit 2);
#  4. load it into a staging database and count its rows; the live database is still untouched;
#  5. swap the restored tables in with one RENAME TABLE (atomic: clients see the old tables or the
#     new ones), the replaced tables moving into a database named <db>_pre_restore_<UTC>, kept so a
#     wrong restore can be undone; the account grants name tables, so they apply to the new ones;
#  6. run mirovoy-db-migrate: migrations newer than the dump, and the service accounts.
# DDL needs the master credential: for steps 4 and 5 it is fetched from the seam (secret
# db-master), handed to the mariadb client through a pipe, and never written to disk; in step 6
# mirovoy-db-migrate fetches it for its own run and removes its option file when it ends.
set -euo pipefail

usage="usage: mirovoy-restore list
       mirovoy-restore database (--latest | --key <key> | --file <path.sql.gz>) [--confirm]"
log() { echo "mirovoy-restore: $*"; }
die() { echo "mirovoy-restore: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "run it as root"

prefix="database/$DB_NAME/"
command=${1:-}
case $command in
  list) exec "$STORE" backup-list "$prefix" ;;
  database) shift ;;
  *) echo "$usage" >&2; exit 2 ;;
esac

source='' confirmed=''
while (($#)); do
  case $1 in
    --latest) source=latest ;;
    --key) source="key:${2:?--key needs a key such as ${prefix}20260101T023000Z.sql.gz}"; shift ;;
    --file) source="file:${2:?--file needs the path of a .sql.gz dump}"; shift ;;
    --confirm) confirmed=yes ;;
    *) echo "mirovoy-restore: unknown argument '$1'" >&2; echo "$usage" >&2; exit 2 ;;
  esac
  shift
done
[[ -n $source ]] || { echo "mirovoy-restore: say which dump: --latest, --key <key> or --file <path>" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dump=$work/dump.sql.gz

# 1. The dump.
case $source in
  latest)
    key=$("$STORE" backup-list "$prefix" | tail -n 1)
    [[ -n $key ]] || die "the backup bucket has no dump under $prefix"
    source="key:$key" ;;
esac
case $source in
  key:*)
    key=${source#key:}
    [[ $key == "$prefix"*.sql.gz ]] || die "key '$key' is not a dump of $DB_NAME (${prefix}<time>.sql.gz)"
    log "fetching $key from the backup bucket"
    "$STORE" backup-get "$key" >"$dump" || die "could not fetch $key" ;;
  file:*)
    [[ -f ${source#file:} ]] || die "no file ${source#file:}"
    cp "${source#file:}" "$dump" ;;
esac

# 2. Checks that touch nothing.
gzip -t "$dump" 2>/dev/null || die "the dump is not an intact gzip file; nothing was changed"
last=$(gzip -dc "$dump" | tail -n 1)
[[ $last == '-- Dump completed'* ]] || die "the dump does not end with '-- Dump completed' (cut short?); nothing was changed"
for table in "${MAIL_TABLES[@]}" schema_migrations; do
  gzip -dc "$dump" | grep -q "^CREATE TABLE \`$table\` (" || die "the dump has no table $table; nothing was changed"
done
log "dump checked: $(stat -c %s "$dump") bytes, sha256 $(sha256sum "$dump" | cut -d ' ' -f 1), ${last#-- }"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
staging="${DB_NAME}_restore_staging"
previous="${DB_NAME}_pre_restore_$stamp"
if [[ -z $confirmed ]]; then
  log "would load it into $staging, then swap its tables into $DB_NAME in one RENAME TABLE, keeping the replaced tables in $previous, and run mirovoy-db-migrate"
  log "nothing was changed: add --confirm to replace the mail database"
  exit 2
fi

# The master's option file, as text in memory: RDS allows any printable ASCII but / @ " in its
# password, so it is double-quoted for MariaDB's option-file parser (\ and " escaped), the one
# rule mirovoy-provision's master_password applies too.
secret=$("$FETCH" secret "$MASTER_SECRET")
field() { python3 -c 'import json, sys; print(json.loads(sys.argv[2])[sys.argv[1]], end="")' "$1" "$secret"; }
master_user=$(field username)
master_password=$(field password)
unset secret
printable='^[ -~]+$'
LC_ALL=C
[[ $master_password =~ $printable ]] || die "secret $MASTER_SECRET (password) has characters other than printable ASCII"
master_password=${master_password//\\/\\\\}
master_options=$(printf '[client]\nhost = %s\nuser = %s\npassword = "%s"\n' "$("$FETCH" setting "$DB_HOST_SETTING")" "$master_user" "${master_password//\"/\\\"}")
unset master_password
# mariadb as the master, reading its options from a pipe.
as_master() { mariadb --defaults-extra-file=<(printf '%s' "$master_options") --port="$DB_PORT" "${TLS_ARGS[@]}" --batch --skip-column-names "$@"; }

# 4. Staging.
log "loading the dump into $staging"
as_master --execute="DROP DATABASE IF EXISTS \`$staging\`; CREATE DATABASE \`$staging\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
gzip -dc "$dump" | as_master "$staging" || die "loading the dump failed (the message is above); $DB_NAME is unchanged, $staging holds what was loaded"
for table in "${MAIL_TABLES[@]}"; do
  log "  $table: $(as_master "$staging" --execute="SELECT COUNT(*) FROM \`$table\`") rows"
done

# 5. The swap.
tables=$(as_master --execute="SELECT table_name FROM information_schema.tables WHERE table_schema = '$staging' ORDER BY table_name")
live=$(as_master --execute="SELECT table_name FROM information_schema.tables WHERE table_schema = '$DB_NAME'")
renames=()
for table in $tables; do
  if grep -qx "$table" <<<"$live"; then renames+=("\`$DB_NAME\`.\`$table\` TO \`$previous\`.\`$table\`"); fi
  renames+=("\`$staging\`.\`$table\` TO \`$DB_NAME\`.\`$table\`")
done
log "swapping $(wc -w <<<"$tables") tables into $DB_NAME; the replaced ones go to $previous"
as_master --execute="CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; CREATE DATABASE \`$previous\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; RENAME TABLE $(IFS=,; echo "${renames[*]}"); DROP DATABASE \`$staging\`;"

# 6. Schema and accounts.
log "running mirovoy-db-migrate"
"$DB_MIGRATE" || die "mirovoy-db-migrate failed after the swap; the restored tables are live, the replaced ones in $previous"
log "restored $DB_NAME from ${source#*:}; the replaced tables are kept in $previous (DROP DATABASE \`$previous\` as the master once satisfied)"
