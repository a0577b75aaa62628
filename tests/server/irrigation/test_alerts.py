"""Alerts: each condition opens once, is not duplicated while it lasts, resolves when it
ends; delivery to a signed webhook (through the outbox and its sender) checked by a tiny
local HTTP receiver (``hook_server``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from server.irrigation import alerts
from server.irrigation.commands import water_now
from server.irrigation.outbox import WebhookSender
from server.models import DeviceRole
from server.models.irrigation import Alert, AlertWebhook
from tests.server.irrigation.conftest import HookServer, Irr, utc

T0 = utc(2026, 11, 20, 0, 0)


def _eval(irr: Irr, now: datetime) -> list[Alert]:
    with Session(irr.engine) as s:
        alerts.evaluate(s, now, alerts.Notifier.from_db(s))
        s.commit()
        rows = list(s.exec(select(Alert).order_by(Alert.id)).all())
        for r in rows:
            s.expunge(r)
        return rows


def _reading(irr: Irr, uid: str, seq: int, at: datetime, **values: Any) -> None:
    cols = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    with irr.engine.begin() as c:
        import sqlalchemy as sa

        c.execute(sa.text(f"INSERT INTO readings (device_id, time, seq, zone_id, time_known, "
                          f"received_at, {cols}) VALUES (:d, :t, :s, :z, 1, :t, {marks})"),
                  {"d": irr.devices[uid], "t": at.strftime("%Y-%m-%d %H:%M:%S.%f"), "s": seq,
                   "z": irr.ids["zones"]["carrot"], **values})


def _by_kind(rows: list[Alert], kind: str) -> list[Alert]:
    return [a for a in rows if a.kind == kind]


def test_each_condition_opens_once_and_resolves(irr: Irr, hook_server: Any) -> None:
    receiver: HookServer = hook_server()
    irr.add("c-s1")
    irr.add("c-v1", role=DeviceRole.valve)
    irr.settings(dry_alert_pct=30.0, on_pct=40.0, off_pct=55.0, wet_alert_pct=80.0, mode="off")
    with Session(irr.engine) as s:
        s.add(AlertWebhook(organisation_id=irr.ids["orgs"]["carrot"], url=receiver.url,
                           secret=receiver.secret))
        s.commit()
    now = T0
    # too dry + low battery + buffer drops on the sensor; valve offline
    irr.state("c-s1", now, m=22.0, bat=3300, dropped=5, next_s=600)
    irr.state("c-v1", now, state="offline")
    for _ in range(3):
        rows = _eval(irr, now)
    kinds = sorted(a.kind for a in rows)
    assert kinds == ["battery_low", "device_offline", "drops", "too_dry"]
    dry = _by_kind(rows, "too_dry")[0]
    assert dry.message == "Đất khu Zone carrot quá khô (22 %) — tưới ngay hoặc kiểm tra van và lịch tưới"
    assert _by_kind(rows, "device_offline")[0].message == \
        "Thiết bị c-v1 (khu Zone carrot) mất kết nối — kiểm tra nguồn điện và Wi-Fi của thiết bị"
    # acknowledged alerts are still the same alert while the condition lasts
    with Session(irr.engine) as s:
        alerts.acknowledge(s, dry.id, irr.ids["users"]["carrot_farmer"], now)  # type: ignore[arg-type]
        s.commit()
    now += timedelta(minutes=5)
    irr.state("c-s1", now, m=21.0, bat=3310, dropped=8, next_s=600)
    rows = _eval(irr, now)
    assert len(rows) == 4 and _by_kind(rows, "too_dry")[0].state == "acknowledged"
    assert _by_kind(rows, "drops")[0].value == 8
    # conditions end: wet now, battery swapped, valve back
    now += timedelta(minutes=5)
    irr.state("c-s1", now, m=90.0, bat=3950, dropped=8, next_s=600)
    irr.state("c-v1", now, state="online")
    rows = _eval(irr, now)
    states = {a.kind: a.state for a in rows}
    assert states == {"too_dry": "resolved", "battery_low": "resolved",
                      "device_offline": "resolved", "drops": "open", "too_wet": "open"}
    # the sensor goes silent for more than 3 intervals (its moisture is then stale too)
    now += timedelta(seconds=3 * 600 + 61)
    irr.state("c-v1", now)
    rows = _eval(irr, now)
    assert [a.state for a in _by_kind(rows, "sensor_silent")] == ["open"]
    assert _by_kind(rows, "too_wet")[0].state == "resolved"
    now += timedelta(minutes=1)
    irr.state("c-s1", now, m=50.0)
    rows = _eval(irr, now)
    assert [a.state for a in _by_kind(rows, "sensor_silent")] == ["resolved"]
    # drops resolve after a quiet day; the same counter does not reopen, a larger one does
    now += timedelta(days=1, minutes=1)
    irr.state("c-s1", now, m=50.0)
    irr.state("c-v1", now)
    rows = _eval(irr, now)
    assert [a.state for a in _by_kind(rows, "drops")] == ["resolved"]
    rows = _eval(irr, now)
    assert len(_by_kind(rows, "drops")) == 1
    irr.state("c-s1", now, dropped=9)
    rows = _eval(irr, now)
    assert [a.state for a in _by_kind(rows, "drops")] == ["resolved", "open"]
    # every open and resolve was queued in the outbox; the sender sends them, correctly signed
    assert receiver.got == []
    assert WebhookSender(irr.engine, allow_private=True, batch=1000).run_once() > 0
    assert receiver.got and all(g["ok"] for g in receiver.got)
    events = [(g["json"]["event"], g["json"]["alert"]["kind"]) for g in receiver.got]
    assert events.count(("opened", "too_dry")) == 1 and ("resolved", "too_dry") in events
    assert len(events) == sum(1 for a in rows) + sum(1 for a in rows if a.state == "resolved")
    with Session(irr.engine) as s:
        hook = s.exec(select(AlertWebhook)).one()
        assert hook.last_status == 204 and hook.last_error is None


def test_no_flow_and_flow_while_closed(irr: Irr) -> None:
    irr.add("c-v1", role=DeviceRole.valve)
    irr.settings(mode="off")
    irr.state("c-v1", T0, vs=0)
    with Session(irr.engine) as s:
        water_now(s, irr.ids["zones"]["carrot"], 10, None, now=T0)
        s.commit()
    irr.ack("c-v1", 1, "accepted", T0, dur_s=600)
    with Session(irr.engine) as s:
        from server.irrigation.leases import process_acks

        process_acks(s, 0, T0)
        s.commit()
    _reading(irr, "c-v1", 1, T0, vs=1, fl=100.0)
    _reading(irr, "c-v1", 2, T0 + timedelta(seconds=60), vs=1, fl=100.0)
    assert _eval(irr, T0 + timedelta(seconds=60)) == []  # not yet NO_FLOW_S
    _reading(irr, "c-v1", 3, T0 + timedelta(seconds=120), vs=1, fl=100.05)
    rows = _eval(irr, T0 + timedelta(seconds=120))
    assert [(a.kind, a.state) for a in rows] == [("no_flow", "open")]
    assert rows[0].message == ("Van khu Zone carrot mở nhưng không có nước chảy — "
                               "kiểm tra bộ lọc, máy bơm và nguồn nước")
    _eval(irr, T0 + timedelta(seconds=150))
    _reading(irr, "c-v1", 4, T0 + timedelta(seconds=180), vs=1, fl=112.0)
    rows = _eval(irr, T0 + timedelta(seconds=180))
    assert [(a.kind, a.state) for a in rows] == [("no_flow", "resolved")]
    # valve closed, yet the meter keeps counting: leak or stuck valve
    _reading(irr, "c-v1", 5, T0 + timedelta(seconds=700), vs=0, fl=130.0)
    _reading(irr, "c-v1", 6, T0 + timedelta(seconds=1000), vs=0, fl=133.5)
    rows = _eval(irr, T0 + timedelta(seconds=1000))
    assert [(a.kind, a.state) for a in rows][1:] == [("flow_closed", "open")]
    assert "3.5 lít" in rows[1].message
    _eval(irr, T0 + timedelta(seconds=1100))
    _reading(irr, "c-v1", 7, T0 + timedelta(seconds=1300), vs=0, fl=133.5)
    rows = _eval(irr, T0 + timedelta(seconds=1300))
    assert [(a.kind, a.state) for a in rows] == [("no_flow", "resolved"), ("flow_closed", "resolved")]


def test_webhook_failure_does_not_stop_evaluation(irr: Irr) -> None:
    irr.add("c-s1")
    irr.settings(dry_alert_pct=30.0)
    with Session(irr.engine) as s:
        s.add(AlertWebhook(organisation_id=irr.ids["orgs"]["carrot"],
                           url="http://127.0.0.1:9/nothing-listens", secret="x" * 20))
        s.commit()
    irr.state("c-s1", T0, m=10.0)
    rows = _eval(irr, T0)
    assert [a.kind for a in rows] == ["too_dry"]
    WebhookSender(irr.engine, allow_private=True).run_once(T0)
    with Session(irr.engine) as s:
        hook = s.exec(select(AlertWebhook)).one()
        assert hook.last_error == "connection failed" and hook.last_failure_at is not None
