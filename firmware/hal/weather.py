"""Weather node hardware: SHT3x or DHT22 air sensor, tipping-bucket rain gauge, optional
pyranometer (analogue output)."""
import time

import esp32
import machine
from machine import ADC, I2C, Pin

_SHT3X_ADDR = 0x44
_SHT3X_MEASURE = b"\x24\x00"  # single shot, high repeatability, no clock stretching


class Sht3x:
    def __init__(self, sda: int, scl: int, addr: int = _SHT3X_ADDR) -> None:
        self.i2c = I2C(0, sda=Pin(sda), scl=Pin(scl), freq=100000)
        self.addr = addr

    def read(self) -> tuple:
        from app.weather_node import sht3x_decode

        self.i2c.writeto(self.addr, _SHT3X_MEASURE)
        time.sleep_ms(16)  # max. measurement duration, high repeatability: 15.5 ms
        return sht3x_decode(self.i2c.readfrom(self.addr, 6))


class Dht22:
    """DHT22: no faster than once per 2 s (the node reads once per wake)."""

    def __init__(self, pin: int) -> None:
        import dht

        self.d = dht.DHT22(Pin(pin))

    def read(self) -> tuple:
        self.d.measure()  # OSError when it does not answer
        return self.d.temperature(), self.d.humidity()


class RainGauge:
    """Reed switch of the bucket to GND on an RTC GPIO (pull-up): a falling edge per tip.

    Asleep, the tip wakes the chip (ext0, level low); awake, a pin interrupt counts tips,
    with a 50 ms debounce (a bucket cannot tip faster)."""

    def __init__(self, pin: int) -> None:
        self.pin = Pin(pin, Pin.IN, Pin.PULL_UP)
        self.n = 1 if self.woke_by_tip() else 0
        self.last = time.ticks_ms()
        self.pin.irq(trigger=Pin.IRQ_FALLING, handler=self._tip)
        esp32.wake_on_ext0(pin=self.pin, level=esp32.WAKEUP_ALL_LOW)

    def _tip(self, _p: object) -> None:
        now = time.ticks_ms()
        if time.ticks_diff(now, self.last) > 50:
            self.n += 1
        self.last = now

    def woke_by_tip(self) -> bool:
        return machine.wake_reason() == machine.PIN_WAKE

    def count(self) -> int:
        return self.n


class Pyranometer:
    """An analogue pyranometer: ``wm2_per_mv`` W/m2 per millivolt at the ADC pin."""

    def __init__(self, pin: int, wm2_per_mv: float = 1.0) -> None:
        self.adc = ADC(Pin(pin), atten=ADC.ATTN_11DB)
        self.k = wm2_per_mv

    def read_wm2(self) -> int:
        return int(self.adc.read_uv() / 1000 * self.k)
