"""Irrigation fixtures: a migrated database with the two co-ops, devices and their state;
a local webhook receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from server.db import make_engine
from server.irrigation.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER
from server.migrate import upgrade
from server.models import Device, DeviceRole, DeviceStatus, Zone
from server.models.irrigation import ZoneIrrigation
from server.models.telemetry import DeviceAck, DeviceState
from tests.server.conftest import build_world


@dataclass
class Irr:
    engine: Engine
    ids: dict[str, dict[str, int]]
    devices: dict[str, int] = field(default_factory=dict)

    def add(self, uid: str, zone: str = "carrot", role: DeviceRole = DeviceRole.sensor) -> int:
        with Session(self.engine) as s:
            d = Device(uid=uid, zone_id=self.ids["zones"][zone], role=role,
                       status=DeviceStatus.active)
            s.add(d)
            s.commit()
            assert d.id is not None
            self.devices[uid] = d.id
            return d.id

    def state(self, uid: str, at: datetime, **values: Any) -> None:
        """Set the latest state of a device as the ingest worker would."""
        with Session(self.engine) as s:
            st = s.get(DeviceState, self.devices[uid]) or DeviceState(device_id=self.devices[uid])
            st.last_seen_at = at
            if "state" not in values and st.state is None:
                st.state = "online"
            for k, v in values.items():
                setattr(st, k, v)
                if k in ("m", "vs", "bat"):
                    setattr(st, f"{k}_at", at)
            s.add(st)
            s.commit()

    def ack(self, uid: str, cmd_id: int, res: str, at: datetime, **body: Any) -> None:
        with Session(self.engine) as s:
            s.add(DeviceAck(device_id=self.devices[uid], received_at=at, cmd_id=cmd_id, res=res,
                            body={"v": 1, "id": cmd_id, "res": res, **body}))
            s.commit()

    def settings(self, zone: str = "carrot", **values: Any) -> None:
        with Session(self.engine) as s:
            z = s.get(Zone, self.ids["zones"][zone])
            assert z is not None
            from server.irrigation.zone_state import ensure_settings

            row = ensure_settings(s, z)
            for k, v in values.items():
                setattr(row, k, v)
            s.commit()

    def get_settings(self, zone: str = "carrot") -> ZoneIrrigation:
        with Session(self.engine) as s:
            row = s.get(ZoneIrrigation, self.ids["zones"][zone])
            assert row is not None
            s.expunge(row)
            return row

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as c:
            return list(c.execute(sa.text(sql), params).all())

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as c:
            return c.execute(sa.text(sql), params).scalar()


def make_irr(url: str) -> Iterator[Irr]:
    upgrade(url)
    engine = make_engine(url)
    try:
        yield Irr(engine, build_world(engine))
    finally:
        engine.dispose()


@pytest.fixture
def irr(sqlite_url: str) -> Iterator[Irr]:
    yield from make_irr(sqlite_url)


@pytest.fixture
def irr_pg(pg_url: str) -> Iterator[Irr]:
    yield from make_irr(pg_url)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def wait_for(cond: Any, timeout: float = 10.0, what: str = "condition") -> Any:
    import time

    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def ingest() -> Iterator[Any]:
    """Start the real ingest worker (thread) against a broker; stopped at the end."""
    import threading

    from server.telemetry.ingest import IngestConfig, IngestWorker

    started: list[tuple[threading.Thread, threading.Event]] = []

    def start(engine: Engine, url: str) -> IngestWorker:
        w = IngestWorker(engine, IngestConfig(mqtt_url=url, client_id="irr-ingest", flush_s=0.02))
        stop = threading.Event()
        t = threading.Thread(target=w.run, args=(stop,), daemon=True)
        t.start()
        wait_for(lambda: w.stats.connected, 10, "ingest connected")
        started.append((t, stop))
        return w

    yield start
    for t, stop in started:
        stop.set()
        t.join(10)


class ScriptedValve:
    """A valve node stand-in on a real MQTT connection: answers commands as told."""

    def __init__(self, port: int, uid: str, mode: str = "accept") -> None:
        import json

        import paho.mqtt.client as mqtt

        self.uid, self.mode, self.port = uid, mode, port
        self.received: list[dict[str, Any]] = []
        self._json = json
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=uid,
                        protocol=mqtt.MQTTv311, clean_session=False)
        c.will_set(f"nongso/v1/{uid}/status", b'{"v":1,"state":"offline"}', qos=1, retain=True)
        c.on_connect = lambda cl, *_: (cl.subscribe(f"nongso/v1/{uid}/cmd", 1),
                                       self.status("online"))
        c.on_message = self._on_message
        self.client = c

    def start(self) -> ScriptedValve:
        self.client.connect("127.0.0.1", self.port, keepalive=5)
        self.client.loop_start()
        wait_for(self.client.is_connected, 5, "valve connected")
        return self

    def status(self, state: str) -> None:
        info = self.client.publish(f"nongso/v1/{self.uid}/status",
                                   self._json.dumps({"v": 1, "state": state, "role": "valve"}), 1, True)
        if state != "online":  # (online is sent from the network thread's on_connect)
            info.wait_for_publish(5)

    def ack(self, body: dict[str, Any]) -> None:
        self.client.publish(f"nongso/v1/{self.uid}/ack", self._json.dumps({"v": 1, **body}), 1)

    def _on_message(self, _c: Any, _u: Any, msg: Any) -> None:
        cmd = self._json.loads(msg.payload)
        self.received.append(cmd)
        if self.mode == "accept":
            self.ack({"id": cmd["id"], "res": "accepted", **({"dur_s": cmd["dur_s"]}
                                                             if cmd["op"] == "open" else {})})
        elif self.mode == "reject":
            self.ack({"id": cmd["id"], "res": "rejected", "reason": "cooldown"})

    def drop(self) -> None:
        """Vanish without DISCONNECT: the broker publishes the Last Will."""
        self.client.loop_stop()
        self.client.socket().close()  # type: ignore[union-attr]

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


HOOK_SECRET = "s3cret-for-the-gateway-0123456789"


class HookServer:
    """A local HTTP endpoint for alert webhooks: answers every POST with ``status`` (after
    ``delay_s``; with ``location`` and a body that must never be shown back) and records each
    request as it arrives: monotonic time, Host header, body, JSON and whether its
    HMAC-SHA256 signature (computed here, not by the code under test) verifies."""

    def __init__(self, status: int = 204, location: str | None = None, delay_s: float = 0.0,
                 secret: str = HOOK_SECRET, certfile: str | None = None) -> None:
        self.secret = secret
        self.got: list[dict[str, Any]] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ts = self.headers.get(TIMESTAMP_HEADER, "")
                want = "sha256=" + hmac.new(outer.secret.encode(), ts.encode() + b"." + body,
                                            hashlib.sha256).hexdigest()
                outer.got.append({"at": time.monotonic(), "host": self.headers["Host"],
                                  "body": body, "json": json.loads(body or b"null"),
                                  "ok": hmac.compare_digest(
                                      want, self.headers.get(SIGNATURE_HEADER, ""))})
                time.sleep(delay_s)
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "24")
                self.end_headers()
                self.wfile.write(b"internal-detail-XYZZY-42")

            def log_message(self, *a: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True  # closing does not wait for a slow answer
        if certfile is not None:  # HTTPS with this certificate (and key, in the same file)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(certfile)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.url = f"{'https' if certfile else 'http'}://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook_server() -> Iterator[Callable[..., HookServer]]:
    """Start :class:`HookServer` s (``hook_server(status=500)``); closed at the end."""
    made: list[HookServer] = []

    def make(**kw: Any) -> HookServer:
        made.append(HookServer(**kw))
        return made[-1]

    yield make
    for srv in made:
        srv.close()
