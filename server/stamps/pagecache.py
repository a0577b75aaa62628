"""The consumer page of a scan as a string join around cached parts.

The lot part of the page (origin, codes, dates, growing conditions, certificates, OCOP
stars, journey, Open Graph tags) is rendered from ``stamp_consumer.html`` once per lot,
language and day and kept :data:`VIEW_TTL_S` seconds (:meth:`PageCache.lot_chunks`: off
the event loop, stale-while-refresh), as text chunks around *slots* — markers made of a
NUL and a random token that page data cannot contain. The slots are filled per scan:
``anchor`` (the stamp's URI), ``alerts`` (recall and revoked notices, from
``stamp_alerts.html``) and ``auth`` (the authenticity panel, from ``stamp_auth.html``,
itself cached per variant with slots for count, date and code). Recall, revocation, scan
count and clone flag are therefore never older than the query that served the scan.

One :class:`PageCache` per app (in :class:`~server.stamps.services.StampServices`): two
apps on two databases in one process never share a page.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy.engine import Engine
from sqlmodel import Session

from qr import serial as qserial
from server.models.trace import Lot, Product
from server.stamps import consumer
from server.templating import templates

__all__ = ["PageCache", "VIEW_TTL_S", "translator"]

log = logging.getLogger(__name__)

#: How long the lot part of a consumer page (origin, diary, journey, certificates, stars)
#: is reused between scans of the lot's stamps. Recall and the stamp's own state are read
#: on every scan.
VIEW_TTL_S = 30.0
_SLOT = "\x00" + secrets.token_hex(6) + ":"
PageKey = tuple[int, str, date]


def translator(lang: str) -> Callable[[str, str], str]:
    return (lambda vi, en: en) if lang == "en" else (lambda vi, en: vi)


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


class PageCache:
    """The cached lot parts and authenticity panels of one app's consumer pages."""

    def __init__(self, engine: Engine, base_url: str, ttl_s: float = VIEW_TTL_S) -> None:
        self.engine = engine
        self.base_url = base_url
        self.ttl_s = ttl_s
        #: (lot id, language, day) -> (expires, chunks: text, slot, text, slot, ...)
        self._pages: dict[PageKey, tuple[float, list[str]]] = {}
        #: (language, the panel's variant) -> chunks of the authenticity panel
        self._panels: dict[tuple[Any, ...], list[str]] = {}
        self._refreshing: set[PageKey] = set()
        self._refresh_lock = threading.Lock()

    def clear(self) -> None:
        """Forget the cached lot parts (tests that change a lot between scans)."""
        self._pages.clear()
        self._panels.clear()

    def render_lot(self, lot_id: int, lang: str, today: date) -> list[str]:
        """The lot part's chunks, cached or rendered now (blocking: database reads)."""
        key = (lot_id, lang, today)
        now = time.monotonic()
        hit = self._pages.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        with Session(self.engine, expire_on_commit=False) as s:
            lot = s.get(Lot, lot_id)
            assert lot is not None
            product = s.get(Product, lot.product_id)
            assert product is not None
            view = consumer.build_view(s, lot, product, today)
        html = templates.get_template("stamp_consumer.html").render(
            v=view, lang=lang, today=today, slot=_slot, base=self.base_url)
        chunks = _split(html, ("anchor", "alerts", "auth"), "stamp_consumer.html")
        if len(self._pages) > 5000:
            self._pages.clear()
        self._pages[key] = (now + self.ttl_s, chunks)
        return chunks

    async def lot_chunks(self, lot_id: int, lang: str, today: date) -> list[str]:
        """:meth:`render_lot` for the event loop: the page's database reads never run on
        the loop. An expired lot part is served once more while one thread renders it
        again (stale for the few milliseconds that takes); a lot never seen waits."""
        key = (lot_id, lang, today)
        hit = self._pages.get(key)
        if hit is None:
            return await asyncio.to_thread(self.render_lot, lot_id, lang, today)
        if hit[0] <= time.monotonic():
            with self._refresh_lock:
                start = key not in self._refreshing
                self._refreshing.add(key)
            if start:
                asyncio.get_running_loop().run_in_executor(None, self._refresh, key)
        return hit[1]

    def _refresh(self, key: PageKey) -> None:
        try:
            self.render_lot(*key)
        except Exception:  # noqa: BLE001 - the stale part stays; the next scan retries
            log.warning("consumer page of lot %s not refreshed", key[0], exc_info=True)
        finally:
            with self._refresh_lock:
                self._refreshing.discard(key)

    def panel(self, stamp: Any, lang: str, anchor: str, code: str,
              pin_result: str | None) -> str:
        """The authenticity panel of ``stamp``: cached chunks per variant, filled."""
        suspected = stamp.clone_suspected_at is not None
        variant = _PanelStamp(suspected, stamp.clone_reason if suspected else None,
                              bool(stamp.pin_hash),
                              _SlotDate() if stamp.first_scan_at else None)
        key = (lang, pin_result, variant.clone_suspected_at, variant.clone_reason,
               variant.pin_hash, variant.first_scan_at is not None)
        chunks = self._panels.get(key)
        if chunks is None:
            html = templates.get_template("stamp_auth.html").render(
                s=variant, lang=lang, anchor=_slot("anchor"), code=_slot("code"),
                pin_result=pin_result, t=translator(lang))
            chunks = _split(html, ("anchor", "code", "count", "first"), "stamp_auth.html")
            if len(self._panels) > 1000:
                self._panels.clear()
            self._panels[key] = chunks
        first = consumer.local_time(stamp.first_scan_at)
        return _fill(chunks, {"anchor": anchor, "code": code, "count": str(stamp.scan_count),
                              "first": first.strftime("%d/%m/%Y") if first else ""})

    def page_html(self, stamp: Any, recall_reason: str | None, lang: str, anchor: str,
                  serial: str, pin_result: str | None = None,
                  chunks: list[str] | None = None) -> str:
        """The consumer page of one stamp: cached lot chunks around this scan's slots.

        ``stamp`` is a :class:`~server.stamps.lookup.StampState` or a
        :class:`~server.models.stamps.Stamp` row; ``chunks`` the lot part if the caller
        has it (:meth:`lot_chunks`).
        """
        if chunks is None:
            chunks = self.render_lot(stamp.lot_id, lang, date.today())
        anchor_html = str(escape(anchor))
        alerts = ""
        if recall_reason is not None or stamp.revoked_at is not None:
            alerts = templates.get_template("stamp_alerts.html").render(
                s=stamp, lang=lang, recall_reason=recall_reason, t=translator(lang))
        auth = self.panel(stamp, lang, anchor_html, str(escape(qserial.short_code(serial))),
                          pin_result)
        return _fill(chunks, {"anchor": anchor_html, "alerts": alerts, "auth": auth})
