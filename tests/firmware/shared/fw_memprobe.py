# The memory probe the 64 KiB scenarios share (MicroPython only; fw_memscn.py explains the
# stepped runner): the heap's high-water mark, sampled on every fake hardware call, and
# the runner's _next/_report entry points around a scenario generator.
import gc
import json

import fw_support as fw
import micropython

PEAK = [0]
RES = {"steps": 0, "grew_at": -1}
_SPLIT = 134217728  # "max new split" this port adds to gc.mem_free()


def heap_total():
    return gc.mem_alloc() + gc.mem_free() - _SPLIT


RES["total_at_start"] = heap_total()


def sample():
    a = gc.mem_alloc()
    if a > PEAK[0]:
        PEAK[0] = a


class Clock(fw.FakeClock):
    def ms(self):
        sample()
        return self.now


class Transport(fw.FakeTransport):
    def __init__(self):
        super().__init__()
        self.keep = False
        self.telemetry = 0
        self.readings = 0
        self.max_payload = 0

    def publish(self, topic, payload, retain, qos):
        sample()
        super().publish(topic, payload, retain, qos)
        if topic.endswith("/telemetry"):
            self.telemetry += 1
            self.readings += payload.count(b'"seq"')
            if len(payload) > self.max_payload:
                self.max_payload = len(payload)


class Stepper:
    """``step()`` runs the scenario to its next yield (one top-level call of the runner)."""

    def __init__(self, gen):
        self.gen = gen

    def step(self):
        RES["steps"] += 1
        if RES["grew_at"] < 0 and heap_total() > RES["total_at_start"]:
            RES["grew_at"] = RES["steps"]
        try:
            next(self.gen)
        except StopIteration:
            return False
        gc.collect()  # request a collection; this port runs it at the next top-level entry
        return True


def report():
    gc.collect()
    RES["live_after"] = gc.mem_alloc()
    RES["total_at_end"] = heap_total()
    print("@@MEM", json.dumps(RES))
    micropython.mem_info()
