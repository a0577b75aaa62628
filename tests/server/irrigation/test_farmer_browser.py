"""End to end on a phone: a farmer presses "Tưới ngay" in Debian Chromium, the controller
sends a lease over real Mosquitto to a simulated valve node running the real firmware, the
valve opens within seconds; "Dừng" closes it and the log gets the litres."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from server.app import create_app
from server.irrigation.controller import start_controller
from server.models import DeviceRole
from server.settings import load_settings
from simulators.fleet import start_in_thread
from tests.server.conftest import PASSWORD
from tests.server.irrigation.conftest import Irr, wait_for
from tests.support.browser import ARTIFACTS, launch_chromium, live_server
from tests.support.services import Mosquitto

PHONE = {"width": 360, "height": 640}


def test_water_now_and_stop_from_the_phone(irr: Irr, mosquitto: Mosquitto, ingest,  # type: ignore[no-untyped-def]
                                           tmp_path: Path) -> None:
    zone = irr.ids["zones"]["carrot"]
    irr.add("dc-valve-1", role=DeviceRole.valve)
    irr.add("dc-probe-1")
    irr.settings(mode="off")  # only the farmer's buttons act here
    ingest(irr.engine, mosquitto.url)
    settings = load_settings(var_dir=tmp_path / "var", database_url=str(irr.engine.url))
    ctl = start_controller(irr.engine, settings, mosquitto.url, interval_s=0.3)
    fleet = start_in_thread([("dc-valve-1", zone, "valve", "carrot", 1, 1000),
                             ("dc-probe-1", zone, "sensor", "carrot", 1, 1000)],
                            mosquitto.url, speed=1.0, spread_s=0.5, interval_s=60)
    try:
        wait_for(lambda: irr.scalar("select count(*) from device_states where state = 'online'"
                                    " or state = 'sleep'") == 2, 20, "nodes online")
        app = create_app(settings, irr.engine)
        with TestClient(app), live_server(app) as base, launch_chromium() as browser:
            ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="vi-VN",
                                      is_mobile=True, has_touch=True)
            page = ctx.new_page()
            page.on("dialog", lambda d: d.accept())  # the "Tưới … phút?" confirmation
            sizes: list[int] = []
            page.on("requestfinished", lambda r: sizes.append(r.sizes()["responseBodySize"]
                                                             + r.sizes()["responseHeadersSize"]))
            page.goto(f"{base}/login?next=/farm")
            page.fill("input[name=login]", "carrot_farmer")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/farm")
            page.wait_for_load_state("networkidle")
            first_load = sum(sizes)
            assert 0 < first_load < 150_000, first_load  # the farmer page, as the browser counts it
            card = page.locator(f"#zone-{zone}")
            assert "Độ ẩm đất" in card.inner_text()
            card.locator("select[name=minutes]").select_option("10")
            t0 = time.monotonic()
            card.locator("button.water").click()
            page.wait_for_url(f"{base}/farm?ok=water*")
            assert "Đã gửi lệnh tưới" in page.content()

            def valve_text() -> str:
                page.reload()
                return page.locator(f"#zone-{zone} .valve").inner_text()

            wait_for(lambda: valve_text() == "Đang mở", 15, "valve open on the page")
            opened_s = time.monotonic() - t0
            assert opened_s < 10, opened_s
            wait_for(lambda: irr.scalar("select vs from device_states d join devices v on "
                                        "v.id = d.device_id where v.uid = 'dc-valve-1'") == 1,
                     10, "valve open reported by the node")
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "irrigation-water-now-phone.png"), full_page=True)
            time.sleep(2)  # let a little water through the simulated meter
            page.locator(f"#zone-{zone} button.stop").click()
            page.wait_for_url(f"{base}/farm?ok=stop*")
            wait_for(lambda: valve_text() == "Đóng", 15, "valve closed on the page")
            wait_for(lambda: irr.scalar("select ended_at from irrigation_log") is not None, 10,
                     "log entry closed")
            row = irr.rows("select trigger, user_id, litres, why from irrigation_log")[0]
            assert (row.trigger, row.user_id, row.why) == ("manual", irr.ids["users"]["carrot_farmer"], "cmd")
            assert row.litres is not None and row.litres > 0
            assert "lít · bấm tay" in page.locator(f"#zone-{zone} .last-watering").inner_text()
            assert page.locator(f"#zone-{zone} .chart polyline").count() == 1
            page.screenshot(path=str(ARTIFACTS / "irrigation-stopped-phone.png"), full_page=True)
            ids = [r[0] for r in irr.rows("select cmd_id from irrigation_commands order by id")]
            assert ids == [1, 2]
            ctx.close()
    finally:
        fleet.stop()
        ctl.stop()
