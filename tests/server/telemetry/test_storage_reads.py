"""Every read returns what was written, on compressed chunks too (issue 20).

On both storage paths (monthly partitions; a TimescaleDB hypertable with every chunk
compressed and the hourly aggregate refreshed): zone and device series (raw and from the
aggregate), CSV export, the diary's irrigation summary and the consumer page's growing
conditions are checked against numbers computed here from the written readings. Every
statement that reads ``readings`` binds zone and device ids as ``integer``: TimescaleDB
2.22's bloom filter answered "not here" for a ``smallint`` parameter (docs/storage.md).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from server.models.trace import Lot, Product
from server.stamps.consumer import build_view
from server.telemetry import queries
from server.telemetry.store import Batch, ReadingRow, Store
from server.trace.diary import irrigation_summary
from tests.server.telemetry.conftest import Telemetry

END = datetime(2026, 6, 1, tzinfo=UTC)
DAYS = 40


@dataclass
class Written:
    rows: list[ReadingRow]

    def of(self, *, zone: int | None = None, device: int | None = None, lo: datetime = END
           - timedelta(days=999), hi: datetime = END) -> list[ReadingRow]:
        return [r for r in self.rows if (zone is None or r.zone_id == zone)
                and (device is None or r.device_id == device) and lo <= r.time < hi]


def write(store: Store, rows: list[ReadingRow], chunk: int = 2000) -> int:
    """Through the real store, in ingest-sized batches."""
    n = 0
    for i in range(0, len(rows), chunk):
        batch = Batch()
        for r in rows[i:i + chunk]:
            batch.readings.append(r)
            batch.delta(r.device_id, r.received_at)
        n += store.write(batch).inserted
    return n


def readings(device: int, zone: int, start: datetime, end: datetime, step_min: int,
             first_seq: int = 1, valve: bool = False) -> list[ReadingRow]:
    """m in quarter steps (sums exact in floating point); a few untimed readings."""
    out, seq, t = [], first_seq, start
    while t < end:
        metrics: dict[str, Any] = {"m": 20 + (seq * 7 % 80) / 4, "bat": 3600 + seq % 300}
        if valve:
            metrics = {"vs": int(seq % 3 == 0), "fl": (seq % 5) / 2}
        known = seq % 97 != 0
        out.append(ReadingRow(device, zone, seq, t, known, t + timedelta(seconds=30), metrics,
                              None if known else {"bt": 3, "up": seq}))
        seq += 1
        t += timedelta(minutes=step_min)
    return out


def expected(rows: list[ReadingRow], metric: str, bucket_s: int) -> list[dict[str, Any]]:
    cells: dict[int, list[float]] = {}
    origin = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp())
    for r in rows:
        v = r.metrics.get(metric)
        if not r.time_known or v is None:
            continue
        b = (int(r.time.timestamp()) - origin) // bucket_s * bucket_s + origin
        cells.setdefault(b, []).append(float(v))
    return [{"t": datetime.fromtimestamp(b, UTC).isoformat().replace("+00:00", "Z"),
             "n": len(v), "min": round(min(v), 3), "mean": round(sum(v) / len(v), 3),
             "max": round(max(v), 3)} for b, v in sorted(cells.items())]


def fill(tel: Telemetry) -> Written:
    for uid, zone in (("rd-1", "lychee"), ("rd-2", "lychee"), ("rc-1", "carrot")):
        tel.add(uid, zone)
    from server.models import DeviceRole

    tel.add("rv-1", "lychee", DeviceRole.valve)
    z, d = tel.ids["zones"], tel.devices
    start = END - timedelta(days=DAYS)
    rows = (readings(d["rd-1"], z["lychee"], start, END, 30)
            + readings(d["rd-2"], z["lychee"], start + timedelta(minutes=7), END, 30)
            + readings(d["rc-1"], z["carrot"], start, END, 60)
            + readings(d["rv-1"], z["lychee"], start, END, 120, valve=True))
    rows = [r for r in rows if not (r.device_id == d["rd-2"] and 500 <= r.seq < 510)]  # a gap
    assert write(Store(tel.engine), rows) == len(rows)
    return Written(rows)


def hypertable(tel: Telemetry) -> bool:
    return bool(tel.scalar("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'"))


def compress_and_refresh(tel: Telemetry) -> None:
    with tel.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(sa.text("SELECT compress_chunk(ch) FROM show_chunks('readings') ch"))
        c.execute(sa.text("CALL refresh_continuous_aggregate('readings_hourly', NULL, NULL)"))
    assert tel.scalar("SELECT count(*) FROM timescaledb_information.chunks WHERE "
                      "hypertable_name = 'readings' AND NOT is_compressed") == 0
    assert tel.scalar("SELECT count(*) FROM timescaledb_information.chunks WHERE "
                      "hypertable_name = 'readings'") >= 2


class Statements:
    """Every statement the engine sends that reads ``readings`` or its aggregate."""

    def __init__(self, tel: Telemetry) -> None:
        self.seen: list[tuple[str, Any]] = []
        self.engine = tel.engine
        sa.event.listen(tel.engine, "before_cursor_execute", self._hook)

    def _hook(self, _c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        if re.search(r"FROM readings", statement):
            self.seen.append((statement, params))

    def small_ints(self) -> list[str]:
        """Plans of the captured statements in which an id is compared as ``smallint``."""
        sa.event.remove(self.engine, "before_cursor_execute", self._hook)
        bad = []
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            for statement, params in self.seen:
                cur.execute("EXPLAIN VERBOSE " + statement, params)
                plan = "\n".join(r[0] for r in cur.fetchall())
                if re.search(r"(zone_id|device_id) = '\d+'::smallint", plan):
                    bad.append(plan)
        finally:
            raw.close()
        return bad


def _series(s: Session, **kw: Any) -> dict[str, Any]:
    return queries.series(s, **kw)


@pytest.fixture
def written(tel_pg: Telemetry) -> Written:
    w = fill(tel_pg)
    if hypertable(tel_pg):
        compress_and_refresh(tel_pg)
    return w


def test_series_on_compressed_chunks_return_what_was_written(tel_pg: Telemetry,
                                                             written: Written) -> None:
    tel, z, d = tel_pg, tel_pg.ids["zones"], tel_pg.devices
    watch = Statements(tel)
    cases = [  # (key, range, bucket, metric)
        ({"zone_id": z["lychee"]}, (END - timedelta(days=2), END), 3600, "m"),
        ({"zone_id": z["lychee"]}, (END - timedelta(days=DAYS - 1, minutes=-90),
                                    END - timedelta(minutes=17)), 86400, "m"),
        ({"zone_id": z["lychee"]}, (END - timedelta(days=30), END), 6 * 3600, "vs"),
        ({"zone_id": z["carrot"]}, (END - timedelta(days=20), END), 7200, "bat"),
        ({"device_id": d["rd-2"]}, (END - timedelta(days=30, minutes=5), END), 6 * 3600, "m"),
        ({"device_id": d["rv-1"]}, (END - timedelta(days=10), END), 86400, "fl"),
    ]
    with Session(tel.engine) as s:
        for key, (lo, hi), bucket, metric in cases:
            got = _series(s, start=lo, end=hi, bucket_s=bucket, metric=metric, **key)
            rows = written.of(zone=key.get("zone_id"), device=key.get("device_id"), lo=lo, hi=hi)
            assert got["buckets"] == expected(rows, metric, bucket), (key, lo, hi, bucket)
            assert got["untimed"] == sum(not r.time_known for r in rows)
            assert got["buckets"], key
    if hypertable(tel):  # the long ranges were read from the aggregate
        assert any("FROM readings_hourly" in st for st, _ in watch.seen)
    # the check itself sees an untyped id (what psycopg sends for a Python int)
    watch.seen.append(("SELECT count(*) FROM readings WHERE zone_id = %(id)s", {"id": 3}))
    assert len(watch.small_ints()) == 1


def _csv_keys(text: str) -> list[tuple[str, int]]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["time_utc", "device", "seq"]
    return [(r[1], int(r[2])) for r in rows[1:]]


def test_csv_diary_and_consumer_on_compressed_chunks(tel_pg: Telemetry, written: Written) -> None:
    tel, z, d = tel_pg, tel_pg.ids["zones"], tel_pg.devices
    uid = {v: k for k, v in d.items()}
    lo, hi = END - timedelta(days=DAYS), END
    watch = Statements(tel)
    with Session(tel.engine) as s:
        text = "".join(queries.export_csv(s, start=lo, end=hi, zone_id=z["lychee"]))
        want = written.of(zone=z["lychee"])
        assert sorted(_csv_keys(text)) == sorted((uid[r.device_id], r.seq) for r in want)
        text = "".join(queries.export_csv(s, start=lo, end=hi, device_id=d["rc-1"]))
        assert len(_csv_keys(text)) == len(written.of(device=d["rc-1"])) > 900
        summary = irrigation_summary(s, z["lychee"], lo, hi)
        ms = [r.metrics["m"] for r in want if "m" in r.metrics]
        valve = [r.metrics["vs"] for r in want if "vs" in r.metrics]
        assert summary["available"] and summary["readings"] == len(want)
        assert summary["moisture_avg"] == round(sum(ms) / len(ms), 1)
        assert (summary["moisture_min"], summary["moisture_max"]) == (min(ms), max(ms))
        assert summary["valve_open_share"] == round(sum(valve) / len(valve), 3)
        product = Product(name="Vải thiều Thanh Hà", gtin="08934567000011", crop="lychee",
                          organisation_id=tel.ids["orgs"]["lychee"])
        s.add(product)
        s.flush()
        lot = Lot(organisation_id=tel.ids["orgs"]["lychee"], product_id=product.id,
                  code="RD-2026", quantity=100, zone_id=z["lychee"],
                  harvested_at=END - timedelta(days=1))
        s.add(lot)
        s.commit()
        view = build_view(s, lot, product)
        grown = view.diary["irrigation"]
        season = written.of(zone=z["lychee"], hi=END - timedelta(days=1))
        assert grown["available"] and grown["readings"] == len(season)
        gaps = queries.sequence_gaps(s, d["rd-2"])
    assert gaps == [{"from": 500, "to": 509, "count": 10}]
    assert watch.seen and not watch.small_ints()
