"""What a zone looks like now, read from the database: its settings, valves, soil moisture,
active leases and the water used today (the inputs of :func:`server.irrigation.decide.decide`).

Only :func:`ensure_settings` writes (the controller and the settings form need a row): it
also puts the crop calendar's stage in force each day (:func:`server.irrigation.stages.sync`:
a new stage's thresholds, Kc and the zone's sizing replace the old ones; an override holds
until then). :func:`settings_or_defaults` is the read-only view every GET uses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, col, select

from server.irrigation import leases as leases_mod
from server.irrigation import log as irrlog
from server.irrigation import stages
from server.irrigation.decide import Lease, ZoneSettings
from server.irrigation.windows import local_day, local_midnight
from server.models import Device, DeviceRole, DeviceStatus, Zone
from server.models.irrigation import ValveCommand, ZoneIrrigation
from server.models.telemetry import DeviceState
from server.telemetry.queries import DEFAULT_INTERVAL_S
from server.timeutil import as_utc

__all__ = ["ensure_settings", "settings_or_defaults", "devices", "zone_moisture", "active_open",
           "active_leases", "water_used_today", "zone_settings"]


def settings_or_defaults(session: Session, zone: Zone, today: date) -> ZoneIrrigation:
    """The zone's settings row, or its crop profile's defaults (not saved: a GET never writes)."""
    assert zone.id is not None
    return session.get(ZoneIrrigation, zone.id) or ZoneIrrigation(
        zone_id=zone.id, **stages.initial_values(zone, today, session))


def ensure_settings(session: Session, zone: Zone, today: date | None = None,
                    now: datetime | None = None) -> ZoneIrrigation:
    """The zone's settings row, created from the crop calendar (as of ``today``, by default
    today in Vietnam) when missing, with the calendar's stage of ``today`` in force, in the
    caller's transaction."""
    if now is None:  # the controller passes its (possibly simulated) day only
        now = datetime.now(UTC)
        if today is not None and local_day(now) != today:
            now = local_midnight(datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=12))
    today = today or local_day(now)
    row = settings_or_defaults(session, zone, today)
    if row not in session:
        session.add(row)
        session.flush()
    stages.sync(session, zone, row, today, now)
    return row


def devices(session: Session, zone_id: int, role: DeviceRole) -> list[Device]:
    """The zone's devices of ``role`` that are not revoked, in id order."""
    return list(session.exec(select(Device).where(Device.zone_id == zone_id, Device.role == role,
                                                  Device.status != DeviceStatus.revoked)
                             .order_by(col(Device.id))).all())


def zone_moisture(session: Session, zone_id: int, now: datetime) -> float | None:
    """Mean of the zone's fresh moisture readings (fresh = within 3 report intervals)."""
    vals = []
    for dev in session.exec(select(Device).where(Device.zone_id == zone_id,
                                                 Device.status != DeviceStatus.revoked)).all():
        st = session.get(DeviceState, dev.id)
        if st is None or st.m is None or st.m_at is None:
            continue
        if (now - as_utc(st.m_at)).total_seconds() <= 3 * (st.next_s or DEFAULT_INTERVAL_S) + 60:
            vals.append(float(st.m))
    return round(sum(vals) / len(vals), 1) if vals else None


def active_open(session: Session, device_id: int, now: datetime) -> ValveCommand | None:
    """The device's latest open lease that is queued, in flight or holding the valve."""
    cmd = session.exec(select(ValveCommand).where(ValveCommand.device_id == device_id)
                       .order_by(col(ValveCommand.cmd_id).desc())).first()
    if cmd is None or cmd.op != "open" or cmd.status not in leases_mod.OPEN_STATES:
        return None
    if cmd.status == "accepted":
        end = as_utc(cmd.acked_at or now) + timedelta(seconds=cmd.granted_s or cmd.dur_s or 0)
        if end <= now:
            return None
    return cmd


def _lease(session: Session, cmd: ValveCommand, now: datetime) -> Lease:
    remaining = None
    if cmd.status == "accepted" and cmd.acked_at:
        end = as_utc(cmd.acked_at) + timedelta(seconds=cmd.granted_s or cmd.dur_s or 0)
        remaining = (end - now).total_seconds()
    run = irrlog.current_run(session, cmd.device_id)
    run_s = (now - as_utc(run.started_at)).total_seconds() if run else 0.0
    return Lease(trigger=cmd.trigger, remaining_s=remaining, run_s=run_s)


def active_leases(session: Session, valves: list[Device], now: datetime) -> tuple[Lease, ...]:
    """The open leases on ``valves`` (in valve order), as the decision function sees them."""
    cmds = [a for a in (active_open(session, v.id, now) for v in valves if v.id is not None) if a]
    return tuple(_lease(session, c, now) for c in cmds)


def water_used_today(session: Session, zone_id: int, now: datetime) -> float:
    """Litres the zone used since local midnight."""
    return irrlog.litres_since(session, zone_id, local_midnight(now))


def zone_settings(cfg: ZoneIrrigation, zone: Zone) -> ZoneSettings:
    return ZoneSettings(mode=cfg.mode, on_pct=cfg.on_pct, off_pct=cfg.off_pct,
                        max_litres_day=cfg.max_litres_day, max_run_s=cfg.max_run_s,
                        lease_s=cfg.lease_s, flow_lpm=cfg.flow_lpm, rain_skip_mm=cfg.rain_skip_mm,
                        deficit_mm=cfg.deficit_mm, deficit_trigger_mm=cfg.deficit_trigger_mm,
                        area_m2=zone.area_m2)
