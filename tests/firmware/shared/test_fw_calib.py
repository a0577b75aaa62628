"""Calibration and sensor maths (runs under CPython and real MicroPython)."""
try:
    from firmware.app import calib, config, sensors
    from firmware.app.errors import SensorError
except ImportError:  # MicroPython: files laid out as on the device
    from app import calib, config, sensors
    from app.errors import SensorError
from fw_support import FakeBattery, FakeProbe, FakeTherm, raises

DRY = 52000
WET = 21000


def test_percent_is_inverted_and_monotonic():
    prev = -1.0
    for raw in range(WET, DRY + 1, 250):  # wetter soil reads lower
        pct = calib.moisture_pct(DRY + WET - raw, DRY, WET)
        assert pct >= prev
        prev = pct
    assert calib.moisture_pct(DRY, DRY, WET) == 0.0
    assert calib.moisture_pct(WET, DRY, WET) == 100.0
    mid = calib.moisture_pct((DRY + WET) // 2, DRY, WET)
    assert 49.9 < mid < 50.1
    assert calib.moisture_pct(40000, DRY, WET) < calib.moisture_pct(30000, DRY, WET)


def test_clamps_just_outside_range():
    assert calib.moisture_pct(DRY + 2000, DRY, WET) == 0.0  # drier than dry air
    assert calib.moisture_pct(WET - 2000, DRY, WET) == 100.0  # wetter than water


def test_broken_probe_values_raise():
    for raw in (0, 65535, DRY + 9000, 1200):
        e = raises(SensorError, calib.moisture_pct, raw, DRY, WET)
        assert e.code == "range"
    e = raises(SensorError, calib.moisture_pct, 30000, WET, DRY)  # swapped calibration
    assert e.code == "uncal"


def test_median_rejects_spikes():
    buf = [30000, 30010, 65535, 29990, 0, 30005, 30002]
    assert calib.median(buf, 7) == 30002
    buf = [5, 1, 9, 3]
    assert calib.median(buf, 4) == 4


def test_vwc_fit_and_clamp():
    assert calib.vwc_pct(50.0, 0.5, 5.0) == 30.0
    assert calib.vwc_pct(100.0, 2.0, 0.0) == 100.0
    assert calib.vwc_pct(0.0, 1.0, -5.0) == 0.0


def test_temperature_error_values_rejected():
    assert calib.check_temp(24.5) == 24.5
    for bad in (85.0, -127.0, 125.0):
        raises(SensorError, calib.check_temp, bad)


def test_sampler_good_reading():
    cfg = config.defaults()
    probe = FakeProbe([36500, 36400, 64000, 36600, 36450, 36550, 36500])
    s = sensors.Sampler(probe, FakeTherm(21.5), FakeBattery(3912))
    frag = s.read(cfg)
    assert frag == b'"m":50,"raw":36500,"st":21.5,"bat":3912', frag
    assert s.moisture == 50.0


def test_sampler_broken_probe_reports_null_with_code():
    cfg = config.defaults()
    s = sensors.Sampler(FakeProbe(fail=True), FakeTherm(fail=True), FakeBattery(900))
    frag = s.read(cfg)
    assert frag == b'"m":null,"raw":null,"st":null,"bat":null,"err":{"bat":"range","m":"io","st":"io"}', frag
    assert s.moisture is None
    s = sensors.Sampler(FakeProbe(65535), None, None)
    frag = s.read(cfg)
    assert frag == b'"m":null,"raw":65535,"err":{"m":"range"}', frag


def test_sampler_noisy_probe_and_vwc():
    cfg = config.defaults()
    s = sensors.Sampler(FakeProbe([25000, 50000, 25000, 50000, 25000, 50000, 40000]))
    assert b'"err":{"m":"noisy"}' in s.read(cfg)
    cfg["vwc_a"] = 0.5
    cfg["vwc_b"] = 2.0
    s = sensors.Sampler(FakeProbe(36500))
    assert s.read(cfg) == b'"m":50,"raw":36500,"vwc":27'
