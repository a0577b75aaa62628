"""Issue 21 in Debian's Chromium at 360×740, as people would use it: starting from the home
page and following links only. One server and one browser for the whole module.

* a farmer records a spraying with no signal; it waits on the phone ("chưa gửi"), goes out
  when the signal is back, and is stored once;
* a co-op admin creates a lot, issues 10 stamps, downloads the PDF (every QR decodes with
  zxing-cpp), recalls the lot, and the consumer page shows the recall;
* every page of every role: axe-core finds no serious or critical violation, each page is
  under 150 KB on first load, and a screenshot of each is kept in test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import zxingcpp
from sqlmodel import Session, func, select

from server.models.farm_pages import DiarySubmission
from server.models.stamps import Stamp
from server.models.trace import DiaryEntry, Lot, Product
from tests.server.farm.support import GTIN14, add_evaluator, seed_lot
from tests.support.browser import ARTIFACTS, launch_chromium, live_server
from tests.support.world import PASSWORD, World, make_world

PHONE = {"width": 360, "height": 740}
AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ARTIFACTS / "phone-pages"
PAGE_BUDGET = 150 * 1024
#: Violations found on pages other helpers own, reported to them (issue 21's audit): each
#: must still be there (remove the line once fixed, and the scan holds the page to it).
KNOWN: set[tuple[str, str]] = set()
#: The header's links and the menu's items (opened) shorter than 44 CSS px.
SMALL_TARGETS = """() => {
  const m = document.querySelector('details.menu'); if (m) { m.open = true; }
  const small = [...document.querySelectorAll('.top a, .top summary, .menu nav a, .menu nav button')]
    .filter(e => e.getBoundingClientRect().height < 44).map(e => e.textContent.trim());
  if (m) { m.open = false; }
  return small;
}"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("phone")
    yield from make_world(f"sqlite:///{tmp / 'test.db'}", tmp)


