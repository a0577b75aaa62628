"""Helpers for the simulator tests: a recording subscriber (paho, an independent client)."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterator

import paho.mqtt.client as paho
import pytest

from tests.support.services import Mosquitto


class Recorder:
    """Subscribes to every device topic; records telemetry (device, seq) like an ingest would."""

    def __init__(self, broker: Mosquitto) -> None:
        self.lock = threading.Lock()
        self.seqs: dict[str, list[int]] = defaultdict(list)
        self.readings: dict[str, list[dict]] = defaultdict(list)
        self.status: dict[str, list[dict]] = defaultdict(list)
        self.batches: dict[str, list[int]] = defaultdict(list)  # readings per telemetry message
        self.messages = 0
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="recorder",
                                  clean_session=False)
        self.client.on_message = self._on_message
        self.client.on_connect = lambda c, *_: c.subscribe("nongso/v1/+/+", 1)
        self.client.connect("127.0.0.1", broker.port, keepalive=30)
        self.client.loop_start()
        deadline = time.monotonic() + 10
        while not self.client.is_connected() and time.monotonic() < deadline:
            time.sleep(0.02)

    def _on_message(self, _c: object, _u: object, msg: paho.MQTTMessage) -> None:
        parts = msg.topic.split("/")
        dev, kind = parts[2], parts[3]
        body = json.loads(msg.payload)
        with self.lock:
            self.messages += 1
            if kind == "telemetry":
                items = body["batch"] if "batch" in body else [body]
                self.batches[dev].append(len(items))
                for r in items:
                    self.seqs[dev].append(r["seq"])
                    self.readings[dev].append(r)
            elif kind == "status":
                self.status[dev].append(body)

    def unique(self, dev: str) -> list[int]:
        with self.lock:
            return sorted(set(self.seqs[dev]))

    def wait_for(self, dev: str, seq: int, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if seq in set(self.seqs[dev]):
                return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def recorder(mosquitto: Mosquitto) -> Iterator[Recorder]:
    r = Recorder(mosquitto)
    yield r
    r.close()


def no_gap(seqs: list[int]) -> bool:
    return bool(seqs) and seqs == list(range(1, seqs[-1] + 1))
