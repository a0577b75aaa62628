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

from server.telemetry.ingest import IngestConfig, IngestWorker, partition_of
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


def _crash(worker: IngestWorker, stop: threading.Event) -> None:
    """The worker's process dies: no DISCONNECT, its socket just closes (the broker keeps
    its persistent session and queues its messages)."""
    stop.set()
    worker._stop.set()
    sock = worker._client.socket()
    worker._client.loop_stop()
    if sock is not None:
        sock.close()


@pytest.mark.parametrize("replacement", ["same-client-id", "new-hostname-id"])
def test_a_worker_killed_for_good_and_replaced(tel: Telemetry, mosquitto: Mosquitto,
                                               replacement: str) -> None:
    """Issue 23: worker 1 of 2 dies for good while devices publish; another machine starts
    worker 1. Under the same (explicit) client id it resumes the dead worker's session and
    its queue: nothing lost. Under an id made from its new hostname it starts an empty
    session: what was published meanwhile stays stranded in the dead one (measured)."""
    for u in UIDS:
        tel.add(u)
    workers = _workers(tel, mosquitto)
    pub = _Publisher(mosquitto.port)
    now, seq = int(time.time()), dict.fromkeys(UIDS, 0)

    def burst(n: int) -> None:
        for _ in range(n):
            for u in UIDS:
                assert pub.publish(u, seq[u] + 1, now)
                seq[u] += 1

    try:
        burst(10)
        _crash(*workers[0])
        burst(10)  # worker 1's devices: queued in its session only
        cid = "restart-w1" if replacement == "same-client-id" else "restart-w1-newhost"
        w = IngestWorker(tel.engine, IngestConfig(mqtt_url=mosquitto.url, client_id=cid,
                                                  index=1, workers=2, flush_s=0.02))
        stop = threading.Event()
        threading.Thread(target=w.run, args=(stop,), daemon=True).start()
        workers.append((w, stop))
        wait_for(lambda: w.stats.connected, 10, "replacement connected")
        time.sleep(0.3)
        burst(10)
        acked = pub.acked
        mine = sum(partition_of(f"nongso/v1/{u}/telemetry", 2) == 1 for u in UIDS)
        stranded = 0 if replacement == "same-client-id" else 10 * mine
        try:
            wait_for(lambda: tel.scalar("select count(*) from readings") >= acked - stranded,
                     10 if not stranded else 3, "stored")
            time.sleep(0.3)
        except AssertionError:
            pass
        stored = tel.scalar("select count(*) from readings")
    finally:
        pub.stop()
        for _w, st in workers:
            st.set()
        time.sleep(0.3)
    if replacement == "same-client-id":
        assert stored == acked == 30 * len(UIDS)
    else:  # the finding: the dead session keeps worker 1's share of the middle burst and
        # what it had received but not committed when it died (measured: 72-75 of 180)
        assert stranded <= acked - stored <= 2 * stranded
