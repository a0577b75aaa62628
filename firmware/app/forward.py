"""Timestamps and the store-and-forward flush shared by both node roles."""
from .codec import batch, record, single
from .compat import const

MAX_BATCH = const(16)  # readings per batch message (protocol allows up to 32)
MAX_BYTES = const(1024)  # payload bytes per batch message (protocol allows 4096)


class TimeBase:
    """Stamps readings; fixes uptime stamps of this boot once UTC is known."""

    def __init__(self, clock: object, boot: int) -> None:
        self.clock = clock
        self.boot = boot

    def stamp(self) -> tuple:
        """(t, bt, up): t is UTC seconds or 0 when unknown; up = seconds since power-on."""
        return self.clock.utc(), self.boot, self.clock.ms() // 1000  # type: ignore[attr-defined]

    def fix(self, t: int, bt: int, up: int) -> int:
        if t:
            return t
        if bt != self.boot:
            return 0  # another power-on: its uptime cannot be related to now
        now = self.clock.utc()  # type: ignore[attr-defined]
        if not now:
            return 0
        return now - (self.clock.ms() // 1000 - up)  # type: ignore[attr-defined, no-any-return]


def flush_steps(buf: object, link: object, tb: TimeBase, max_batch: int = MAX_BATCH, max_bytes: int = MAX_BYTES) -> object:
    """Generator: send buffered readings oldest first, one batch per step.

    A reading leaves the buffer only after the broker's PUBACK for its batch.
    Yields the running count of acknowledged readings after each batch, so a
    caller can collect garbage or service other work between batches; stops
    at the first failure or when the buffer is empty.
    """
    sent = 0
    while True:
        recs = buf.peek(max_batch)  # type: ignore[attr-defined]
        if not recs:
            return
        parts = []  # type: list
        size = 40
        last = 0
        for seq, t, bt, up, frag in recs:
            r = record(seq, tb.fix(t, bt, up), bt, up, frag)
            if parts and size + len(r) + 1 > max_bytes:
                break
            parts.append(r)
            size += len(r) + 1
            last = seq
        recs = None
        drop = buf.dropped  # type: ignore[attr-defined]
        payload = single(parts[0], drop) if len(parts) == 1 else batch(parts, drop)
        n = len(parts)
        parts = None  # type: ignore[assignment]
        if not link.publish("telemetry", payload):  # type: ignore[attr-defined]
            return
        payload = None  # type: ignore[assignment]
        buf.ack(last)  # type: ignore[attr-defined]
        sent += n
        yield sent


def flush(buf: object, link: object, tb: TimeBase, max_batch: int = MAX_BATCH, max_bytes: int = MAX_BYTES) -> int:
    """Run ``flush_steps`` to the end; return the number of readings acknowledged."""
    sent = 0
    for sent in flush_steps(buf, link, tb, max_batch, max_bytes):  # type: ignore[attr-defined]
        pass
    return sent


__all__ = ["TimeBase", "flush", "flush_steps", "MAX_BATCH", "MAX_BYTES"]
