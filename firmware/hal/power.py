"""Deep sleep, watchdog, RTC memory."""
import machine


class Power:
    def __init__(self, wdt_ms: int = 0) -> None:
        self.wdt = machine.WDT(timeout=wdt_ms) if wdt_ms else None

    def deep_sleep(self, ms: int) -> None:
        machine.deepsleep(ms)

    def feed_watchdog(self) -> None:
        if self.wdt is not None:
            self.wdt.feed()

    def reset(self) -> None:
        machine.reset()


class RtcMemory:
    """machine.RTC().memory() split in two: 8 bytes for the clock carry, the rest for the node."""

    def __init__(self) -> None:
        self.rtc = machine.RTC()

    def _all(self) -> bytes:
        return bytes(self.rtc.memory())

    def carry_ms(self) -> int:
        m = self._all()
        return int.from_bytes(m[:8], "little") if len(m) >= 8 else 0

    def set_carry_ms(self, ms: int) -> None:
        self.rtc.memory(ms.to_bytes(8, "little") + self._all()[8:])

    def read(self) -> bytes:
        return self._all()[8:]

    def write(self, data: bytes) -> None:
        m = self._all()
        self.rtc.memory((m[:8] if len(m) >= 8 else bytes(8)) + data)
