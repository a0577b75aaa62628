"""Issue 15.15: always-on nodes re-sync NTP periodically; a clock step moves buffered readings
only a little."""
import json

try:
    from firmware.app.forward import MAX_STEP_S, TimeBase
    from firmware.app.sensor_node import SensorNode
    from firmware.app.timesync import JITTER_MS, RESYNC_MS, RETRY_MS, Resync
    from firmware.app.valve_node import ValveNode
except ImportError:
    from app.forward import MAX_STEP_S, TimeBase
    from app.sensor_node import SensorNode
    from app.timesync import JITTER_MS, RESYNC_MS, RETRY_MS, Resync
    from app.valve_node import ValveNode
from fw_support import (
    FakeBattery,
    FakeClock,
    FakeFlow,
    FakeNet,
    FakePower,
    FakeProbe,
    FakeRtc,
    FakeTherm,
    FakeTransport,
    FakeValve,
    tmpdir,
)

T0 = 1760000000
HOUR_MS = 3600000


def _valve(root, clock, tr, seed=1):
    return ValveNode("v1", root, clock, FakeNet(), tr, FakeValve(), FakeFlow(), FakePower(), FakeProbe(36500),
                     seed=seed)


def _run(node, clock, ms, step_s=60):
    end = clock.ms() + ms
    while clock.ms() < end:
        clock.advance(step_s)
        node.step()


def _readings(tr):
    out = []
    for p in tr.on("telemetry"):
        d = json.loads(p)
        out += d["batch"] if "batch" in d else [d]
    return out


def test_valve_node_resyncs_ntp_periodically_with_jitter():
    gaps = []
    for seed in (1, 2):
        clock = FakeClock(utc_at_zero=T0)
        node = _valve(tmpdir(), clock, FakeTransport(), seed)
        node.step()
        _run(node, clock, 26 * HOUR_MS, 120)
        at = clock.sync_at
        assert at[0] == 0 and len(at) == 5, at  # at power-on, then every 6 h + jitter
        g = [at[i + 1] - at[i] for i in range(len(at) - 1)]
        for d in g:
            assert RESYNC_MS <= d <= RESYNC_MS + JITTER_MS + 120000, g
        gaps.append(g)
    assert gaps[0] != gaps[1]  # two devices do not ask the NTP server in step


def test_resync_retries_soon_after_a_failure():
    clock = FakeClock(utc_at_zero=T0, ntp_ok=False)
    r = Resync(clock, TimeBase(clock, 1))
    assert r.due(0) and not r.run(0)
    assert not r.due(RETRY_MS - 1) and r.due(RETRY_MS)
    clock.ntp_ok = True
    clock.now = RETRY_MS
    assert r.run(clock.now) and r.syncs == 1 and r.last_step == 0  # first sync: nothing to step
    assert not r.due(clock.now + RESYNC_MS - 1)


def test_resync_reports_the_clock_step():
    clock = FakeClock(utc_at_zero=T0)
    tb = TimeBase(clock, 1)
    r = Resync(clock, tb)
    r.run(0)
    clock.advance(3600)
    clock.err = 25  # the RTC ran 25 s fast
    r.run(clock.now)
    assert r.last_step == -25 and tb.steps == [(3600, T0 + 3625, -25)]
    clock.err = 1  # a second of rounding is no step
    clock.advance(5)
    r.run(clock.now)
    assert r.last_step == 0 and len(tb.steps) == 1


def _outage_then_resync(ntp_err, rtc_err):
    """Valve node online and synced; 2 h outage while its RTC is rtc_err s off; back online, NTP answers."""
    clock = FakeClock(utc_at_zero=T0)
    tr = FakeTransport()
    node = _valve(tmpdir(), clock, tr)
    node.step()
    _run(node, clock, 3 * HOUR_MS)  # the first 6 h re-sync is not due yet
    online = len(_readings(tr))
    tr.reachable = False
    clock.err = rtc_err
    _run(node, clock, 2 * HOUR_MS)
    buffered = node.buf.pending()
    assert buffered >= 8
    node.ntp.next_ms = 0  # the re-sync falls due during the outage
    clock.ntp_err = ntp_err
    tr.reachable = True
    _run(node, clock, 15 * 60000)
    assert node.buf.pending() == 0
    recs = _readings(tr)
    return clock, recs[online:online + buffered], recs[online + buffered:]


