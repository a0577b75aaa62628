"""Manual valve commands: "water now for N minutes" and "stop", for every valve of a zone.

They queue leases (:mod:`server.irrigation.leases`) in the caller's transaction; the
controller loop publishes them. A manual run is in charge until it ends: the automatic rules
leave it alone (:func:`server.irrigation.decide.manual_in_charge`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from server.errors import Conflict, Invalid
from server.irrigation import leases
from server.irrigation.zone_state import devices
from server.models import Device, DeviceRole
from server.models.irrigation import ValveCommand

__all__ = ["water_now", "stop_zone"]


def _valves(session: Session, zone_id: int) -> list[Device]:
    valves = devices(session, zone_id, DeviceRole.valve)
    if not valves:
        raise Conflict("Khu này chưa lắp van tưới.")
    return valves


def water_now(session: Session, zone_id: int, minutes: int, user_id: int | None,
              now: datetime | None = None, valid_s: int = 600) -> list[ValveCommand]:
    """Queue "open for ``minutes``" for every valve of the zone (manual trigger)."""
    if not 1 <= minutes <= 240:
        raise Invalid("minutes must be between 1 and 240.")
    now = now or datetime.now(UTC)
    return [leases.issue(session, v, "open", trigger="manual", now=now, dur_s=minutes * 60,
                         valid_s=valid_s, user_id=user_id) for v in _valves(session, zone_id)]


def stop_zone(session: Session, zone_id: int, user_id: int | None,
              now: datetime | None = None, valid_s: int = 600) -> list[ValveCommand]:
    """Queue "close" for every valve of the zone (manual trigger)."""
    now = now or datetime.now(UTC)
    return [leases.issue(session, v, "close", trigger="manual", now=now, valid_s=valid_s,
                         user_id=user_id) for v in _valves(session, zone_id)]
