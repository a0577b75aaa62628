"""Scratch-off PINs: checked once, atomically, and not guessable by brute force.

* **Per stamp**: each wrong PIN is counted on the stamp (in SQL); at :data:`PIN_LIMIT`
  wrong PINs the stamp's PIN locks — even the right PIN is refused, with a clear message
  — until its co-op resets it (:func:`reset`, ``POST /api/v1/stamps/{serial}/pin-reset``).
  Guessing a 6-digit PIN then succeeds once in 200,000 stamps, an 8-digit one (new
  stamps) once in 20 million.
* **Per address**: more than :data:`ADDRESS_LIMIT` wrong PINs from one client address in
  :data:`ADDRESS_WINDOW` and further PINs from it are refused before any check (stored in
  ``stamp_pin_attempts``, keyed by a salted hash of the address: it holds across API
  processes and restarts).
* **Once**: the first right PIN marks the stamp used with one conditional ``UPDATE … WHERE
  pin_used_at IS NULL RETURNING id``: of two right PINs sent at the same moment (to one node
  or to two), one is accepted and the other told the PIN was used before.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from server.models.common import utcnow
from server.models.stamps import PinAttempt, Stamp
from server.stamps.keys import pin_matches
from server.timeutil import as_utc

__all__ = ["PinResult", "check_pin", "address_wait", "reset", "PIN_LIMIT", "ADDRESS_LIMIT",
           "ADDRESS_WINDOW", "PIN_DIGITS"]

log = logging.getLogger(__name__)

PinResult = Literal["ok", "reused", "wrong", "locked", "throttled"]
#: Wrong PINs after which a stamp's PIN locks until the co-op resets it.
PIN_LIMIT = 5
#: Wrong PINs allowed from one client address per window (all stamps together).
ADDRESS_LIMIT, ADDRESS_WINDOW = 20, timedelta(minutes=15)
#: Digits of the PINs of newly issued stamps (older 6-digit PINs keep working).
PIN_DIGITS = 8


def _address_key(secret: str, ip: str | None) -> str:
    return hashlib.sha256(f"{secret}|pin-address|{ip or '?'}".encode()).hexdigest()[:32]


def address_wait(session: Session, secret: str, ip: str | None,
                 now: datetime | None = None) -> int:
    """Seconds this address must wait before its next PIN is checked (0: go ahead)."""
    now = now or utcnow()
    row = session.get(PinAttempt, _address_key(secret, ip))
    if row is None or row.failures < ADDRESS_LIMIT:
        return 0
    ends = as_utc(row.window_start) + ADDRESS_WINDOW
    return max(0, int((ends - now).total_seconds()) + 1) if ends > now else 0


def _address_failed(session: Session, secret: str, ip: str | None, now: datetime) -> None:
    """Count a wrong PIN for this address (an upsert: concurrent requests never lose one)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = PinAttempt.__table__  # type: ignore[attr-defined]
    stmt = insert(table).values(key=_address_key(secret, ip), window_start=now, failures=1)
    fresh = table.c.window_start <= now - ADDRESS_WINDOW
    session.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={
        "failures": sa.case((fresh, 1), else_=table.c.failures + 1),
        "window_start": sa.case((fresh, now), else_=table.c.window_start)}))


def _stamp_failed(session: Session, stamp_id: int, now: datetime) -> PinResult:
    row = session.execute(
        sa.update(Stamp).where(col(Stamp.id) == stamp_id, col(Stamp.pin_locked_at).is_(None))
        .values(pin_failures=col(Stamp.pin_failures) + 1,
                pin_locked_at=sa.case((col(Stamp.pin_failures) + 1 >= PIN_LIMIT, now),
                                      else_=None))
        .returning(col(Stamp.pin_failures))).first()
    if row is None or row[0] >= PIN_LIMIT:
        log.warning("stamp %s: PIN locked after %d wrong PINs", stamp_id, PIN_LIMIT)
        return "locked"
    return "wrong"


def check_pin(session: Session, secret: str, stamp: Stamp, pin: str, ip: str | None,
              now: datetime | None = None) -> PinResult:
    """Check a scratch-off PIN typed for ``stamp`` from address ``ip``, and commit what
    it changed (the stamp's failures or lock, the address's failures, the PIN's use)."""
    now = now or utcnow()
    assert stamp.id is not None
    if not stamp.pin_hash:
        return "wrong"
    if address_wait(session, secret, ip, now):
        return "throttled"
    if stamp.pin_locked_at is not None:
        return "locked"
    if not pin_matches(secret, stamp.serial, pin, stamp.pin_hash):
        result = _stamp_failed(session, stamp.id, now)
        _address_failed(session, secret, ip, now)
        session.commit()
        return result
    used = session.execute(
        sa.update(Stamp).where(col(Stamp.id) == stamp.id, col(Stamp.pin_used_at).is_(None),
                               col(Stamp.pin_locked_at).is_(None))
        .values(pin_used_at=now).returning(col(Stamp.id))).first()
    session.commit()
    if used is not None:  # this request's update marked it: the one accepted
        return "ok"
    session.refresh(stamp)
    return "locked" if stamp.pin_locked_at is not None else "reused"


def reset(session: Session, stamp: Stamp) -> Stamp:
    """The co-op unlocks a stamp's PIN (its buyer called them): failures back to zero."""
    stamp.pin_failures, stamp.pin_locked_at = 0, None
    session.add(stamp)
    session.commit()
    session.refresh(stamp)
    return stamp
