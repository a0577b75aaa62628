"""Prometheus metrics: a small registry of our own (counters, gauges, histograms).

* the API process counts HTTP requests by method and status (an ASGI middleware) and stamp
  scans (the resolver); ``GET /metrics`` adds gauges read from the database at scrape time:
  devices online/offline, open alerts by kind, dead letters, scans in the last minute;
* each ``nongso ingest`` worker counts messages, readings, duplicates, dead letters, database
  errors, its inbox (messages received and not yet committed: the shared-subscription lag)
  and the batch commit latency; with ``NONGSO_INGEST_METRICS_PORT`` set it serves them at
  ``http://127.0.0.1:<port>/metrics``.

``/metrics`` is not for everyone: it needs ``Authorization: Bearer <NONGSO_METRICS_TOKEN>``
or a platform administrator's session.

**Several workers** (``nongso serve --workers N``): whichever worker answers ``/metrics``
sums the counters and histograms of all of them, so a counter never goes backwards. Each
worker writes its own registry to a file of its own in ``NONGSO_METRICS_DIR`` (``serve``
makes a fresh directory and sets it for its workers) every second and before it answers
a scrape (:class:`MultiProcess`); a file stays after its worker exits, so a restarted
worker's counts are never lost from the sum (as Prometheus' own multiprocess mode).
"""

from __future__ import annotations

import bisect
import hmac
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from server.settings import Settings

