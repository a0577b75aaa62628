"""The consumer scan page, built for the hottest path of the platform.

A scan (:func:`serve_scan`) is one indexed query, a queued write and a string join:

1. :func:`alookup` reads the stamp's own state, its lot code, product GTIN and the lot's
   recall in **one** statement — on PostgreSQL through a small asyncpg pool per event
   loop (:class:`AsyncReadPool`: prepared, never blocking the loop, replaced and retried
   once after a PostgreSQL restart), on SQLite through SQLAlchemy (:func:`lookup`);
2. :func:`record` queues the scan on the write-behind log (:mod:`server.stamps.scanlog`);
   a position the consumer shares refines their scan instead of counting another;
3. the lot part of the page (origin, codes, dates, growing conditions, certificates, OCOP
   stars, journey, Open Graph tags) is rendered from ``stamp_consumer.html`` once per lot,
   language and day and kept :data:`VIEW_TTL_S` seconds (:func:`lot_chunks`: off the
   event loop, stale-while-refresh), as text chunks around *slots* — markers made of a
   NUL and a random token that page data cannot contain;
4. the slots are filled per scan: ``anchor`` (the stamp's URI), ``alerts`` (recall and
   revoked notices, from ``stamp_alerts.html``) and ``auth`` (the authenticity panel,
   from ``stamp_auth.html``, itself cached per variant with slots for count, date and
   code). Recall, revocation, scan count and clone flag are therefore never older than the
   query that served the scan.

:class:`ScanFastPath` serves a plain browser ``GET``/``HEAD`` of a genuine stamp straight
from ASGI, without the router and dependency machinery that every other route pays for;
anything else (linkset, ``linkType``, malformed, not genuine, rate-limited, unknown, the
PIN ``POST``) continues to the FastAPI route in :mod:`server.stamps.resolver`, which uses
the same :func:`serve_scan` and :func:`page_html`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from qr import serial as qserial
from qr.errors import GS1Error
from qr.gs1 import digital_link, parse_digital_link
from server.metrics import SCANS
from server.models.common import utcnow
from server.models.stamps import LotRecall, Stamp
from server.models.trace import Lot, Product
from server.pages import templates
from server.stamps import clone, consumer, links
from server.stamps.keys import state_keyring
from server.stamps.scanlog import ScanLog

__all__ = ["StampState", "serve_scan", "lot_chunks", "lookup", "alookup", "AsyncReadPool",
           "read_pool", "page_html", "record", "scan_log", "resolver_throttle",
           "keyring", "link_header", "page_headers", "ScanFastPath", "clear_cache",
           "wants_linkset", "float_or_none", "LINKSET", "CORS", "VIEW_TTL_S"]

log = logging.getLogger(__name__)
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CORS = {"Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
        "Access-Control-Allow-Headers": "Accept, Accept-Language, Content-Type",
        "Access-Control-Expose-Headers": "Link, Location",
        "Vary": "Accept, Accept-Language"}
LINKSET = "application/linkset+json"

#: Failed lookups (malformed, not genuine, never issued, no such link) allowed per client
#: address in ``window_s``: plenty for a shop checking its stock (genuine stamps never
#: count), useless for enumerating serials (and the MAC makes guessing hopeless anyway).
ENUMERATION_LIMIT, ENUMERATION_WINDOW_S = 60, 600.0

#: How long the lot part of a consumer page (origin, diary, journey, certificates, stars)
#: is reused between scans of the lot's stamps. Recall and the stamp's own state are read
#: on every scan.
VIEW_TTL_S = 30.0


@dataclasses.dataclass(slots=True)
class StampState:
    """What a scan needs of one stamp, read in one query."""

    id: int
    lot_id: int
    lot_code: str
    gtin: str
    has_pin: bool
    revoked_at: datetime | None
    revoked_reason: str | None
    scan_count: int
    first_scan_at: datetime | None
    clone_suspected_at: datetime | None
    clone_reason: str | None
    recall_reason: str | None

    @property
    def pin_hash(self) -> bool:  # what the template asks: does this stamp have a PIN?
        return self.has_pin


# --- per-app state (built on first use) -------------------------------------------------

def _state_attr(state: Any, name: str, make: Callable[[], Any]) -> Any:
    value = getattr(state, name, None)
    if value is None:
        value = make()
        setattr(state, name, value)
    return value


def scan_log(state: Any) -> ScanLog:
    """The app's write-behind scan log (started on first use, flushed at shutdown)."""
    sl: ScanLog = _state_attr(state, "scan_log", lambda: ScanLog(state.engine))
    return sl


