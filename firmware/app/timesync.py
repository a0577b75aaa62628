"""NTP re-sync for always-on nodes: when to ask, and the clock step it made.

The NTP call itself is the HAL's ``Clock.sync``; this module only decides when
to call it and tells the ``TimeBase`` how far the clock moved, so readings
already buffered with the old clock are corrected (bounded) when sent.
"""
from .compat import const
from .forward import MAX_STEP_S, TimeBase

RESYNC_MS = const(21600000)  # 6 h between syncs of a clock that keeps the time
JITTER_MS = const(1800000)  # + up to 30 min per device: a field does not ask at once
RETRY_MS = const(600000)  # after a failure, or to confirm a step over MAX_STEP_S


class Resync:
    def __init__(self, clock: object, tb: TimeBase, seed: int = 1) -> None:
        self.clock = clock
        self.tb = tb
        self.next_ms = 0  # clock.ms() of the next attempt: the first one is due at once
        self.syncs = 0  # successful syncs (diagnostics)
        self.last_step = 0  # seconds the last sync moved the clock
        self._rng = (seed & 0x7FFFFFFF) or 1

    def _rand(self) -> int:
        self._rng = (self._rng * 48271) % 2147483647  # Park-Miller, as link.py
        return self._rng

    def due(self, now_ms: int) -> bool:
        return now_ms >= self.next_ms

    def run(self, now_ms: int) -> bool:
        """Sync now; note the step; schedule the next attempt. True on success."""
        clock = self.clock
        before = clock.utc()  # type: ignore[attr-defined]
        ms0 = clock.ms()  # type: ignore[attr-defined]
        ok = clock.sync()  # type: ignore[attr-defined]
        after = clock.utc()  # type: ignore[attr-defined]
        if not ok or not after:
            self.next_ms = now_ms + RETRY_MS
            return False
        step = 0
        if before:
            step = after - before - (clock.ms() - ms0 + 500) // 1000  # type: ignore[attr-defined]
            if -1 <= step <= 1:
                step = 0  # whole-second rounding of both readings of the clock
            else:
                self.tb.stepped(ms0 // 1000, before, step)
        self.last_step = step
        self.syncs += 1
        if step > MAX_STEP_S or step < -MAX_STEP_S:
            self.next_ms = now_ms + RETRY_MS  # ask again soon: which clock was wrong?
        else:
            self.next_ms = now_ms + RESYNC_MS + self._rand() % JITTER_MS
        return True


__all__ = ["Resync", "RESYNC_MS", "JITTER_MS", "RETRY_MS"]
