"""Scratch-off PINs (issue 15.2): per-stamp lock, per-address throttle held in the
database, the co-op's reset, an atomic check on PostgreSQL, longer PINs for new stamps."""

from __future__ import annotations

import threading

import httpx
from sqlmodel import Session, select

from server.models.stamps import PinAttempt, Stamp
from server.stamps import pins
from server.stamps.keys import pin_hash
from tests.server.stamps.conftest import StampWorld, issue, make_lot
from tests.support.browser import live_server

LOCKED_VI = "đã bị khóa vì nhập sai quá nhiều lần"


def _pin_stamps(sw: StampWorld, n: int, request_id: str = "req-pins-0001") -> list[tuple[str, str]]:
    got = issue(sw, count=n, request_id=request_id, with_pin=True)["pins"]
    sw.w.client.cookies.clear()
    return list(got.items())


def _uri(sw: StampWorld, serial: str) -> str:
    return f"/01/{sw.gtin14}/10/{sw.lot_code}/21/{serial}"


def _wrong(pin: str) -> str:
    return "1" * len(pin) if pin != "1" * len(pin) else "2" * len(pin)


def test_pin_bruteforce_is_throttled(sw: StampWorld) -> None:
    """After PIN_LIMIT wrong PINs the stamp's PIN is locked: the right PIN is refused with a
    clear Vietnamese message; other stamps are unaffected; the co-op's reset unlocks it."""
    (serial, pin), (other, other_pin) = _pin_stamps(sw, 2)
    for i in range(pins.PIN_LIMIT - 1):
        r = sw.w.client.post(_uri(sw, serial), data={"pin": f"{i:08d}"})
        assert r.status_code == 422 and "Mã PIN không đúng" in r.text
    r = sw.w.client.post(_uri(sw, serial), data={"pin": _wrong(pin)})
    assert r.status_code == 423 and LOCKED_VI in r.text
    right = sw.w.client.post(_uri(sw, serial), data={"pin": pin})
    assert right.status_code == 423 and LOCKED_VI in right.text
    assert "Mã PIN đúng" not in right.text
    en = sw.w.client.post(_uri(sw, serial) + "?lang=en", data={"pin": pin})
    assert "PIN is locked" in en.text
    with Session(sw.w.engine) as s:
        st = s.exec(select(Stamp).where(Stamp.serial == serial)).one()
        assert st.pin_locked_at is not None and st.pin_used_at is None
        assert st.pin_failures == pins.PIN_LIMIT
    ok = sw.w.client.post(_uri(sw, other), data={"pin": other_pin})  # another stamp
    assert ok.status_code == 200 and "Mã PIN đúng" in ok.text
    # Only the stamp's own co-op may reset it.
    assert sw.w.client.post(f"/api/v1/stamps/{serial}/pin-reset",
                            headers=sw.w.auth("carrot_admin")).status_code in (403, 404)
    assert sw.w.client.post(f"/api/v1/stamps/{serial}/pin-reset",
                            headers=sw.w.auth("lychee_farmer")).status_code == 403
    r = sw.w.client.post(f"/api/v1/stamps/{serial}/pin-reset",
                         headers=sw.w.auth("lychee_admin"))
    assert r.status_code == 200 and r.json()["pin_locked"] is False
    assert r.json()["pin_failures"] == 0
    sw.w.client.cookies.clear()
    ok = sw.w.client.post(_uri(sw, serial), data={"pin": pin})
    assert ok.status_code == 200 and "Mã PIN đúng" in ok.text


def test_pin_guessing_from_one_address_is_throttled_across_processes(sw: StampWorld) -> None:
    """ADDRESS_LIMIT wrong PINs from one address (over several stamps, each below its own
    lock) and the next PIN from it is refused before any check; the count is in the
    database, so another API process (a new app on the same database) refuses it too."""
    from fastapi.testclient import TestClient

    from server.app import create_app

    stamps = _pin_stamps(sw, pins.ADDRESS_LIMIT // (pins.PIN_LIMIT - 1) + 1)
    sent = 0
    for serial, pin in stamps[:-1]:
        for _ in range(pins.PIN_LIMIT - 1):
            if sent < pins.ADDRESS_LIMIT:
                r = sw.w.client.post(_uri(sw, serial), data={"pin": _wrong(pin)})
                assert r.status_code == 422
                sent += 1
    serial, pin = stamps[-1]
    r = sw.w.client.post(_uri(sw, serial), data={"pin": pin})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "Có quá nhiều lần nhập sai mã PIN" in r.text
    with Session(sw.w.engine) as s:
        assert s.exec(select(PinAttempt)).one().failures == pins.ADDRESS_LIMIT
        assert s.exec(select(Stamp).where(Stamp.serial == serial)).one().pin_used_at is None
    settings = sw.w.client.app.state.settings  # type: ignore[attr-defined]
    with TestClient(create_app(settings, sw.w.engine)) as again:  # "another process"
        r = again.post(_uri(sw, serial), data={"pin": pin})
        assert r.status_code == 429
    other = TestClient(sw.w.client.app, client=("203.113.9.9", 5000))  # another address
    r = other.post(_uri(sw, serial), data={"pin": pin})
    assert r.status_code == 200 and "Mã PIN đúng" in r.text


def test_new_stamps_get_8_digit_pins_and_old_6_digit_pins_keep_working(sw: StampWorld) -> None:
    (serial, pin), (old, _) = _pin_stamps(sw, 2)
    assert len(pin) == pins.PIN_DIGITS == 8 and pin.isdigit()
    secret = sw.w.client.app.state.settings.secret_key  # type: ignore[attr-defined]
    with Session(sw.w.engine) as s:  # a stamp issued before: a 6-digit PIN
        st = s.exec(select(Stamp).where(Stamp.serial == old)).one()
        st.pin_hash = pin_hash(secret, old, "123456")
        s.add(st)
        s.commit()
    r = sw.w.client.post(_uri(sw, old), data={"pin": "123456"})
    assert r.status_code == 200 and "Mã PIN đúng" in r.text


def _post_at_once(base: str, path: str, pin_values: list[str]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(pin_values))
    out: list[httpx.Response | None] = [None] * len(pin_values)

    def send(i: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as c:
            barrier.wait()
            out[i] = c.post(path, data={"pin": pin_values[i]})
    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(pin_values))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is not None for r in out)
    return [r for r in out if r is not None]


def test_pin_check_is_atomic_on_postgresql(pg_world) -> None:  # type: ignore[no-untyped-def]
    """The same right PIN sent eight times at the same moment is accepted once; wrong PINs
    sent at once are all counted (and lock the stamp at the limit, not past it)."""
    sw = make_lot(pg_world)
    (serial, pin), (other, other_pin) = _pin_stamps(sw, 2)
    with live_server(sw.w.client.app) as base:
        got = _post_at_once(base, _uri(sw, serial), [pin] * 8)
        wrong = _post_at_once(base, _uri(sw, other), [_wrong(other_pin)] * (pins.PIN_LIMIT + 3))
    assert sorted(r.status_code for r in got) == [200] * 8
    assert sum("Mã PIN đúng" in r.text for r in got) == 1
    assert sum("đã được dùng trước đó" in r.text for r in got) == 7
    with Session(sw.w.engine) as s:
        st = s.exec(select(Stamp).where(Stamp.serial == other)).one()
        assert st.pin_failures == pins.PIN_LIMIT and st.pin_locked_at is not None
    codes = sorted(r.status_code for r in wrong)
    assert codes == [422] * (pins.PIN_LIMIT - 1) + [423] * 4
