"""Turn received MQTT messages into a :class:`~server.telemetry.store.Batch`.

Every message ends in exactly one place: readings and state, an ack row, or a dead letter
with the reason (and at most :data:`DEAD_PAYLOAD_CAP` bytes of the raw payload). Nothing
here raises for a bad message.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from server.models import Device, DeviceStatus
from server.models.telemetry import READING_METRICS
from server.telemetry import credentials
from server.telemetry.decoder import Ack, DecodeError, Status, Telemetry, decode, parse_topic
from server.telemetry.store import Batch, ReadingRow

__all__ = ["DeviceInfo", "DeviceDirectory", "add_message", "dead_letter", "DEAD_PAYLOAD_CAP"]

log = logging.getLogger(__name__)

#: Raw bytes kept per dead letter.
DEAD_PAYLOAD_CAP = 4096
_METRICS = frozenset(READING_METRICS)


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    id: int
    zone_id: int
    revoked: bool


class DeviceDirectory:
    """uid → device, cached; reloaded every ``ttl_s``, (rate-limited) on an unknown uid, and
    whenever the set of revoked devices changed.

    Revocation is effective within ``revoke_check_s`` (0.5 s) in any process: a one-row
    version query (count and id sum of revoked devices; a device is never un-revoked) runs
    at most that often, and a revocation in this process (the demo) is seen at once
    (:func:`server.telemetry.credentials.revocations`)."""

    def __init__(self, engine: Engine, ttl_s: float = 30.0, miss_reload_s: float = 2.0,
                 revoke_check_s: float = 0.5) -> None:
        self.engine = engine
        self.ttl_s = ttl_s
        self.miss_reload_s = miss_reload_s
        self.revoke_check_s = revoke_check_s
        self._by_uid: dict[str, DeviceInfo] = {}
        self._loaded = 0.0
        self._checked = 0.0
        self._version: tuple[int, int, int] | None = None
        self._lock = threading.Lock()

    def _revoked_version(self) -> tuple[int, int, int]:
        t = Device.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as conn:
            n, total = conn.execute(sa.select(sa.func.count(), sa.func.coalesce(
                sa.func.sum(t.c.id), 0)).where(t.c.status == DeviceStatus.revoked)).one()
        return credentials.revocations(), int(n), int(total)

    def reload(self) -> None:
        t = Device.__table__  # type: ignore[attr-defined]
        try:
            version = self._revoked_version()
            with self.engine.connect() as conn:
                rows = conn.execute(sa.select(t.c.id, t.c.uid, t.c.zone_id, t.c.status)).all()
        except sa.exc.SQLAlchemyError:
            if not self._by_uid:
                raise
            log.warning("device list not reloaded (database unavailable); using the cache")
            self._loaded = time.monotonic()
            return
        with self._lock:
            self._by_uid = {uid: DeviceInfo(i, z, s == DeviceStatus.revoked)
                            for i, uid, z, s in rows}
            self._version = version
            self._loaded = self._checked = time.monotonic()

    def _revocations_changed(self, now: float) -> bool:
        if self._version is not None and credentials.revocations() != self._version[0]:
            return True
        if now - self._checked < self.revoke_check_s:
            return False
        self._checked = now
        try:
            return self._revoked_version() != self._version
        except sa.exc.SQLAlchemyError:
            return False  # the write of this batch will fail and be retried anyway

    def get(self, uid: str) -> DeviceInfo | None:
        now = time.monotonic()
        if now - self._loaded > self.ttl_s or self._revocations_changed(now):
            self.reload()
        found = self._by_uid.get(uid)
        if found is None and time.monotonic() - self._loaded > self.miss_reload_s:
            self.reload()
            found = self._by_uid.get(uid)
        return found


def _dead(batch: Batch, topic: str, uid: str | None, reason: str, detail: str,
          payload: bytes, at: datetime) -> None:
    batch.dead.append({"received_at": at, "topic": topic[:200], "device_uid": uid[:64] if uid else None,
                       "reason": reason[:64], "detail": detail[:300] or None,
                       "payload": bytes(payload[:DEAD_PAYLOAD_CAP]), "size": len(payload)})


def dead_letter(batch: Batch, topic: str, reason: str, detail: str, payload: bytes,
                received: float) -> None:
    """Add ``payload`` (received on ``topic``) to ``batch`` as a dead letter."""
    try:
        uid: str | None = parse_topic(topic)[0]
    except DecodeError:
        uid = None
    _dead(batch, topic, uid, reason, detail, payload, datetime.fromtimestamp(received, UTC))


def add_message(batch: Batch, directory: DeviceDirectory, topic: str, payload: bytes,
                received: float) -> str | None:
    """Add one message to ``batch``; return the dead-letter reason, or None when accepted."""
    at = datetime.fromtimestamp(received, UTC)
    uid: str | None = None
    try:
        uid, kind = parse_topic(topic)
        dev = directory.get(uid)
        if dev is None:
            raise DecodeError("unknown_device", uid)
        if dev.revoked:
            raise DecodeError("revoked_device", uid)
        msg = decode(kind, payload, now=received)
    except DecodeError as e:
        _dead(batch, topic, uid, e.reason, e.detail, payload, at)
        return e.reason
    delta = batch.delta(dev.id, at)
    if isinstance(msg, Telemetry):
        for r in msg.readings:
            metrics = {k: v for k, v in r.values.items() if k in _METRICS}
            extra: dict[str, object] = {k: v for k, v in r.values.items() if k not in _METRICS}
            if r.err:
                extra["err"] = dict(r.err)
            if r.t is None:
                extra["bt"], extra["up"] = r.bt, r.up
                when, known = at, False
            else:
                when, known = datetime.fromtimestamp(r.t, UTC), True
            batch.readings.append(ReadingRow(dev.id, dev.zone_id, r.seq, when, known, at,
                                             metrics, extra or None))
        if delta.dropped is None or msg.drop > delta.dropped:
            delta.dropped = msg.drop
    elif isinstance(msg, Status):
        st = {k: getattr(msg, k) for k in msg.present}
        st["state"], st["at"] = msg.state, at
        delta.status = st
        if msg.fw:
            delta.fw = msg.fw
    elif isinstance(msg, Ack):
        batch.acks.append({"device_id": dev.id, "received_at": at, "cmd_id": msg.id,
                           "cfg_rev": msg.cfg, "res": msg.res, "body": msg.as_dict()})
    return None
