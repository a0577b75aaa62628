"""The farmer's pages in a real browser (Debian Chromium) at a cheap phone's size."""

from __future__ import annotations

from tests.server.conftest import PASSWORD, World
from tests.support.browser import ARTIFACTS, launch_chromium, live_server

PHONE = {"width": 360, "height": 640}


def test_login_and_farmer_page_on_a_phone(world: World) -> None:
    with live_server(world.client.app) as base, launch_chromium() as browser:
        ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="vi-VN",
                                  is_mobile=True, has_touch=True)
        page = ctx.new_page()
        page.goto(f"{base}/farm")
        # Anonymous: the login form, which leads back to /farm.
        page.wait_for_url(f"{base}/login?next=/farm")
        assert page.locator("input[name=next]").get_attribute("value") == "/farm"
        page.fill("input[name=login]", "lychee_farmer")
        page.fill("input[name=password]", "wrong")
        page.click("button[type=submit]")
        assert page.locator(".error").inner_text() == "Sai tên đăng nhập hoặc mật khẩu."
        page.fill("input[name=login]", "lychee_farmer")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/farm")
        zones = page.locator("li.zone")
        assert zones.count() == 1
        assert "Zone lychee" in zones.first.inner_text()
        assert "Độ ẩm đất" in zones.first.inner_text()
        # Nothing wider than the phone: no sideways scrolling.
        scroll_w = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_w <= PHONE["width"], scroll_w
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "farmer-page-phone.png"), full_page=True)
        # Logging out goes through the CSRF-protected form.
        page.click("summary")  # the menu; "Đăng xuất" is its last item, apart from the rest
        page.click("text=Đăng xuất")
        page.wait_for_url(f"{base}/login")
        page.goto(f"{base}/farm")
        page.wait_for_url(f"{base}/login?next=/farm")  # the session is gone
        ctx.close()
