"""Valve leases (docs/protocol.md "cmd" and "ack"): issuing, publishing, retrying, expiring,
and following the device's acks (stored by the ingest worker in ``device_acks``).

A command is a row of ``irrigation_commands``; its id comes from a per-device counter so ids
are strictly increasing per device. Lifecycle::

    pending ──publish──▶ sent ──accepted──▶ accepted ──done──▶ done
       │                  │ └─rejected──▶ rejected
       │                  └─(no ack, retried until expires_at)──▶ expired
       └─(device offline until expires_at)──▶ expired;  newer command first ──▶ superseded

A device that is offline (its Last Will says so) gets nothing published; when it comes back
online its pending commands are sent, or they expire at their deadline. Every command also
carries ``exp`` so a device that learns of a stale command late refuses it itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from server.irrigation import log as irrlog
from server.models import Device
from server.models.irrigation import CommandCounter, IrrigationLog, ValveCommand
from server.models.telemetry import DeviceAck, DeviceState
from server.timeutil import as_utc

__all__ = ["Publisher", "issue", "next_cmd_id", "send_pending", "process_acks", "OPEN_STATES",
           "cmd_topic", "payload_of"]

log = logging.getLogger(__name__)

Publisher = Callable[[str, bytes], bool]
OPEN_STATES = ("pending", "sent", "accepted")



def cmd_topic(uid: str) -> str:
    return f"nongso/v1/{uid}/cmd"


def next_cmd_id(session: Session, device_id: int) -> int:
    """Allocate the next command id for a device (inside the caller's transaction)."""
    t = CommandCounter.__table__  # type: ignore[attr-defined]
    n = session.connection().execute(
        sa.update(t).where(t.c.device_id == device_id).values(last_id=t.c.last_id + 1)
        .returning(t.c.last_id)).scalar()
    if n is None:
        # A device's first command; ids restart nowhere below what was ever used.
        used = session.exec(select(sa.func.max(ValveCommand.cmd_id))
                            .where(ValveCommand.device_id == device_id)).one() or 0
        n = int(used) + 1
        session.add(CommandCounter(device_id=device_id, last_id=n))
        session.flush()
    return int(n)


def issue(session: Session, device: Device, op: str, *, trigger: str, now: datetime,
          dur_s: int | None = None, valid_s: int = 300, user_id: int | None = None) -> ValveCommand:
    """Queue a command for ``device`` (published by the controller's next step)."""
    if op not in ("open", "close"):
        raise ValueError("op must be open or close")
    if op == "open" and not (dur_s and 1 <= dur_s <= 86400):
        raise ValueError("an open needs dur_s in 1..86400")
    assert device.id is not None
    cmd = ValveCommand(device_id=device.id, zone_id=device.zone_id,
                       cmd_id=next_cmd_id(session, device.id), op=op,
                       dur_s=dur_s if op == "open" else None,
                       expires_at=now + timedelta(seconds=valid_s), trigger=trigger,
                       user_id=user_id, created_at=now)
    # An older command not yet published would only be refused as stale: drop it.
    for old in session.exec(select(ValveCommand).where(ValveCommand.device_id == device.id,
                                                        ValveCommand.status == "pending")).all():
        old.status, old.reason = "superseded", "newer_command"
    session.add(cmd)
    session.flush()
    return cmd


def payload_of(cmd: ValveCommand) -> bytes:
    body: dict[str, Any] = {"v": 1, "id": cmd.cmd_id, "op": cmd.op}
    if cmd.op == "open":
        body["dur_s"] = cmd.dur_s
    body["exp"] = int(as_utc(cmd.expires_at).timestamp())
    return json.dumps(body, separators=(",", ":")).encode()


def _online(state: DeviceState | None) -> bool:
    return state is not None and state.last_seen_at is not None and state.state != "offline"


def _move(session: Session, cmd: ValveCommand, from_: tuple[str, ...], **values: Any) -> bool:
    """Change a command only if it is still in one of the states ``from_``: one conditional
    ``UPDATE … WHERE status IN (…) RETURNING`` (of two controllers, one wins)."""
    row = session.execute(sa.update(ValveCommand).where(
        col(ValveCommand.id) == cmd.id, col(ValveCommand.status).in_(from_))
        .values(**values).returning(col(ValveCommand.id))).first()
    return row is not None


def _claim(session: Session, cmd: ValveCommand, now: datetime) -> tuple[str, datetime | None] | None:
    """Mark ``cmd`` sent now, unless someone changed it since it was read; return what it
    was (to undo the claim if the publish fails)."""
    seen = (cmd.status, cmd.sent_at)
    same_send = col(ValveCommand.sent_at).is_(None) if cmd.sent_at is None else \
        col(ValveCommand.sent_at) == cmd.sent_at
    row = session.execute(sa.update(ValveCommand).where(
        col(ValveCommand.id) == cmd.id, col(ValveCommand.status) == cmd.status, same_send)
        .values(status="sent", sent_at=now, attempts=col(ValveCommand.attempts) + 1)
        .returning(col(ValveCommand.id))).first()
    return None if row is None else seen


def send_pending(session: Session, publish: Publisher, now: datetime, retry_s: float = 5.0) -> int:
    """Publish pending commands of online devices, re-send unanswered ones, expire the late.

    Each publish is first *claimed* — a conditional update, committed before anything is
    published — so a command is published once per round whoever else runs this; a
    publish that fails undoes its claim. Returns the number of publishes."""
    rows = session.exec(select(ValveCommand, Device).join(Device, col(Device.id) == ValveCommand.device_id)
                        .where(col(ValveCommand.status).in_(("pending", "sent")))
                        .order_by(col(ValveCommand.device_id), col(ValveCommand.cmd_id))).all()
    claimed: list[tuple[ValveCommand, Device, tuple[str, datetime | None]]] = []
    for cmd, dev in rows:
        if now >= as_utc(cmd.expires_at):
            _move(session, cmd, ("pending", "sent"), status="expired",
                  reason=cmd.reason or "deadline")
            continue
        if not _online(session.get(DeviceState, dev.id)):
            continue  # delivered when the device is back, unless it expires first
        due = cmd.status == "pending" or (
            cmd.sent_at is not None and (now - as_utc(cmd.sent_at)).total_seconds() >= retry_s)
        if due and (seen := _claim(session, cmd, now)) is not None:
            claimed.append((cmd, dev, seen))
    session.commit()
    sent = 0
    for cmd, dev, (status, sent_at) in claimed:
        if publish(cmd_topic(dev.uid), payload_of(cmd)):
            sent += 1
            continue
        session.execute(sa.update(ValveCommand).where(
            col(ValveCommand.id) == cmd.id, col(ValveCommand.sent_at) == now)
            .values(status=status, sent_at=sent_at, attempts=col(ValveCommand.attempts) - 1))
    return sent


def process_acks(session: Session, after_id: int, now: datetime) -> int:
    """Apply command acks with id > ``after_id``; return the largest ack id seen.

    Applying an ack twice changes nothing (every change is conditional on the command's
    state), so a new leader may start from an older cursor."""
    stmt = select(DeviceAck).where(col(DeviceAck.id) > after_id, col(DeviceAck.cmd_id).is_not(None))
    if after_id == 0:  # a fresh controller: commands live minutes, not days
        stmt = stmt.where(col(DeviceAck.received_at) >= now - timedelta(days=2))
    acks = session.exec(stmt.order_by(col(DeviceAck.id))).all()
    last = after_id
    for ack in acks:
        assert ack.id is not None
        last = max(last, ack.id)
        cmd = session.exec(select(ValveCommand).where(ValveCommand.device_id == ack.device_id,
                                                      ValveCommand.cmd_id == ack.cmd_id)).first()
        if cmd is None:
            continue
        _apply(session, cmd, ack)
    return last


def _accepted(session: Session, cmd: ValveCommand, ack: DeviceAck, at: datetime) -> None:
    granted = (ack.body or {}).get("dur_s")
    if cmd.op != "open":
        _move(session, cmd, ("pending", "sent"), status="done", acked_at=at, done_at=at,
              granted_s=granted)
        return
    if not _move(session, cmd, ("pending", "sent"), status="accepted", acked_at=at,
                 granted_s=granted):
        return
    run = irrlog.current_run(session, cmd.device_id)
    if run is None:
        run = irrlog.open_run(session, cmd.zone_id, cmd.device_id, at, cmd.trigger, cmd.user_id)
    session.execute(sa.update(ValveCommand).where(col(ValveCommand.id) == cmd.id)
                    .values(log_id=run.id))


def _done(session: Session, cmd: ValveCommand, ack: DeviceAck, at: datetime) -> None:
    """The lease ended: its litres are added to the run in SQL, in the same transaction
    that marks the command done — and only by the one update that marks it."""
    body = ack.body or {}
    reason = str(body.get("why") or "")[:64] or None
    litres = body.get("l")
    row = session.execute(sa.update(ValveCommand).where(
        col(ValveCommand.id) == cmd.id, col(ValveCommand.done_at).is_(None))
        .values(status="done", done_at=at, run_s=body.get("run_s"), litres=litres,
                reason=reason).returning(col(ValveCommand.log_id))).first()
    if row is None:
        return  # already done (a repeated ack, or another controller applied it)
    run = session.get(IrrigationLog, row[0]) if row[0] else \
        irrlog.current_run(session, cmd.device_id)
    if run is not None:
        irrlog.add_litres(session, run, litres)
        if reason != "superseded":
            irrlog.close_run(session, run, at, reason)


def _apply(session: Session, cmd: ValveCommand, ack: DeviceAck) -> None:
    at = as_utc(ack.received_at)
    if ack.res == "accepted":
        _accepted(session, cmd, ack, at)
    elif ack.res == "rejected":
        reason = str((ack.body or {}).get("reason") or "")
        if reason == "duplicate":
            return  # it had arrived; the first ack was lost or is on its way
        _move(session, cmd, ("pending", "sent"), status="rejected", reason=reason[:64],
              acked_at=at)
    elif ack.res == "done":
        _done(session, cmd, ack, at)


def end_at_reboot(session: Session, device_id: int, at: datetime) -> int:
    """A reboot starts with the valve closed and sends no ``done`` for the interrupted lease
    (docs/protocol.md): end the device's accepted leases and its run at the boot."""
    ended = session.execute(sa.update(ValveCommand).where(
        col(ValveCommand.device_id) == device_id, col(ValveCommand.status) == "accepted",
        col(ValveCommand.op) == "open").values(status="done", reason="reboot", done_at=at)
        .returning(col(ValveCommand.id))).all()
    run = irrlog.current_run(session, device_id)
    if run is not None and run.trigger != "fallback":
        irrlog.close_run(session, run, at, "reboot")
    return len(ended)
