"""Valve drivers and the flow-meter pulse counter."""
import time

from machine import Pin


class RelayValve:
    """Normally-closed solenoid on a relay: energised = open."""

    def __init__(self, pin: int, active_high: bool = True) -> None:
        self.on = 1 if active_high else 0
        self.pin = Pin(pin, Pin.OUT, value=1 - self.on)
        self.state = False

    def set(self, is_open: bool) -> None:
        self.pin.value(self.on if is_open else 1 - self.on)
        self.state = is_open

    def is_open(self) -> bool:
        return self.state


class LatchingValve:
    """Bistable solenoid through an H-bridge: a short pulse one way or the other."""

    def __init__(self, pin_open: int, pin_close: int, pulse_ms: int = 60) -> None:
        self.a = Pin(pin_open, Pin.OUT, value=0)
        self.b = Pin(pin_close, Pin.OUT, value=0)
        self.pulse_ms = pulse_ms
        self.state = True  # unknown at boot: force the first close to pulse

    def set(self, is_open: bool) -> None:
        if is_open == self.state:
            return
        p = self.a if is_open else self.b
        p.value(1)
        time.sleep_ms(self.pulse_ms)
        p.value(0)
        self.state = is_open

    def is_open(self) -> bool:
        return self.state


class FlowCounter:
    def __init__(self, pin: int) -> None:
        self.n = 0
        self.pin = Pin(pin, Pin.IN, Pin.PULL_UP)
        self.pin.irq(trigger=Pin.IRQ_FALLING, handler=self._irq)

    def _irq(self, _pin: object) -> None:
        self.n += 1

    def count(self) -> int:
        return self.n