def resolver_throttle(state: Any) -> Any:
    from server.throttle import LoginThrottle

    return _state_attr(state, "resolver_throttle", lambda: LoginThrottle(
        per_login=1 << 30, per_ip=ENUMERATION_LIMIT, window_s=ENUMERATION_WINDOW_S))


keyring = state_keyring


# --- the lookup -------------------------------------------------------------------------

_COLUMNS: list[Any] = [
    Stamp.id, Stamp.lot_id, Lot.code, Product.gtin, col(Stamp.pin_hash).is_not(None),
    Stamp.revoked_at, Stamp.revoked_reason, Stamp.scan_count, Stamp.first_scan_at,
    Stamp.clone_suspected_at, Stamp.clone_reason, LotRecall.reason]
_LOOKUP = (
    sa.select(*_COLUMNS)
    .join(Lot, col(Lot.id) == Stamp.lot_id)
    .join(Product, col(Product.id) == Lot.product_id)
    .outerjoin(LotRecall, col(LotRecall.lot_id) == Lot.id)
    .where(col(Stamp.serial) == sa.bindparam("serial"))
)


def _matching(row: Any, gtin: str, lot_code: str) -> StampState | None:
    """The looked-up stamp, if it belongs to this GTIN and lot (the URI named them)."""
    if row is None:
        return None
    found = StampState(*row)
    return found if found.lot_code == lot_code and found.gtin == gtin else None


def lookup(state: Any, gtin: str, lot_code: str, serial: str) -> StampState | None:
    """The stamp with this serial, if it belongs to this GTIN and lot (one query, through
    SQLAlchemy: SQLite; PostgreSQL goes through :class:`AsyncReadPool`)."""
    with state.engine.connect() as conn:
        return _matching(conn.execute(_LOOKUP, {"serial": serial}).first(), gtin, lot_code)


class AsyncReadPool:
    """A few asyncpg connections for the scan lookup on PostgreSQL, used from the event
    loop: while PostgreSQL answers one scan, the worker serves others (a blocking driver
    call would idle the process). asyncpg prepares the statement once per connection and
    costs about half the client CPU of psycopg's async mode for this query (measured:
    ~80 µs against ~170 µs a lookup).

    Connections belong to the event loop that opened them: the pool keeps one set per loop
    (a test client and a live test server may run on two loops in two threads). When a
    connection fails — PostgreSQL restarted — every idle connection of that loop is
    dropped (they died with it) and the lookup runs once more on a new one. A lookup that
    fails any other way (cancelled, timed out) drops its connection too: nothing leaks.
    """

    @dataclasses.dataclass
    class _Slot:
        idle: list[Any]
        sem: asyncio.Semaphore

    def __init__(self, dsn: str, size: int = 4) -> None:
        import weakref

        self.dsn = dsn
        self.size = size
        self._loops: weakref.WeakKeyDictionary[Any, AsyncReadPool._Slot] = \
            weakref.WeakKeyDictionary()

    @staticmethod
    def _drop(conn: Any) -> None:
        try:
            conn.terminate()
        except Exception:  # noqa: BLE001 - its loop may be gone; the socket goes with it
            pass

    def _slot(self) -> AsyncReadPool._Slot:
        loop = asyncio.get_running_loop()
        slot = self._loops.get(loop)
        if slot is None:
            slot = self._loops[loop] = self._Slot([], asyncio.Semaphore(self.size))
        return slot

    async def fetchrow(self, sql: str, *args: Any) -> tuple[Any, ...] | None:
        import asyncpg

        slot = self._slot()
        async with slot.sem:
            for attempt in (1, 2):
                conn = slot.idle.pop() if slot.idle else None
                try:
                    if conn is None:
                        conn = await asyncpg.connect(self.dsn)
                    row = await conn.fetchrow(sql, *args)
                except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                        asyncpg.exceptions.AdminShutdownError, OSError):
                    if conn is not None:
                        self._drop(conn)
                    dead, slot.idle = slot.idle, []
                    for other in dead:
                        self._drop(other)
                    if attempt == 2:
                        raise
                    continue
                except BaseException:
                    if conn is not None:
                        self._drop(conn)
                    raise
                slot.idle.append(conn)
                return None if row is None else tuple(row)
        return None

    async def close(self) -> None:
        """Close this loop's connections; terminate those of other loops."""
        here = asyncio.get_running_loop()
        slots, self._loops = list(self._loops.items()), type(self._loops)()
        for loop, slot in slots:
            for conn in slot.idle:
                if loop is here:
                    await conn.close()
                else:
                    self._drop(conn)


