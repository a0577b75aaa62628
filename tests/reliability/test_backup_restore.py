"""scripts/backup.sh + scripts/restore.sh: a database with data is dumped, restored into
another database, and every table compares equal row for row."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from server.db import make_engine
from server.migrate import upgrade
from server.models import DeviceRole, Zone
from server.telemetry.credentials import add_device
from server.telemetry.dispatch import DeviceDirectory, add_message
from server.telemetry.store import Batch, Store
from tests.server.conftest import build_world
from tests.support.services import PostgresCluster

ROOT = Path(__file__).resolve().parents[2]


def _fingerprint(url: str) -> dict[str, tuple[int, str]]:
    engine = make_engine(url)
    out = {}
    with engine.connect() as c:
        tables = c.execute(sa.text(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
            "WHERE schemaname = 'public' ORDER BY 1")).scalars().all()
        for t in tables:
            n, digest = c.execute(sa.text(
                f"SELECT count(*), coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') "
                f"FROM {t} x")).one()
            out[t] = (n, digest)
    engine.dispose()
    return out


def test_backup_and_restore_roundtrip(pg_cluster: PostgresCluster, pg_storage_url: str,
                                     tmp_path: Path) -> None:
    """On both storage paths: monthly partitions and the TimescaleDB hypertable."""
    src = pg_storage_url
    upgrade(src)
    engine = make_engine(src)
    with engine.connect() as c:
        hypertable = c.execute(sa.text(
            "SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'")).scalar() == 1
    ids = build_world(engine)
    with Session(engine) as s:
        zone = s.get(Zone, ids["zones"]["lychee"])
        add_device(s, zone, DeviceRole.sensor, "bk-sensor-01")  # type: ignore[arg-type]
    directory = DeviceDirectory(engine)
    directory.reload()
    batch = Batch()
    t0 = int(time.time()) - 3600
    for seq in range(1, 51):
        payload = b'{"v":1,"seq":%d,"t":%d,"m":41.5,"raw":39000,"drop":0}' % (seq, t0 + seq * 60)
        assert add_message(batch, directory, "nongso/v1/bk-sensor-01/telemetry", payload,
                           time.time()) is None
    assert Store(engine).write(batch).inserted == 50
    engine.dispose()
    env = dict(os.environ, PG_BINDIR=str(pg_cluster.bindir), NONGSO_VAR_DIR=str(tmp_path / "var"))
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "stamp_keys").write_text("k1:00ff\n")
    r = subprocess.run([str(ROOT / "scripts" / "backup.sh"), src, str(tmp_path / "bk")],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    dump = Path(r.stdout.strip().splitlines()[-1])
    assert dump.exists() and dump.stat().st_size > 1000
    assert list((tmp_path / "bk").glob("*-var.tar.gz"))  # the secrets travel with the dump
    dst = pg_cluster.create_database(timescaledb=hypertable)
    r = subprocess.run([str(ROOT / "scripts" / "restore.sh"), str(dump), dst],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    before, after = _fingerprint(src), _fingerprint(dst)
    assert before == after
    assert any(t.endswith("readings") and n == 50 for t, (n, _) in after.items()) or \
        sum(n for t, (n, _) in after.items() if "reading" in t) >= 50
    # the restored database is at the head revision: migrations have nothing left to do
    upgrade(dst)
    assert _fingerprint(dst) == after
    bad = subprocess.run([str(ROOT / "scripts" / "restore.sh"), str(tmp_path / "nope"), dst],
                         env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0
