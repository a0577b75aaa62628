"""Soil probe (ADC), DS18B20 and battery divider."""
import time

from machine import ADC, Pin


class Probe:
    def __init__(self, pin: int, power_pin: int = -1) -> None:
        self.adc = ADC(Pin(pin), atten=ADC.ATTN_11DB)
        self.power = Pin(power_pin, Pin.OUT, value=0) if power_pin >= 0 else None

    def read_raw(self) -> int:
        if self.power is not None and not self.power.value():
            self.power.value(1)  # probe powered only while awake
            time.sleep_ms(50)
        return self.adc.read_u16()


class Thermometer:
    def __init__(self, pin: int) -> None:
        import ds18x20
        import onewire

        self.ds = ds18x20.DS18X20(onewire.OneWire(Pin(pin)))
        self.rom = None  # type: object

    def read_c(self) -> float:
        if self.rom is None:
            roms = self.ds.scan()
            if not roms:
                raise OSError(19)  # ENODEV
            self.rom = roms[0]
        self.ds.convert_temp()
        time.sleep_ms(750)
        return self.ds.read_temp(self.rom)  # type: ignore[arg-type]


class Battery:
    def __init__(self, pin: int, ratio: float = 2.0) -> None:
        self.adc = ADC(Pin(pin), atten=ADC.ATTN_11DB)
        self.ratio = ratio  # divider: (R1 + R2) / R2

    def read_mv(self) -> int:
        return int(self.adc.read_uv() * self.ratio / 1000)
