"""Measured weather for the controller: the farm's weather nodes (``DeviceRole.weather``)
send air temperature ``at`` (°C), relative humidity ``rh`` (%), rain ``rn`` (mm in the
reading's interval, from the tipping bucket) and optionally solar radiation ``sr``
(W m⁻², mean over the interval) — measurements the ingest keeps in ``readings.extra``
(docs/protocol.md: every non-reserved telemetry key is a measurement).

:class:`MeasuredWeather` is the controller's :class:`~server.irrigation.forecast.ForecastSource`:
rain fallen comes from the gauge (rain skip works with no forecast configured); rain ahead
from an optional forecast source, none by default; daily ET₀ from the last complete local
day, FAO-56 Penman-Monteith when humidity and radiation were measured, Hargreaves-Samani
from Tmin/Tmax otherwise (:mod:`server.irrigation.et0`), kept in ``weather_days``.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from server.irrigation.et0 import daily_et0
from server.irrigation.forecast import ForecastSource
from server.irrigation.windows import LOCAL_TZ, local_day
from server.models import Device, DeviceRole, Farm, Zone
from server.models.crop import WeatherDay

__all__ = ["MeasuredWeather", "weather_devices", "rain_between", "summarise_day",
           "DEFAULT_LAT", "DEFAULT_Z_M"]

#: Latitude and elevation used when a zone and its farm have none (Thanh Hà, Hải Phòng).
DEFAULT_LAT = 20.9
DEFAULT_Z_M = 5.0
#: A day counts for ET₀ with at least this many temperature readings (≈ 3 h at 15 min).
MIN_READINGS = 12


def weather_devices(session: Session, zone: Zone) -> list[int]:
    """Ids of the weather nodes of the zone's farm."""
    ids = session.exec(select(Device.id).join(Zone, col(Zone.id) == Device.zone_id)
                       .where(Zone.farm_id == zone.farm_id,
                              Device.role == DeviceRole.weather)).all()
    return [i for i in ids if i is not None]


def _rows(session: Session, devs: list[int], start: datetime, end: datetime) -> list[dict[str, Any]]:
    if not devs:
        return []
    q = sa.text("SELECT extra FROM readings WHERE device_id IN :d AND time >= :a AND time < :b"
                ).bindparams(sa.bindparam("d", expanding=True))
    out = []
    span = {"d": devs, "a": start.astimezone(UTC), "b": end.astimezone(UTC)}
    for (extra,) in session.connection().execute(q, span):
        if isinstance(extra, str):
            extra = json.loads(extra)
        if extra:
            out.append(extra)
    return out


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def rain_between(session: Session, zone: Zone, start: datetime, end: datetime) -> float | None:
    """mm of rain the farm's gauges measured in [start, end); None without a gauge reading
    (mean over gauges when there are several)."""
    devs = weather_devices(session, zone)
    per: list[float] = []
    for d in devs:
        vals = [x for x in (_num(r.get("rn")) for r in _rows(session, [d], start, end))
                if x is not None]
        if vals:
            per.append(sum(vals))
    return round(sum(per) / len(per), 1) if per else None


def _where(session: Session, zone: Zone) -> float:
    farm = session.get(Farm, zone.farm_id)
    return zone.latitude or (farm.latitude if farm else None) or DEFAULT_LAT


def summarise_day(session: Session, zone: Zone, day: date) -> WeatherDay | None:
    """The zone's weather on local ``day`` from its farm's weather nodes, with ET₀; stored
    (upsert) in ``weather_days``. None without readings."""
    assert zone.id is not None
    start = datetime.combine(day, time(0), LOCAL_TZ)
    rows = _rows(session, weather_devices(session, zone), start, start + timedelta(days=1))
    if not rows:
        return None
    at = [x for x in (_num(r.get("at")) for r in rows) if x is not None]
    rh = [x for x in (_num(r.get("rh")) for r in rows) if x is not None]
    sr = [x for x in (_num(r.get("sr")) for r in rows) if x is not None]
    rain = [x for x in (_num(r.get("rn")) for r in rows) if x is not None]
    wd = session.get(WeatherDay, (zone.id, day)) or WeatherDay(zone_id=zone.id, day=day)
    wd.readings = len(rows)
    wd.tmin, wd.tmax = (min(at), max(at)) if at else (None, None)
    wd.rh_min, wd.rh_max = (min(rh), max(rh)) if rh else (None, None)
    # mean W m⁻² over the day × 0.0864 = MJ m⁻² day⁻¹
    wd.rs_mj = round(sum(sr) / len(sr) * 0.0864, 2) if len(sr) >= MIN_READINGS else None
    wd.rain_mm = round(sum(rain), 1) if rain else None
    wd.et0_mm, wd.method = None, ""
    if len(at) >= MIN_READINGS and wd.tmin is not None and wd.tmax is not None:
        wd.et0_mm, wd.method = daily_et0(
            tmax=wd.tmax, tmin=wd.tmin, lat_deg=_where(session, zone),
            doy=day.timetuple().tm_yday, z_m=DEFAULT_Z_M,
            rh_max=wd.rh_max if len(rh) >= MIN_READINGS else None,
            rh_min=wd.rh_min if len(rh) >= MIN_READINGS else None, rs=wd.rs_mj)
    wd.updated_at = datetime.now(UTC)
    session.add(wd)
    session.flush()
    return wd


class MeasuredWeather:
    """Rain from the gauges, ET₀ from the last complete day; ``forecast`` (optional,
    pluggable, off by default) answers for the future."""

    def __init__(self, engine: Engine, forecast: ForecastSource | None = None,
                 clock: Any = None) -> None:
        self.engine = engine
        self.forecast = forecast
        self.clock = clock or (lambda: datetime.now(UTC))

    def rain_mm(self, zone: Zone, start: datetime, end: datetime) -> float | None:
        if start >= self.clock() - timedelta(minutes=1):  # the future: a forecast's job
            return self.forecast.rain_mm(zone, start, end) if self.forecast else None
        with Session(self.engine) as s:
            return rain_between(s, zone, start, end)

    def et0_mm_day(self, zone: Zone, day: date) -> float | None:
        """ET₀ of the last complete local day before ``day`` (computed once, then read)."""
        prev = min(day, local_day(self.clock())) - timedelta(days=1)
        with Session(self.engine) as s:
            wd = s.get(WeatherDay, (zone.id, prev))
            if wd is None or wd.method == "":
                wd = summarise_day(s, zone, prev)
                s.commit()
            return wd.et0_mm if wd is not None else None
