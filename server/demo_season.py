"""The demo's season of history (issue 18.4).

On the demo's first start the seeded lots are from past seasons (:func:`server.trace.seed.
last_harvest`: lychee in June of the last season, carrots in their winter harvest) while
the sensors start today. So, once, before the live fleet starts, the demo runs the
simulated fleet — the real firmware logic of every demo node (soil sensors, valves with
their local threshold rule, weather nodes) on the simulated soil and weather — in
accelerated simulated time from 130 days before the earliest demo harvest up to now,
through the real path: MQTT to the embedded broker, the ingest worker, the database.
A progress bar shows the simulated date; it takes about ``BUDGET_S`` seconds.

The fleet's flash (sequence numbers, buffers) lives in ``var/demo-fleet`` and is reused
by the live fleet, so its readings continue the backfill's sequence numbers (the ingest
keeps the first reading of each (device, seq)). ``var/demo-season.json`` marks the
backfill done.

This module never imports ``simulators/``: the CLI hands the fleet starter in.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from server.models import Device, DeviceRole, DeviceStatus, Farm, Zone

__all__ = ["prepare_zones", "window", "backfill", "MARKER", "FLEET_DIR", "BUDGET_S",
           "BACKFILL_INTERVAL_S"]

MARKER = "demo-season.json"
FLEET_DIR = "demo-fleet"
#: Wall seconds the backfill aims at.
BUDGET_S = 35.0
#: Readings every 6 h during the backfill (4 a day: the 7-day chart's 6-hour buckets).
BACKFILL_INTERVAL_S = 6 * 3600
#: The consumer page summarises the 120 days before harvest (server/trace/diary.py).
BEFORE_HARVEST = timedelta(days=130)
#: The last stretch, simulated with the valves (see :func:`backfill`).
LAST_PHASE = timedelta(days=7)

#: Drip layout of the demo zones, as the simulator's soil model has it
#: (simulators/soil.py CROPS): lychee 0.5 emitters/m² × 4 L/h, carrot 3.3/m² × 1 L/h.
_EMITTERS = {"lychee": (0.5, 4.0), "carrot": (3.3, 1.0)}


def prepare_zones(engine: Engine) -> int:
    """Give the demo zones their variety and emitters and each demo farm a weather node
    (``demo-wx-f<farm>``); returns the number of weather nodes added. Idempotent."""
    added = 0
    with Session(engine) as s:
        zones = s.exec(select(Zone).join(Farm, col(Farm.id) == Zone.farm_id)
                       .order_by(col(Zone.id))).all()
        uids = {d.uid for d in s.exec(select(Device)).all()}
        has_demo = {d.zone_id for d in s.exec(select(Device).where(
            col(Device.uid).startswith("demo-"))).all()}
        first: dict[int, int] = {}
        for z in zones:
            if z.id not in has_demo or z.crop not in _EMITTERS:
                continue
            first.setdefault(z.farm_id, z.id or 0)
            if z.variety is None:
                z.variety = ("som" if "sớm" in z.name else "chinh_vu") if z.crop == "lychee" \
                    else "vu_dong"
            if z.emitters is None:
                per_m2, lph = _EMITTERS[z.crop]
                z.emitters, z.emitter_lph = max(1, round(z.area_m2 * per_m2)), lph
        for farm_id, zone_id in first.items():
            uid = f"demo-wx-f{farm_id}"
            if uid not in uids:
                s.add(Device(uid=uid, zone_id=zone_id, role=DeviceRole.weather,
                             status=DeviceStatus.active))
                added += 1
        s.commit()
    return added


def window(today: date, now: datetime) -> tuple[datetime, datetime]:
    """[start, end): 130 days before the earliest demo lot's harvest, to now."""
    from server.trace.seed import last_harvest

    start = min(last_harvest(c, today) for c in ("lychee", "carrot")) - BEFORE_HARVEST
    return start.astimezone(UTC), now


def _bar(out: IO[str], frac: float, at: datetime, n: int) -> None:
    w = 30
    done = int(w * min(1.0, frac))
    out.write(f"\r  Dựng lại mùa vụ (mô phỏng) [{'█' * done}{'·' * (w - done)}] "
              f"{100 * min(1.0, frac):3.0f} %  {at:%d/%m/%Y}  {n:>7} số đo")
    out.flush()


def _count(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(sa.text("SELECT count(*) FROM readings")).scalar() or 0)


def _phase(engine: Engine, mqtt_url: str, start_fleet: Callable[..., Any], rows: list[Any],
           var_dir: Path, out: IO[str], span: tuple[datetime, datetime],
           whole: tuple[datetime, datetime], budget_s: float, n0: int) -> None:
    """Run ``rows`` from ``span[0]`` to ``span[1]`` in ``budget_s`` wall seconds; the bar
    shows the progress over ``whole``."""
    a, b = span[0].timestamp(), span[1].timestamp()
    wa, wb = whole[0].timestamp(), whole[1].timestamp()
    fleet = start_fleet(rows, mqtt_url, speed=(b - a) / budget_s, start_utc=a,
                        root=var_dir / FLEET_DIR, interval_s=BACKFILL_INTERVAL_S,
                        upload_every=8, spread_s=3600, seed=1)
    try:
        while True:
            sim = fleet.fleet.simtime.utc()
            _bar(out, (min(sim, b) - wa) / (wb - wa), datetime.fromtimestamp(min(sim, b), UTC),
                 _count(engine) - n0)
            if sim >= b:
                break
            time.sleep(0.5)
    finally:
        fleet.stop()


def _drain(engine: Engine, timeout: float = 30.0) -> int:
    """Wait until the ingest has written what the broker still holds; the reading count."""
    last, stable_since = -1, time.monotonic()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = _count(engine)
        if n != last:
            last, stable_since = n, time.monotonic()
        elif time.monotonic() - stable_since > 3.0:
            break
        time.sleep(0.25)
    return last


def backfill(engine: Engine, mqtt_url: str, start_fleet: Callable[..., Any],
             rows: list[Any], var_dir: Path, out: IO[str] | None = None,
             budget_s: float = BUDGET_S, now: datetime | None = None) -> dict[str, Any] | None:
    """Run the season backfill once (see the module docstring); None when already done.

    Two phases: the season up to the last week with the soil sensors and weather nodes
    (at this speed a valve's run would end hours of simulated time late), then the last
    week with every node, valves and their local threshold rule included, about 12× slower
    (a run ends within minutes of its maximum): the irrigation log gets real waterings."""
    marker = var_dir / MARKER
    if marker.exists() or not rows:
        return None
    out = out or sys.stdout
    now = now or datetime.now(UTC)
    start, end = window(now.date(), now)
    week = end - LAST_PHASE
    t0, n0 = time.monotonic(), _count(engine)
    quiet = [r for r in rows if r[2] != "valve"]
    _phase(engine, mqtt_url, start_fleet, quiet, var_dir, out, (start, week), (start, end),
           budget_s * 0.6, n0)
    _drain(engine)
    _phase(engine, mqtt_url, start_fleet, rows, var_dir, out, (week, end), (start, end),
           budget_s * 0.4, n0)
    last = _drain(engine)
    _bar(out, 1.0, end, last - n0)
    out.write("\n")
    stats = {"from": start.isoformat(), "to": end.isoformat(), "readings": last - n0,
             "wall_s": round(time.monotonic() - t0, 1)}
    marker.write_text(json.dumps(stats), encoding="utf-8")
    return stats