_PG_LOOKUP: str | None = None


def _pg_lookup_sql() -> str:
    global _PG_LOOKUP
    if _PG_LOOKUP is None:
        from sqlalchemy.dialects.postgresql import asyncpg as pg_dialect

        _PG_LOOKUP = str(_LOOKUP.compile(dialect=pg_dialect.dialect()))
    return _PG_LOOKUP


def read_pool(state: Any) -> AsyncReadPool | None:
    """The app's async lookup pool on PostgreSQL (None on SQLite)."""
    pool: AsyncReadPool | None = getattr(state, "read_pool", None)
    if pool is None and state.engine.dialect.name == "postgresql":
        url = state.engine.url.set(drivername="postgresql")
        pool = AsyncReadPool(url.render_as_string(hide_password=False))
        state.read_pool = pool
    return pool


async def alookup(state: Any, gtin: str, lot_code: str, serial: str) -> StampState | None:
    """:func:`lookup`, without blocking the event loop on PostgreSQL."""
    pool = read_pool(state)
    if pool is None:
        return lookup(state, gtin, lot_code, serial)
    return _matching(await pool.fetchrow(_pg_lookup_sql(), serial), gtin, lot_code)


def _refined_in_db(state: Any, stamp: StampState, place: str) -> int | None:
    """Refine the stamp's latest stored scan with ``place``; its scan count if done."""
    scan_log(state).flush()  # a scan of this page may still be on its way to the database
    with Session(state.engine) as s:
        if not clone.refine_place(s, stamp, place):  # type: ignore[arg-type]
            return None
        count = s.get(Stamp, stamp.id)
        return count.scan_count if count is not None else None


async def record(state: Any, stamp: StampState, ip: str | None, lat: float | None,
                 lon: float | None) -> None:
    """Log the scan (queued; never waited for) and show it on the page at once.

    With a position (the consumer pressed "share my approximate place" after the page
    loaded), the scan they just made gets that place instead of counting a second one."""
    place = clone.coarse_place(ip, state.settings.secret_key[:16], lat, lon)
    log_ = scan_log(state)
    if place.startswith("geo:"):
        if log_.refine(stamp.id, place, clone.REFINE_WITHIN):
            stamp.scan_count += log_.pending(stamp.id)
            return
        stored = await asyncio.to_thread(_refined_in_db, state, stamp, place)
        if stored is not None:
            stamp.scan_count = stored + log_.pending(stamp.id)
            return
    queued = log_.add(stamp.id, place)
    SCANS.inc()
    # Shown: what is stored plus this process's scans not written yet (this one too).
    stamp.scan_count += queued
    stamp.first_scan_at = stamp.first_scan_at or utcnow()


# --- the page ---------------------------------------------------------------------------

_SLOT = "\x00" + secrets.token_hex(6) + ":"
#: (database url, lot id, language, day) -> (expires, chunks: text, slot, text, slot, ...)
_pages: dict[tuple[str, int, str, date], tuple[float, list[str]]] = {}
#: (language, the panel's variant) -> chunks of the authenticity panel
_panels: dict[tuple[Any, ...], list[str]] = {}
_refreshing: set[tuple[str, int, str, date]] = set()
_refresh_lock = threading.Lock()


def clear_cache() -> None:
    """Forget the cached lot parts (tests that change a lot between scans)."""
    _pages.clear()
    _panels.clear()


def _slot(name: str) -> Markup:
    return Markup(f"{_SLOT}{name}{_SLOT}")


def _split(html: str, slots: tuple[str, ...], what: str) -> list[str]:
    chunks = html.split(_SLOT)
    if len(chunks) % 2 != 1 or any(c not in slots for c in chunks[1::2]):
        raise RuntimeError(f"{what}: a slot marker was broken by the page data")
    return chunks


