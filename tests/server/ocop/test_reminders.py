"""Reminders the running service sends by itself: once each, even with two processes and
after a restart; in-app, through the alert webhook outbox, and by e-mail to a real SMTP
server (tests/server/ocop/smtp_sink.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from server.models import Membership, Role, User
from server.models.irrigation import Alert, AlertWebhook, WebhookDelivery
from server.models.ocop import OcopCertificate, OcopNotification
from server.ocop_workflow.mailer import STALE_CLAIM, Mailer, is_email, mail_round
from server.ocop_workflow.reminders import ReminderScheduler, run_once
from tests.server.ocop.conftest import OcopWorld
from tests.server.ocop.smtp_sink import SmtpSink


def _wait(cond: Callable[[], bool], timeout_s: float = 20.0) -> None:
    end = time.monotonic() + timeout_s
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def _sent(ow: OcopWorld) -> tuple[list[str], int, int]:
    with Session(ow.w.engine) as s:
        keys = sorted(n.key for n in s.exec(select(OcopNotification)).all()
                      if ":expiry-" in n.key)
        hooks = len(s.exec(select(WebhookDelivery).where(
            WebhookDelivery.event == "ocop_reminder")).all())
        alerts = len(s.exec(select(Alert).where(Alert.kind == "ocop_reminder")).all())
    return keys, hooks, alerts


def test_expiry_reminder_fires_once_on_its_day_and_not_after_restart(pg_ow: OcopWorld) -> None:
    ow = pg_ow
    _, _, cert = ow.certified()
    with Session(ow.w.engine) as s:
        s.add(AlertWebhook(organisation_id=ow.w.orgs["lychee"], url="https://hook.example/x",
                           secret="s" * 32))
        s.commit()
        expires = s.get(OcopCertificate, cert["id"]).expires_on  # type: ignore[union-attr]
    day = [expires - timedelta(days=91)]
    # two server processes, each with its own scheduler, on the same database
    first = [ReminderScheduler(ow.w.engine, 0.02, lambda: day[0]) for _ in range(2)]
    for sched in first:
        sched.start()
    _wait(lambda: all(x.runs >= 2 for x in first))
    assert _sent(ow) == ([], 0, 0)  # the day before: nothing
    day[0] = expires - timedelta(days=90)
    seen = [x.runs for x in first]
    _wait(lambda: all(x.runs >= n + 3 for x, n in zip(first, seen, strict=True)))
    key = f"cert:{cert['id']}:expiry-90"
    assert _sent(ow) == ([key], 1, 1)  # one notification, one webhook delivery, one alert
    for sched in first:
        sched.stop()
    # restart: a new process on the same day sends nothing again
    again = ReminderScheduler(ow.w.engine, 0.02, lambda: day[0])
    again.start()
    _wait(lambda: again.runs >= 3)
    again.stop()
    assert _sent(ow) == ([key], 1, 1)
    with Session(ow.w.engine) as s:
        delivery = s.exec(select(WebhookDelivery)).one()
        assert delivery.status == "pending" and "giấy chứng nhận OCOP" in delivery.payload
    # 30 days before: the second reminder, once
    assert run_once(ow.w.engine, expires - timedelta(days=30)) == [f"cert:{cert['id']}:expiry-30"]
    assert run_once(ow.w.engine, expires - timedelta(days=29)) == []


def test_waiting_dossier_and_missing_scores_are_reminded_once(ow: OcopWorld) -> None:
    did = ow.dossier(ow.product())
    ow.to_council(did)
    assert ow.score(did, "ev1", 4).status_code == 200
    today = date.today()
    assert run_once(ow.w.engine, today + timedelta(days=6)) == []
    week = run_once(ow.w.engine, today + timedelta(days=7))
    assert [k.split(":")[3:5] for k in week] == [[today.strftime("%Y%m%d"), "scores"]]
    month = run_once(ow.w.engine, today + timedelta(days=30))
    assert [k.split(":")[4] for k in month] == ["wait"]
    assert run_once(ow.w.engine, today + timedelta(days=31)) == []
    with Session(ow.w.engine) as s:
        notes = s.exec(select(OcopNotification).where(
            OcopNotification.organisation_id == ow.w.orgs["hp"])).all()
        assert {n.kind for n in notes} == {"scores_missing", "dossier_waiting"}
        missing = next(n for n in notes if n.kind == "scores_missing")
        assert "còn 1 thành viên" in missing.message and "chưa nộp phiếu" in missing.message


def test_the_app_runs_the_scheduler_in_its_lifespan(ow: OcopWorld) -> None:
    with TestClient(ow.client.app) as client:
        sched = client.app.state.ocop_reminders  # type: ignore[attr-defined]
        _wait(lambda: sched.runs >= 1)
    assert sched._thread is None  # stopped with the app


def _email_admins(ow: OcopWorld) -> None:
    """Two co-op admins with e-mail logins, a farmer with one (not a recipient)."""
    org = ow.w.orgs["lychee"]
    with Session(ow.w.engine) as s:
        for login, role in (("chu.nhiem@htx-thanhha.vn", Role.coop_admin),
                            ("ke.toan@htx-thanhha.vn", Role.coop_admin),
                            ("nong.dan@htx-thanhha.vn", Role.farmer)):
            user = User(login=login, password_hash="x", full_name="Nguyễn Thị Hoà")
            s.add(user)
            s.flush()
            assert user.id is not None
            s.add(Membership(user_id=user.id, organisation_id=org, role=role))
        s.commit()


def _mailer(ow: OcopWorld, port: int) -> Mailer:
    settings = ow.client.app.state.settings.model_copy(update={  # type: ignore[attr-defined]
        "smtp_url": f"smtp://127.0.0.1:{port}", "smtp_from": "nhac-viec@nongso.vn"})
    mailer = Mailer.from_settings(settings)
    assert mailer is not None
    return mailer


def test_reminder_is_emailed_once_to_each_admin_and_not_after_restart(
        pg_ow: OcopWorld) -> None:
    """A real SMTP server in the test; its first DATA is refused (451): that recipient is
    retried in a later round, the other is not mailed twice; two processes, one restart."""
    ow = pg_ow
    _email_admins(ow)
    _, _, cert = ow.certified()
    with Session(ow.w.engine) as s:
        expires = s.get(OcopCertificate, cert["id"]).expires_on  # type: ignore[union-attr]
    day = expires - timedelta(days=90)
    sink = SmtpSink(fail_next=1).start()
    try:
        mailer = _mailer(ow, sink.port)
        first = [ReminderScheduler(ow.w.engine, 0.02, lambda: day, mailer) for _ in range(2)]
        for sched in first:
            sched.start()
        _wait(lambda: len(sink.received) >= 2 and all(x.runs >= 4 for x in first))
        for sched in first:
            sched.stop()
        assert sink.fail_next == 0  # the refusal happened
        assert sorted(r.rcpt_to[0] for r in sink.received) == [
            "chu.nhiem@htx-thanhha.vn", "ke.toan@htx-thanhha.vn"]
        msg = sink.received[0].message
        assert msg["Subject"] == "Nhắc việc OCOP: giấy chứng nhận sắp hết hạn (còn 90 ngày)"
        assert msg.get_content_charset() == "utf-8"
        body = msg.get_content()
        assert "Vải thiều Thanh Hà: giấy chứng nhận OCOP số" in body and "còn 90 ngày" in body
        assert sink.received[0].mail_from == "nhac-viec@nongso.vn"
        # restart: a new process mails nothing again
        again = ReminderScheduler(ow.w.engine, 0.02, lambda: day, mailer)
        again.start()
        _wait(lambda: again.runs >= 3)
        again.stop()
        assert len(sink.received) == 2
    finally:
        sink.stop()
    with Session(ow.w.engine) as s:
        receipts = s.exec(select(OcopNotification).where(
            OcopNotification.key.startswith("mail:"))).all()  # type: ignore[attr-defined]
        assert sorted(r.kind for r in receipts) == ["email_sent", "email_sent"]
        assert all(r.read_at is not None for r in receipts)
    # receipts are bookkeeping, not notifications: the in-app list shows the reminder only
    listed = ow.client.get("/api/v1/ocop/notifications", headers=ow.h("lychee_admin")).json()
    assert listed and not [n for n in listed if n["kind"].startswith("email_")]


def test_the_raw_subject_is_utf8_encoded_vietnamese(ow: OcopWorld) -> None:
    _email_admins(ow)
    sink = SmtpSink().start()
    try:
        mailer = _mailer(ow, sink.port)
        note = OcopNotification(key="k", organisation_id=ow.w.orgs["lychee"],
                                kind="scores_missing", message="Hồ sơ OCOP số 7: còn 1 thành "
                                "viên Hội đồng cấp tỉnh chưa nộp phiếu chấm điểm.",
                                due_on=date(2026, 3, 2))
        raw = mailer.message(note, "chu.nhiem@htx-thanhha.vn",
                             datetime(2026, 3, 2, 1, tzinfo=UTC)).as_bytes()
        assert b"Subject: =?utf-8?" in raw and "Nhắc việc".encode() not in raw.split(b"\n\n")[0]
        mailer.send(mailer.message(note, "chu.nhiem@htx-thanhha.vn", datetime.now(UTC)))
        got = sink.received[0].message
        assert got["Subject"] == "Nhắc việc OCOP: còn thành viên Hội đồng chưa chấm điểm"
        assert "chưa nộp phiếu chấm điểm" in got.get_content()
        assert "02/03/2026" in got.get_content()
    finally:
        sink.stop()


def test_mail_settings_and_recipients(ow: OcopWorld) -> None:
    settings = ow.client.app.state.settings  # type: ignore[attr-defined]
    assert Mailer.from_settings(settings.model_copy(update={"smtp_url": ""})) is None
    tls = Mailer.from_settings(settings.model_copy(update={
        "smtp_url": "smtps://nhac%40nongso.vn:m%E1%BA%ADt@mail.nongso.vn",
        "smtp_from": "nhac-viec@nongso.vn"}))
    assert tls is not None
    assert (tls.host, tls.port, tls.tls, tls.user, tls.password) == (
        "mail.nongso.vn", 465, True, "nhac@nongso.vn", "mật")
    for bad in ({"smtp_url": "http://x"}, {"smtp_url": "smtp://h", "smtp_from": "nobody"}):
        with pytest.raises(ValueError, match="NONGSO_SMTP"):
            Mailer.from_settings(settings.model_copy(update=bad))
    assert is_email("chu.nhiem@htx-thanhha.vn") and not is_email("lychee_admin")
    assert not is_email("0912345678") and not is_email("a@b") and not is_email("a b@c.vn")
    # Mail is off without SMTP, and a reminder with no e-mail recipient mails nobody.
    assert run_once(ow.w.engine, date.today()) == []
    sink = SmtpSink().start()
    try:
        assert mail_round(ow.w.engine, _mailer(ow, sink.port), date.today(),
                          datetime.now(UTC)) == []
    finally:
        sink.stop()


def test_a_claim_left_by_a_dead_sender_is_taken_over_a_live_one_is_not(ow: OcopWorld) -> None:
    _email_admins(ow)
    org, now = ow.w.orgs["lychee"], datetime.now(UTC)
    with Session(ow.w.engine) as s:
        note = OcopNotification(key="dossier:1:province:20260101:wait:1", organisation_id=org,
                                kind="dossier_waiting", message="Hồ sơ OCOP số 1 chờ.",
                                due_on=date.today(), created_at=now)
        s.add(note)
        s.flush()
        nid = note.id
        users = {u.login: u.id for u in s.exec(select(User)).all()}
        for login, age in (("chu.nhiem@htx-thanhha.vn", STALE_CLAIM + timedelta(minutes=1)),
                           ("ke.toan@htx-thanhha.vn", timedelta(minutes=1))):
            s.add(OcopNotification(key=f"mail:{nid}:{users[login]}", organisation_id=org,
                                   kind="email_pending", message=login, due_on=date.today(),
                                   created_at=now - age, read_at=now))
        s.commit()
    sink = SmtpSink().start()
    try:
        sent = mail_round(ow.w.engine, _mailer(ow, sink.port), date.today(), now)
    finally:
        sink.stop()
    assert [r.rcpt_to for r in sink.received] == [["chu.nhiem@htx-thanhha.vn"]]
    assert sent == [f"mail:{nid}:{users['chu.nhiem@htx-thanhha.vn']}"]
