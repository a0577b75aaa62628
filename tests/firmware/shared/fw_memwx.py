# Memory scenario of the weather node for the MicroPython WebAssembly port, 64 KiB heap
# (MicroPython only; see fw_memscn.py for how the stepped runner and the sampling work).
import gc

import fw_support as fw
from app.ringbuf import RingBuffer
from fw_memprobe import PEAK, RES, Clock, Stepper, report, sample
from fw_memprobe import Transport as ProbeTransport


class Transport(ProbeTransport):
    """The probe's, keeping the last rain figure sent."""

    def __init__(self):
        super().__init__()
        self.rain = 0.0

    def publish(self, topic, payload, retain, qos):
        super().publish(topic, payload, retain, qos)
        i = payload.rfind(b'"rn":') if topic.endswith("/telemetry") else -1
        if i >= 0:
            self.rain = float(payload[i + 5:payload.find(b",", i)])


class Air:
    def read(self):
        sample()
        return 28.5, 79.0


class Rain:
    def __init__(self):
        self.n = 0
        self.woke = False

    def woke_by_tip(self):
        return self.woke

    def count(self):
        sample()
        return self.n


def scenario():
    root = fw.tmpdir()
    buf = RingBuffer(root + "/buf").open()
    for i in range(100):  # a backlog from an outage
        buf.append(0, 1, 900 * i, b'"at":27.25,"rh":80.5,"rn":0.4,"tips":12,"bat":3900')
        if i % 20 == 0:
            yield
    buf = None
    yield
    from app.weather_node import WeatherNode

    yield
    RES["live_start"] = gc.mem_alloc()
    PEAK[0] = 0
    clock = Clock(ms=100 * 900 * 1000, utc_at_zero=1760000000)
    tr = Transport()
    rtc = fw.FakeRtc()
    rain = Rain()
    tips_wakes = 0
    for wake in range(12):
        rain.woke = wake % 3 != 0
        rain.n = 1 if rain.woke else 0
        node = WeatherNode("wx1", root, clock, fw.FakeNet(), tr, rtc, Air(), rain,
                           fw.FakeBattery(3900), None, 7, 0.2)
        for _ in node.steps():
            yield
        tips_wakes += 1 if node.read_only_tip else 0
        clock.advance(300)
        node = None
        yield
    RES["weather"] = {"readings_sent": tr.readings, "peak_alloc": PEAK[0],
                      "tip_wakes": tips_wakes, "last_rain_mm": tr.rain}


_run = Stepper(scenario())


def _next():
    return _run.step()


def _report():
    report()