def _fill(chunks: list[str], values: dict[str, str]) -> str:
    out = chunks[:]
    for i in range(1, len(out), 2):
        out[i] = values[out[i]]
    return "".join(out)


def _translator(lang: str) -> Callable[[str, str], str]:
    return (lambda vi, en: en) if lang == "en" else (lambda vi, en: vi)


def _page_key(state: Any, lot_id: int, lang: str, today: date) -> tuple[str, int, str, date]:
    return (str(state.engine.url), lot_id, lang, today)  # one cache serves every database


def _lot_chunks(state: Any, lot_id: int, lang: str, today: date) -> list[str]:
    engine: Engine = state.engine
    key = _page_key(state, lot_id, lang, today)
    now = time.monotonic()
    hit = _pages.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    with Session(engine, expire_on_commit=False) as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        product = s.get(Product, lot.product_id)
        assert product is not None
        view = consumer.build_view(s, lot, product, today)
    html = templates.get_template("stamp_consumer.html").render(
        v=view, lang=lang, today=today, slot=_slot, base=state.settings.public_base_url)
    chunks = _split(html, ("anchor", "alerts", "auth"), "stamp_consumer.html")
    if len(_pages) > 5000:
        _pages.clear()
    _pages[key] = (now + VIEW_TTL_S, chunks)
    return chunks


class _SlotDate:
    def strftime(self, fmt: str) -> Markup:
        return _slot("first")


@dataclasses.dataclass
class _PanelStamp:
    """A stamp as the panel template sees it when its chunks are made: the per-scan
    values are slots, the rest decides the variant."""

    clone_suspected_at: bool
    clone_reason: str | None
    pin_hash: bool
    first_scan_at: _SlotDate | None
    scan_count: Markup = dataclasses.field(default_factory=lambda: _slot("count"))


def _panel(stamp: Any, lang: str, anchor: str, code: str, pin_result: str | None) -> str:
    suspected = stamp.clone_suspected_at is not None
    variant = _PanelStamp(suspected, stamp.clone_reason if suspected else None,
                          bool(stamp.pin_hash),
                          _SlotDate() if stamp.first_scan_at else None)
    key = (lang, pin_result, variant.clone_suspected_at, variant.clone_reason,
           variant.pin_hash, variant.first_scan_at is not None)
    chunks = _panels.get(key)
    if chunks is None:
        html = templates.get_template("stamp_auth.html").render(
            s=variant, lang=lang, anchor=_slot("anchor"), code=_slot("code"),
            pin_result=pin_result, t=_translator(lang))
        chunks = _split(html, ("anchor", "code", "count", "first"), "stamp_auth.html")
        if len(_panels) > 1000:
            _panels.clear()
        _panels[key] = chunks
    first = consumer.local_time(stamp.first_scan_at)
    return _fill(chunks, {"anchor": anchor, "code": code, "count": str(stamp.scan_count),
                          "first": first.strftime("%d/%m/%Y") if first else ""})


async def lot_chunks(state: Any, lot_id: int, lang: str, today: date) -> list[str]:
    """:func:`_lot_chunks` for the event loop: the page's database reads never run on the
    loop. An expired lot part is served once more while one thread renders it again
    (stale for the few milliseconds that takes); a lot never seen waits for its render."""
    key = _page_key(state, lot_id, lang, today)
    hit = _pages.get(key)
    if hit is None:
        return await asyncio.to_thread(_lot_chunks, state, lot_id, lang, today)
    if hit[0] <= time.monotonic():
        with _refresh_lock:
            start = key not in _refreshing
            _refreshing.add(key)
        if start:
            def refresh() -> None:
                try:
                    _lot_chunks(state, lot_id, lang, today)
                except Exception:  # noqa: BLE001 - the stale part stays; next scan retries
                    log.warning("consumer page of lot %s not refreshed", lot_id, exc_info=True)
                finally:
                    with _refresh_lock:
                        _refreshing.discard(key)
            asyncio.get_running_loop().run_in_executor(None, refresh)
    return hit[1]


