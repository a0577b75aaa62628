"""The soil water model (FAO-56 style) and the probe seen through the firmware's calibration."""

from __future__ import annotations

import calendar
import random

import pytest

from firmware.app import config as fw_config
from firmware.app.sensors import Sampler
from simulators.soil import CROPS, ProbeModel, SoilZone, Weather

# 10 Nov 2025 00:00 local (UTC+7): carrots in mid-season, lychee in the autumn flush
NOV_10 = calendar.timegm((2025, 11, 9, 17, 0, 0))
DAY = 86400.0


def _zone(crop: str, seed: int = 3, rain: bool = False) -> SoilZone:
    return SoilZone(CROPS[crop], Weather(seed, "f1", rain=rain), 1000.0, NOV_10)


@pytest.mark.parametrize("crop", ["carrot", "lychee"])
def test_dries_without_water_at_kc_times_et0(crop: str) -> None:
    z = _zone(crop)
    depth = z.depth_mm
    s0 = z.storage_mm()
    z.advance(NOV_10 + DAY)
    lost = s0 - z.storage_mm()
    # at field capacity there is no stress (Ks = 1) and no drainage: loss = Kc × ET0 of the day
    expected = z.kc(NOV_10 + DAY / 2) * z.weather.day(NOV_10 + DAY / 2).et0
    assert lost == pytest.approx(expected, rel=0.01)
    assert z.totals["et"] == pytest.approx(lost, rel=1e-9)
    # November ET0 in the delta is ~2.7 mm/d; Kc 0.6 (lychee) to 1.05 (carrot)
    assert 1.2 < lost < 3.5
    # nothing happens at night: 18:00 to 06:00 local loses no water
    z2 = _zone(crop)
    z2.advance(NOV_10 - 6 * 3600)
    before = z2.storage_mm()
    z2.t = NOV_10 - 6 * 3600
    z2.advance(NOV_10 + 6 * 3600)
    assert z2.storage_mm() == pytest.approx(before)
    # ten weeks without water: drier every day, and drying slows once the crop is stressed
    # (past RAW = p × TAW: 16 mm for carrot, 51 mm for lychee)
    z3 = _zone(crop)
    thetas = [z3.advance(NOV_10 + d * DAY) for d in range(0, 70)]
    assert all(b < a for a, b in zip(thetas, thetas[1:]))
    first, last = thetas[0] - thetas[5], thetas[-6] - thetas[-1]
    assert last < first * 0.6
    assert thetas[-1] > z3.soil.theta_wp * 0.5 - 1e-9
    assert abs(depth - CROPS[crop].root_depth_m * 1000) < 1e-9


def test_drip_wets_at_the_emitter_rate_and_drains_back() -> None:
    z = _zone("carrot")
    start = NOV_10 + 2 * 3600  # 02:00 local: no ET, so only irrigation and drainage act
    z.advance(start)
    z.theta = 0.20  # below field capacity: no drainage during the run
    s0 = z.storage_mm()
    lph = CROPS["carrot"].app_rate_mm_h() * z.area_m2
    z.set_irrigation(start, lph)
    z.advance(start + 3600)
    z.set_irrigation(start + 3600, 0)
    gained = z.storage_mm() - s0
    assert gained == pytest.approx(0.95 * CROPS["carrot"].app_rate_mm_h(), rel=0.01)  # 3.1 mm
    # over-water: above field capacity the excess drains with a 12 h time constant
    z.set_irrigation(start + 3600, 10 * lph)
    z.advance(start + 3 * 3600)
    z.set_irrigation(start + 3 * 3600, 0)
    peak = z.theta - z.soil.theta_fc
    assert peak > 0.05
    z.advance(start + 3 * 3600 + 12 * 3600)
    excess_12h = z.theta - z.soil.theta_fc
    assert 0.25 * peak < excess_12h < 0.45 * peak  # ~e^-1 left (minus some ET in the morning)
    assert z.totals["drainage"] > 0


def test_rain_is_seeded_and_reaches_the_soil() -> None:
    a = SoilZone(CROPS["lychee"], Weather(11, "f1"), 1000.0, NOV_10 - 120 * DAY)  # July
    b = SoilZone(CROPS["lychee"], Weather(11, "f1"), 1000.0, NOV_10 - 120 * DAY)
    c = SoilZone(CROPS["lychee"], Weather(12, "f1"), 1000.0, NOV_10 - 120 * DAY)
    for z in (a, b, c):
        z.advance(NOV_10 - 90 * DAY)
    assert a.theta == b.theta and a.totals == b.totals
    assert a.totals != c.totals
    assert 100 < a.totals["rain"] < 700  # a July in the Red River delta: ~260 mm
    assert a.totals["drainage"] > 0


def _cfg(probe: ProbeModel, rng: random.Random) -> dict:
    c = fw_config.defaults()
    span = probe.dry - probe.wet
    c.update(samples=7, dry=probe.dry + int(rng.uniform(-0.01, 0.01) * span),
             wet=probe.wet + int(rng.uniform(-0.01, 0.01) * span), vwc_a=probe.a, vwc_b=probe.b)
    return c


class _Probe:
    def __init__(self, model: ProbeModel, theta: float, temp: float, rng: random.Random) -> None:
        self.model, self.theta, self.temp, self.rng = model, theta, temp, rng

    def read_raw(self) -> int:
        return self.model.raw(self.theta, self.temp, self.rng)


def test_readings_through_firmware_calibration_within_stated_accuracy() -> None:
    rng = random.Random(5)
    worst_m = worst_vwc = 0.0
    z = _zone("carrot")
    for _i in range(300):
        model = ProbeModel(rng.randint(49500, 54500), rng.randint(19500, 23000))
        cfg = _cfg(model, rng)
        theta = rng.uniform(z.soil.theta_wp, z.soil.theta_sat - 0.02)
        temp = rng.uniform(15, 35)
        s = Sampler(_Probe(model, theta, temp, rng))
        pairs = {k: v for k, v, _ in s.pairs(cfg)}
        assert pairs["err"] == {}, pairs
        true_m = min(100.0, max(0.0, model.true_moisture(theta)))
        worst_m = max(worst_m, abs(pairs["m"] - true_m))
        worst_vwc = max(worst_vwc, abs(pairs["vwc"] - theta * 100))
    assert worst_m <= ProbeModel.ACCURACY_PCT
    assert worst_vwc <= ProbeModel.ACCURACY_PCT
    assert worst_m > 0.3  # the noise and calibration error are really there


def test_drying_zone_seen_by_the_firmware() -> None:
    """A week without water, read every 6 hours by a probe: firmware moisture falls as θ does."""
    rng = random.Random(9)
    z = _zone("lychee")
    model = ProbeModel(52000, 21000)
    cfg = _cfg(model, rng)
    ms = []
    for k in range(0, 7 * 4 + 1):
        t = NOV_10 + k * 6 * 3600
        theta = z.advance(t)
        m = {k2: v for k2, v, _ in Sampler(_Probe(model, theta, 22.0, rng)).pairs(cfg)}["m"]
        ms.append(m)
        assert abs(m - model.true_moisture(theta)) <= ProbeModel.ACCURACY_PCT
    daily = ms[::4]
    assert all(b < a for a, b in zip(daily, daily[1:]))