@pytest.fixture(scope="module")
def base(world: World) -> Iterator[str]:
    with live_server(world.client.app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as b:
        yield b


def _phone(browser: Any, **kw: Any) -> Any:
    return browser.new_context(viewport=PHONE, device_scale_factor=1, locale="vi-VN",
                               is_mobile=True, has_touch=True, **kw)


def _log_in(page: Any, base: str, login: str) -> None:
    page.goto(base + "/")
    page.wait_for_url("**/login*")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_load_state()


def _menu(page: Any, label: str) -> None:
    page.click("details.menu summary")
    page.click(f"details.menu nav a:has-text('{label}')")
    page.wait_for_load_state()


def _count(world: World, model: type) -> int:
    with Session(world.engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def test_farmer_records_a_spraying_offline_and_it_is_stored_once(world: World, base: str,
                                                                browser: Any) -> None:
    ctx = _phone(browser)
    page = ctx.new_page()
    _log_in(page, base, "lychee_farmer")
    assert page.url == base + "/farm"
    _menu(page, "Nhật ký canh tác")
    assert page.url == base + "/farm/diary"
    entries = _count(world, DiaryEntry)
    ctx.set_offline(True)
    page.select_option("#activity", "spraying")
    page.select_option("#pesticide", index=1)  # the first product of the list
    assert page.input_value("input[name=phi_days]") != ""
    page.fill("input[name=dose]", "12")
    page.click("#diary-form button[type=submit]")
    page.wait_for_selector("#outbox[data-count='1']")
    assert page.locator("#outbox").is_visible() and "Chưa gửi" in page.inner_text("#outbox")
    page.screenshot(path=str(_shot("farmer-diary-offline")), full_page=True)
    assert _count(world, DiaryEntry) == entries  # nothing reached the server
    ctx.set_offline(False)
    page.wait_for_selector("#outbox[data-count='0']", state="attached", timeout=15_000)
    assert page.locator("#outbox").is_hidden()
    # Sent once; a second flush (another tab, a lost answer) would find the key.
    assert _count(world, DiaryEntry) == entries + 1
    with Session(world.engine) as s:
        sub = s.exec(select(DiarySubmission)).all()
        entry = s.get(DiaryEntry, sub[-1].entry_id)
    assert len(sub) == 1 and entry is not None and entry.dose == 12 and entry.phi_days
    page.reload()
    assert page.locator("li.diary-entry[data-kind=spraying]").count() == 1
    ctx.close()


def _shot(name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"


def _decode_pdf(path: str) -> list[str]:
    pdf = pdfium.PdfDocument(path)
    found: list[str] = []
    for i in range(len(pdf)):
        found += [r.text for r in zxingcpp.read_barcodes(pdf[i].render(scale=4).to_pil())]
    return found


def test_coop_admin_lot_stamps_pdf_recall_and_consumer_sees_it(world: World, base: str,
                                                               browser: Any) -> None:
    with Session(world.engine) as s:
        if s.exec(select(Product)).first() is None:
            s.add(Product(name="Vải thiều Thanh Hà", gtin=GTIN14, crop="lychee",
                          organisation_id=world.orgs["lychee"]))
            s.commit()
    ctx = _phone(browser, accept_downloads=True)
    page = ctx.new_page()
    _log_in(page, base, "lychee_admin")
    assert page.url == base + "/coop/dashboard"
    _menu(page, "Lô hàng")
    if not page.locator("#new-lot").is_visible():
        page.click("text=Tạo lô từ một lần thu hoạch")
    page.fill("#new-lot input[name=quantity]", "300")
    page.fill("#new-lot input[name=code]", "PW2606")
    page.click("#new-lot button[type=submit]")
    page.wait_for_url("**/coop/lots?ok=*")
    page.click("li.lot-row:has-text('PW2606') >> text=Tem và lượt quét")
    page.wait_for_url("**/coop/lots/*/stamps")
    page.fill("#issue-form input[name=count]", "10")
    page.click("#issue-form button[type=submit]")
    page.wait_for_selector("#issued")
    assert "Đã tạo 10 tem" in page.inner_text("#issued")
    with page.expect_download() as info:
        page.click("#issued >> text=Tải PDF để in")
    pdf = info.value.path()
    uris = _decode_pdf(str(pdf))
    assert len(uris) == 10 and len(set(uris)) == 10
    assert all("/10/PW2606/21/" in u for u in uris)
    page.fill("#recall-form input[name=reason]", "Phát hiện dư lượng thuốc")
    page.click("#recall-form button[type=submit]")
    page.wait_for_selector("#recalled")
    page.screenshot(path=str(_shot("coop-lot-stamps-recalled")), full_page=True)
    ctx.close()
    consumer = _phone(browser, bypass_csp=True).new_page()  # bypass: axe is injected inline
    consumer.goto(base + "/" + uris[0].split("/", 3)[3])
    recall = consumer.locator("section.recall")
    assert "THU HỒI" in recall.inner_text() and "dư lượng thuốc" in recall.inner_text()
    assert _axe(consumer, AXE.read_text(encoding="utf-8"), "consumer page") == []
    consumer.screenshot(path=str(_shot("consumer-recalled")), full_page=True)
    consumer.context.close()


ROLE_PAGES = {
    "lychee_farmer": ["/farm", "/farm/diary", "/farm/alerts", "/zones/{zone}/irrigation",
                      "/trace", "/trace/lots/{lot}", "/trace/ship"],
    "lychee_admin": ["/coop/dashboard", "/coop/devices", "/coop/lots", "/coop/lots/{lot}/stamps",
                     "/coop/stamps", "/coop/certificates", "/coop/stamps/{serial}"],
    "evaluator1": ["/ocop/manage", "/ocop"],
    "admin": ["/coop"],  # every organisation
}


def _first_load_bytes(page: Any) -> int:
    """Bytes over the wire for the page and everything it loaded (gzipped where sent so)."""
    total: int = page.evaluate(
        "performance.getEntriesByType('navigation').concat(performance.getEntriesByType("
        "'resource')).reduce((n, e) => n + (e.encodedBodySize || e.transferSize || 0), 0)")
    return total


def test_every_page_passes_axe_is_small_and_is_photographed(world: World, base: str,
                                                           browser: Any) -> None:
    with Session(world.engine) as s:
        lot = s.exec(select(Lot)).first()
    lot_id = lot.id if lot is not None else seed_lot(world, "AXE01")[1]
    with Session(world.engine) as s:
        stamp = s.exec(select(Stamp)).first()
    serial = stamp.serial if stamp is not None else "NONE"
    add_evaluator(world)
    axe = AXE.read_text(encoding="utf-8")
    problems: list[str] = []
    sizes: dict[str, int] = {}
    login_ctx = _phone(browser, bypass_csp=True)
    login_page = login_ctx.new_page()
    login_page.goto(base + "/login")
    problems += _axe(login_page, axe, "/login")
    login_page.screenshot(path=str(_shot("login")), full_page=True)
    login_ctx.close()
    for login, paths in ROLE_PAGES.items():
        ctx = _phone(browser, bypass_csp=True)  # axe is injected as an inline script
        page = ctx.new_page()
        _log_in(page, base, login)
        for path in paths:
            url = path.format(lot=lot_id, zone=world.zones["lychee"], serial=serial)
            if url in sizes or url.endswith("/NONE"):  # scanned once; no stamp issued yet
                continue
            page.goto(base + url)
            sizes[url] = _first_load_bytes(page)
            problems += _axe(page, axe, f"{login} {url}")
            page.screenshot(path=str(_shot(f"{login}{url.replace('/', '-')}")), full_page=True)
            small = page.evaluate(SMALL_TARGETS)
            if small:
                problems.append(f"{login} {url}: tap targets under 44 px: {small}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                problems.append(f"{login} {url}: {width} px wide")
        ctx.close()
    known = [p for p in problems if any(f" {page}: {rule} (" in p for page, rule in KNOWN)]
    assert not [p for p in problems if p not in known], "\n".join(problems)
    assert len(known) == len(KNOWN), ("fixed? drop it from KNOWN", known)
    assert max(sizes.values()) < PAGE_BUDGET, sizes


def _axe(page: Any, axe: str, name: str) -> list[str]:
    page.add_script_tag(content=axe)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["name"] == "axe-core" and result["passes"], name
    return [f"{name}: {v['id']} ({v['impact']}): {v['help']} — "
            f"{[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]
