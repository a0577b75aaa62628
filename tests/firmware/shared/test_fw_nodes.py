"""Both node roles end to end with fake hardware and a fake broker."""
import json

try:
    from firmware.app.sensor_node import SensorNode
    from firmware.app.valve_node import ValveNode
except ImportError:
    from app.sensor_node import SensorNode
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


def _seqs(tr):
    out = []
    for p in tr.on("telemetry"):
        d = json.loads(p)
        out += [r["seq"] for r in d["batch"]] if "batch" in d else [d["seq"]]
    return out


def _sensor(root, clock, net, tr, rtc):
    return SensorNode("dev1", root, clock, net, tr, rtc, FakeProbe(36500), FakeTherm(22.0), FakeBattery(3900),
                      seg_bytes=1024, max_segs=4)


def test_sensor_node_store_and_forward_across_outage_and_reboot():
    root = tmpdir()
    clock = FakeClock(utc_at_zero=T0, ntp_ok=False)
    net, tr, rtc = FakeNet(up=False), FakeTransport(), FakeRtc()
    for _ in range(30):  # Wi-Fi down: 30 wakes, all readings buffered, no time yet
        node = _sensor(root, clock, net, tr, rtc)
        clock.sleep_ms(node.cycle())
    assert tr.published == [] and node.buf.pending() == 30
    # power cut: RTC memory lost, flash kept; then the network comes back
    rtc.data = b""
    net.up = True
    clock.ntp_ok = True
    tr.fail_publish_after = 3  # online status + 2 telemetry batches, then PUBACKs stop
    node = _sensor(root, clock, net, tr, rtc)
    node.cycle()
    first = _seqs(tr)
    assert first and first == list(range(1, len(first) + 1))
    assert node.buf.pending() == 31 - len(first)  # acked ones left the buffer
    tr.published = []
    tr.fail_publish_after = -1
    tr.reachable = True
    node = _sensor(root, clock, net, tr, rtc)
    clock.advance(900)
    node.cycle()
    again = _seqs(tr)
    assert again == list(range(len(first) + 1, 33))  # unacked ones again, oldest first, no gaps
    assert node.buf.pending() == 0
    recs = []
    for p in tr.on("telemetry"):
        d = json.loads(p)
        recs += d["batch"] if "batch" in d else [d]
    assert recs[-1]["t"] is not None  # this boot's readings got their UTC once time was known
    assert all(r["t"] is None and "up" in r for r in recs if r["seq"] <= 30)  # earlier boot: uptime
    st = json.loads(tr.retained["nongso/v1/dev1/status"])
    assert st["state"] == "sleep" and st["pend"] == 0
    assert tr.will == ("nongso/v1/dev1/status", b'{"v":1,"state":"offline"}')


def test_sensor_node_uploads_every_n_and_applies_config():
    root = tmpdir()
    clock = FakeClock(utc_at_zero=T0)
    net, tr, rtc = FakeNet(), FakeTransport(), FakeRtc()
    tr.incoming = [("nongso/v1/dev1/config", b'{"v":1,"rev":5,"interval_s":600,"upload_every":3}')]
    node = _sensor(root, clock, net, tr, rtc)
    assert node.cycle() <= 600000  # cold boot uploads at once and takes the config
    assert json.loads(tr.on("ack")[0]) == {"v": 1, "cfg": 5, "res": "applied"}
    connects = tr.connects
    for _i in range(3):
        node = _sensor(root, clock, net, tr, rtc)
        clock.sleep_ms(node.cycle())
    assert tr.connects == connects + 1  # woke 3 times, connected once
    assert _seqs(tr) == [1, 2, 3, 4]
    assert node.awake_ms < 1000


def _valve(root, clock, tr, net=None, flow=None, valve=None):
    return ValveNode("v1", root, clock, net or FakeNet(), tr, valve or FakeValve(), flow or FakeFlow(),
                     FakePower(), FakeProbe(36500))


def test_valve_node_lease_via_broker_with_acks_and_events():
    root = tmpdir()
    clock = FakeClock(utc_at_zero=T0)
    tr, valve, flow = FakeTransport(), FakeValve(), FakeFlow()
    node = _valve(root, clock, tr, valve=valve, flow=flow)
    node.step()
    assert "nongso/v1/v1/cmd" in tr.subs and "nongso/v1/v1/config" in tr.subs
    tr.incoming = [("nongso/v1/v1/cmd", b'{"v":1,"id":40,"op":"open","dur_s":120}')]
    node.step()
    assert valve.state
    assert json.loads(tr.on("ack")[-1]) == {"v": 1, "id": 40, "res": "accepted", "dur_s": 120}
    assert json.loads(tr.retained["nongso/v1/v1/status"])["vs"] == 1  # reported at once
    ev = [json.loads(p) for p in tr.on("telemetry")]
    assert ev[-1]["ev"] == "open" and ev[-1]["cmd"] == 40
    for _ in range(125):
        clock.advance(1)
        flow.pulses += 45
        node.step()
    assert not valve.state
    done = json.loads(tr.on("ack")[-1])
    assert done["res"] == "done" and done["why"] == "lease_end" and 11.9 < done["l"] < 12.1
    # replay after a reboot: the id cursor was persisted
    node = _valve(root, clock, tr, valve=valve, flow=flow)
    tr.incoming = [("nongso/v1/v1/cmd", b'{"v":1,"id":40,"op":"open","dur_s":120}')]
    node.step()
    node.step()
    assert not valve.state
    assert json.loads(tr.on("ack")[-1])["reason"] == "duplicate"


