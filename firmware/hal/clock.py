"""Clock on the ESP32: monotonic ms across deep sleep, UTC from the RTC after NTP."""
import time

_EPOCH_OFFSET = 946684800 if time.gmtime(0)[0] == 2000 else 0  # older ports count from 2000


class Clock:
    def __init__(self, carry_ms: int = 0) -> None:
        # carry_ms: time since power-on before this boot (kept in RTC memory by main.py)
        self._base = carry_ms
        self._last = time.ticks_ms()
        self._acc = 0

    def ms(self) -> int:
        now = time.ticks_ms()
        self._acc += time.ticks_diff(now, self._last)  # ticks wrap; the sum does not
        self._last = now
        return self._base + self._acc

    def utc(self) -> int:
        t = time.time() + _EPOCH_OFFSET
        return t if t > 1700000000 else 0  # the RTC starts in 2000 until NTP sets it

    def sync(self) -> bool:
        try:
            import ntptime

            ntptime.settime()
            return True
        except Exception:  # noqa: BLE001 - ntptime raises OSError or IndexError
            return False

    def sleep_ms(self, ms: int) -> None:
        time.sleep_ms(ms)
