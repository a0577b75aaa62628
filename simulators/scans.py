"""Scan load generator for the consumer stamp pages: many simulated phones, a realistic mix.

Given genuine stamp URIs (GS1 Digital Link, ``https://<domain>/01/<gtin>/10/<lot>/21/<serial>``),
``ScanLoad`` plans and fires scans:

* **genuine** — a phone scans a real stamp it has not scanned before;
* **repeated** — a stamp scanned again: mostly by the same phone (a shopper checking
  twice), sometimes by another phone (a copied label: the signal a server should flag);
* **forged** — a counterfeit: one character of a real serial changed, or a random serial
  of the same length and alphabet that looks valid but was never issued.

Phones carry their own User-Agent (Android-heavy, as in Vietnam) and Accept-Language
(mostly ``vi-VN``).  The plan is deterministic for a seed.  ``run`` sends it with
``httpx.AsyncClient`` (any base URL, or an ASGI app in-process) with bounded
concurrency, without following redirects (a resolver answers 30x), and reports counts
per kind and status and latency percentiles.  ``bench/scan.py`` can drive it.
"""

from __future__ import annotations

import asyncio
import random
import string
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Scan", "ScanMix", "ScanLoad", "ScanReport", "forge_one_char", "forge_serial"]

_UAS = (
    ("Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0 Mobile Safari/537.36", 5),
    ("Mozilla/5.0 (Linux; Android 12; Redmi 10C) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0 Mobile Safari/537.36", 4),
    ("Mozilla/5.0 (Linux; Android 11; OPPO A54) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/116.0 Mobile Safari/537.36", 3),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
     "like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", 2),
    ("Zalo/24.02 (Android 13)", 1),
)
_LANGS = (("vi-VN,vi;q=0.9", 8), ("vi,en;q=0.8", 1), ("en-US,en;q=0.9", 1))


@dataclass(frozen=True, slots=True)
class ScanMix:
    genuine: float = 0.80
    repeated: float = 0.12
    forged: float = 0.08
    same_phone_repeat: float = 0.8  # share of repeats by the phone that scanned it first

    def __post_init__(self) -> None:
        if min(self.genuine, self.repeated, self.forged) < 0 or \
                abs(self.genuine + self.repeated + self.forged - 1.0) > 1e-9:
            raise ValueError("scan mix shares must be >= 0 and add up to 1")


@dataclass(frozen=True, slots=True)
class Scan:
    kind: str  # genuine | repeated | forged
    uri: str
    phone: int
    headers: tuple[tuple[str, str], ...]


@dataclass(slots=True)
class ScanReport:
    sent: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    by_status: Counter[tuple[str, int]] = field(default_factory=Counter)  # (kind, HTTP status)
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        s = sorted(self.latencies_ms)
        return s[min(len(s) - 1, int(q * len(s)))]

    @property
    def per_s(self) -> float:
        return self.sent / self.wall_s if self.wall_s else 0.0


def _split_serial(uri: str) -> tuple[str, str]:
    head, sep, serial = uri.rpartition("/21/")
    if not sep or not serial:
        raise ValueError(f"not a GS1 Digital Link URI with a serial (/21/...): {uri}")
    serial, q, query = serial.partition("?")
    return head + sep, serial + (q + query if q else "")


def _alphabet(serial: str) -> str:
    if serial.isdigit():
        return string.digits
    if all(c in string.ascii_uppercase + string.digits for c in serial):
        return string.ascii_uppercase + string.digits
    return string.ascii_letters + string.digits


def forge_one_char(uri: str, rng: random.Random) -> str:
    """The URI with one character of its serial replaced by another of the same alphabet."""
    head, serial = _split_serial(uri)
    serial, _, query = serial.partition("?")
    alpha = _alphabet(serial)
    i = rng.randrange(len(serial))
    c = rng.choice([a for a in alpha if a != serial[i]])
    out = head + serial[:i] + c + serial[i + 1:]
    return out + ("?" + query if query else "")


def forge_serial(uri: str, rng: random.Random) -> str:
    """The URI with a random serial of the same length and alphabet (valid-looking, unissued)."""
    head, serial = _split_serial(uri)
    serial = serial.partition("?")[0]
    alpha = _alphabet(serial)
    return head + "".join(rng.choice(alpha) for _ in serial)


def _weighted(rng: random.Random, items: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([i for i, _ in items], [w for _, w in items])[0]


class ScanLoad:
    """Plan and run scans of ``uris`` by ``phones`` simulated phones."""

    def __init__(self, uris: list[str], phones: int = 200, mix: ScanMix | None = None,
                 seed: int = 1) -> None:
        if not uris:
            raise ValueError("at least one genuine stamp URI is needed")
        for u in uris:
            _split_serial(u)
        self.uris = list(uris)
        self.genuine = set(uris)
        self.phones = phones
        self.mix = mix or ScanMix()
        self.seed = seed
        rng = random.Random(f"phones:{seed}")
        self.headers = [(("User-Agent", _weighted(rng, _UAS)),
                         ("Accept-Language", _weighted(rng, _LANGS))) for _ in range(phones)]

    def plan(self, n: int) -> list[Scan]:
        rng = random.Random(f"scans:{self.seed}:{n}")
        m = self.mix
        unscanned = self.uris[:]
        rng.shuffle(unscanned)
        seen: list[tuple[str, int]] = []
        out = []
        for _ in range(n):
            r = rng.random()
            phone = rng.randrange(self.phones)
            if r < m.forged:
                base = rng.choice(self.uris)
                uri = forge_one_char(base, rng) if rng.random() < 0.6 else forge_serial(base, rng)
                while uri in self.genuine:  # astronomically rare; never call a real stamp forged
                    uri = forge_serial(base, rng)
                kind = "forged"
            elif r < m.forged + m.repeated and seen:
                uri, first = rng.choice(seen)
                phone = first if rng.random() < m.same_phone_repeat else phone
                kind = "repeated"
            else:
                if not unscanned:  # every stamp scanned: start a new round of shoppers
                    unscanned = self.uris[:]
                    rng.shuffle(unscanned)
                uri = unscanned.pop()
                seen.append((uri, phone))
                kind = "genuine"
            out.append(Scan(kind, uri, phone, self.headers[phone]))
        return out

    async def run(self, n: int, base_url: str = "", app: Any = None, concurrency: int = 50,
                  timeout: float = 10.0) -> ScanReport:
        """Send ``n`` planned scans; ``app`` = an ASGI app served in-process (tests)."""
        import httpx

        plan = self.plan(n)
        report = ScanReport()
        transport = httpx.ASGITransport(app=app) if app is not None else None
        sem = asyncio.Semaphore(concurrency)
        async with httpx.AsyncClient(transport=transport, base_url=base_url or "http://scan.test",
                                     timeout=timeout, follow_redirects=False) as client:
            async def one(s: Scan) -> None:
                async with sem:
                    t0 = time.perf_counter()
                    try:
                        resp = await client.get(s.uri, headers=dict(s.headers))
                    except httpx.HTTPError:
                        report.errors += 1
                        return
                    report.latencies_ms.append((time.perf_counter() - t0) * 1000)
                    report.by_status[(s.kind, resp.status_code)] += 1

            t0 = time.perf_counter()
            await asyncio.gather(*(one(s) for s in plan))
            report.wall_s = time.perf_counter() - t0
        report.sent = len(plan)
        report.by_kind = Counter(s.kind for s in plan)
        return report
