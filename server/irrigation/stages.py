"""The stage a zone's settings carry: follow the crop calendar, hold a farmer's choice until
the next stage, reset on request, and log every change (``zone_stage_events``).

* When the calendar's stage changes (or the first time a zone is seen), the new stage's
  numbers (:func:`server.irrigation.profiles.stage_values`) and the zone's sizing (flow and
  daily cap, :mod:`server.irrigation.sizing`) are written into the settings — replacing any
  hand edits and any override of the stage that ended: logged ``calendar``.
* :func:`override` puts another stage's numbers in force now: logged ``override``, held
  while the calendar still gives the stage it gave then.
* :func:`reset` goes back to the calendar's stage now: logged ``reset``.
* Hand edits of thresholds (the settings form/API) are logged ``settings`` by
  :func:`log_edit` and hold until the next stage.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from server.errors import Invalid
from server.irrigation.calendar import StageDay, stage_on
from server.irrigation.profiles import CROPS, PROFILES, Stage, stage_values
from server.irrigation.sizing import size_zone
from server.models import Zone
from server.models.crop import ZoneCropState, ZoneStageEvent
from server.models.irrigation import ZoneIrrigation

__all__ = ["initial_values", "sync", "override", "reset", "log_edit", "events", "STAGE_VI",
           "stage_name"]

#: Stage key → Vietnamese name, all crops.
STAGE_VI = {st.key: st.name_vi for sts in PROFILES.values() for st in sts}


def stage_name(key: str) -> str:
    return STAGE_VI.get(key, key)


def _sized(zone: Zone, session: Session | None, day: date | None) -> dict[str, Any]:
    sz = size_zone(zone, session, day)
    return {"flow_lpm": sz.flow_lpm, "max_litres_day": sz.cap_l}


def initial_values(zone: Zone, day: date, session: Session | None = None) -> dict[str, Any]:
    """Settings of a zone not yet saved: its calendar stage's numbers and its sizing."""
    sd = stage_on(zone.crop, zone.variety, zone.season_date, day)
    base: dict[str, Any] = {"profile": zone.crop, "stage": "", "mode": "threshold"}
    if sd is not None:
        base.update(stage_values(sd.stage))
    return {**base, **_sized(zone, session, day)}


def _put(row: ZoneIrrigation, zone: Zone, st: Stage, session: Session, day: date) -> None:
    was_off = row.mode == "off"
    vals = stage_values(st)
    if st.water and not was_off:
        vals["mode"] = row.mode  # threshold or ET, as the farmer chose
    for k, v in {**vals, **_sized(zone, session, day)}.items():
        setattr(row, k, v)


def _log(session: Session, zone_id: int, now: datetime, kind: str, frm: str, to: str,
         user_id: int | None = None, note: str | None = None) -> None:
    session.add(ZoneStageEvent(zone_id=zone_id, at=now, kind=kind, stage_from=frm, stage_to=to,
                               user_id=user_id, note=note))


def _state(session: Session, zone_id: int) -> ZoneCropState:
    state = session.get(ZoneCropState, zone_id)
    if state is None:
        state = ZoneCropState(zone_id=zone_id)
        session.add(state)
    return state


def sync(session: Session, zone: Zone, row: ZoneIrrigation, day: date,
         now: datetime) -> StageDay | None:
    """Apply the calendar's stage when it changed since the settings were last applied."""
    assert zone.id is not None
    sd = stage_on(zone.crop, zone.variety, zone.season_date, day)
    if sd is None:
        return None
    state = _state(session, zone.id)
    if state.calendar_stage != sd.stage.key:
        frm = row.stage
        _put(row, zone, sd.stage, session, day)
        note = f"hết giữ giai đoạn {stage_name(state.override_stage)}" \
            if state.override_stage else None
        state.calendar_stage, state.applied_at = sd.stage.key, now
        state.override_stage = state.override_by = state.override_at = None
        _log(session, zone.id, now, "calendar", frm, sd.stage.key, note=note)
        session.flush()
    return sd


def override(session: Session, zone: Zone, row: ZoneIrrigation, stage_key: str,
             user_id: int | None, now: datetime, day: date) -> None:
    """A farmer puts ``stage_key``'s numbers in force until the calendar's next stage."""
    assert zone.id is not None
    crop = CROPS.get(zone.crop)
    st = next((s for s in PROFILES.get(zone.crop, ()) if s.key == stage_key), None)
    if crop is None or st is None:
        keys = ", ".join(s.key for s in PROFILES.get(zone.crop, ()))
        raise Invalid(f"Giai đoạn '{stage_key}' không có trong lịch của cây {zone.crop}"
                      + (f" (chọn: {keys})." if keys else "."))
    sync(session, zone, row, day, now)
    state = _state(session, zone.id)
    frm = row.stage
    _put(row, zone, st, session, day)
    state.override_stage, state.override_by, state.override_at = st.key, user_id, now
    _log(session, zone.id, now, "override", frm, st.key, user_id)
    session.flush()


def reset(session: Session, zone: Zone, row: ZoneIrrigation, user_id: int | None,
          now: datetime, day: date) -> None:
    """Back to the calendar's stage and its numbers now (ends an override and hand edits)."""
    assert zone.id is not None
    sd = stage_on(zone.crop, zone.variety, zone.season_date, day)
    if sd is None:
        raise Invalid(f"Cây {zone.crop} chưa có lịch giai đoạn.")
    state = _state(session, zone.id)
    frm = row.stage
    _put(row, zone, sd.stage, session, day)
    state.calendar_stage, state.applied_at = sd.stage.key, now
    state.override_stage = state.override_by = state.override_at = None
    _log(session, zone.id, now, "reset", frm, sd.stage.key, user_id)
    session.flush()


def log_edit(session: Session, zone_id: int, stage: str, fields: list[str],
             user_id: int | None, now: datetime) -> None:
    if fields:
        _log(session, zone_id, now, "settings", stage, stage, user_id,
             ("sửa tay: " + ", ".join(sorted(fields)))[:300])


def events(session: Session, zone_id: int, limit: int = 20) -> list[ZoneStageEvent]:
    return list(session.exec(select(ZoneStageEvent).where(ZoneStageEvent.zone_id == zone_id)
                             .order_by(col(ZoneStageEvent.at).desc(),
                                       col(ZoneStageEvent.id).desc()).limit(limit)).all())
