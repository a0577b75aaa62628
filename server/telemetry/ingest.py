"""``nongso ingest``: the MQTT → database worker.

* paho-mqtt 2 (callback API 2), QoS 1, a persistent session (MQTT 5: clean start off and a
  session expiry; 3.1.1: clean session off) under a stable client id;
* K workers split the stream by device: each holds a persistent **plain** subscription to
  ``nongso/v1/+/<kind>``, keeps the devices whose uid hashes to its index and acknowledges
  the rest at once (:func:`partition_of`). Plain subscriptions are restored by Mosquitto
  after a restart, so nothing published before the workers reconnect is lost; MQTT 5
  shared subscriptions (``shared=True``) are not restored by Mosquitto 2.0;
* the client id belongs to the worker's *index*, not to its host (``--client-id
  nongso-ingest-<index>``): a worker killed for good is replaced on any machine under the
  same id and resumes the dead one's session and queue (docs/scaling.md: 0 of 180 lost;
  under a new id, 72-75 of 180 stayed stranded in the dead session);
* **manual acknowledgement**: a message is PUBACKed only after the transaction holding it
  committed, so a crash loses nothing (the broker re-sends, duplicates are refused);
* a message that breaks the store is dead-lettered, the rest committed (:mod:`.writer`);
  only connection errors are retried;
* at most ``receive_max`` unacknowledged messages (MQTT 5 Receive Maximum): while the
  database is down the worker holds that many and the broker holds the rest;
* batches flushed by size or after ``flush_s``.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions
from sqlalchemy.engine import Engine

from server import metrics
from server.telemetry.decoder import KINDS, TOPIC_PREFIX
from server.telemetry.dispatch import DeviceDirectory
from server.telemetry.store import Store
from server.telemetry.writer import BatchWriter, Msg, Outcome

__all__ = ["IngestConfig", "IngestStats", "IngestWorker", "Msg", "parse_mqtt_url",
           "partition_of"]

log = logging.getLogger(__name__)

_new_msg = tuple.__new__


def partition_of(topic: str, workers: int) -> int:
    """The worker (1..``workers``) that keeps messages of the device on ``topic``."""
    parts = topic.split("/", 3)
    uid = parts[2] if len(parts) > 2 else topic
    return zlib.crc32(uid.encode()) % workers + 1


def parse_mqtt_url(url: str) -> dict[str, Any]:
    """``mqtt[s]://user:pass@host:port`` → connection parameters."""
    u = urlsplit(url)
    if u.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ValueError(f"MQTT URL must start with mqtt:// or mqtts://, not {url!r}")
    tls = u.scheme in ("mqtts", "ssl")
    return {"host": u.hostname or "127.0.0.1", "port": u.port or (8883 if tls else 1883),
            "username": unquote(u.username) if u.username else None,
            "password": unquote(u.password) if u.password else None, "tls": tls}


@dataclass
class IngestConfig:
    mqtt_url: str
    client_id: str = "nongso-ingest-1"
    group: str = "ingest"
    #: MQTT 5 (Receive Maximum, session expiry); False: MQTT 3.1.1 (clean session off).
    mqtt5: bool = True
    #: Worker ``index`` of ``workers`` (1-based): each holds a persistent *plain*
    #: subscription, receives every message and keeps the devices whose uid hashes to its
    #: index (the others are acknowledged at once). Plain subscriptions survive a broker
    #: restart; Mosquitto 2.0's shared subscriptions do not (see docs/operations.md).
    workers: int = 1
    index: int = 1
    #: An MQTT 5 shared subscription ``$share/<group>/…`` instead (a broker that restores
    #: shared subscriptions after a restart, e.g. EMQX; lossy on Mosquitto 2.0).
    shared: bool = False
    batch_size: int = 2000
    flush_s: float = 0.1
    receive_max: int = 20000
    session_expiry_s: int = 7 * 86400
    keepalive_s: int = 30
    #: Serve this worker's metrics at ``127.0.0.1:<port>/metrics`` (0: off).
    metrics_port: int = 0


@dataclass
class IngestStats:
    received: int = 0
    committed: int = 0
    readings: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    batches: int = 0
    db_errors: int = 0
    connects: int = 0
    connected: bool = False
    skipped: int = 0  #: other workers' messages (partitioned plain subscriptions)
    last_error: str = ""
    dead_reasons: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        return (f"connected={self.connected} received={self.received} committed={self.committed} "
                f"readings={self.readings} duplicates={self.duplicates} "
                f"dead_letters={self.dead_letters} db_errors={self.db_errors}")


