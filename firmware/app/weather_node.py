"""Weather node: the sensor node's wake/buffer/upload cycle with air and rain instead of soil.

Measurements (docs/protocol.md: every non-reserved telemetry key is a measurement):
``at`` air temperature (degC, 2 dp), ``rh`` relative humidity (%, 1 dp) from an SHT3x or
a DHT22, ``rn`` rain in mm since the previous reading (tipping bucket, ``mm_per_tip`` per
tip), ``tips`` the tip counter since power-on, optional ``sr`` solar radiation (W/m2) and
``bat``.

Rain pulses across deep sleep: the bucket's reed switch is wired to an RTC GPIO that
wakes the chip (``hal.weather.RainGauge``). Each tip wakes it; the wake only adds the tip
to a counter kept in RTC memory after the sensor node's own bytes, and goes back to sleep
until the reading that was due anyway. Tips while awake are counted by a pin interrupt.
A reading reports the tips since the previous reading, then marks them sent: once the
reading is in the flash buffer it survives a power cut; tips not yet in a reading are
lost with RTC memory only.
"""
import struct

from .calib import check_battery
from .codec import fields
from .compat import const, crc32
from .errors import SensorError
from .sensor_node import SensorNode
from .sensors import checked

_HEAD = const(18)  # the sensor node's RTC bytes
_TAIL = "<IIq"  # tips since power-on, tips already in a reading, ms the next reading is due
_TAIL_LEN = const(20)  # struct + crc32


def sht3x_crc(data: bytes) -> int:
    """CRC-8 of the SHT3x datasheet (polynomial 0x31, init 0xFF)."""
    c = 0xFF
    for b in data:
        c ^= b
        for _ in range(8):
            c = ((c << 1) ^ 0x31) & 0xFF if c & 0x80 else (c << 1) & 0xFF
    return c


def sht3x_decode(buf: bytes) -> tuple:
    """6 bytes read after a measurement command -> (degC, %RH); SensorError on a bad CRC.

    Sensirion SHT3x datasheet: T = -45 + 175 * St / 65535, RH = 100 * Srh / 65535."""
    if len(buf) != 6 or sht3x_crc(buf[0:2]) != buf[2] or sht3x_crc(buf[3:5]) != buf[5]:
        raise SensorError("io")
    st = (buf[0] << 8) | buf[1]
    srh = (buf[3] << 8) | buf[4]
    return -45 + 175 * st / 65535, 100 * srh / 65535


def _air(pair: tuple) -> tuple:
    return check_air(*pair)


def check_air(t: float, rh: float) -> tuple:
    if not -40 <= t <= 85 or not 0 <= rh <= 100:
        raise SensorError("range")
    return t, rh


class _Head:
    """The sensor node's view of RTC memory: its first 18 bytes, the weather tail kept."""

    def __init__(self, rtc: object) -> None:
        self.rtc = rtc

    def read(self) -> bytes:
        return self.rtc.read()[:_HEAD]  # type: ignore[attr-defined, no-any-return]

    def write(self, data: bytes) -> None:
        tail = self.rtc.read()[_HEAD:_HEAD + _TAIL_LEN]  # type: ignore[attr-defined]
        self.rtc.write(bytes(data) + tail)  # type: ignore[attr-defined]


class WeatherSampler:
    def __init__(self, node: object, air: object, battery: object, solar: object) -> None:
        self.node = node
        self.air = air
        self.battery = battery
        self.solar = solar
        self.moisture = None

    def read(self, cfg: dict) -> bytes:
        errs = {}  # type: dict
        out = []  # type: list
        if self.air is not None:
            air = checked(errs, ("at", "rh"), self.air.read, _air)  # type: ignore[attr-defined]
            t = air[0] if air is not None else None  # type: ignore[index]
            rh = air[1] if air is not None else None  # type: ignore[index]
            out.append(("at", t, 2))
            out.append(("rh", rh, 1))
        n = self.node
        tips = n.tips_now()  # type: ignore[attr-defined]
        out.append(("rn", (tips - n.tips_sent) * n.mm_per_tip, 1))  # type: ignore[attr-defined]
        out.append(("tips", tips, 0))
        n.tips_sent = tips  # type: ignore[attr-defined]
        if self.solar is not None:
            out.append(("sr", checked(errs, ("sr",), self.solar.read_wm2), 0))  # type: ignore[attr-defined]
        if self.battery is not None:
            out.append(("bat", checked(errs, ("bat",), self.battery.read_mv,  # type: ignore[attr-defined]
                                       check_battery), 0))
        out.append(("err", errs, 0))
        return fields(out)


class WeatherNode(SensorNode):
    ROLE = "weather"

    def __init__(
        self, device_id: str, root: str, clock: object, net: object, transport: object,
        rtc: object, air: object = None, rain: object = None, battery: object = None,
        solar: object = None, seed: int = 1, mm_per_tip: float = 0.2,
        seg_bytes: int = 4096, max_segs: int = 16,
    ) -> None:
        SensorNode.__init__(self, device_id, root, clock, net, transport, _Head(rtc),
                            None, None, None, seed, seg_bytes, max_segs)
        self.raw_rtc = rtc
        self.rain = rain
        self.mm_per_tip = mm_per_tip
        self.sampler = WeatherSampler(self, air, battery, solar)  # type: ignore[assignment]
        self.tips_base = 0  # tips of earlier wakes (RTC memory)
        self.tips_sent = 0
        self.due_ms = 0
        self.read_only_tip = False  # the last wake was a tip only

    def _tail_load(self) -> None:
        data = self.raw_rtc.read()[_HEAD:_HEAD + _TAIL_LEN]  # type: ignore[attr-defined]
        if len(data) == _TAIL_LEN and struct.unpack_from("<I", data, 16)[0] == crc32(data[:16]):
            self.tips_base, self.tips_sent, self.due_ms = struct.unpack(_TAIL, data[:16])
        else:  # a power-on: RTC memory holds nothing of ours
            self.tips_base = self.tips_sent = self.due_ms = 0

    def _tail_save(self) -> None:
        body = struct.pack(_TAIL, self.tips_now(), self.tips_sent, self.due_ms)
        head = self.raw_rtc.read()[:_HEAD]  # type: ignore[attr-defined]
        head = head + bytes(_HEAD - len(head))
        self.raw_rtc.write(head + body + struct.pack("<I", crc32(body)))  # type: ignore[attr-defined]

    def tips_now(self) -> int:
        """Tips since power-on: earlier wakes' plus this wake's (the waking tip included)."""
        return self.tips_base + (self.rain.count() if self.rain is not None else 0)  # type: ignore[attr-defined]

    def steps(self) -> object:
        """A wake (see the module docstring): a tip before the reading is due only counts."""
        self._tail_load()
        now = self.clock.ms()  # type: ignore[attr-defined]
        woke_by_tip = self.rain is not None and self.rain.woke_by_tip()  # type: ignore[attr-defined]
        self.read_only_tip = woke_by_tip and now < self.due_ms
        if self.read_only_tip:
            self._tail_save()
            self.sleep_ms = self.due_ms - now if self.due_ms - now > 1000 else 1000
            return
        yield from SensorNode.steps(self)  # type: ignore[misc]
        self.due_ms = now + self.cfg["interval_s"] * 1000
        self._tail_save()


__all__ = ["WeatherNode", "WeatherSampler", "sht3x_crc", "sht3x_decode", "check_air"]
