"""OCOP pages: public catalogue, co-op forms (csrf), self-assessment, side-by-side scoring."""

from __future__ import annotations

import re

from server.models.ocop import OcopAnswer, OcopProduct
from tests.server.conftest import PASSWORD
from tests.server.ocop.conftest import OcopWorld, answers_for
from tests.support.login import page_login

HTML = {"accept": "text/html"}


def _login(ow: OcopWorld, login: str) -> str:
    ow.client.cookies.clear()
    r = page_login(ow.client, login, PASSWORD, next="/ocop/manage", follow_redirects=False)
    assert r.status_code == 303, r.text
    csrf = ow.client.cookies.get("nongso_csrf")
    assert csrf
    return str(csrf)


def test_public_catalogue_page_and_product_page(ow: OcopWorld) -> None:
    pid, _, cert = ow.certified(stars=4)
    ow.certified("carrot", 3, None, "Cà rốt Đức Chính")
    ow.client.cookies.clear()
    r = ow.client.get("/ocop")
    assert r.status_code == 200
    assert "Vải thiều Thanh Hà" in r.text and "★★★★☆" in r.text and "Cà rốt Đức Chính" in r.text
    assert f'href="/catalogue/{pid}"' in r.text
    r = ow.client.get("/ocop?stars=4")
    assert "Vải thiều Thanh Hà" in r.text and "Cà rốt Đức Chính" not in r.text
    r = ow.client.get("/ocop?commune=10573&stars=junk")
    assert "Cà rốt Đức Chính" in r.text and "Vải thiều Thanh Hà" not in r.text
    r = ow.client.get(f"/catalogue/{pid}")
    assert r.status_code == 200 and cert["number"] in r.text and "Hợp tác xã" in r.text
    assert 'id="lots"' in r.text
    assert ow.client.get("/catalogue/999", headers=HTML).status_code == 404


def test_coop_registers_product_with_csrf_form(ow: OcopWorld) -> None:
    csrf = _login(ow, "lychee_admin")
    page = ow.client.get("/ocop/manage")
    assert page.status_code == 200 and 'name="csrf"' in page.text
    form = {"organisation_id": str(ow.w.orgs["lychee"]), "name": "Vải thiều Thanh Hà",
            "subgroup": "fresh-produce", "gtin": "8930000000019"}
    r = ow.client.post("/ocop/products", data=form, follow_redirects=False)
    assert r.status_code == 403 and ow.count(OcopProduct) == 0  # no csrf field
    r = ow.client.post("/ocop/products", data={**form, "gtin": "8930000000018", "csrf": csrf},
                       headers=HTML, follow_redirects=False)
    assert r.status_code == 422 and "GTIN" in r.text and ow.count(OcopProduct) == 0
    r = ow.client.post("/ocop/products", data={**form, "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and ow.count(OcopProduct) == 1
    assert "Vải thiều Thanh Hà" in ow.client.get("/ocop/manage").text


def test_self_assessment_form_shows_parts_and_server_recomputes(ow: OcopWorld) -> None:
    pid = ow.product()
    csrf = _login(ow, "lychee_admin")
    r = ow.client.post(f"/ocop/products/{pid}/dossiers", data={"csrf": csrf},
                       follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    did = int(re.findall(r"\d+", url)[0])
    page = ow.client.get(url)
    assert page.status_code == 200
    for text in ("Phần A", "Phần B", "Phần C", 'id="sum-A"', "Sản phẩm và sức mạnh cộng đồng",
                 'data-points="5.0"', 'name="c_1.1"'):
        assert text in page.text, text
    form = {f"c_{k}": v for k, v in answers_for(4).items()}
    # the client may claim anything; the server scores the options itself
    form.update({"csrf": csrf, "total": "100"})
    r = ow.client.post(f"/ocop/dossiers/{did}/self", data=form, follow_redirects=False)
    assert r.status_code == 303
    d = ow.client.get(f"/api/v1/ocop/dossiers/{did}", headers=ow.h("lychee_admin")).json()
    assert d["self_assessment"]["stars"] == 4 and d["self_assessment"]["total"] == 87.0
    assert 'checked' in ow.client.get(url).text
    bad = {"csrf": csrf, "c_1.1": "1.1.7"}
    r = ow.client.post(f"/ocop/dossiers/{did}/self", data=bad, headers=HTML)
    assert r.status_code == 422
    assert ow.count(OcopAnswer) == len(answers_for(4))
    r = ow.client.post(f"/ocop/dossiers/{did}/step", data={"csrf": csrf, "step": "submit"},
                       follow_redirects=False)
    assert r.status_code == 303
    page = ow.client.get(f"/ocop/dossiers/{did}").text
    assert "Chờ xã kiểm tra" in page and "nộp hồ sơ" in page


def test_evaluator_scores_side_by_side(ow: OcopWorld) -> None:
    pid = ow.product()
    did = ow.dossier(pid)
    ow.to_council(did)
    ow.score(did, "ev2", 4)
    csrf = _login(ow, "ev1")
    page = ow.client.get(f"/ocop/dossiers/{did}/score")
    assert page.status_code == 200
    assert "Chủ thể" in page.text and "Chuyên gia ev2" in page.text and 'name="c_6.2"' in page.text
    form = {f"c_{k}": v for k, v in answers_for(4).items()} | {"csrf": csrf}
    r = ow.client.post(f"/ocop/dossiers/{did}/score", data=form, follow_redirects=False)
    assert r.status_code == 303
    r = ow.client.post(f"/ocop/dossiers/{did}/step", data={"csrf": csrf, "step": "close"},
                       follow_redirects=False)
    assert r.status_code == 303
    page = ow.client.get(f"/ocop/dossiers/{did}").text
    assert "Đạt, chờ cấp giấy chứng nhận" in page and "Cấp giấy chứng nhận 4 sao" in page
    r = ow.client.post(f"/ocop/dossiers/{did}/step", data={"csrf": csrf, "step": "certify"},
                       follow_redirects=False)
    assert r.status_code == 303
    manage = ow.client.get("/ocop/manage").text
    assert "Thu hồi giấy chứng nhận" in manage and "Đăng ký sản phẩm OCOP" not in manage
    # another province's evaluator gets the Vietnamese "not found" page (as if missing)
    _login(ow, "ev_hn")
    r = ow.client.get(f"/ocop/dossiers/{did}/score", headers=HTML)
    assert r.status_code == 404 and "Không tìm thấy" in r.text