class IngestWorker:
    """One worker process's MQTT client, batcher and writer."""

    def __init__(self, engine: Engine, config: IngestConfig,
                 on_commit: Callable[[list[Msg], float], None] | None = None) -> None:
        self.engine = engine
        self.config = config
        self.store = Store(engine)
        self.directory = DeviceDirectory(engine)
        self.writer = BatchWriter(self.store, self.directory)
        self.stats = IngestStats()
        self.on_commit = on_commit
        self._inbox: deque[Msg] = deque()
        self._owned: dict[str, bool] = {}
        self._partitioned = config.workers > 1 and not config.shared
        if not config.shared and not 1 <= config.index <= config.workers:
            raise ValueError(f"worker index {config.index} not in 1..{config.workers}")
        self._gen = 0
        self._stop = threading.Event()
        self._client = self._make_client()

    # ---- MQTT ------------------------------------------------------------------------
    def _make_client(self) -> mqtt.Client:
        c = self.config
        p = parse_mqtt_url(c.mqtt_url)
        if c.mqtt5:
            client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=c.client_id,
                                 protocol=mqtt.MQTTv5, manual_ack=True)
        else:
            client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=c.client_id,
                                 protocol=mqtt.MQTTv311, clean_session=False, manual_ack=True)
        if p["username"]:
            client.username_pw_set(p["username"], p["password"])
        if p["tls"]:
            client.tls_set()
        client.reconnect_delay_set(1, 10)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._host, self._port = p["host"], p["port"]
        return client

    def topics(self) -> list[str]:
        plain = [f"{TOPIC_PREFIX}+/{k}" for k in KINDS]
        if self.config.shared:
            return [f"$share/{self.config.group}/{t}" for t in plain]
        return plain

    def owns(self, topic: str) -> bool:
        """Is this topic's device in this worker's partition? (cached per topic)"""
        got = self._owned.get(topic)
        if got is None:
            got = partition_of(topic, self.config.workers) == self.config.index
            if len(self._owned) < 1_000_000:
                self._owned[topic] = got
        return got

    def _on_connect(self, client: mqtt.Client, _u: Any, flags: Any, reason: Any,
                    _p: Any) -> None:
        if getattr(reason, "is_failure", False):
            self.stats.last_error = f"connect refused: {reason}"
            log.error("broker refused the connection: %s", reason)
            return
        self.stats.connects += 1
        self.stats.connected = True
        if self.config.mqtt5:
            if not self.config.shared:  # a session from before: no second copy of each message
                client.unsubscribe([f"$share/{self.config.group}/{TOPIC_PREFIX}+/{k}"
                                    for k in KINDS])
            client.subscribe([(t, SubscribeOptions(qos=1)) for t in self.topics()])
        else:
            client.subscribe([(t, 1) for t in self.topics()])
        log.info("connected to %s:%s as %s (session present: %s)", self._host, self._port,
                 self.config.client_id, getattr(flags, "session_present", "?"))

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        # Messages not yet committed will be re-sent by the broker on the next connection;
        # their packet ids belong to the old connection and must never be acknowledged.
        self._gen += 1
        self._inbox.clear()
        self.stats.connected = False
        if not self._stop.is_set():
            log.warning("disconnected from the broker (%s); reconnecting", reason)

    def _on_message(self, client: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        if self._partitioned and not self.owns(msg.topic):
            client.ack(msg.mid, msg.qos)  # another worker's device: it has its own copy
            self.stats.skipped += 1
            return
        # tuple.__new__ builds the NamedTuple at plain-tuple cost (3x cheaper than Msg(...))
        self._inbox.append(_new_msg(Msg, (self._gen, msg.mid, msg.qos, msg.topic,
                                          bytes(msg.payload), time.time())))

    def start(self) -> None:
        c = self.config
        if c.mqtt5:
            props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            props.SessionExpiryInterval = c.session_expiry_s
            props.ReceiveMaximum = min(max(c.receive_max, 1), 65535)
            self._client.connect_async(self._host, self._port, keepalive=c.keepalive_s,
                                       clean_start=False, properties=props)
        else:
            self._client.connect_async(self._host, self._port, keepalive=c.keepalive_s)
        self._client.loop_start()

    def stop(self) -> None:
        self._stop.set()
        self._client.disconnect()
        self._client.loop_stop()

    # ---- batching --------------------------------------------------------------------
    def _take(self, timeout: float) -> list[Msg]:
        c = self.config
        deadline = time.monotonic() + timeout
        first: float | None = None
        while not self._stop.is_set():
            n = len(self._inbox)
            now = time.monotonic()
            if n and first is None:
                first = now
            if n >= c.batch_size or (first is not None and now - first >= c.flush_s):
                break
            if first is None and now >= deadline:
                return []
            time.sleep(0.002)
        out = []
        for _ in range(min(len(self._inbox), c.batch_size)):
            out.append(self._inbox.popleft())
        return out

    def _write(self, msgs: list[Msg]) -> None:
        """Commit ``msgs`` (retrying while the database is unreachable), then acknowledge
        them. A message that breaks the store is dead-lettered (:mod:`.writer`)."""
        delay = 0.2
        while True:
            try:
                t_commit = time.perf_counter()
                out = self.writer.write(msgs)
                metrics.INGEST_COMMIT_SECONDS.observe(time.perf_counter() - t_commit)
                break
            except Exception as exc:  # a connection error only: database down, restarting
                self.stats.db_errors += 1
                metrics.INGEST_DB_ERRORS.inc()
                self.stats.last_error = f"{type(exc).__name__}: {exc}"[:300]
                log.error("batch of %d not committed (%s); retrying in %.1fs", len(msgs),
                          self.stats.last_error, delay)
                if self._stop.wait(delay):
                    return
                delay = min(delay * 2, 5.0)
                if all(m.gen != self._gen for m in msgs):
                    return  # the broker will re-send all of them on the new connection
        now = time.time()
        gen = self._gen
        for m in msgs:
            if m.gen == gen:
                self._client.ack(m.mid, m.qos)
        self._count(msgs, out)
        if self.on_commit is not None:
            self.on_commit(msgs, now)

    def _count(self, msgs: list[Msg], out: Outcome) -> None:
        s = self.stats
        s.batches += 1
        s.received += len(msgs)
        s.committed += len(msgs)
        s.readings += out.inserted
        s.duplicates += out.duplicates
        s.dead_letters += len(out.dead)
        for r in out.dead:
            s.dead_reasons[r] = s.dead_reasons.get(r, 0) + 1
            metrics.INGEST_DEAD_LETTERS.inc(reason=r.split(":")[0])
        metrics.INGEST_MESSAGES.inc(len(msgs))
        metrics.INGEST_READINGS.inc(out.inserted)
        metrics.INGEST_DUPLICATES.inc(out.duplicates)

    def step(self, timeout: float = 0.5) -> int:
        """Wait up to ``timeout`` for messages; commit and acknowledge one batch."""
        msgs = self._take(timeout)
        metrics.INGEST_INBOX.set(len(self._inbox) + len(msgs))
        if msgs:
            self._write(msgs)
        return len(msgs)

    def run(self, stop: threading.Event | None = None, report_s: float = 30.0) -> None:
        """Process batches until ``stop`` is set (or :meth:`stop` is called)."""
        self.directory.reload()
        if self.config.metrics_port:
            metrics.serve_in_thread(self.config.metrics_port)  # Prometheus scrapes each worker
        self.start()
        next_report = time.monotonic() + report_s
        try:
            while not self._stop.is_set() and not (stop is not None and stop.is_set()):
                self.step()
                if time.monotonic() >= next_report:
                    next_report += report_s
                    log.info("ingest: %s", self.stats.line())
        finally:
            self.stop()


def start_in_thread(engine: Engine, mqtt_url: str, mqtt5: bool,
                    client_id: str = "nongso-ingest-demo") -> tuple[IngestWorker, threading.Event]:
    """Run a worker in a daemon thread (``nongso demo``); set the event to stop it."""
    worker = IngestWorker(engine, IngestConfig(mqtt_url=mqtt_url, client_id=client_id,
                                               mqtt5=mqtt5))
    stop = threading.Event()
    threading.Thread(target=worker.run, args=(stop,), name="ingest", daemon=True).start()
    return worker, stop
