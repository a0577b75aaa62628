"""Reminders the running service sends by itself: once each, even with two processes and
after a restart; in-app and through the alert webhook outbox."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from server.models.irrigation import Alert, AlertWebhook, WebhookDelivery
from server.models.ocop import OcopCertificate, OcopNotification
from server.ocop_workflow.reminders import ReminderScheduler, run_once
from tests.server.ocop.conftest import OcopWorld


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
