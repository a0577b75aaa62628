"""15.14: two ingest workers sharing the stream lose nothing across a broker restart.

Mosquitto 2.0 restores persistent sessions after a restart but not MQTT 5 *shared*
subscriptions: messages published after the restart and before the workers re-subscribe
matched no subscription and were gone (devices had their PUBACK, so they deleted them).
The workers now hold persistent *plain* subscriptions and split the devices by hash.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from server.telemetry.ingest import IngestConfig, IngestWorker
from tests.server.telemetry.conftest import Telemetry, make_telemetry, wait_for
from tests.support.services import Mosquitto

UIDS = [f"restart-{i}" for i in range(6)]


@pytest.fixture
def tel(pg_url: str) -> Iterator[Telemetry]:
    yield from make_telemetry(pg_url)


def _payload(seq: int, now: int) -> bytes:
    return json.dumps({"v": 1, "seq": seq, "t": now - 86400 + seq, "m": 30.0, "drop": 0},
                      separators=(",", ":")).encode()


class _Publisher:
    """A device-like client that reconnects at once after the broker comes back and keeps
    each message until the broker acknowledged it (as the firmware's flash buffer does)."""

    def __init__(self, port: int) -> None:
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="restart-pub",
                             protocol=mqtt.MQTTv311)
        self.c.reconnect_delay_set(0.05, 0.2)
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()
        self.acked = 0

    def publish(self, uid: str, seq: int, now: int) -> bool:
        try:
            info = self.c.publish(f"nongso/v1/{uid}/telemetry", _payload(seq, now), qos=1)
            info.wait_for_publish(2)
        except (RuntimeError, ValueError):
            return False
        if info.is_published():
            self.acked += 1
            return True
        return False

    def stop(self) -> None:
        self.c.loop_stop()
        self.c.disconnect()


def _workers(tel: Telemetry, broker: Mosquitto, **kw: Any) -> list[tuple[IngestWorker,
                                                                          threading.Event]]:
    out = []
    for i in (1, 2):
        w = IngestWorker(tel.engine, IngestConfig(mqtt_url=broker.url, client_id=f"restart-w{i}",
                                                  index=i, workers=2, flush_s=0.02, **kw))
        stop = threading.Event()
        threading.Thread(target=w.run, args=(stop,), daemon=True).start()
        wait_for(lambda w=w: w.stats.connected, 10, f"worker {i} connected")
        out.append((w, stop))
    time.sleep(0.3)  # SUBACK
    return out


def _run(tel: Telemetry, broker: Mosquitto, **kw: Any) -> tuple[int, int]:
    """Publish through a broker restart; return (acknowledged, stored)."""
    workers = _workers(tel, broker, **kw)
    pub = _Publisher(broker.port)
    now = int(time.time())
    seq = {u: 0 for u in UIDS}
    try:
        def burst(n: int) -> None:
            for _ in range(n):
                for u in UIDS:
                    deadline = time.monotonic() + 20
                    while not pub.publish(u, seq[u] + 1, now):  # kept until acknowledged
                        assert time.monotonic() < deadline, "the broker never took it"
                        time.sleep(0.05)
                    seq[u] += 1

        burst(20)
        broker.restart()
        # the devices are back first; the workers reconnect a moment later
        wait_for(pub.c.is_connected, 10, "publisher reconnected")
        burst(20)
        wait_for(lambda: all(w.stats.connects >= 2 for w, _ in workers), 20, "workers back")
        burst(10)
        acked = pub.acked
        assert acked == sum(seq.values()) == 50 * len(UIDS)
        try:
            wait_for(lambda: tel.scalar("select count(*) from readings") >= acked, 20, "stored")
        except AssertionError:
            pass
        time.sleep(0.5)
        return acked, tel.scalar("select count(*) from readings")
    finally:
        pub.stop()
        for _w, stop in workers:
            stop.set()
        time.sleep(0.3)


def test_two_workers_lose_nothing_across_a_broker_restart(tel: Telemetry,
                                                          mosquitto: Mosquitto) -> None:
    for u in UIDS:
        tel.add(u)
    acked, stored = _run(tel, mosquitto)
    assert stored == acked  # lost 0
    assert tel.scalar("select count(*) from reading_seqs") == acked
    dup = tel.scalar("select count(*) from (select device_id, seq from readings "
                     "group by device_id, seq having count(*) > 1) d")
    assert dup == 0
