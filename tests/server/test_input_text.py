"""Issue 15.12: names normalised to NFC with no bidi or control characters; NUL characters
refused with 422 everywhere (they gave 500 on PostgreSQL); demo files not world-readable."""

from __future__ import annotations

import stat
import unicodedata
from pathlib import Path

import pytest

from server.models import Farm, Organisation, Zone
from tests.server.conftest import World


def _farm(world: World, name: str) -> dict[str, object]:
    return {"name": name, "organisation_id": world.orgs["lychee"], "province_code": "31",
            "commune_code": "10813"}


def test_names_are_stored_nfc(world: World) -> None:
    decomposed = unicodedata.normalize("NFD", "Vườn vải Thanh Hà")
    assert decomposed != "Vườn vải Thanh Hà"
    h = world.auth("lychee_admin")
    r = world.client.post("/api/v1/farms", json=_farm(world, decomposed), headers=h)
    assert r.status_code == 201 and r.json()["name"] == "Vườn vải Thanh Hà"
    r = world.client.post("/api/v1/zones", json={"farm_id": r.json()["id"], "crop": "lychee",
                                                 "name": unicodedata.normalize("NFD", "Khu Đồi"),
                                                 "area_m2": 10}, headers=h)
    assert r.json()["name"] == "Khu Đồi"


@pytest.mark.parametrize("bad", ["\u202e", "\u202a", "\u2066", "\u2069", "\x07", "\x1b", "\x85"])
def test_bidi_and_control_characters_in_names_are_refused(world: World, bad: str) -> None:
    h, admin = world.auth("lychee_admin"), world.auth("admin")
    before = (world.count(Farm), world.count(Zone), world.count(Organisation))
    name = f"HTX {bad}ải vải"
    for url, body, who in (
            ("/api/v1/farms", _farm(world, name), h),
            ("/api/v1/zones", {"farm_id": world.farms["lychee"], "name": name, "crop": "lychee",
                               "area_m2": 5}, h),
            ("/api/v1/organisations", {"name": name, "kind": "htx", "province_code": "31"}, admin)):
        r = world.client.post(url, json=body, headers=who)
        assert r.status_code == 422, (url, r.text)
        assert f"U+{ord(bad):04X}" in r.json()["detail"]
    r = world.client.patch(f"/api/v1/organisations/{world.orgs['lychee']}",
                           json={"name": name}, headers=h)
    assert r.status_code == 422
    assert (world.count(Farm), world.count(Zone), world.count(Organisation)) == before


def test_user_full_name_is_checked_too() -> None:
    from server.users import create_user

    with pytest.raises(ValueError, match="U\\+202E"):
        create_user(None, "someone@example.vn", "Nguyễn \u202eVăn", "long enough password",  # type: ignore[arg-type]
                    None, "admin")


def _nul_requests(w: World) -> list[tuple[str, str, dict[str, object]]]:
    """Requests that reached PostgreSQL with a NUL before (500 there), and a name."""
    zone = w.zones["lychee"]
    return [
        ("POST", "/api/v1/auth/login", {"json": {"login": "lychee\u0000admin", "password": "x"}}),
        ("POST", f"/api/v1/zones/{zone}/diary", {"json": {
            "kind": "other", "performed_at": "2026-06-01T06:00:00Z",
            "product_name": "Phân bón\x00 NPK"}}),
        ("GET", "/api/v1/lots/lookup", {"params": {"gtin": "08934602001078", "lot": "L\x001"}}),
        ("POST", "/api/v1/farms", {"json": _farm(w, "Vườn\x00")}),
        ("POST", "/login", {"data": {"login": "lychee\x00admin", "password": "x"}}),  # a form
    ]


def test_nul_characters_are_refused_with_422_on_postgresql(pg_world: World) -> None:
    w = pg_world
    h = w.auth("lychee_admin")
    before = (w.count(Farm), w.count(Organisation))
    for method, url, kw in _nul_requests(w):
        r = w.client.request(method, url, headers=h, **kw)  # type: ignore[arg-type]
        assert r.status_code == 422, (method, url, r.status_code, r.text[:200])
        assert "NUL" in r.text
    assert (w.count(Farm), w.count(Organisation)) == before
    # the six characters backslash-u-0-0-0-0 are ordinary text, not a NUL
    r = w.client.post("/api/v1/farms", json=_farm(w, "Vườn \\u0000"), headers=h)
    assert r.status_code == 201 and r.json()["name"] == "Vườn \\u0000"


def test_demo_files_are_not_world_readable(tmp_path: Path) -> None:
    import os

    from server.demo import _private_files

    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    db = var / "nongso.db"
    db.write_bytes(b"x")
    db.chmod(0o644)
    old = os.umask(0o022)
    try:
        _private_files(var, str(db))
        (var / "ocop" / "uploads").mkdir(parents=True)
        upload = var / "ocop" / "uploads" / "a.pdf"
        upload.write_bytes(b"%PDF")
    finally:
        os.umask(old)
    for path, mode in ((var, 0o700), (db, 0o600), (var / "ocop" / "uploads", 0o700),
                       (upload, 0o600)):
        assert stat.S_IMODE(path.stat().st_mode) == mode, path
