"""Real Chromium on a phone-size screen: the self-assessment's running score per part."""

from __future__ import annotations

from ocop.criteria import get_criteria_set
from tests.server.conftest import PASSWORD
from tests.server.ocop.conftest import KEY, OcopWorld, answers_for
from tests.support.browser import launch_chromium, live_server


def test_running_score_per_part_and_save_on_a_phone(ow: OcopWorld) -> None:
    pid, _, _ = ow.certified(stars=4, gtin=None, name="Vải thiều sớm")
    did = ow.dossier(ow.product(), stars=4)
    with live_server(ow.client.app) as base, launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="vi-VN")
        page.goto(f"{base}/ocop")
        assert page.locator(".ocop-entry").count() == 1
        assert page.locator(".stars").first.inner_text().startswith("★★★★☆")
        page.goto(f"{base}/login?next=/ocop/dossiers/{did}/self")
        page.fill("input[name=login]", "lychee_admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"**/ocop/dossiers/{did}/self")
        # the saved 4-star sheet is pre-filled: parts 36 / 16 / 35, total 87
        assert [page.inner_text(f"#sum-{k}") for k in "ABC"] == ["36", "16", "35"]
        assert page.inner_text("#sum-T") == "87 (4★)"
        # choose the best option of 4.1 (5 points): part B and the total follow at once
        crit = get_criteria_set(KEY).criterion("4.1")
        was = crit.option(answers_for(4)["4.1"]).points
        page.check("input[name='c_4.1'][value='4.1.4']")
        b_now = int(page.inner_text("#sum-B"))
        assert b_now == 16 - was + 5 and page.inner_text("#sum-A") == "36"
        assert page.inner_text("#sum-T").startswith(str(int(87 - was + 5)))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width  # no sideways scrolling on a phone
        page.click("button.big")
        page.wait_for_url(f"**/ocop/dossiers/{did}")
        assert "Tự đánh giá" in page.content()
        page.close()
    d = ow.client.get(f"/api/v1/ocop/dossiers/{did}", headers=ow.h("lychee_admin")).json()
    assert d["self_assessment"]["part_b"] == b_now  # the server agrees with the page
