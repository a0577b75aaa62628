"""Weather node (issue 18): air and rain readings, rain tips counted across deep sleep."""
import json

try:
    from firmware.app.weather_node import WeatherNode, check_air, sht3x_crc, sht3x_decode
except ImportError:
    from app.weather_node import WeatherNode, check_air, sht3x_crc, sht3x_decode
from fw_support import FakeBattery, FakeClock, FakeNet, FakeRtc, FakeTransport, raises, tmpdir

T0 = 1760000000


class FakeAir:
    def __init__(self, t=27.5, rh=81.0, fail=False):
        self.t = t
        self.rh = rh
        self.fail = fail

    def read(self):
        if self.fail:
            raise OSError(19)
        return self.t, self.rh


class FakeRain:
    """This wake's tips (the waking tip included) and whether a tip woke the chip."""

    def __init__(self):
        self.n = 0
        self.woke = False

    def wake(self, by_tip, tips=0):
        self.woke = by_tip
        self.n = tips

    def woke_by_tip(self):
        return self.woke

    def count(self):
        return self.n


def _readings(tr):
    out = []
    for p in tr.on("telemetry"):
        d = json.loads(p)
        out += d["batch"] if "batch" in d else [d]
    return out


def _node(root, clock, tr, rtc, rain, air=None):
    return WeatherNode("wx1", root, clock, FakeNet(), tr, rtc, air or FakeAir(), rain,
                       FakeBattery(3950), None, 7, 0.2)


def test_sht3x_crc_and_decode():
    assert sht3x_crc(b"\xbe\xef") == 0x92  # the datasheet's example
    raw = b"\x66\x66" + bytes([sht3x_crc(b"\x66\x66")]) + b"\x80\x00" + bytes([sht3x_crc(b"\x80\x00")])
    t, rh = sht3x_decode(raw)
    assert abs(t - (-45 + 175 * 0x6666 / 65535)) < 1e-9 and abs(rh - 50.0008) < 1e-3
    bad = raw[:2] + bytes([raw[2] ^ 1]) + raw[3:]
    assert raises(Exception, sht3x_decode, bad).code == "io"
    assert raises(Exception, check_air, 20.0, 101.0).code == "range"


def test_rain_tips_are_counted_across_deep_sleep():
    root, clock, tr, rtc, rain = tmpdir(), FakeClock(utc_at_zero=T0), FakeTransport(), FakeRtc(), FakeRain()
    node = _node(root, clock, tr, rtc, rain)
    sleep = node.cycle()  # power-on: a reading with no rain yet
    assert 890000 < sleep <= 900000
    first = _readings(tr)
    assert len(first) == 1 and first[0]["rn"] == 0 and first[0]["at"] == 27.5 and first[0]["rh"] == 81
    sent = len(tr.published)
    # three tips wake the chip before the next reading is due: counted, nothing sent
    for k in range(3):
        clock.advance(100)
        rain.wake(True, 1)
        node = _node(root, clock, tr, rtc, rain)
        left = node.cycle()
        assert node.read_only_tip and len(tr.published) == sent
        assert 500000 < left <= 900000 - 100000 * (k + 1)
    # the timer wake that was due; two more tips while it is awake
    clock.advance(600)
    rain.wake(False, 2)
    node = _node(root, clock, tr, rtc, rain)
    node.cycle()
    last = _readings(tr)[-1]
    assert (last["rn"], last["tips"], last["bat"]) == (1.0, 5, 3950)  # 5 tips × 0.2 mm
    # next interval: no rain → 0; the counter keeps growing since power-on
    clock.advance(900)
    rain.wake(True, 1)
    node = _node(root, clock, tr, rtc, rain)
    node.cycle()  # due anyway: a reading with this tip
    last = _readings(tr)[-1]
    assert (last["rn"], last["tips"]) == (0.2, 6)
    seqs = [r["seq"] for r in _readings(tr)]
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) == 3


def test_power_cut_restarts_the_counter_and_a_dead_sensor_reports_null():
    root, clock, tr, rtc, rain = tmpdir(), FakeClock(utc_at_zero=T0), FakeTransport(), FakeRtc(), FakeRain()
    _node(root, clock, tr, rtc, rain).cycle()
    clock.advance(100)
    rain.wake(True, 4)
    _node(root, clock, tr, rtc, rain).cycle()
    rtc.data = b""  # power cut: RTC memory lost (tips not yet in a reading are lost)
    clock.advance(1000)
    rain.wake(False, 1)
    _node(root, clock, tr, rtc, rain, FakeAir(fail=True)).cycle()
    last = _readings(tr)[-1]
    assert (last["rn"], last["tips"]) == (0.2, 1)
    assert last["at"] is None and last["err"] == {"at": "io", "rh": "io"}
