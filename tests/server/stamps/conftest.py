"""A lot ready for stamping in the lychee co-op of the ``world`` fixture."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from qr.gs1 import check_digit
from server.models.trace import Lot, Product
from server.stamps.services import StampServices
from tests.server.conftest import World

GTIN13 = "893000000001" + str(check_digit("893000000001"))


@dataclass
class StampWorld:
    w: World
    lot_id: int
    lot_code: str
    gtin14: str


def make_lot(world: World, code: str = "TH2026-05A") -> StampWorld:
    with Session(world.engine) as s:
        product = Product(name="Vải thiều Thanh Hà loại 1", gtin=GTIN13.rjust(14, "0"),
                          crop="lychee", organisation_id=world.orgs["lychee"])
        s.add(product)
        s.flush()
        lot = Lot(organisation_id=world.orgs["lychee"], product_id=product.id, code=code,
                  quantity=1200, unit="KGM", zone_id=world.zones["lychee"],
                  harvested_at=datetime(2026, 6, 5, 6, 30, tzinfo=UTC))
        s.add(lot)
        s.commit()
        assert lot.id is not None
        return StampWorld(world, lot.id, code, GTIN13.rjust(14, "0"))


@pytest.fixture
def sw(world: World) -> StampWorld:
    return make_lot(world)


def issue(sw: StampWorld, count: int = 5, request_id: str = "req-00000001", **kw: object) -> dict:
    body = {"request_id": request_id, "count": count, **kw}
    r = sw.w.client.post(f"/api/v1/lots/{sw.lot_id}/stamps", json=body,
                         headers=sw.w.auth("lychee_admin"))
    assert r.status_code in (200, 201), r.text
    return r.json()  # type: ignore[no-any-return]


def services(sw: StampWorld) -> StampServices:
    """The app's stamp services (scan log, page cache, lookup pool, keyring)."""
    svc: StampServices = sw.w.client.app.state.stamps  # type: ignore[attr-defined]
    return svc