def test_resync_step_within_bound_corrects_buffered_readings():
    clock, old, new = _outage_then_resync(0, 40)  # drift: the RTC ran 40 s fast
    assert old and new
    # the node steps every 60 s of true time, so every true stamp is T0 + a multiple of 60;
    # the readings of the outage were stamped 40 s fast and must come back on the grid
    for r in old + new:
        assert r["t"] is not None and (r["t"] - T0) % 60 == 0, r
    assert old[-1]["t"] < new[0]["t"]
    assert len(clock.sync_at) == 2  # a drift-sized step: next sync in 6 h
    assert clock.utc() == T0 + clock.ms() // 1000


def test_resync_step_over_bound_sends_buffered_readings_time_unknown():
    clock, old, new = _outage_then_resync(0, 5 * 3600)  # the RTC was 5 h off: absurd step
    assert old and new
    for r in old:
        assert r["t"] is None and r["bt"] == 1 and r["up"] > 3 * 3600, r
    assert all(r["t"] is not None and "up" not in r for r in new)
    at = clock.sync_at
    assert len(at) == 3 and at[2] - at[1] == RETRY_MS  # an absurd step is checked again soon


def test_timebase_bounds_the_correction():
    clock = FakeClock(utc_at_zero=T0)
    clock.synced = True
    tb = TimeBase(clock, 7)
    tb.stepped(100, T0 + 130, -30)
    assert tb.fix(T0 + 120, 7, 90) == T0 + 90  # before the step: moved by it
    assert tb.fix(T0 + 130, 7, 100) == T0 + 100  # same second, old clock
    assert tb.fix(T0 + 101, 7, 100) == T0 + 101  # same second, new clock
    assert tb.fix(T0 + 200, 7, 200) == T0 + 200  # after the step: as stamped
    assert tb.fix(T0 + 120, 6, 90) == T0 + 120  # another power-on: untouched
    tb.stepped(300, T0 + 300, MAX_STEP_S + 31)
    assert tb.fix(T0 + 120, 7, 90) == 0  # -30 then +631: the sum is over the bound
    assert tb.fix(T0 + 250, 7, 250) == 0  # stepped too far: time unknown
    assert tb.fix(T0 + 400, 7, 400) == T0 + 400
    for i in range(4):
        tb.stepped(500 + i, T0 + 500 + i, 2)
    assert tb.floor == 300 and tb.fix(T0 + 250, 7, 250) == 0  # forgotten steps: unknown, not wrong
    tb.settle()
    assert tb.steps == [] and tb.fix(T0 + 250, 7, 250) == T0 + 250


def test_sensor_node_resyncs_ntp_every_6_hours_across_deep_sleep():
    root = tmpdir()
    clock = FakeClock(utc_at_zero=T0)
    tr, rtc = FakeTransport(), FakeRtc()
    for i in range(40):  # 10 h of 15-minute wakes, each one uploading
        if i == 4:
            clock.err = 50  # the RTC drifts while the node sleeps
        node = SensorNode("s1", root, clock, FakeNet(), tr, rtc, FakeProbe(36500), FakeTherm(22.0),
                          FakeBattery(3900))
        clock.sleep_ms(node.cycle())
    at = clock.sync_at
    assert len(at) == 2 and at[0] == 0 and 6 * HOUR_MS <= at[1] <= 6 * HOUR_MS + 900000, at
    ts = [r["t"] for r in _readings(tr)]
    k = at[1] // 900000  # the wake that re-synced: its reading was stamped 50 s fast
    assert ts[k] == T0 + at[1] // 1000  # ... and sent at its true time
    assert ts[k - 1] == T0 + (k - 1) * 900 + 50  # already sent before: not touched
    assert all((t - T0) % 900 == 0 for t in ts[k:])
    clock.ntp_ok = False  # due again, NTP unreachable: tried once an hour, not at every wake
    n = len(at)
    for _ in range(40):  # 10 h more
        node = SensorNode("s1", root, clock, FakeNet(), tr, rtc, FakeProbe(36500))
        clock.sleep_ms(node.cycle())
    tries = at[n:]  # the next is due 6 h after the last good one, then hourly: 12 h ... 19 h
    assert tries[0] == 2 * RESYNC_MS and len(tries) == 8, tries
    assert all(tries[i + 1] - tries[i] == HOUR_MS for i in range(len(tries) - 1))
