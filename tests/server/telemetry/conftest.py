"""Telemetry fixtures: a migrated database with the two co-ops, a worker, publishers."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from server.db import make_engine
from server.migrate import upgrade
from server.models import DeviceRole, Zone
from server.telemetry.credentials import add_device
from server.telemetry.ingest import IngestConfig, IngestWorker
from tests.server.conftest import build_world
from tests.support.services import Mosquitto


def wait_for(cond: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def mosquitto_pub(port: int, topic: str, payload: bytes | str, *extra: str) -> None:
    """Publish with the Mosquitto project's own client (QoS 1)."""
    data = payload.encode() if isinstance(payload, str) else payload
    subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-q", "1",
                    "-t", topic, "-s", *extra], input=data, check=True, timeout=20)


def publisher(port: int, client_id: str = "", user: str | None = None,
              password: str | None = None) -> mqtt.Client:
    """A device-like MQTT 3.1.1 client (QoS 1)."""
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                    protocol=mqtt.MQTTv311)
    if user:
        c.username_pw_set(user, password)
    c.max_inflight_messages_set(100)
    c.connect("127.0.0.1", port)
    c.loop_start()
    return c


@dataclass
class Telemetry:
    engine: Engine
    ids: dict[str, dict[str, int]]
    devices: dict[str, int] = field(default_factory=dict)

    def add(self, uid: str, zone: str = "lychee", role: DeviceRole = DeviceRole.sensor) -> str:
        with Session(self.engine) as s:
            dev, password = add_device(s, s.get(Zone, self.ids["zones"][zone]), role, uid)
            assert dev.id is not None
            self.devices[uid] = dev.id
        return password

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as c:
            return c.execute(sa.text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as c:
            return list(c.execute(sa.text(sql), params).all())


def make_telemetry(url: str) -> Iterator[Telemetry]:
    upgrade(url)
    engine = make_engine(url)
    try:
        yield Telemetry(engine, build_world(engine))
    finally:
        engine.dispose()


@pytest.fixture
def tel_pg(pg_storage_url: str) -> Iterator[Telemetry]:
    yield from make_telemetry(pg_storage_url)


@pytest.fixture
def tel_sqlite(sqlite_url: str) -> Iterator[Telemetry]:
    yield from make_telemetry(sqlite_url)


@pytest.fixture
def run_worker() -> Iterator[Callable[..., IngestWorker]]:
    """Start in-process workers (thread each); all are stopped at the end of the test."""
    started: list[tuple[IngestWorker, threading.Thread, threading.Event]] = []

    def start(engine: Engine, broker: Mosquitto, client_id: str = "w1", **kw: Any) -> IngestWorker:
        w = IngestWorker(engine, IngestConfig(mqtt_url=broker.url, client_id=client_id, **kw))
        stop = threading.Event()
        t = threading.Thread(target=w.run, args=(stop,), daemon=True)
        t.start()
        wait_for(lambda: w.stats.connected, 10, "worker connected")
        time.sleep(0.2)  # SUBACK
        started.append((w, t, stop))
        return w

    yield start
    for _w, t, stop in started:
        stop.set()
        t.join(10)
