# Memory scenario for the MicroPython WebAssembly port, 64 KiB heap (MicroPython only).
# Loaded precompiled (.mpy) by mp_mem.py and driven by mp_runner.mjs "stepped":
# every _next() is a separate top-level call
# (the port only collects garbage between top-level calls; on the ESP32 the GC
# runs whenever needed, so per step is the stricter case).  The fakes sample
# gc.mem_alloc() on every hardware call to find the high-water mark.
import gc
import sys

import fw_support as fw
from app.ringbuf import RingBuffer
from fw_memprobe import PEAK, RES, Clock, Stepper, Transport, report, sample


class Probe(fw.FakeProbe):
    def read_raw(self):
        sample()
        return super().read_raw()


def scenario():
    root = fw.tmpdir()
    # a backlog of 200 readings from an earlier outage, as the buffer holds them
    buf = RingBuffer(root + "/buf").open()
    for i in range(200):
        buf.append(0, 1, 900 * i, b'"m":41.7,"raw":39100,"st":23.06,"bat":3870')
        if i % 20 == 0:
            yield
    buf = None
    yield
    from app.sensor_node import SensorNode

    yield
    RES["live_sensor_start"] = gc.mem_alloc()
    PEAK[0] = 0
    clock = Clock(ms=200 * 900 * 1000, utc_at_zero=1760000000)
    tr = Transport()
    node = SensorNode("dev1", root, clock, fw.FakeNet(), tr, fw.FakeRtc(), Probe(36500),
                      fw.FakeTherm(22.0), fw.FakeBattery(3900))
    for _ in node.steps():
        yield
    RES["sensor"] = {"readings_sent": tr.readings, "messages": tr.telemetry, "pending": node.buf.pending(),
                     "max_payload": tr.max_payload, "peak_alloc": PEAK[0], "sleep_ms": node.sleep_ms}
    node = tr = None
    SensorNode = None
    for m in ("app.sensor_node", "app.forward", "app.sensors", "app.calib"):
        sys.modules.pop(m, None)  # a device runs one role: unload the other
    yield
    from app.valve_node import ValveNode

    yield
    RES["live_valve_start"] = gc.mem_alloc()
    PEAK[0] = 0
    root = fw.tmpdir()
    clock = Clock(utc_at_zero=1760000000)
    tr = Transport()
    valve = fw.FakeValve()
    flow = fw.FakeFlow()
    vn = ValveNode("v1", root, clock, fw.FakeNet(), tr, valve, flow, fw.FakePower(), Probe(36500))
    tr.incoming = [("nongso/v1/v1/cmd", b'{"v":1,"id":9,"op":"open","dur_s":120}')]
    opened = False
    for _ in range(150):
        vn.step()
        opened = opened or valve.state
        clock.advance(1)
        flow.pulses += 45
        yield
    RES["valve"] = {"opened": opened, "closed": not valve.state, "peak_alloc": PEAK[0],
                    "telemetry": tr.telemetry, "acks": len(tr.retained) + 0}


_run = Stepper(scenario())


def _next():
    return _run.step()


def _report():
    report()
