"""Once a day per zone: the flow meter's measured line flow recalibrates the zone's flow,
and a large difference from the emitters' rating is an alert (leak or blocked line); and
yesterday's weather (with its ET₀) is summarised into ``weather_days`` when the farm has a
weather node (:func:`server.irrigation.weather.summarise_day`), for the sizing's peak ET₀
and the co-op view's weekly plan.

The measured flow (:func:`server.irrigation.sizing.measured_lpm`, the last 14 days of
finished runs) is written to ``Zone.measured_lpm`` and the settings' ``flow_lpm``. When
the zone's emitters are declared and the measurement is more than
:data:`server.irrigation.sizing.MISMATCH` away from their rating, a ``flow_mismatch``
alert opens (through :mod:`server.irrigation.alerts`, so it is delivered like every
other); it resolves when a later day's measurement is back within range.

The alert key starts with ``flow:``, one of ``alerts.SELF_MANAGED``: ``alerts.evaluate``
leaves it to this module (as it leaves buffer drops to theirs), so it is not resolved
between two daily checks.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from server.irrigation import alerts as alerts_mod
from server.irrigation.sizing import MISMATCH, emitter_lpm, measured_lpm
from server.irrigation.weather import summarise_day, weather_devices
from server.irrigation.windows import local_day
from server.models import Farm, Zone
from server.models.crop import ZoneCropState
from server.models.irrigation import Alert, ZoneIrrigation

__all__ = ["check", "alert_key", "mismatch_message"]

WINDOW = timedelta(days=14)


def alert_key(zone_id: int) -> str:
    return f"flow:{zone_id}"


def mismatch_message(zone_name: str, measured: float, rated: float) -> str:
    more = measured > rated
    what = "nhiều hơn" if more else "ít hơn"
    action = ("kiểm tra rò rỉ, ống vỡ hoặc béc bị tuột" if more
              else "kiểm tra bộ lọc và béc nhỏ giọt bị tắc")
    return (f"Lưu lượng {alerts_mod._khu(zone_name)} đo được {measured:.1f} lít/phút, {what} "
            f"mức tính theo béc ({rated:.1f} lít/phút) — {action}")


def _one(session: Session, zone: Zone, farm: Farm, now: datetime,
         notifier: alerts_mod.Notifier) -> None:
    assert zone.id is not None
    m = measured_lpm(session, zone.id, now - WINDOW)
    if m is None:
        return
    zone.measured_lpm = m
    cfg = session.get(ZoneIrrigation, zone.id)
    if cfg is not None:
        cfg.flow_lpm = m
    rated = emitter_lpm(zone)
    key = alert_key(zone.id)
    open_ = session.exec(select(Alert).where(Alert.key == key, Alert.state != "resolved")).first()
    if rated and abs(m - rated) / rated > MISMATCH:
        msg = mismatch_message(zone.name, m, rated)
        if open_ is None:
            alerts_mod._open(session, alerts_mod.Cond(key, "flow_mismatch", farm.organisation_id,
                                                      zone.id, None, msg, m), now, notifier)
        else:
            open_.value, open_.message, open_.last_seen_at = m, msg[:300], now
    elif open_ is not None:
        alerts_mod._resolve(open_, now, notifier)


def check(session: Session, now: datetime, notifier: alerts_mod.Notifier | None = None) -> int:
    """Check every zone not yet checked today (local day); returns how many were checked."""
    day = local_day(now)
    n = 0
    rows = session.exec(select(Zone, Farm).join(Farm, col(Farm.id) == Zone.farm_id)
                        .order_by(col(Zone.id))).all()
    for zone, farm in rows:
        assert zone.id is not None
        state = session.get(ZoneCropState, zone.id)
        if state is None:
            state = ZoneCropState(zone_id=zone.id)
            session.add(state)
        if state.flow_checked_on == day:
            continue
        state.flow_checked_on = day
        _one(session, zone, farm, now, notifier or alerts_mod.Notifier.from_db(session))
        if weather_devices(session, zone):
            summarise_day(session, zone, day - timedelta(days=1))
        n += 1
    session.flush()
    return n