def page_html(state: Any, stamp: Any, lot_id: int, recall_reason: str | None, lang: str,
              anchor: str, serial: str, pin_result: str | None = None,
              today: date | None = None, chunks: list[str] | None = None) -> str:
    """The consumer page of one stamp: cached lot chunks around this scan's slots.

    ``stamp`` is a :class:`StampState` or a :class:`~server.models.stamps.Stamp` row;
    ``chunks`` the lot part if the caller has it (:func:`lot_chunks`).
    """
    today = today or date.today()
    if chunks is None:
        chunks = _lot_chunks(state, lot_id, lang, today)
    anchor_html = str(escape(anchor))
    alerts = ""
    if recall_reason is not None or stamp.revoked_at is not None:
        alerts = templates.get_template("stamp_alerts.html").render(
            s=stamp, lang=lang, recall_reason=recall_reason, t=_translator(lang))
    auth = _panel(stamp, lang, anchor_html, str(escape(qserial.short_code(serial))),
                  pin_result)
    return _fill(chunks, {"anchor": anchor_html, "alerts": alerts, "auth": auth})


def link_header(base: str, anchor: str, gtin: str, lot_code: str, serial: str) -> str:
    linkmap = links.links_for(base, anchor, gtin, lot_code, serial)
    return ", ".join(f'<{linkmap[n]}>; rel="{links.GS1_VOC}{n}"' for n in links.LINK_TYPES)


def page_headers(link: str) -> dict[str, str]:
    return {**CORS, "Link": link, "Cache-Control": "no-store"}


def wants_linkset(accept: str, link_type: str | None) -> bool:
    if link_type in ("linkset", "all"):
        return True
    return LINKSET in accept or ("application/json" in accept and "text/html" not in accept)


def float_or_none(v: str | None) -> float | None:
    try:
        return float(v) if v is not None else None
    except ValueError:
        return None


async def serve_scan(state: Any, gtin: str, lot_code: str, serial: str, lang: str,
                     ip: str | None, lat: float | None, lon: float | None,
                     method: str) -> tuple[str, str] | None:
    """A browser scan of a stamp whose serial passed its MAC: (page, Link header), or None
    if no such stamp was issued. ``HEAD`` is not a scan."""
    stamp = await alookup(state, gtin, lot_code, serial)
    if stamp is None:
        return None
    if method != "HEAD":
        await record(state, stamp, ip, lat, lon)
    base = state.settings.public_base_url
    anchor = digital_link(base, gtin, lot_code, serial)
    chunks = await lot_chunks(state, stamp.lot_id, lang, date.today())
    html = page_html(state, stamp, stamp.lot_id, stamp.recall_reason, lang, anchor, serial,
                     chunks=chunks)
    return html, link_header(base, anchor, gtin, lot_code, serial)


# --- the ASGI fast path -----------------------------------------------------------------

class ScanFastPath:
    """Serve browser scans of genuine stamps without the router; see the module doc."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] in ("GET", "HEAD")
                and scope["path"].startswith("/01/")):
            body = await self._try(scope)
            if body is not None:
                status, headers, content = body
                await send({"type": "http.response.start", "status": status,
                            "headers": headers})
                await send({"type": "http.response.body",
                            "body": b"" if scope["method"] == "HEAD" else content})
                return
        await self.app(scope, receive, send)

    async def _try(self, scope: Scope) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        """The response for a plain browser scan of a genuine stamp, else None (the route
        answers, with its errors, linksets, redirects and rate limit)."""
        query: dict[str, str] = {}
        if scope.get("query_string"):
            query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
            if "linkType" in query:
                return None
        accept = ""
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value.decode("latin-1")
                break
        if wants_linkset(accept, None):
            return None
        state = scope["app"].state
        client = scope.get("client")
        ip = client[0] if client else None
        if resolver_throttle(state).retry_after("", ip or "?"):
            return None
        raw = scope.get("raw_path") or scope["path"].encode()
        try:
            ids = parse_digital_link(raw.decode("latin-1"))
        except GS1Error:
            return None
        gtin, lot_code, serial = ids["gtin"] or "", ids["lot"], ids["serial"]
        if not serial or not lot_code or not qserial.verify(keyring(state), gtin, lot_code,
                                                            serial):
            return None
        lang = "en" if query.get("lang") == "en" else "vi"
        served = await serve_scan(state, gtin, lot_code, serial, lang, ip,
                                  float_or_none(query.get("lat")),
                                  float_or_none(query.get("lon")), scope["method"])
        if served is None:
            return None
        content, link = served[0].encode(), served[1]
        headers = [(k.lower().encode(), v.encode()) for k, v in page_headers(link).items()]
        headers += [(b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(content)).encode())]
        return 200, headers, content
