"""Product photos: checked, re-encoded without metadata, shown on the consumer page and in
its Open Graph preview."""

from __future__ import annotations

import io
import re

from PIL import Image
from sqlmodel import Session, select

from server.models.trace import Product
from server.trace.photos import SIDE, storage_dir
from tests.server.stamps.conftest import StampWorld
from tests.server.stamps.test_resolver import HTML, _uris


def _phone_photo(w: int = 3000, h: int = 2000) -> bytes:
    """A camera JPEG: landscape pixels, EXIF "rotate 90°" and the farm's GPS position."""
    img = Image.new("RGB", (w, h), (196, 51, 58))
    img.paste((61, 122, 42), (0, 0, w // 3, h))  # green on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (20.0, 55.0, 12.0)  # Thanh Hà
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def _put(sw: StampWorld, data: bytes, who: str = "lychee_admin", name: str = "anh.jpg"):  # type: ignore[no-untyped-def]
    with Session(sw.w.engine) as s:
        pid = s.exec(select(Product.id).where(Product.gtin == sw.gtin14)).one()
    return pid, sw.w.client.put(f"/api/v1/products/{pid}/photo", headers=sw.w.auth(who),
                                files={"photo": (name, data, "image/jpeg")})


def test_photo_is_upright_small_without_metadata_and_on_the_consumer_page(
        sw: StampWorld) -> None:
    pid, r = _put(sw, _phone_photo())
    assert r.status_code == 200, r.text
    url = r.json()["photo_url"]
    assert re.fullmatch(rf"/media/products/{pid}/[0-9a-f]{{20}}\.jpg", url)
    sw.w.client.cookies.clear()
    got = sw.w.client.get(url)  # anonymous: consumer pages and link previews need it
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert "immutable" in got.headers["cache-control"]
    img = Image.open(io.BytesIO(got.content))
    assert img.size == (SIDE * 2 // 3, SIDE)  # turned upright, long side scaled to SIDE
    assert img.getpixel((img.width // 2, 20))[1] > 100  # the green third is now on top
    assert not img.getexif() and b"PhoneMaker" not in got.content  # no EXIF, no GPS
    assert len(got.content) < 200_000

    page = sw.w.client.get(_uris(sw, 1)[0], headers=HTML).text
    assert f'<img class="photo" src="{url}"' in page
    assert f'width="{SIDE * 2 // 3}" height="{SIDE}"' in page
    assert f'<meta property="og:image" content="http://localhost:8000{url}">' in page


def test_a_new_photo_replaces_the_old_one_and_bad_uploads_change_nothing(
        sw: StampWorld) -> None:
    pid, first = _put(sw, _phone_photo(800, 600))
    old_url = first.json()["photo_url"]
    for bad, why in ((b"GIF89a not allowed", "JPEG, PNG or WebP"),
                     (_phone_photo()[:2000], "could not be read"),
                     (b"", "empty")):
        _, r = _put(sw, bad)
        assert r.status_code == 422 and why in r.text, r.text
    _, r = _put(sw, _phone_photo(), who="lychee_farmer")  # farmers record, admins publish
    assert r.status_code == 403
    assert sw.w.client.get(f"/api/v1/products/{pid}",
                           headers=sw.w.auth("lychee_admin")).json()["photo_url"] == old_url
    png = io.BytesIO()
    Image.new("RGBA", (500, 500), (0, 0, 0, 0)).save(png, "PNG")
    _, r = _put(sw, png.getvalue(), name="logo.png")
    assert r.status_code == 200 and r.json()["photo_url"] != old_url
    sw.w.client.cookies.clear()
    assert sw.w.client.get(old_url).status_code == 404
    files = list(storage_dir(sw.w.client.app.state.settings.var_dir).iterdir())  # type: ignore[attr-defined]
    assert len(files) == 1  # the old file is gone, no temporary left behind
    r = sw.w.client.delete(f"/api/v1/products/{pid}/photo", headers=sw.w.auth("lychee_admin"))
    assert r.status_code == 200 and r.json()["photo_url"] is None
    assert not list(storage_dir(sw.w.client.app.state.settings.var_dir).iterdir())  # type: ignore[attr-defined]


def test_without_a_photo_the_preview_uses_the_platform_image(sw: StampWorld) -> None:
    page = sw.w.client.get(_uris(sw, 1)[0], headers=HTML).text
    assert '<svg class="icon"' in page and '<img class="photo"' not in page
    m = re.search(r'<meta property="og:image" content="http://localhost:8000(/static/[^"]+)">',
                  page)
    assert m is not None
    img = sw.w.client.get(m.group(1))
    assert img.status_code == 200 and Image.open(io.BytesIO(img.content)).size == (1200, 630)
