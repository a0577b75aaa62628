"""Certificates: expiry, validity in the catalogue and for stamps, revocation, reminders."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, col, select

from ocop.scoring import certificate_expiry, reminder_dates
from server.models.ocop import OcopCertificate, OcopNotification
from server.ocop_workflow.catalogue import catalogue, current_stars
from server.ocop_workflow.certs import due_reminders
from tests.server.ocop.conftest import CARROT_GTIN, LYCHEE_GTIN, OcopWorld


def _set_dates(ow: OcopWorld, cert_id: int, issued: date) -> OcopCertificate:
    with Session(ow.w.engine, expire_on_commit=False) as s:
        cert = s.get(OcopCertificate, cert_id)
        assert cert is not None
        cert.issued_on, cert.expires_on = issued, certificate_expiry(issued)
        s.add(cert)
        s.commit()
        return cert


def test_certificate_expiry_is_36_months_and_catalogue_shows_valid_stars(ow: OcopWorld) -> None:
    pid, _, cert = ow.certified(stars=4)
    today = date.today()
    assert cert["issued_on"] == today.isoformat()
    assert cert["expires_on"] == certificate_expiry(today).isoformat()
    r = ow.client.get("/api/v1/ocop/catalogue")  # anonymous
    assert r.status_code == 200
    assert [(e["product_id"], e["stars"], e["gtin"]) for e in r.json()] == [
        (pid, 4, "0" + LYCHEE_GTIN)]
    with Session(ow.w.engine) as s:
        assert current_stars(s, LYCHEE_GTIN, today) == 4
        assert current_stars(s, "0" + LYCHEE_GTIN, today) == 4  # GTIN-14 form
        assert current_stars(s, CARROT_GTIN, today) is None  # no OCOP product
        assert current_stars(s, "8930000000010", today) is None  # bad check digit
        assert current_stars(s, LYCHEE_GTIN, today - timedelta(days=1)) is None  # not yet
    # filters
    for query, n in (("stars=4", 1), ("stars=5", 0), ("group=food", 1),
                     ("group=beverages", 0), ("commune=10741", 1), ("commune=10573", 0)):
        assert len(ow.client.get(f"/api/v1/ocop/catalogue?{query}").json()) == n, query
    assert ow.client.get("/api/v1/ocop/catalogue?stars=9").status_code == 422
    assert ow.client.get("/api/v1/ocop/catalogue?group=x").status_code == 422


def test_expired_certificate_removes_the_stars(ow: OcopWorld) -> None:
    _, _, cert = ow.certified(stars=4)
    issued = date(2022, 1, 15)
    c = _set_dates(ow, cert["id"], issued)
    assert c.expires_on == date(2025, 1, 15)
    assert ow.client.get("/api/v1/ocop/catalogue").json() == []
    with Session(ow.w.engine) as s:
        assert current_stars(s, LYCHEE_GTIN, date(2025, 1, 15)) == 4  # last valid day
        assert current_stars(s, LYCHEE_GTIN, date(2025, 1, 16)) is None
        assert current_stars(s, LYCHEE_GTIN, date.today()) is None
        assert [e.stars for e in catalogue(s, date(2024, 6, 1))] == [4]
    r = ow.client.get(f"/catalogue/{c.product_id}", headers={"accept": "text/html"})
    assert r.status_code == 404 and "không còn giấy chứng nhận" in r.text
    page = ow.client.get("/ocop").text
    assert "Vải thiều Thanh Hà" not in page


def test_revoked_certificate_removes_the_stars(ow: OcopWorld) -> None:
    pid, _, cert = ow.certified(stars=4)
    url = f"/api/v1/ocop/certificates/{cert['id']}/revoke"
    assert ow.post(url, "lychee_admin", {"reason": "Tự thu hồi"}).status_code == 403
    assert ow.post(url, "ev_hn", {"reason": "Sai tỉnh"}).status_code == 404  # other province
    assert ow.post(url, "ev1", {"reason": ""}).status_code == 422
    with Session(ow.w.engine) as s:
        assert current_stars(s, LYCHEE_GTIN, date.today()) == 4
    r = ow.post(url, "ev1", {"reason": "Vi phạm an toàn thực phẩm"})
    assert r.status_code == 200 and r.json()["valid"] is False
    assert r.json()["revoked_reason"] == "Vi phạm an toàn thực phẩm"
    assert ow.post(url, "ev1", {"reason": "Lần nữa"}).status_code == 409
    assert ow.client.get("/api/v1/ocop/catalogue").json() == []
    with Session(ow.w.engine) as s:
        assert current_stars(s, LYCHEE_GTIN, date.today()) is None
        kinds = [n.kind for n in s.exec(select(OcopNotification)).all()]
        assert "certificate_revoked" in kinds
    assert ow.client.get(f"/catalogue/{pid}").status_code == 404


def test_reminders_90_and_30_days_before_expiry_fire_once(ow: OcopWorld) -> None:
    _, _, cert = ow.certified(stars=4)
    c = _set_dates(ow, cert["id"], date(2024, 2, 29))
    assert c.expires_on == date(2027, 2, 28)
    d90, d30 = reminder_dates(c.expires_on)

    def expiry_notes() -> list[str]:
        with Session(ow.w.engine) as s:
            return [n.kind for n in s.exec(select(OcopNotification)
                                           .order_by(col(OcopNotification.id))).all()
                    if n.kind.startswith("certificate_expiry")]

    with Session(ow.w.engine) as s:
        assert due_reminders(s, d90 - timedelta(days=1)) == []
        assert [n.kind for n in due_reminders(s, d90)] == ["certificate_expiry_90"]
        assert due_reminders(s, d90) == []  # idempotent
        assert due_reminders(s, d90 + timedelta(days=10)) == []
        assert [n.kind for n in due_reminders(s, d30)] == ["certificate_expiry_30"]
        assert due_reminders(s, d30 + timedelta(days=1)) == []
        assert due_reminders(s, c.expires_on + timedelta(days=1)) == []
    assert expiry_notes() == ["certificate_expiry_90", "certificate_expiry_30"]
    notes = ow.client.get("/api/v1/ocop/notifications", headers=ow.h("lychee_admin")).json()
    assert any("28/02/2027" in n["message"] for n in notes)
    assert ow.client.get("/api/v1/ocop/notifications", headers=ow.h("carrot_admin")).json() == []
    nid = notes[0]["id"]
    assert ow.post(f"/api/v1/ocop/notifications/{nid}/read", "carrot_admin").status_code == 404
    assert ow.post(f"/api/v1/ocop/notifications/{nid}/read", "lychee_admin").status_code == 204


def test_no_reminder_for_revoked_or_renewed_certificates(ow: OcopWorld) -> None:
    today = date.today()
    pid, _, cert = ow.certified(stars=4)
    with Session(ow.w.engine) as s:
        old = s.get(OcopCertificate, cert["id"])
        assert old is not None
        old.issued_on, old.expires_on = today - timedelta(days=1000), today + timedelta(days=60)
        s.add(old)
        s.commit()
    # renewal: re-evaluation of the same product gives a newer certificate
    did = ow.dossier(pid, stars=4)
    ow.to_council(did)
    ow.score(did, "ev1", 4)
    ow.score(did, "ev2", 4)
    ow.post(f"/api/v1/ocop/dossiers/{did}/close", "ev2")
    new = ow.post(f"/api/v1/ocop/dossiers/{did}/certify", "ev2", {}).json()
    assert new["stars"] == 4 and new["id"] != cert["id"]
    with Session(ow.w.engine) as s:
        assert due_reminders(s, today + timedelta(days=30)) == []  # the old one is superseded
        assert current_stars(s, LYCHEE_GTIN, today + timedelta(days=61)) == 4
    # revoked: no reminder; a missed run catches up with the latest reminder only
    _, _, c2 = ow.certified("carrot", 3, CARROT_GTIN, "Cà rốt Đức Chính")
    _, _, c3 = ow.certified("carrot", 3, None, "Cà rốt baby")
    for c in (c2, c3):
        _set_dates(ow, c["id"], date(2024, 1, 10))
    ow.post(f"/api/v1/ocop/certificates/{c3['id']}/revoke", "ev1", {"reason": "Ngừng sản xuất"})
    _, d30 = reminder_dates(date(2027, 1, 10))
    with Session(ow.w.engine) as s:
        got = due_reminders(s, d30 + timedelta(days=3))
        assert [(n.kind, n.certificate_id) for n in got] == [("certificate_expiry_30", c2["id"])]


def test_workflow_catalogue_and_revocation_on_postgresql(pg_ow: OcopWorld) -> None:
    ow = pg_ow
    pid, did, cert = ow.certified(stars=4)
    assert [e["product_id"] for e in ow.client.get("/api/v1/ocop/catalogue").json()] == [pid]
    with Session(ow.w.engine) as s:
        assert current_stars(s, LYCHEE_GTIN, date.today()) == 4
    ow.post(f"/api/v1/ocop/certificates/{cert['id']}/revoke", "ev1", {"reason": "Thu hồi"})
    assert ow.client.get("/api/v1/ocop/catalogue").json() == []
    with Session(ow.w.engine) as s:
        assert current_stars(s, LYCHEE_GTIN, date.today()) is None
        assert due_reminders(s, date.today()) == []
