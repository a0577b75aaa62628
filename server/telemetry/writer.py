"""Commit received MQTT messages; one bad message never stalls the rest.

:meth:`BatchWriter.write` turns messages into a :class:`~server.telemetry.store.Batch` and
commits it in one transaction. A *connection* error (database down, restarting, a dropped
connection, SQLite busy) is raised to the caller, which retries the same messages later.
Any other error means some message in the batch breaks the store (e.g. a string PostgreSQL
refuses): the batch is split in halves and each half written on its own, down to the one
message at fault, which becomes a dead letter ``store_error:<ExceptionClass>``. Everything
else is committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import NamedTuple

import sqlalchemy as sa

from server.telemetry.dispatch import DeviceDirectory, add_message, dead_letter
from server.telemetry.store import Batch, Store

__all__ = ["Msg", "Outcome", "BatchWriter", "is_transient"]

log = logging.getLogger(__name__)


class Msg(NamedTuple):
    """One received MQTT message (a NamedTuple: built once per message on the hot path)."""

    gen: int  #: connection generation (packet ids are valid only on their connection)
    mid: int
    qos: int
    topic: str
    payload: bytes
    received: float  #: time.time() at arrival


def _transient_types() -> tuple[type[BaseException], ...]:
    types: list[type[BaseException]] = [sa.exc.OperationalError, sa.exc.InterfaceError,
                                         sa.exc.DisconnectionError, sa.exc.TimeoutError,
                                         ConnectionError, TimeoutError]
    try:  # the raw driver (COPY runs on psycopg's own cursor)
        import psycopg

        types += [psycopg.OperationalError, psycopg.InterfaceError]
    except ImportError:  # pragma: no cover - SQLite-only installs
        pass
    return tuple(types)


_TRANSIENT = _transient_types()


def is_transient(exc: BaseException) -> bool:
    """A connection problem (retry the same batch), not a problem with the batch's data."""
    if getattr(exc, "connection_invalidated", False):
        return True
    return isinstance(exc, _TRANSIENT)


@dataclass(slots=True)
class Outcome:
    inserted: int = 0
    duplicates: int = 0
    dead: list[str] = field(default_factory=list)  #: dead-letter reasons, one per message
    splits: int = 0  #: extra transactions spent isolating bad messages


class BatchWriter:
    def __init__(self, store: Store, directory: DeviceDirectory) -> None:
        self.store = store
        self.directory = directory

    def write(self, msgs: list[Msg]) -> Outcome:
        """Commit ``msgs``; raise only on connection errors (see :func:`is_transient`)."""
        out = Outcome()
        self._write(msgs, out)
        return out

    def _write(self, msgs: list[Msg], out: Outcome, tries: int = 1) -> None:
        try:
            batch = Batch()
            dead: list[str] = []
            for _gen, _mid, _qos, topic, payload, received in msgs:
                reason = add_message(batch, self.directory, topic, payload, received)
                if reason is not None:
                    dead.append(reason)
            result = self.store.write(batch)
        except Exception as exc:
            if is_transient(exc):
                raise
            if len(msgs) == 1:
                if tries < 2:  # a race (two workers creating a partition): once more
                    self._write(msgs, out, tries + 1)
                else:
                    self._dead_letter(msgs[0], exc, out)
                return
            log.warning("batch of %d not stored (%s: %s); splitting it", len(msgs),
                        type(exc).__name__, str(exc)[:200])
            half = len(msgs) // 2
            out.splits += 2
            self._write(msgs[:half], out)
            self._write(msgs[half:], out)
            return
        out.inserted += result.inserted
        out.duplicates += result.duplicates
        out.dead += dead

    def _dead_letter(self, m: Msg, exc: Exception, out: Outcome) -> None:
        reason = f"store_error:{type(exc).__name__}"
        log.error("message on %s breaks the store (%s: %s); dead-lettered", m.topic[:200],
                  type(exc).__name__, str(exc)[:200])
        batch = Batch()
        dead_letter(batch, m.topic, reason, str(exc).replace("\x00", "")[:300], m.payload,
                    m.received)
        try:
            self.store.write(batch)
        except Exception as again:
            if is_transient(again):
                raise
            log.error("dead letter for %s not stored either (%s); message dropped",
                      m.topic[:200], type(again).__name__)
        out.dead.append(reason)
