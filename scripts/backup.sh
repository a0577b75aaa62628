#!/usr/bin/env bash
# Back up nongso: the PostgreSQL database (pg_dump custom format) and the secrets directory.
#
#   scripts/backup.sh [DATABASE_URL] [OUT_DIR]
#
# DATABASE_URL defaults to $NONGSO_DATABASE_URL, OUT_DIR to ./backups. Writes
# OUT_DIR/nongso-<UTC time>.dump and, if $NONGSO_VAR_DIR holds secrets (session key, stamp
# MAC keys -- without them printed stamps can no longer be verified), OUT_DIR/nongso-<UTC
# time>-var.tar.gz (mode 600). Prints the dump's path on the last line. PG_BINDIR selects
# the PostgreSQL client binaries (default: from PATH). TimescaleDB hypertables are dumped
# as usual (restore with scripts/restore.sh, which runs timescaledb_pre/post_restore).
set -euo pipefail
url="${1:-${NONGSO_DATABASE_URL:-}}"
out="${2:-./backups}"
if [[ -z "$url" ]]; then
  echo "usage: $0 DATABASE_URL [OUT_DIR]  (or set NONGSO_DATABASE_URL)" >&2
  exit 2
fi
url="${url/postgresql+psycopg:\/\//postgresql://}"
url="${url/postgres:\/\//postgresql://}"
bin="${PG_BINDIR:+$PG_BINDIR/}"
mkdir -p "$out"
umask 077
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
dump="$out/nongso-$stamp.dump"
"${bin}pg_dump" --format=custom --compress=6 --no-owner --file="$dump.part" "$url"
"${bin}pg_restore" --list "$dump.part" >/dev/null  # the archive is readable
mv "$dump.part" "$dump"
var="${NONGSO_VAR_DIR:-}"
if [[ -n "$var" && -d "$var" ]]; then
  tar -C "$var" --exclude='*.db' --exclude='*.db-*' -czf "$out/nongso-$stamp-var.tar.gz" .
fi
echo "$dump"
