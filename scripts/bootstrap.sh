#!/usr/bin/env bash
# Everything `make demo` and `make test` need on a fresh machine of this kind.
# Idempotent: each step runs only when its result is missing.
#   scripts/bootstrap.sh          python environment only (demo)
#   scripts/bootstrap.sh test     + Debian packages and npm packages the tests use
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
if [ "${1:-}" = "test" ]; then
  command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need_apt+=(mosquitto)
  command -v mosquitto_pub >/dev/null 2>&1 || need_apt+=(mosquitto-clients)
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
  [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
  command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  # mosquitto's Debian package starts a system broker on 1883; tests start their own.
  $SUDO systemctl disable --now mosquitto >/dev/null 2>&1 || true
  $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
fi

# TimescaleDB for PostgreSQL 15, so the tests run the hypertable path beside the partitions
# (idempotent; it removes itself again if it cannot load here).
TSDB=../shared/timescaledb/install.sh
if [ "${1:-}" = "test" ] && [ -f "$TSDB" ]; then
  if [ ! -f /usr/share/postgresql/15/extension/timescaledb.control ]; then
    echo "bootstrap: installing TimescaleDB from $TSDB"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO bash "$TSDB" >/dev/null || echo "bootstrap: TimescaleDB did not install; see $TSDB"
  fi
fi

if ! command -v uv >/dev/null 2>&1; then
  echo "bootstrap: installing uv"
  python3 -m pip install --quiet uv || python3 -m pip install --quiet --user uv
  export PATH="$HOME/.local/bin:$PATH"
fi
uv sync --frozen --quiet

if [ "${1:-}" = "test" ] && [ -f package.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "bootstrap: installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
  fi
fi