__all__ = ["Counter", "Gauge", "Histogram", "Registry", "REGISTRY", "HTTP_REQUESTS",
           "HTTP_SECONDS", "SCANS", "INGEST_MESSAGES", "INGEST_READINGS", "INGEST_DUPLICATES",
           "INGEST_DEAD_LETTERS", "INGEST_DB_ERRORS", "INGEST_COMMIT_SECONDS", "INGEST_INBOX",
           "MetricsMiddleware", "render_with_db", "metrics_allowed", "serve_in_thread",
           "CONTENT_TYPE", "MultiProcess", "METRICS_DIR_ENV"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Labels = tuple[tuple[str, str], ...]


def _fmt_labels(labels: Labels) -> str:
    if not labels:
        return ""
    esc = (v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"') for _, v in labels)
    return "{" + ",".join(f'{k}="{v}"' for (k, _), v in zip(labels, esc)) + "}"


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


class _Metric:
    kind = ""

    def __init__(self, name: str, help_: str) -> None:
        self.name, self.help = name, help_
        self._lock = threading.Lock()

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} {self.kind}"]

    def lines(self) -> list[str]:
        raise NotImplementedError


class Counter(_Metric):
    kind = "counter"

    def __init__(self, name: str, help_: str) -> None:
        super().__init__(name, help_)
        self.values: dict[Labels, float] = {}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self.values[key] = self.values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        return self.values.get(tuple(sorted(labels.items())), 0.0)

    def lines(self) -> list[str]:
        return [f"{self.name}{_fmt_labels(k)} {_num(v)}" for k, v in sorted(self.values.items())]


class Gauge(Counter):
    kind = "gauge"

    def set(self, value: float, **labels: str) -> None:
        with self._lock:
            self.values[tuple(sorted(labels.items()))] = value


class Histogram(_Metric):
    kind = "histogram"
    DEFAULT = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

    def __init__(self, name: str, help_: str, buckets: Iterable[float] = DEFAULT) -> None:
        super().__init__(name, help_)
        self.buckets = sorted(buckets)
        self.counts = [0] * (len(self.buckets) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        with self._lock:
            self.counts[bisect.bisect_left(self.buckets, value)] += 1
            self.sum += value

    def lines(self) -> list[str]:
        out, acc = [], 0
        for b, c in zip([*self.buckets, float("inf")], self.counts):
            acc += c
            le = "+Inf" if b == float("inf") else _num(b)
            out.append(f'{self.name}_bucket{{le="{le}"}} {acc}')
        out += [f"{self.name}_sum {_num(self.sum)}", f"{self.name}_count {acc}"]
        return out


class Registry:
    def __init__(self) -> None:
        self.metrics: dict[str, _Metric] = {}

    def add(self, metric: Any) -> Any:
        self.metrics[metric.name] = metric
        return metric

    def render(self, extra: Iterable[_Metric] = ()) -> str:
        out: list[str] = []
        for m in [*self.metrics.values(), *extra]:
            out += m.header() + m.lines()
        return "\n".join(out) + "\n"

    def snapshot(self) -> dict[str, Any]:
        """Counters and histograms as JSON-able values (gauges stay per process)."""
        out: dict[str, Any] = {}
        for name, m in self.metrics.items():
            with m._lock:
                if isinstance(m, Histogram):
                    out[name] = {"counts": list(m.counts), "sum": m.sum}
                elif isinstance(m, Counter) and not isinstance(m, Gauge):
                    out[name] = [[list(map(list, k)), v] for k, v in m.values.items()]
        return out

    def merged(self, snapshots: Iterable[dict[str, Any]]) -> Registry:
        """A registry whose counters and histograms are the sums over ``snapshots`` (and
        whose gauges are this process's)."""
        total = Registry()
        for name, m in self.metrics.items():
            if isinstance(m, Gauge) or not isinstance(m, Counter | Histogram):
                total.add(m)
            elif isinstance(m, Histogram):
                total.add(Histogram(name, m.help, m.buckets))
            else:
                total.add(Counter(name, m.help))
        for snap in snapshots:
            for name, data in snap.items():
                got = total.metrics.get(name)
                if isinstance(got, Histogram) and len(data["counts"]) == len(got.counts):
                    got.counts = [a + b for a, b in zip(got.counts, data["counts"], strict=True)]
                    got.sum += data["sum"]
                elif isinstance(got, Counter) and not isinstance(got, Gauge):
                    for labels, value in data:
                        got.inc(value, **dict(labels))
        return total


REGISTRY = Registry()
HTTP_REQUESTS = REGISTRY.add(Counter("nongso_http_requests_total",
                                     "HTTP requests by method and status."))
HTTP_SECONDS = REGISTRY.add(Histogram("nongso_http_request_seconds", "HTTP request duration."))
SCANS = REGISTRY.add(Counter("nongso_stamp_scans_total",
                             "Consumer stamp scans resolved (GS1 resolver)."))
INGEST_MESSAGES = REGISTRY.add(Counter("nongso_ingest_messages_total",
                                       "MQTT messages committed and acknowledged."))
INGEST_READINGS = REGISTRY.add(Counter("nongso_ingest_readings_total", "Readings stored."))
INGEST_DUPLICATES = REGISTRY.add(Counter("nongso_ingest_duplicates_total",
                                         "Readings refused as already stored."))
INGEST_DEAD_LETTERS = REGISTRY.add(Counter(
    "nongso_ingest_dead_letters_total",
    "Messages set aside (undecodable, unknown device, refused by the database), by reason."))
INGEST_DB_ERRORS = REGISTRY.add(Counter("nongso_ingest_db_errors_total",
                                        "Batches not committed for a connection error (retried)."))
INGEST_COMMIT_SECONDS = REGISTRY.add(Histogram("nongso_ingest_batch_commit_seconds",
                                               "Time to commit one batch."))
INGEST_INBOX = REGISTRY.add(Gauge("nongso_ingest_inbox_messages",
                                  "Messages received from the broker, not yet committed (lag)."))

#: Set by ``nongso serve`` for its workers: the directory of their registry files.
METRICS_DIR_ENV = "NONGSO_METRICS_DIR"


class MultiProcess:
    """This worker's registry file in a directory shared with its sibling workers, and the
    sum over all files. Writes are atomic (a temporary file renamed), so a reader never
    sees half a file; each file only grows, so the sum never goes backwards."""

    _started: MultiProcess | None = None

    def __init__(self, directory: Path, registry: Registry | None = None) -> None:
        self.dir = directory
        self.registry = registry or REGISTRY
        name = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"
        self.file = directory / f"{name}.json"
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls) -> MultiProcess | None:
        """The process's one instance when ``serve`` set a directory (started once)."""
        directory = Settings().metrics_dir
        if not directory:
            return None
        if cls._started is None or cls._started.dir != Path(directory):
            cls._started = cls(Path(directory)).start()
        return cls._started

    def flush(self) -> None:
        with self._lock:
            tmp = self.file.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.registry.snapshot()), encoding="utf-8")
            tmp.replace(self.file)

    def start(self, every_s: float = 1.0) -> MultiProcess:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.flush()

        def loop() -> None:
            while True:
                time.sleep(every_s)
                try:
                    self.flush()
                except OSError:
                    pass  # the directory went away with its server: nothing to report to

        threading.Thread(target=loop, name="metrics-flush", daemon=True).start()
        return self

    def render(self, extra: Iterable[_Metric] = ()) -> str:
        self.flush()
        snaps = []
        for f in sorted(self.dir.glob("*.json")):
            try:
                snaps.append(json.loads(f.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue  # (replaced while read: atomic renames make this rare)
        return self.registry.merged(snaps).render(extra)


Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


class MetricsMiddleware:
    """Count every HTTP request by method and status, and time it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        MultiProcess.from_env()  # a worker of ``serve --workers N``: write our file

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = [500]

        async def wrapped(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, wrapped)
        finally:
            HTTP_REQUESTS.inc(method=scope.get("method", ""), status=str(status[0]))
            HTTP_SECONDS.observe(time.perf_counter() - t0)


def metrics_allowed(authorization: str, is_admin: bool, token: str) -> bool:
    """A platform admin, or the bearer ``token`` (``NONGSO_METRICS_TOKEN``, if one is set)."""
    if is_admin:
        return True
    sent = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
    return bool(token) and bool(sent) and hmac.compare_digest(token.encode(), sent.encode())


def _db_gauges(engine: Any, online_s: int = 1800) -> list[_Metric]:
    import sqlalchemy as sa

    now = datetime.now(UTC)
    devices = Gauge("nongso_devices", "Registered devices: online (seen within 30 min), offline, never seen.")
    alerts = Gauge("nongso_alerts_open", "Open (unresolved) alerts by kind.")
    dead = Gauge("nongso_dead_letters", "Dead letters stored.")
    scans = Gauge("nongso_stamp_scans_last_minute", "Stamp scans in the last 60 s.")
    with engine.connect() as c:
        rows = c.execute(sa.text(
            "SELECT d.status, s.last_seen_at FROM devices d "
            "LEFT JOIN device_states s ON s.device_id = d.id")).all()
        counts = {"online": 0, "offline": 0, "never_seen": 0}
        for status, seen in rows:
            if status == "revoked":
                continue
            if seen is None:
                counts["never_seen"] += 1
                continue
            if isinstance(seen, str):
                seen = datetime.fromisoformat(seen)
            if seen.tzinfo is None:
                seen = seen.replace(tzinfo=UTC)
            counts["online" if now - seen <= timedelta(seconds=online_s) else "offline"] += 1
        for k, v in counts.items():
            devices.set(v, state=k)
        for kind, n in c.execute(sa.text(
                "SELECT kind, count(*) FROM alerts WHERE state != 'resolved' GROUP BY kind")):
            alerts.set(n, kind=str(kind))
        dead.set(c.execute(sa.text("SELECT count(*) FROM dead_letters")).scalar_one())
        scans.set(c.execute(sa.text("SELECT count(*) FROM stamp_scans WHERE at >= :t"),
                            {"t": now - timedelta(seconds=60)}).scalar_one())
        from server.telemetry.health import storage_gauges  # TimescaleDB jobs (issue 20)

        storage = storage_gauges(c, Gauge)
    return [devices, alerts, dead, scans, *storage]


def render_with_db(engine: Any) -> str:
    multi = MultiProcess.from_env()
    if multi is not None:
        return multi.render(_db_gauges(engine))
    return REGISTRY.render(_db_gauges(engine))


def serve_in_thread(port: int, host: str = "127.0.0.1") -> Any:
    """Serve this process's registry at ``http://host:port/metrics`` (ingest workers)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            if self.path != "/metrics":
                self.send_error(404)
                return
            body = REGISTRY.render().encode()
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_a: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


def _router() -> Any:
    from server.errors import Forbidden, Unauthorized

    router = APIRouter(include_in_schema=False)

    @router.get("/metrics")
    def metrics(request: Request) -> Response:
        principal = getattr(request.state, "principal", None)
        auth = request.headers.get("authorization", "")
        token = request.app.state.settings.metrics_token
        if not metrics_allowed(auth, bool(principal and principal.is_admin), token):
            if principal is None and not token or not auth:
                raise Unauthorized("Metrics need the metrics token or an administrator.")
            raise Forbidden("Metrics need the metrics token or an administrator.")
        return Response(render_with_db(request.app.state.engine), media_type=CONTENT_TYPE)

    return router


router = _router()