def test_valve_node_applies_config_and_a_fallback_run_has_no_lease():
    """Config acked ``applied``; a local fallback run reports ``vs`` 1 with ``lease`` null
    (lease ids are 1 or more: the server refuses 0 as ``range:lease``)."""
    root = tmpdir()
    clock = FakeClock(utc_at_zero=T0)
    tr, valve = FakeTransport(), FakeValve()
    node = _valve(root, clock, tr, valve=valve)
    tr.incoming = [("nongso/v1/v1/config",
                    b'{"v":1,"rev":3,"interval_s":10,"fallback_s":600,"thr":{"on":60,"off":80}}')]
    node.step()
    assert json.loads(tr.on("ack")[0]) == {"v": 1, "cfg": 3, "res": "applied"}
    for _ in range(700):
        clock.advance(1)
        node.step()
        if valve.state:
            break
    assert valve.state
    node.step()
    st = json.loads(tr.retained["nongso/v1/v1/status"])
    assert st["vs"] == 1 and st["lease"] is None and st["cfg"] == 3


def test_valve_node_closes_on_broker_loss_and_reports_later():
    root = tmpdir()
    clock = FakeClock(utc_at_zero=T0)
    tr, valve = FakeTransport(), FakeValve()
    node = _valve(root, clock, tr, valve=valve)
    tr.incoming = [("nongso/v1/v1/config", b'{"v":1,"rev":2,"grace_s":60}'),
                   ("nongso/v1/v1/cmd", b'{"v":1,"id":1,"op":"open","dur_s":3600}')]
    node.step()
    assert valve.state
    tr.reachable = False
    t_lost = clock.ms()
    while valve.state and clock.ms() - t_lost < 200000:
        clock.advance(1)
        node.step()
    assert not valve.state and clock.ms() - t_lost <= 61000
    tr.reachable = True
    for _ in range(400):  # backoff has to run out first
        clock.advance(1)
        node.step()
    done = [json.loads(p) for p in tr.on("ack") if b'"done"' in p]
    assert done and done[-1]["why"] == "grace"  # the ack waited in the outbox
    assert node.buf.pending() == 0
    seqs = _seqs(tr)
    assert seqs == sorted(set(seqs)) or len(set(seqs)) == node.buf.next_seq - 1


def test_backoff_grows_with_jitter():
    try:
        from firmware.app.link import Link
    except ImportError:
        from app.link import Link
    clock = FakeClock()
    tr = FakeTransport()
    tr.reachable = False
    link = Link(tr, clock, "d", seed=7)
    delays = []
    for _ in range(12):
        clock.now = link.next_try
        assert not link.connect(b"{}")
        delays.append(link.next_try - clock.now)
    assert delays[0] < 1001 and delays[3] >= 4000
    assert max(delays) <= 300000 and delays[-1] >= 150000
    other = Link(tr, FakeClock(), "d", seed=8)
    other._fail()
    assert other.next_try != delays[0]


def test_link_pings_when_idle_so_the_broker_keeps_the_session():
    try:
        from firmware.app.link import Link
    except ImportError:
        from app.link import Link
    clock, tr = FakeClock(0, T0), FakeTransport()
    pings = []
    tr.ping = lambda: pings.append(clock.now)
    link = Link(tr, clock, "dev1")
    assert link.connect(b'{"v":1,"state":"online"}')
    for _ in range(200):  # 200 s of polling every second, nothing published
        clock.now += 1000
        assert link.poll()
    # one ping per 30 s of silence: the broker (keepalive 60 s) never drops the node
    assert len(pings) == 6, pings
    assert max(b - a for a, b in zip([0] + pings, pings)) <= 30000
    link.publish("telemetry", b"{}")
    n = len(pings)
    clock.now += 20000
    link.poll()
    assert len(pings) == n  # a publish counts as traffic
    tr.reachable = False
    clock.now += 40000
    assert not link.poll()  # a failed ping means the link is down
