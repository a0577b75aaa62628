"""Public catalogue: filters by province/commune name (official list) and product set; lots
listed only where the co-op allows it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from server.models.trace import Lot, Product
from tests.server.ocop.conftest import CARROT_GTIN, LYCHEE_GTIN, OcopWorld


def _names(ow: OcopWorld, **params: str) -> list[str]:
    r = ow.client.get("/api/v1/ocop/catalogue", params=params)
    assert r.status_code == 200, r.text
    return [e["name"] for e in r.json()]


def _world(ow: OcopWorld) -> None:
    ow.certified("lychee", 4, LYCHEE_GTIN, "Vải thiều Thanh Hà", commune_code="10813",
                 show_lots=True)
    ow.certified("carrot", 3, CARROT_GTIN, "Cà rốt Đức Chính", commune_code="10903")
    with Session(ow.w.engine) as s:
        for org, gtin, name in (("lychee", LYCHEE_GTIN, "Vải"), ("carrot", CARROT_GTIN, "Cà rốt")):
            p = Product(organisation_id=ow.w.orgs[org], gtin="0" + gtin, name=name)
            s.add(p)
            s.flush()
            assert p.id is not None
            for i, day in enumerate((5, 20), start=1):
                s.add(Lot(organisation_id=ow.w.orgs[org], product_id=p.id, code=f"L2025-0{i}",
                          quantity=100, harvested_at=datetime(2025, 6, day, tzinfo=UTC)))
        s.commit()


def test_filters_by_official_names_and_product_set(ow: OcopWorld) -> None:
    _world(ow)
    both = ["Vải thiều Thanh Hà", "Cà rốt Đức Chính"]
    assert _names(ow) == both  # best rated first
    assert _names(ow, province="Hải Phòng") == both
    assert _names(ow, province="hai phong") == both  # diacritics optional
    assert _names(ow, province="31") == both
    assert _names(ow, province="Hà Nội") == []
    assert _names(ow, province="Hải Dương") == []  # merged into Hải Phòng: not on the list
    assert _names(ow, commune="Thanh Hà") == ["Vải thiều Thanh Hà"]
    assert _names(ow, commune="cam giang", province="Hải Phòng") == ["Cà rốt Đức Chính"]
    assert _names(ow, commune="10903") == ["Cà rốt Đức Chính"]
    assert _names(ow, subgroup="fresh-produce") == both
    assert _names(ow, subgroup="processed-produce") == []
    assert ow.client.get("/api/v1/ocop/catalogue", params={"subgroup": "x"}).status_code == 422
    entry = ow.client.get("/api/v1/ocop/catalogue").json()[0]
    assert (entry["commune_name"], entry["province_name"]) == ("Xã Thanh Hà",
                                                               "Thành phố Hải Phòng")


def test_lots_only_where_the_coop_allows(ow: OcopWorld) -> None:
    _world(ow)
    lychee, carrot = ow.client.get("/api/v1/ocop/catalogue").json()
    assert [(x["code"], x["url"]) for x in lychee["lots"]] == [
        ("L2025-02", f"/01/0{LYCHEE_GTIN}/10/L2025-02"),
        ("L2025-01", f"/01/0{LYCHEE_GTIN}/10/L2025-01")]
    assert carrot["lots"] == []
    page = ow.client.get(lychee["url"]).text
    assert f'href="/01/0{LYCHEE_GTIN}/10/L2025-02"' in page and "20/06/2025" in page
    assert 'role="img" aria-label="4 trên 5 sao"' in page
    assert "/10/" not in ow.client.get(carrot["url"]).text


def test_catalogue_page_filters_by_name(ow: OcopWorld) -> None:
    _world(ow)
    page = ow.client.get("/ocop", params={"province": "31", "commune": "Thanh Hà",
                                          "subgroup": "fresh-produce"}).text
    assert "Vải thiều Thanh Hà" in page and "Cà rốt Đức Chính" not in page
    assert "Xã Thanh Hà, Thành phố Hải Phòng" in page
    assert '<option value="31" selected>Thành phố Hải Phòng</option>' in page
    assert "fresh-produce</" not in page and "Rau, củ, quả, hạt tươi" in page
