"""The scan load generator against a tiny ASGI resolver."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from simulators.scans import ScanLoad, ScanMix, forge_one_char

BASE = "https://nongso.test/01/08934602001078/10/TH2025-06-01/21/"


def _uris(n: int) -> list[str]:
    rng = random.Random(1)
    return [BASE + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(10))
            for _ in range(n)]


class Resolver:
    """Minimal ASGI app: 307 for an issued serial, 404 otherwise; counts scans per serial."""

    def __init__(self, uris: list[str]) -> None:
        self.paths = {u.split("nongso.test", 1)[1] for u in uris}
        self.hits: Counter[str] = Counter()
        self.agents: set[str] = set()

    async def __call__(self, scope: dict, receive: object, send: object) -> None:
        assert scope["type"] == "http"
        path = scope["path"]
        self.hits[path] += 1
        self.agents.add(dict(scope["headers"]).get(b"user-agent", b"").decode())
        status = 307 if path in self.paths else 404
        headers = [(b"location", b"/scan" + path.encode())] if status == 307 else []
        await send({"type": "http.response.start", "status": status, "headers": headers})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b""})  # type: ignore[operator]


def test_forgery_changes_exactly_one_serial_character() -> None:
    rng = random.Random(3)
    for u in _uris(50):
        f = forge_one_char(u, rng)
        assert f != u and len(f) == len(u)
        assert sum(a != b for a, b in zip(f, u)) == 1
        assert f.rsplit("/21/", 1)[0] == u.rsplit("/21/", 1)[0]


def test_mix_and_answers_from_a_resolver() -> None:
    uris = _uris(300)
    app = Resolver(uris)
    load = ScanLoad(uris, phones=150, mix=ScanMix(0.7, 0.2, 0.1), seed=4)
    assert load.plan(2000) == load.plan(2000)  # deterministic for a seed
    report = asyncio.run(load.run(2000, app=app, concurrency=40))
    assert report.sent == 2000 and report.errors == 0
    k = report.by_kind
    assert abs(k["genuine"] / 2000 - 0.7) < 0.04
    assert abs(k["repeated"] / 2000 - 0.2) < 0.04
    assert abs(k["forged"] / 2000 - 0.1) < 0.03
    # every genuine and repeated scan hit an issued stamp; no forgery ever did
    assert report.by_status[("genuine", 307)] == k["genuine"]
    assert report.by_status[("repeated", 307)] == k["repeated"]
    assert report.by_status[("forged", 404)] == k["forged"]
    assert sum(app.hits.values()) == 2000
    assert max(app.hits.values()) >= 2  # some stamps scanned more than once
    assert len(app.agents) >= 3  # many kinds of phones
    assert report.percentile(0.95) >= report.percentile(0.5) > 0
