"""Open-loop HTTP load at a fixed rate, for latency under a given load.

A closed-loop tool (wrk, or ``ScanLoad.run`` with bounded concurrency) waits for each answer
before it sends the next request, so a slow server slows the load down and its latency
looks better than a phone would see it ("coordinated omission"). Here request ``i`` is due
at ``start + i / rate`` whatever happened before, and its latency is counted **from the
moment it was due**: a request that waited for a free connection, or behind a slow answer,
carries that wait.

The client is deliberately lean (HTTP/1.1 keep-alive over raw asyncio streams, uvloop when
installed, no HTTP library) so that the generator itself costs little CPU on a small
machine that also runs the server. Responses must carry ``Content-Length`` (chunked bodies
are read too). Run it in its own process::

    python -m simulators.openloop http://127.0.0.1:8000 --paths paths.txt --rate 500 --seconds 10

It prints one JSON object: sent, ok (2xx/3xx), errors (no answer), not_ok (4xx/5xx),
p50/p90/p99/max latency in ms — failed requests counted as the timeout — and the achieved
rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["OpenLoopResult", "open_loop", "main"]


@dataclass
class OpenLoopResult:
    rate: float
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)  # of 2xx/3xx answers
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0  # connection failures and timeouts
    wall_s: float = 0.0

    @property
    def sent(self) -> int:
        return sum(self.statuses.values()) + self.errors

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if 200 <= s < 400)

    def percentile(self, q: float, timeout_ms: float) -> float:
        """The ``q`` percentile over all requests sent. A failed request — no answer, or a
        4xx/5xx answer (a fast 503 under overload is no success) — counts as
        ``timeout_ms``."""
        lat = sorted(self.latencies_ms + [timeout_ms] * (self.sent - self.ok))
        if not lat:
            return 0.0
        return lat[min(len(lat) - 1, max(0, int(round(q / 100 * len(lat))) - 1))]

    def summary(self, timeout_ms: float) -> dict[str, float | int]:
        return {"rate": self.rate, "sent": self.sent, "ok": self.ok, "errors": self.errors,
                "not_ok": self.sent - self.ok - self.errors,
                "p50_ms": round(self.percentile(50, timeout_ms), 2),
                "p90_ms": round(self.percentile(90, timeout_ms), 2),
                "p99_ms": round(self.percentile(99, timeout_ms), 2),
                "max_ms": round(self.percentile(100, timeout_ms), 2),
                "achieved_per_s": round(self.sent / self.wall_s, 1) if self.wall_s else 0.0}


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def request(self, raw: bytes) -> tuple[int, bool]:
        """Send one request, read the whole answer: (status, connection still usable)."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, chunked, close = 0, False, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await self.reader.readexactly(length)
        return status, not close

    def close(self) -> None:
        self.writer.close()


async def open_loop(base_url: str, paths: list[str], rate: float, seconds: float,
                    headers: dict[str, str] | None = None, timeout_s: float = 10.0,
                    seed: int = 1) -> OpenLoopResult:
    """Send ``rate × seconds`` GETs of random ``paths`` at a fixed rate; see the module doc.

    Long because the scheduler, its per-connection workers and the latency bookkeeping share
    closures on one hot path: split into calls, the generator itself would skew p99."""
    if rate <= 0 or seconds <= 0 or not paths:
        raise ValueError("rate and seconds must be positive and paths not empty")
    url = urlsplit(base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    rng = random.Random(seed)
    result = OpenLoopResult(rate, seconds)
    idle: list[_Conn] = []

    async def one(due: float, path: str) -> None:
        raw = (f"GET {path} HTTP/1.1\r\nHost: {url.netloc}\r\n{extra}\r\n").encode("latin-1")
        status, reusable = None, False
        # A kept-alive connection the server has just closed fails at once: like any HTTP
        # client, send again on a new connection (once); a new connection that fails is an
        # error.
        conn = idle.pop() if idle else None
        while status is None:
            reused = conn is not None
            try:
                if conn is None:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(host, port), timeout_s)
                    conn = _Conn(reader, writer)
                remaining = max(0.001, due + timeout_s - time.perf_counter())
                status, reusable = await asyncio.wait_for(conn.request(raw), remaining)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                if conn is not None:
                    conn.close()
                conn = None
                if not reused or isinstance(exc, asyncio.TimeoutError):
                    result.errors += 1
                    return
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if 200 <= status < 400:
            result.latencies_ms.append((time.perf_counter() - due) * 1000)
        assert conn is not None
        if reusable:
            idle.append(conn)
        else:
            conn.close()

    n = int(rate * seconds)
    tasks: set[asyncio.Task[None]] = set()
    start = time.perf_counter() + 0.05
    for i in range(n):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(due, rng.choice(paths)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    while tasks:
        await asyncio.gather(*list(tasks))
    result.wall_s = time.perf_counter() - start
    for conn in idle:
        conn.close()
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m simulators.openloop",
                                 description="Fixed-rate (open-loop) HTTP GET load.")
    ap.add_argument("base_url")
    ap.add_argument("--paths", required=True, help="file with one request path per line")
    ap.add_argument("--rate", type=float, default=500.0, help="requests per second")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--header", action="append", default=[], help="Name: value")
    args = ap.parse_args(argv)
    with open(args.paths, encoding="utf-8") as f:
        paths = [line.strip() for line in f if line.strip()]
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    if not paths or args.rate <= 0 or args.seconds <= 0:
        ap.error("need a paths file with at least one path, and a positive --rate and --seconds")
    run = open_loop(args.base_url, paths, args.rate, args.seconds, headers, args.timeout)
    try:
        import uvloop  # the lean loop keeps the generator's own CPU small
    except ImportError:
        res = asyncio.run(run)
    else:
        res = uvloop.run(run)
    json.dump(res.summary(args.timeout * 1000), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
