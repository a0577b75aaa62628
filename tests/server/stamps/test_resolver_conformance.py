"""The GS1-Conformant Resolver Standard, one test per requirement (clause numbers of 1.2.1,
conformance statement §5; the same requirements as 1.0/1.1). docs/resolver.md maps them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.server.stamps.conftest import StampWorld, issue

FIXTURES = Path(__file__).parents[2] / "fixtures" / "gs1"
BASE = "http://localhost:8000"
HTML = {"Accept": "text/html,application/xhtml+xml"}
LINKSET = {"Accept": "application/linkset+json"}
VOC = "https://gs1.org/voc/"


def _schema(name: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads((FIXTURES / name).read_text("utf-8")))


def _stamp(sw: StampWorld) -> str:
    batch = issue(sw, count=1)["batch"]
    text = sw.w.client.get(f"/api/v1/stamp-batches/{batch['id']}/stamps.csv",
                           headers=sw.w.auth("lychee_admin")).text
    sw.w.client.cookies.clear()
    return text.splitlines()[1].replace(BASE, "")


def _paths(sw: StampWorld) -> dict[str, str]:
    return {"stamp": _stamp(sw), "lot": f"/01/{sw.gtin14}/10/{sw.lot_code}",
            "product": f"/01/{sw.gtin14}"}


def _ctx(body: dict[str, Any]) -> dict[str, Any]:
    assert list(body) in (["linkset"], ["@context", "linkset"]) and len(body["linkset"]) == 1
    ctx: dict[str, Any] = body["linkset"][0]
    return ctx


def test_walk_up_lot_uri_resolves_to_the_lot(sw: StampWorld) -> None:
    lot = f"/01/{sw.gtin14}/10/{sw.lot_code}"
    page = sw.w.client.get(lot, headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert sw.lot_code in page.text and "Vải thiều Thanh Hà loại 1" in page.text
    assert "không chính hãng" not in page.text
    ctx = _ctx(sw.w.client.get(lot, headers=LINKSET).json())
    assert ctx["anchor"] == BASE + lot
    assert ctx[VOC + "defaultLink"][0]["href"] == f"{BASE}/info{lot}"


def test_walk_up_gtin_uri_resolves_to_the_product(sw: StampWorld) -> None:
    product = f"/01/{sw.gtin14}"
    page = sw.w.client.get(product, headers=HTML)
    assert page.status_code == 200 and "Vải thiều Thanh Hà loại 1" in page.text
    assert sw.lot_code in page.text  # the product page lists its lots
    ctx = _ctx(sw.w.client.get(product, headers=LINKSET).json())
    assert ctx["anchor"] == BASE + product
    assert ctx["itemDescription"] == "Vải thiều Thanh Hà loại 1"
    assert ctx[VOC + "defaultLink"] == [{"href": f"{BASE}/info{product}",
                                         "title": "Thông tin sản phẩm"}]
    go = sw.w.client.get(product, follow_redirects=False)  # a non-browser: the default link
    assert go.status_code == 307 and go.headers["location"] == f"{BASE}/info{product}"


def test_walk_up_unknown_lot_falls_back_to_gtin_level(sw: StampWorld) -> None:
    unknown = f"/01/{sw.gtin14}/10/NO-SUCH-LOT"
    ctx = _ctx(sw.w.client.get(unknown, headers=LINKSET).json())
    assert ctx["anchor"] == BASE + unknown  # the request URI; the product's links
    assert ctx[VOC + "defaultLink"][0]["href"] == f"{BASE}/info/01/{sw.gtin14}"
    page = sw.w.client.get(unknown, headers=HTML)
    assert page.status_code == 200 and "Vải thiều Thanh Hà loại 1" in page.text


def test_valid_uri_for_nothing_known_is_a_simple_404(sw: StampWorld) -> None:
    r = sw.w.client.get("/01/08930000000026", headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert "không chính hãng" not in sw.w.client.get("/01/08930000000026", headers=HTML).text


def test_forged_serial_stays_404_not_genuine(sw: StampWorld) -> None:
    uri = _stamp(sw)
    for forged in (uri[:-20] + "1" * 20, f"/01/{sw.gtin14}/10/NO-SUCH-LOT/21/{'1' * 20}"):
        r = sw.w.client.get(forged, headers=HTML)
        assert r.status_code == 404 and "Tem không chính hãng" in r.text
        j = sw.w.client.get(forged, headers=LINKSET)
        assert j.status_code == 404 and j.json()["code"] == "not_genuine"


def test_linkset_valid_against_gs1_linkset_schema(sw: StampWorld) -> None:
    validator = _schema("linkset-schema.json")
    for level, path in _paths(sw).items():
        body = sw.w.client.get(path, headers=LINKSET).json()
        assert list(validator.iter_errors(body)) == [], level
        assert _ctx(body)["itemDescription"], level


def test_linkset_media_type_and_json_ld_on_request(sw: StampWorld) -> None:
    for path in _paths(sw).values():
        r = sw.w.client.get(path, headers=LINKSET)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/linkset+json")
        ld = sw.w.client.get(path, headers={"Accept": "application/ld+json"})
        assert ld.status_code == 200 and ld.headers["content-type"].startswith(
            "application/ld+json")
        assert ld.json()["@context"] == "https://ref.gs1.org/standards/resolver/linkset-context"
        assert ld.json()["linkset"] == r.json()["linkset"]


def test_default_link_only_href_and_title_other_links_title_type_hreflang(
        sw: StampWorld) -> None:
    for path in _paths(sw).values():
        ctx = _ctx(sw.w.client.get(path + "?linkType=linkset").json())
        defaults = ctx[VOC + "defaultLink"]
        assert len(defaults) == 1 and set(defaults[0]) == {"href", "title"}
        others = [link for rel, ls in ctx.items() if rel.startswith(VOC)
                  and rel != VOC + "defaultLink" for link in ls]
        assert others
        for link in others:
            assert {"href", "title", "type", "hreflang"} <= set(link)
            assert isinstance(link["hreflang"], list) and link["type"]


def test_link_header_rel_linkset_on_resolver_responses(sw: StampWorld) -> None:
    for path in _paths(sw).values():
        for kw in ({"headers": HTML}, {"headers": LINKSET}, {"follow_redirects": False},
                   {"params": {"linkType": "gs1:pip"}, "follow_redirects": False}):
            r = sw.w.client.get(path, **kw)  # type: ignore[arg-type]
            assert r.status_code in (200, 307), (path, kw)
            assert f'<{BASE}{path}?linkType=linkset>; rel="linkset"' in r.headers["link"]
        assert 'rel="linkset"' in sw.w.client.head(path, headers=HTML).headers["link"]


def test_redirects_pass_on_query_parameters(sw: StampWorld) -> None:
    for path in _paths(sw).values():
        r = sw.w.client.get(path + "?utm_source=tem&linkType=gs1:pip&lang=en&context=vn",
                            follow_redirects=False)
        assert r.status_code == 307
        target = r.headers["location"]
        assert target.endswith("?utm_source=tem&lang=en"), target
        assert "linkType" not in target and "context" not in target
        plain = sw.w.client.get(path + "?x=%C3%A1", follow_redirects=False)
        assert plain.headers["location"].endswith("?x=%C3%A1")  # byte for byte


def test_missing_link_type_is_404(sw: StampWorld) -> None:
    for path in _paths(sw).values():
        r = sw.w.client.get(path + "?linkType=gs1:recipeInfo", follow_redirects=False)
        assert r.status_code == 404 and r.headers["access-control-allow-origin"] == "*"


def test_well_known_valid_against_description_file_schema(sw: StampWorld) -> None:
    r = sw.w.client.get("/.well-known/gs1resolver")
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    body = r.json()
    assert list(_schema("description-file-schema.json").iter_errors(body)) == []
    assert set(body["supportedPrimaryKeys"]) == {"01", "00"}
    assert body["jsonLdContextLocation"].startswith("https://ref.gs1.org/standards/resolver/")
    assert {"namespace": VOC, "prefix": "gs1:"} in body["supportedLinkType"]


def test_trailing_slash_tolerated(sw: StampWorld) -> None:
    for level, path in _paths(sw).items():
        r = sw.w.client.get(path + "/", headers=HTML)
        assert r.status_code == 200, level
        assert _ctx(sw.w.client.get(path + "/", headers=LINKSET).json())["anchor"] == BASE + path


def test_percent_escapes_in_either_case(sw: StampWorld) -> None:
    lower = f"/01/{sw.gtin14}/10/{sw.lot_code.replace('-', '%2d')}"
    assert _ctx(sw.w.client.get(lower, headers=LINKSET).json())["anchor"] == (
        f"{BASE}/01/{sw.gtin14}/10/{sw.lot_code}")


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS"])
def test_head_and_options_supported(sw: StampWorld, method: str) -> None:
    for path in [*_paths(sw).values(), "/.well-known/gs1resolver"]:
        r = sw.w.client.request(method, path, headers=HTML)
        assert r.status_code in (200, 204), (method, path)
        assert r.content == b"" and r.headers["access-control-allow-origin"] == "*"
        if method == "OPTIONS":
            assert "HEAD" in r.headers["allow"] and "GET" in r.headers[
                "access-control-allow-methods"]


def test_cors_on_every_answer(sw: StampWorld) -> None:
    paths = _paths(sw)
    answers = [sw.w.client.get(p, **kw) for p in paths.values()  # type: ignore[arg-type]
               for kw in ({"headers": HTML}, {"headers": LINKSET}, {"follow_redirects": False})]
    answers += [sw.w.client.get(p) for p in ("/01/123", "/01/08930000000026",
                                             "/00/123456789012345678", "/.well-known/gs1resolver")]
    answers.append(sw.w.client.get(f"/info{paths['lot']}"))
    for r in answers:
        assert r.headers["access-control-allow-origin"] == "*", r.url
        assert "Link" in r.headers.get("access-control-expose-headers", ""), r.url


def test_malformed_uri_is_400_never_200(sw: StampWorld) -> None:
    for bad in ("/01/123", f"/01/{sw.gtin14[:-1]}0/10/X", "/01/" + sw.gtin14 + "/10/" + "L" * 25,
                "/00/123456789012345678", "/00/12345"):
        r = sw.w.client.get(bad, headers=HTML)
        assert r.status_code == 400, bad


def test_browsers_get_the_page_at_the_uri_others_a_redirect_not_to_itself(
        sw: StampWorld) -> None:
    for level, path in _paths(sw).items():
        page = sw.w.client.get(path, headers=HTML)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        for kw in ({}, {"headers": {"Accept": "*/*"}}, {"params": {"linkType": "gs1:defaultLink"}}):
            r = sw.w.client.get(path, follow_redirects=False, **kw)  # type: ignore[arg-type]
            assert r.status_code == 307, (level, kw)
            target = r.headers["location"].split("?")[0]
            assert target != BASE + path and target == f"{BASE}/info{path}"
            landed = sw.w.client.get(r.headers["location"].replace(BASE, ""))
            assert landed.status_code == 200 and landed.headers["content-type"].startswith(
                "text/html"), level


def test_compressed_uris_resolve_as_uncompressed_with_owl_same_as(sw: StampWorld) -> None:
    from qr.dl_compress import compress

    for level, path in _paths(sw).items():
        small = compress(BASE + path).replace(BASE, "")
        assert small.count("/") == 1, small
        plain = sw.w.client.get(path, headers=LINKSET).json()
        packed = sw.w.client.get(small, headers=LINKSET)
        assert packed.status_code == 200, level
        assert packed.json() == plain  # anchored at the uncompressed URI
        assert f'<{BASE}{path}>; rel="owl:sameAs"' in packed.headers["link"]
        page = sw.w.client.get(small, headers=HTML)  # no redirect to the uncompressed URI
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert 'rel="owl:sameAs"' in page.headers["link"]
        go = sw.w.client.get(small + "?utm=qr", follow_redirects=False)
        assert go.status_code == 307 and go.headers["location"] == f"{BASE}/info{path}?utm=qr"


def test_partially_compressed_uris_resolve_as_uncompressed_with_owl_same_as(
        sw: StampWorld) -> None:
    """``/01/<GTIN>/<compressed rest>`` (GS1's toolkit, ``uncompressedPrimary``): the same
    answer as the uncompressed URI, ``owl:sameAs`` it, no redirect to it."""
    from qr.dl_compress import compress

    for level, path in _paths(sw).items():
        small = compress(BASE + path, partial=True).replace(BASE, "")
        if level == "product":
            assert small == path  # nothing but the key: nothing to compress
            continue
        assert small.count("/") == 3 and small.startswith(f"/01/{sw.gtin14}/"), small
        plain = sw.w.client.get(path, headers=LINKSET).json()
        packed = sw.w.client.get(small, headers=LINKSET)
        assert packed.status_code == 200 and packed.json() == plain, level
        assert f'<{BASE}{path}>; rel="owl:sameAs"' in packed.headers["link"]
        page = sw.w.client.get(small, headers=HTML)
        assert page.status_code == 200 and 'rel="owl:sameAs"' in page.headers["link"]
        go = sw.w.client.get(small + "?utm=qr", follow_redirects=False)
        assert go.status_code == 307 and go.headers["location"] == f"{BASE}/info{path}?utm=qr"
    broken = sw.w.client.get(f"/01/{sw.gtin14}/zz", headers=LINKSET)
    assert broken.status_code == 400  # not a compressed segment: a malformed GTIN URI


def test_gs1_published_compressed_examples_resolve(sw: StampWorld) -> None:
    """GS1's own compressed examples (GTIN 05412345000013, lot ABC123, SSCC …) decompress and
    resolve: known items answer, unknown ones are a plain 404, never a 400."""
    from sqlmodel import Session

    from server.models.trace import Lot, Product

    with Session(sw.w.engine) as s:
        product = Product(name="GS1 example product", gtin="05412345000013",
                          organisation_id=sw.w.orgs["lychee"])
        s.add(product)
        s.flush()
        s.add(Lot(organisation_id=sw.w.orgs["lychee"], product_id=product.id, code="ABC123",
                  quantity=10))
        s.commit()
    examples = json.loads((FIXTURES / "dl_compression_examples.json").read_text("utf-8"))
    partial = [ex for ex in examples["partially_compressed"]
               if ex["compressed"] != ex["uncompressed"]]  # not just the key
    assert len(partial) >= 20
    for ex in examples["examples"] + partial:
        plain = ex["uncompressed"].replace("https://id.gs1.org", "")
        if not plain.startswith(("/01/", "/00/")):
            continue  # keys this resolver does not serve
        r = sw.w.client.get(ex["compressed"].replace("https://id.gs1.org", ""), headers=LINKSET)
        assert f'<{BASE}{plain}>; rel="owl:sameAs"' in r.headers["link"], plain
        if "/21/" in plain:  # a serial we did not sign is no stamp of ours
            assert r.status_code == 404 and r.json()["code"] in ("not_genuine", "not_found")
        elif plain.startswith("/01/"):  # the lot, or walked up to the product
            assert r.status_code == 200, plain
            ctx = _ctx(r.json())
            level = "ABC123" if "/10/" in plain else "05412345000013"
            assert ctx["https://gs1.org/voc/defaultLink"][0]["href"].endswith(level), plain
        else:
            assert r.status_code == 404 and r.json()["code"] == "not_found"
