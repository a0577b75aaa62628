"""Real Chromium: the farmer page, the consumer stamp page and the OCOP pages run under the
Content-Security-Policy without a single violation (scripts still work)."""

from __future__ import annotations

from typing import Any

from tests.server.conftest import PASSWORD
from tests.server.ocop.conftest import OcopWorld
from tests.server.stamps.conftest import issue, make_lot
from tests.support.browser import launch_chromium, live_server

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def test_pages_have_no_csp_violations(ow: OcopWorld) -> None:
    pid, _, _ = ow.certified(stars=4, gtin=None, name="Vải thiều sớm")
    did = ow.dossier(ow.product(), stars=4)
    sw = make_lot(ow.w)
    batch = issue(sw, count=1)["batch"]
    csv = ow.client.get(f"/api/v1/stamp-batches/{batch['id']}/stamps.csv",
                        headers=ow.h("lychee_admin")).text
    ow.client.cookies.clear()
    stamp_path = csv.splitlines()[1].replace("http://localhost:8000", "")
    console: list[str] = []
    with live_server(ow.client.app) as base, launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="vi-VN")
        page.add_init_script(WATCH)
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))

        def visit(path: str) -> Any:
            resp = page.goto(base + path)
            assert resp is not None and resp.status == 200, (path, resp and resp.status)
            assert "content-security-policy" in resp.headers
            page.wait_for_load_state("load")
            return page.evaluate("window.__csp")

        violations = {}
        for path in (stamp_path, "/ocop", f"/catalogue/{pid}"):
            violations[path] = visit(path)
        page.goto(f"{base}/login?next=/ocop/dossiers/{did}/self")
        page.fill("input[name=login]", "lychee_admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"**/ocop/dossiers/{did}/self")
        violations["self-assessment"] = page.evaluate("window.__csp")
        # the running score (now /static/ocop_running.js) still works under the policy
        assert page.inner_text("#sum-T") == "87 (4★)"
        violations["/farm"] = visit("/farm")
        page.close()
    assert all(not v for v in violations.values()), violations
    bad = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
    assert not bad, bad
