"""Valve leases: lease end, grace on link loss, max-run, replays, local fallback."""
import json

try:
    from firmware.app import config
    from firmware.app.lease import ValveCtl
except ImportError:
    from app import config
    from app.lease import ValveCtl
from fw_support import FakeClock, FakeFlow, FakeValve


def _ctl(**over):
    cfg = config.defaults()
    cfg.update(over)
    clock = FakeClock()
    valve = FakeValve()
    flow = FakeFlow()
    return ValveCtl(valve, flow, clock, cfg), clock, valve, flow


def _open(cid, dur, exp=0):
    return {"id": cid, "op": "open", "dur_s": dur, "exp": exp}


def _run(ctl, clock, seconds, link=True, step=1):
    acks = []
    for _ in range(int(seconds / step)):
        clock.advance(step)
        ctl.link(link)
        acks += ctl.tick()
    return acks


def test_lease_ends_by_itself_and_reports_litres():
    ctl, clock, valve, flow = _ctl()
    a = ctl.command(_open(5, 120), 0)
    assert [json.loads(x) for x in a] == [{"v": 1, "id": 5, "res": "accepted", "dur_s": 120}]
    assert valve.state
    flow.pulses = 900
    acks = _run(ctl, clock, 119)
    assert acks == [] and valve.state
    acks = _run(ctl, clock, 2)
    assert not valve.state
    d = json.loads(acks[0])
    assert d == {"v": 1, "id": 5, "res": "done", "why": "lease_end", "run_s": 120, "l": 2}
    assert ctl.event == ("close", "lease_end", 5)


def test_link_lost_mid_lease_closes_within_grace():
    ctl, clock, valve, flow = _ctl(grace_s=300)
    ctl.command(_open(1, 3600), 0)
    _run(ctl, clock, 100, link=True)
    assert valve.state
    acks = _run(ctl, clock, 299, link=False)
    assert valve.state  # still inside the grace
    acks = _run(ctl, clock, 2, link=False)
    assert not valve.state
    assert json.loads(acks[0])["why"] == "grace"
    assert clock.ms() <= (100 + 300 + 1) * 1000


def test_max_run_holds_even_if_commands_keep_extending():
    ctl, clock, valve, flow = _ctl(max_run_s=1800, rest_s=600)
    cid = 10
    closed_at = None
    for minute in range(60):
        cid += 1
        a = [json.loads(x) for x in ctl.command(_open(cid, 900), 0)]
        if closed_at is None:
            assert a[-1]["res"] == "accepted"
        acks = _run(ctl, clock, 60, step=5)
        if not valve.state and closed_at is None:
            closed_at = clock.ms() // 1000
            assert json.loads(acks[-1])["why"] == "max_run"
        if closed_at is not None and minute * 60 < closed_at + 500:
            assert not valve.state
    assert closed_at is not None and closed_at <= 1800
    # the clip is announced when a lease would pass max-run
    ctl2, clock2, _, _ = _ctl(max_run_s=600)
    ctl2.command(_open(1, 300), 0)
    clock2.advance(200)
    a = json.loads(ctl2.command(_open(2, 900), 0)[-1])
    assert a == {"v": 1, "id": 2, "res": "accepted", "dur_s": 400, "clip": "max_run"}


def test_cooldown_after_max_run():
    ctl, clock, valve, flow = _ctl(max_run_s=600, rest_s=600)
    ctl.command(_open(1, 600), 0)
    _run(ctl, clock, 601)
    assert not valve.state
    a = json.loads(ctl.command(_open(2, 60), 0)[0])
    assert a["res"] == "rejected" and a["reason"] == "cooldown" and not valve.state
    clock.advance(600)
    assert json.loads(ctl.command(_open(3, 60), 0)[0])["res"] == "accepted"


def test_replayed_or_stale_command_id_does_nothing():
    ctl, clock, valve, flow = _ctl()
    ctl.command(_open(7, 60), 0)
    _run(ctl, clock, 61)
    assert valve.history == [True, False]
    for cid in (7, 3):
        a = json.loads(ctl.command(_open(cid, 600), 0)[0])
        assert a["res"] == "rejected" and a["reason"] == ("duplicate" if cid == 7 else "stale")
    assert valve.history == [True, False] and ctl.last_id == 7
    a = json.loads(ctl.command({"id": 7, "op": "close", "dur_s": 0, "exp": 0}, 0)[0])
    assert a["reason"] == "duplicate"


def test_expired_command_rejected():
    ctl, clock, valve, flow = _ctl()
    a = json.loads(ctl.command(_open(1, 60, exp=1000), 2000)[0])
    assert a["reason"] == "expired" and not valve.state


def test_close_command_and_supersede():
    ctl, clock, valve, flow = _ctl()
    ctl.command(_open(1, 600), 0)
    clock.advance(30)
    flow.pulses = 450
    a = [json.loads(x) for x in ctl.command(_open(2, 600), 0)]
    assert a[0] == {"v": 1, "id": 1, "res": "done", "why": "superseded", "run_s": 30, "l": 1}
    assert a[1]["res"] == "accepted"
    clock.advance(10)
    a = [json.loads(x) for x in ctl.command({"id": 3, "op": "close", "dur_s": 0, "exp": 0}, 0)]
    assert a[0]["id"] == 2 and a[0]["why"] == "cmd" and a[0]["run_s"] == 10
    assert a[1] == {"v": 1, "id": 3, "res": "accepted"}
    assert not valve.state


def test_local_fallback_hysteresis_and_max_run():
    ctl, clock, valve, flow = _ctl(fallback_s=3600, thr_on=30.0, thr_off=50.0, max_run_s=900)
    assert ctl.fallback(20.0) == [] and not valve.state  # commands are recent
    clock.advance(3600)
    ctl.fallback(35.0)
    assert not valve.state  # between thresholds: no start
    ctl.fallback(25.0)
    assert valve.state and ctl.event == ("open", "fallback", 0)
    clock.advance(60)
    ctl.fallback(45.0)
    assert valve.state  # hysteresis: keeps going until thr_off
    ctl.fallback(51.0)
    assert not valve.state and ctl.event[1] == "fallback_done"
    ctl.fallback(10.0)
    assert valve.state
    _run(ctl, clock, 901, link=False)  # link loss does not stop a local run, max-run does
    assert not valve.state and ctl.event[1] == "max_run"
    ctl.fallback(10.0)
    assert not valve.state  # resting
    ctl.fallback(None)
    assert not valve.state


def test_fallback_never_waters_on_broken_sensor():
    ctl, clock, valve, flow = _ctl(fallback_s=600)
    clock.advance(7200)
    ctl.fallback(None)
    assert not valve.state
