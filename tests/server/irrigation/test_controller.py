"""Controller decisions on scripted soil curves (threshold with hysteresis, windows, daily cap,
rain skip, max run, ET mode) — commands checked in the database and on the publisher."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlmodel import Session

from server.irrigation import log as irrlog
from server.irrigation.controller import Controller
from server.irrigation.windows import in_windows, parse_windows
from server.models import DeviceRole, Zone
from tests.server.irrigation.conftest import Irr, utc

T0 = utc(2026, 11, 20, 0, 0)  # 07:00 in Vietnam, inside the default morning window


class Pub:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    def __call__(self, topic: str, payload: bytes) -> bool:
        self.sent.append((topic, json.loads(payload)))
        return True


def _setup(irr: Irr, **settings: object) -> tuple[Controller, Pub]:
    irr.add("c-s1")
    irr.add("c-v1", role=DeviceRole.valve)
    irr.state("c-v1", T0 - timedelta(minutes=1), vs=0)
    irr.settings(windows="", on_pct=40.0, off_pct=55.0, lease_s=600, **settings)
    pub = Pub()
    return Controller(irr.engine, pub, auto_valid_s=120), pub


def _cmds(irr: Irr) -> list[tuple]:
    return [tuple(r) for r in irr.rows("select cmd_id, op, status, trigger, dur_s from "
                                       "irrigation_commands order by id")]


def _accept_last(irr: Irr, at: datetime) -> None:
    cmd_id, op, *_ = _cmds(irr)[-1]
    irr.ack("c-v1", cmd_id, "accepted", at, **({"dur_s": 600} if op == "open" else {}))


def test_hysteresis_opens_below_lower_and_closes_at_upper(irr: Irr) -> None:
    ctl, pub = _setup(irr)
    series = [(0, 50.0), (1, 45.0), (2, 39.5), (3, 42.0), (4, 50.0), (5, 54.9), (6, 55.2),
              (7, 50.0), (8, 41.0), (9, 39.0)]
    actions = []
    for minute, m in series:
        now = T0 + timedelta(minutes=minute)
        irr.state("c-s1", now, m=m)
        irr.state("c-v1", now)
        before = len(_cmds(irr))
        ctl.step(now)
        new = _cmds(irr)[before:]
        actions.append((m, [c[1] for c in new]))
        if new:
            _accept_last(irr, now + timedelta(seconds=1))
    assert actions == [(50.0, []), (45.0, []), (39.5, ["open"]), (42.0, []), (50.0, []),
                       (54.9, []), (55.2, ["close"]), (50.0, []), (41.0, []), (39.0, ["open"])]
    ids = [p["id"] for _t, p in pub.sent]
    assert ids == sorted(set(ids)) and len(ids) == 3
    assert pub.sent[0] == ("nongso/v1/c-v1/cmd", {"v": 1, "id": 1, "op": "open", "dur_s": 600,
                                                   "exp": int((T0 + timedelta(minutes=4)).timestamp())})
    assert pub.sent[1][1]["op"] == "close"
    assert all(c[3] == "auto" for c in _cmds(irr))


def test_lease_is_extended_while_below_upper_but_never_past_max_run(irr: Irr) -> None:
    ctl, _pub = _setup(irr, max_run_s=900)
    irr.state("c-s1", T0, m=35.0)
    ctl.step(T0)
    _accept_last(irr, T0)
    ctl.step(T0)  # accepted: the run is logged
    for minute in range(1, 30):
        now = T0 + timedelta(minutes=minute)
        irr.state("c-s1", now, m=45.0)
        before = len(_cmds(irr))
        ctl.step(now)
        if len(_cmds(irr)) > before:
            _accept_last(irr, now)
    opens = [c for c in _cmds(irr) if c[1] == "open"]
    # first lease 600 s; with < 200 s left it is extended, each time only up to the 900 s
    # max run (420 s + 480 s, then 840 s + 60 s); after that, nothing more
    assert [c[4] for c in opens] == [600, 480, 60]


def test_time_window_respected(irr: Irr) -> None:
    ctl, _pub = _setup(irr)
    irr.settings(windows="05:00-09:30,16:00-16:35")
    noon = utc(2026, 11, 20, 5, 0)  # 12:00 local
    irr.state("c-s1", noon, m=30.0)
    irr.state("c-v1", noon)
    ctl.step(noon)
    assert _cmds(irr) == []
    assert ctl.decisions[-1]["why"] == "outside_window"
    evening = utc(2026, 11, 20, 9, 30)  # 16:30 local
    irr.state("c-s1", evening, m=30.0)
    irr.state("c-v1", evening)
    ctl.step(evening)
    assert [c[1] for c in _cmds(irr)] == ["open"]
    _accept_last(irr, evening)
    late = utc(2026, 11, 20, 9, 36)  # 16:36 local, lease still running: window over → close
    irr.state("c-s1", late, m=30.0)
    irr.state("c-v1", late)
    ctl.step(late)
    assert [c[1] for c in _cmds(irr)][-1] == "close"
    assert ctl.decisions[-1]["why"] == "window_closed"


def test_windows_parse_and_wrap_midnight() -> None:
    assert len(parse_windows("05:00-09:30, 16:00-18:30")) == 2
    assert in_windows("22:00-02:00", utc(2026, 1, 1, 16, 30))  # 23:30 local
    assert not in_windows("22:00-02:00", utc(2026, 1, 1, 20, 0))  # 03:00 local
    assert in_windows("", utc(2026, 1, 1, 5, 0))


def test_daily_litre_cap(irr: Irr) -> None:
    ctl, _pub = _setup(irr, max_litres_day=150.0, flow_lpm=20.0)
    irr.state("c-s1", T0, m=30.0)
    ctl.step(T0)
    # only 150 L left today at 20 L/min → 7.5 min, not the 10-minute lease
    assert _cmds(irr)[-1][1:] == ("open", "sent", "auto", 450)
    irr.ack("c-v1", 1, "accepted", T0, dur_s=450)
    ctl.step(T0)
    irr.ack("c-v1", 1, "done", T0 + timedelta(seconds=450), why="lease_end", run_s=450, l=150.0)
    later = T0 + timedelta(minutes=30)
    irr.state("c-s1", later, m=30.0)
    irr.state("c-v1", later)
    ctl.step(later)
    assert len(_cmds(irr)) == 1
    assert ctl.decisions[-1]["why"] == "daily_cap"
    with Session(irr.engine) as s:
        assert irrlog.litres_since(s, irr.ids["zones"]["carrot"], T0 - timedelta(hours=1)) == 150.0
    # the next local day has a fresh budget
    tomorrow = T0 + timedelta(days=1)
    irr.state("c-s1", tomorrow, m=30.0)
    irr.state("c-v1", tomorrow)
    ctl.step(tomorrow)
    assert _cmds(irr)[-1][1] == "open"


class Rain:
    def __init__(self, mm: float) -> None:
        self.mm = mm

    def rain_mm(self, zone: Zone, start: datetime, end: datetime) -> float | None:
        return self.mm if end > T0 else 0.0

    def et0_mm_day(self, zone: Zone, day: date) -> float | None:
        return 5.0


def test_rain_skip_with_a_forecast_source(irr: Irr) -> None:
    ctl, _pub = _setup(irr, rain_skip_mm=5.0)
    ctl.forecast = Rain(12.0)
    irr.state("c-s1", T0, m=30.0)
    ctl.step(T0)
    assert _cmds(irr) == [] and ctl.decisions[-1]["why"] == "rain"
    ctl.forecast = Rain(1.0)
    ctl.step(T0)
    assert [c[1] for c in _cmds(irr)] == ["open"]


def test_et_mode_waters_the_deficit(irr: Irr) -> None:
    ctl, _pub = _setup(irr, mode="et", kc=1.0, deficit_trigger_mm=10.0, flow_lpm=20.0,
                       max_run_s=3600)
    ctl.forecast = Rain(0.0)
    irr.state("c-s1", T0, m=50.0)
    ctl.step(T0)  # starts the deficit clock
    ctl.step(T0 + timedelta(days=1))  # 5 mm deficit: not yet
    assert _cmds(irr) == []
    assert abs(irr.get_settings().deficit_mm - 5.0) < 1e-6
    irr.state("c-v1", T0 + timedelta(days=2))
    ctl.step(T0 + timedelta(days=2))  # 10 mm over 1000 m² = 10,000 L → capped by max run
    cmds = _cmds(irr)
    assert [c[1] for c in cmds] == ["open"] and cmds[0][4] == 3600
    assert irr.get_settings().deficit_mm < 10.0


def test_device_fallback_runs_are_logged(irr: Irr) -> None:
    import sqlalchemy as sa

    ctl, _pub = _setup(irr)
    irr.settings(mode="off")
    dev = irr.devices["c-v1"]

    def event(seq: int, at: datetime, vs: int, fl: float, extra: str) -> None:
        with irr.engine.begin() as c:
            c.execute(sa.text("INSERT INTO readings (device_id, time, seq, zone_id, time_known, "
                              "received_at, vs, fl, extra) VALUES (:d, :t, :s, :z, 1, :t, :vs, "
                              ":fl, :x)"),
                      {"d": dev, "t": at.strftime("%Y-%m-%d %H:%M:%S.%f"), "s": seq,
                       "z": irr.ids["zones"]["carrot"], "vs": vs, "fl": fl, "x": extra})

    event(1, T0 + timedelta(seconds=1), 1, 50.0, '{"ev":"open","why":"fallback","cmd":null}')
    ctl.step(T0 + timedelta(seconds=2))
    log = irr.rows("select trigger, ended_at, device_id from irrigation_log")
    assert [(r.trigger, r.ended_at, r.device_id) for r in log] == [("fallback", None, dev)]
    event(2, T0 + timedelta(seconds=600), 1, 60.0, '{"cmd":null}')  # a plain reading
    event(3, T0 + timedelta(seconds=900), 0, 91.25,
          '{"ev":"close","why":"fallback_done","cmd":null}')
    ctl.step(T0 + timedelta(seconds=901))
    ctl.step(T0 + timedelta(seconds=902))  # nothing is logged twice
    log = irr.rows("select trigger, litres, why, ended_at from irrigation_log")
    assert len(log) == 1 and (log[0].trigger, log[0].litres, log[0].why) == (
        "fallback", 41.25, "fallback_done")
    # commanded runs' events (cmd set) are the lease path's business, not logged here
    event(4, T0 + timedelta(seconds=1000), 1, 91.25, '{"ev":"open","why":"cmd","cmd":7}')
    ctl.step(T0 + timedelta(seconds=1001))
    assert irr.scalar("select count(*) from irrigation_log") == 1


def test_reboot_ends_the_interrupted_lease(irr: Irr) -> None:
    ctl, _pub = _setup(irr)
    irr.settings(mode="off")
    irr.state("c-v1", T0, boot=4)
    ctl.step(T0)
    with Session(irr.engine) as s:
        from server.irrigation.commands import water_now

        water_now(s, irr.ids["zones"]["carrot"], 20, None, now=T0)
        s.commit()
    ctl.step(T0)
    irr.ack("c-v1", 1, "accepted", T0, dur_s=1200)
    ctl.step(T0 + timedelta(seconds=1))
    assert irr.scalar("select count(*) from irrigation_log where ended_at is null") == 1
    boot_at = T0 + timedelta(minutes=3)
    irr.state("c-v1", boot_at, boot=5, state_at=boot_at)
    ctl.step(boot_at + timedelta(seconds=1))
    assert irr.rows("select status, reason from irrigation_commands") == [("done", "reboot")]
    assert irr.rows("select why from irrigation_log where ended_at is not null") == [("reboot",)]


class Probe(Rain):
    """A forecast source that checks, on every call, that the controller holds no write
    transaction: another connection must be able to write at once."""

    def __init__(self, db: str) -> None:
        super().__init__(0.0)
        self.db, self.calls, self.locked = db, 0, 0

    def _probe(self) -> None:
        import sqlite3

        self.calls += 1
        try:
            with sqlite3.connect(self.db, timeout=0.2) as c:
                c.execute("UPDATE organisations SET name = name WHERE id = 1")
        except sqlite3.OperationalError:
            self.locked += 1

    def rain_mm(self, zone: Zone, start: datetime, end: datetime) -> float | None:
        self._probe()
        return super().rain_mm(zone, start, end)

    def et0_mm_day(self, zone: Zone, day: date) -> float | None:
        self._probe()
        return super().et0_mm_day(zone, day)


def test_forecast_is_asked_outside_write_transactions(irr: Irr) -> None:
    """Issue 15.1 (nothing slow inside a transaction in the controller): a slow weather
    source must not hold the database; here every call finds it free for writers."""
    ctl, _pub = _setup(irr, mode="et", deficit_trigger_mm=10.0)
    assert irr.engine.url.database is not None
    ctl.forecast = probe = Probe(irr.engine.url.database)
    irr.state("c-s1", T0, m=50.0)
    ctl.step(T0)
    ctl.step(T0 + timedelta(days=1))
    ctl.step(T0 + timedelta(days=3))  # the deficit is watered: leases are written too
    assert probe.calls >= 5 and probe.locked == 0
    assert [c[1] for c in _cmds(irr)] == ["open"]
