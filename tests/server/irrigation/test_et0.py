"""ET₀ (issue 18.3): FAO-56's worked examples reproduced to their printed precision, and
the daily weather summary the controller uses (measured rain for rain skip, PM or HS)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from server.irrigation import et0
from server.irrigation.weather import MeasuredWeather, rain_between, summarise_day
from server.models import Device, DeviceRole, DeviceStatus, Zone
from server.models.telemetry import Reading
from tests.server.irrigation.conftest import Irr

BRUSSELS = 50 + 48 / 60  # 50°48'N
BANGKOK = 13 + 44 / 60  # 13°44'N


def test_example_17_daily_penman_monteith_brussels() -> None:
    """FAO-56 Example 17: Brussels, 6 July (day 187), 100 m; Tmax 21.5, Tmin 12.3 °C,
    RHmax 84 %, RHmin 63 %, wind 10 km/h at 10 m, 9.25 h of sunshine → ET₀ 3.9 mm/day."""
    u2 = et0.wind_2m(10 / 3.6, 10)
    t = et0.penman_monteith(tmax=21.5, tmin=12.3, lat_deg=BRUSSELS, doy=187, z_m=100,
                            sunshine_h=9.25, rh_max=84, rh_min=63, u2=u2)
    assert round(u2, 3) == 2.078
    assert round(t.delta, 3) == 0.122 and round(t.gamma, 4) == 0.0666
    assert round(t.es, 3) == 1.997 and round(t.ea, 3) == 1.409
    assert round(t.ra, 2) == 41.09
    assert round(et0.daylight_hours(BRUSSELS, 187), 1) == 16.1
    assert round(t.rs, 2) == 22.07 and round(t.rso, 2) == 30.90
    assert round(t.rns, 2) == 17.00 and round(t.rnl, 2) == 3.71 and round(t.rn, 2) == 13.28
    assert round(t.et0, 1) == 3.9


def test_example_18_monthly_penman_monteith_bangkok() -> None:
    """FAO-56 Example 18: Bangkok, April (day 105), 2 m; Tmax 34.8, Tmin 25.6 °C,
    ea 2.85 kPa, u2 2 m/s, 8.5 h sunshine, G = 0.14 (30.2 − 29.2) → ET₀ 5.72 mm/day."""
    t = et0.penman_monteith(tmax=34.8, tmin=25.6, lat_deg=BANGKOK, doy=105, z_m=2,
                            sunshine_h=8.5, ea=2.85, u2=2.0, g=0.14 * (30.2 - 29.2))
    assert round(t.ra, 2) == 38.06
    assert round(et0.daylight_hours(BANGKOK, 105), 2) == 12.31
    assert round(t.rs, 2) == 22.65 and round(t.rso, 2) == 28.54 and round(t.rns, 2) == 17.44
    assert round(t.es, 2) == 4.42
    assert round(t.et0, 2) == 5.72


def test_examples_8_9_10_radiation_and_daylight() -> None:
    """Example 8/9: 20°S on 3 September (day 246): Ra 32.2 MJ m⁻² day⁻¹, N 11.7 h.
    Example 10: Rio de Janeiro (22°54'S), 15 May (day 135), 220 h of sunshine in May:
    Ra 25.1, N 10.9 h, Rs 14.5 MJ m⁻² day⁻¹."""
    assert round(et0.extraterrestrial(-20, 246), 1) == 32.2
    assert round(et0.daylight_hours(-20, 246), 1) == 11.7
    rio = -(22 + 54 / 60)
    assert round(et0.extraterrestrial(rio, 135), 1) == 25.1
    assert round(et0.daylight_hours(rio, 135), 1) == 10.9
    assert round(et0.solar_from_sunshine(220 / 31, rio, 135), 1) == 14.5


def test_hargreaves_eq_52() -> None:
    """Eq. 52 with Example 17's temperatures and Ra (41.09 MJ = 16.76 mm/day by Eq. 20):
    0.0023 × (16.9 + 17.8) × √9.2 × 16.76 = 4.06 mm/day."""
    assert round(et0.hargreaves(21.5, 12.3, BRUSSELS, 187), 2) == 4.06
    assert et0.daily_et0(tmax=21.5, tmin=12.3, lat_deg=BRUSSELS, doy=187) == (4.06, "hs")
    v, method = et0.daily_et0(tmax=21.5, tmin=12.3, lat_deg=BRUSSELS, doy=187, z_m=100,
                              rh_max=84, rh_min=63, rs=22.07, u2=2.078)
    assert (round(v, 1), method) == (3.9, "pm")
    with pytest.raises(ValueError):
        et0.penman_monteith(tmax=20, tmin=10, lat_deg=20, doy=1, z_m=0, sunshine_h=5)


def _weather_node(irr: Irr, zone: str = "lychee") -> int:
    with Session(irr.engine) as s:
        d = Device(uid=f"wx-{zone}", zone_id=irr.ids["zones"][zone], role=DeviceRole.weather,
                   status=DeviceStatus.active)
        s.add(d)
        s.commit()
        assert d.id is not None
        return d.id


def test_day_summary_from_stored_readings_and_measured_rain(irr: Irr) -> None:
    dev = _weather_node(irr)
    day = date(2026, 4, 10)
    t0 = datetime(2026, 4, 9, 17, tzinfo=UTC)  # 00:00 on the 10th in Vietnam
    with Session(irr.engine) as s:
        zone = s.get(Zone, irr.ids["zones"]["lychee"])
        assert zone is not None
        for i in range(96):  # every 15 min: 20 → 30 °C, RH 95 → 60 %, 0.2 mm per 15 min 06-09h
            hour = i / 4
            warm = 1 - abs(hour - 14) / 14
            extra = {"at": round(20 + 10 * warm, 2), "rh": round(95 - 35 * warm, 1),
                     "rn": 0.2 if 6 <= hour < 9 else 0,
                     "sr": round(600 * max(0.0, 1 - abs(hour - 12) / 6), 1)}
            s.add(Reading(device_id=dev, time=t0 + timedelta(minutes=15 * i), seq=i + 1,
                          zone_id=zone.id, received_at=t0, extra=extra))  # type: ignore[arg-type]
        s.commit()
        wd = summarise_day(s, zone, day)
        assert wd is not None
        assert (wd.tmin, wd.tmax, wd.rh_min, wd.rh_max) == (20.0, 30.0, 60.0, 95.0)
        assert wd.rain_mm == 2.4 and wd.method == "pm" and wd.readings == 96
        et0_day = wd.et0_mm
        assert 2.0 < (et0_day or 0) < 6.0
        assert rain_between(s, zone, t0, t0 + timedelta(days=1)) == 2.4
        s.commit()
    src = MeasuredWeather(irr.engine, clock=lambda: t0 + timedelta(days=1, hours=1))
    with Session(irr.engine) as s:
        zone = s.get(Zone, irr.ids["zones"]["lychee"])
        assert zone is not None
        now = t0 + timedelta(days=1)
        assert src.rain_mm(zone, now - timedelta(days=1), now) == 2.4  # rain skip from the gauge
        assert src.rain_mm(zone, now + timedelta(hours=1), now + timedelta(days=1)) is None
        assert src.et0_mm_day(zone, date(2026, 4, 11)) == et0_day
        carrot = s.get(Zone, irr.ids["zones"]["carrot"])
        assert carrot is not None and src.rain_mm(carrot, t0, now) is None  # another farm


def test_the_daily_check_summarises_yesterday_for_zones_with_a_weather_node(irr: Irr) -> None:
    from server.irrigation import flowcheck
    from server.models.crop import WeatherDay

    dev = _weather_node(irr)
    t0 = datetime(2026, 4, 9, 17, tzinfo=UTC)
    with Session(irr.engine) as s:
        zid = irr.ids["zones"]["lychee"]
        for i in range(24):
            s.add(Reading(device_id=dev, time=t0 + timedelta(hours=i), seq=i + 1, zone_id=zid,
                          received_at=t0, extra={"at": 22.0 + (i % 12), "rh": 80.0,
                                                 "rn": 0.4}))
        s.commit()
        flowcheck.check(s, t0 + timedelta(days=1, hours=2))
        s.commit()
        wd = s.get(WeatherDay, (zid, date(2026, 4, 10)))
        assert wd is not None and wd.rain_mm == 9.6 and wd.method == "hs"
        assert s.get(WeatherDay, (irr.ids["zones"]["carrot"], date(2026, 4, 10))) is None
