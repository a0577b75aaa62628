"""Shared set-up for the phone pages' tests: a product and a harvested lot of the lychee
co-op, an evaluator, and crawling a role's pages by following links."""

from __future__ import annotations

import re
from collections import deque
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session

from qr.gs1 import check_digit
from server.models.trace import Lot, Product
from tests.support.world import World, add_authority

__all__ = ["GTIN14", "seed_lot", "add_evaluator", "crawl", "BROWSER"]

GTIN14 = ("893000000002" + str(check_digit("893000000002"))).rjust(14, "0")
BROWSER = {"Accept": "text/html,application/xhtml+xml"}
HREF = re.compile(r'href="(/[^"#]*)')
SKIP = ("/static/", "/api/", "/media/", "/01/", "/farm/sw.js")


def seed_lot(world: World, code: str = "TH2606A") -> tuple[int, int]:
    """A product (GTIN under 893) and one harvested lot of it: (product id, lot id)."""
    with Session(world.engine) as s:
        product = Product(name="Vải thiều Thanh Hà", gtin=GTIN14, crop="lychee",
                          organisation_id=world.orgs["lychee"])
        s.add(product)
        s.flush()
        lot = Lot(organisation_id=world.orgs["lychee"], product_id=product.id, code=code,
                  quantity=800, zone_id=world.zones["lychee"],
                  harvested_at=datetime(2026, 6, 5, 0, 30, tzinfo=UTC))
        s.add(lot)
        s.commit()
        assert product.id is not None and lot.id is not None
        return product.id, lot.id


def add_evaluator(world: World) -> None:
    add_authority(world.engine, "Hội đồng OCOP Hải Phòng", "31", {"evaluator1": []})


def crawl(client: TestClient, depth: int = 3) -> dict[str, int]:
    """Every page reachable from ``/`` (after its redirect) in ``depth`` clicks: path →
    clicks. GET links only (forms are not followed)."""
    home = client.get("/", headers=BROWSER)
    assert home.status_code == 200, home.text
    start = home.url.path
    seen = {start: 0}
    todo = deque([(start, home.text)])
    while todo:
        path, html = todo.popleft()
        if seen[path] >= depth:
            continue
        for href in HREF.findall(html):
            href = href.replace("&amp;", "&")
            if href.startswith(SKIP) or href in seen or href == "/":
                continue
            seen[href] = seen[path] + 1
            r = client.get(href, headers=BROWSER)
            assert r.status_code == 200, (href, r.status_code, r.text[:300])
            if "text/html" in r.headers.get("content-type", ""):
                todo.append((href, r.text))
    return seen
