#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh into an EMPTY database.
#
#   scripts/restore.sh DUMP TARGET_DATABASE_URL
#
# Create the target first (createdb; with TimescaleDB also CREATE EXTENSION timescaledb).
# Objects are restored without their original owner. Afterwards run `nongso db upgrade`
# if the code is newer than the dump (migrations are forward-only, see docs/operations.md).
set -euo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: $0 DUMP TARGET_DATABASE_URL" >&2
  exit 2
fi
dump="$1"
url="${2/postgresql+psycopg:\/\//postgresql://}"
url="${url/postgres:\/\//postgresql://}"
bin="${PG_BINDIR:+$PG_BINDIR/}"
[[ -r "$dump" ]] || { echo "cannot read $dump" >&2; exit 2; }
tsdb="$("${bin}psql" -XAtq "$url" -c "SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'")"
if [[ "$tsdb" == "1" ]]; then
  "${bin}psql" -XAtq "$url" -c "SELECT timescaledb_pre_restore()" >/dev/null
fi
status=0
"${bin}pg_restore" --no-owner --exit-on-error --dbname="$url" "$dump" || status=$?
if [[ "$tsdb" == "1" ]]; then
  "${bin}psql" -XAtq "$url" -c "SELECT timescaledb_post_restore()" >/dev/null
fi
exit $status
