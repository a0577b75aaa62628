"""Timestamps and the store-and-forward flush shared by both node roles."""
from .codec import batch, record, single
from .compat import const

MAX_BATCH = const(16)  # readings per batch message (protocol allows up to 32)
MAX_BYTES = const(1024)  # payload bytes per batch message (protocol allows 4096)


MAX_STEP_S = const(600)  # a clock step up to this is applied to readings stamped before it
_MAX_STEPS = const(4)  # clock steps remembered while readings wait in the buffer


class TimeBase:
    """Stamps readings; fixes their times at send time.

    * uptime stamps of this boot (t unknown) get ``t`` once UTC is known;
    * UTC stamps of this boot taken before an NTP re-sync stepped the clock
      are moved by that step when it is at most ``MAX_STEP_S`` (drift), and
      sent as time-unknown (``t`` null, ``bt``/``up``) when it is more: one
      of the two clocks was wrong, and a reading is better without a time
      than with one off by hours.
    """

    def __init__(self, clock: object, boot: int) -> None:
        self.clock = clock
        self.boot = boot
        self.steps = []  # type: list  # (up s, UTC just before, step s), oldest first
        self.floor = -1  # uptime s at or before which stamps are no longer trusted

    def stamp(self) -> tuple:
        """(t, bt, up): t is UTC seconds or 0 when unknown; up = seconds since power-on."""
        return self.clock.utc(), self.boot, self.clock.ms() // 1000  # type: ignore[attr-defined]

    def stepped(self, up: int, before: int, step: int) -> None:
        """The clock was stepped by ``step`` s at uptime ``up`` s; its UTC then was ``before``."""
        if len(self.steps) >= _MAX_STEPS:
            self.floor = self.steps.pop(0)[0]  # forget the oldest: its readings lose their time
        self.steps.append((up, before, step))

    def settle(self) -> None:
        """The buffer is empty: no reading is left to correct."""
        self.steps = []
        self.floor = -1

    def _shift(self, t: int, up: int) -> int:
        """Sum of the clock steps made after the reading (t, up) was stamped."""
        c = 0
        for s_up, before, step in self.steps:
            if up < s_up or (up == s_up and abs(t - before) <= abs(t - before - step)):
                c += step
        return c

    def fix(self, t: int, bt: int, up: int) -> int:
        if bt != self.boot:
            return t  # another power-on: its uptime cannot be related to now
        if t:
            if up <= self.floor:
                return 0
            c = self._shift(t, up) if self.steps else 0
            if c > MAX_STEP_S or c < -MAX_STEP_S:
                return 0
            return t + c
        now = self.clock.utc()  # type: ignore[attr-defined]
        if not now:
            return 0
        return now - (self.clock.ms() // 1000 - up)  # type: ignore[attr-defined, no-any-return]


def flush_steps(
    buf: object, link: object, tb: TimeBase, max_batch: int = MAX_BATCH, max_bytes: int = MAX_BYTES
) -> object:
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
            tb.settle()
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


def flush(
    buf: object, link: object, tb: TimeBase, max_batch: int = MAX_BATCH, max_bytes: int = MAX_BYTES
) -> int:
    """Run ``flush_steps`` to the end; return the number of readings acknowledged."""
    sent = 0
    for sent in flush_steps(buf, link, tb, max_batch, max_bytes):  # type: ignore[attr-defined]  # noqa: B007
        pass
    return sent


__all__ = ["TimeBase", "flush", "flush_steps", "MAX_BATCH", "MAX_BYTES", "MAX_STEP_S"]
