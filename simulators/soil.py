"""Soil water balance of one drip zone, FAO-56 style, and the capacitive probe on it.

The model keeps the water stored in the zone's wetted root zone, ``S`` mm
(= volumetric water content θ × root depth), and integrates in steps of at most
10 minutes (FAO-56 works per day; sub-daily steps let a sensor read every few
minutes see the afternoon drying and a two-hour drip run):

* **ET**: ``ETc = Ks × Kc × ET0``.  Daily reference ET0 per month for the Red River
  delta (Hải Dương/Hải Phòng climate normals, ≈1.9 mm/d in the drizzly winter to
  ≈4.6 mm/d in July), ±15 % from day to day, ×0.7 on rainy days.  Spread over the day
  by a half-sine between 06:00 and 18:00 local time (UTC+7), which integrates to the
  daily total.  ``Ks`` is the FAO-56 water-stress coefficient (eq. 84): 1 while the
  depletion is below ``RAW = p × TAW``, falling linearly to 0 at wilting point.
* **Kc by crop stage** (``CROPS``): carrot from FAO-56 Table 12 (Kc ini 0.70, mid 1.05,
  end 0.95) over stages 20/30/50/20 days from sowing (sown late Sep–Oct, harvested
  mid-Jan on); outside its season a zone is fallow (Kc 0.3, bare soil).  Lychee, a
  perennial: monthly values for a mature drip-irrigated orchard (0.55 in the
  December–January floral-induction deficit, 0.75 at flowering in March, 0.9 from fruit
  growth to harvest in May–June, 0.75 in the post-harvest flush) — approximations in
  the range reported by Carr & Menzel (2014); no FAO-56 table exists for lychee.
* **Rain**: per farm and day, seeded: a rainy day with the month's frequency
  (5–16 days a month), an exponentially distributed amount around the month's mean,
  falling at a constant rate over 1–4 hours from a random hour.
* **Drip irrigation**: ``irrigation_lph`` litres per hour through the zone's emitters
  (sum of its open or leaking valves), spread over the zone area, 95 % efficiency.
* **Drainage** above field capacity, exponentially with a 12-hour time constant
  (FAO-56 assumes the excess drains within the day); above saturation -> runoff.

All randomness comes from ``random.Random`` seeded by strings, so a seed gives the
same weather and the same readings on every run and machine.
"""

from __future__ import annotations

import math
import random
import time as _time
from dataclasses import dataclass, field

__all__ = ["CropProfile", "SoilType", "CROPS", "SOILS", "Weather", "SoilZone", "ProbeModel",
           "TZ_OFFSET_S", "et0_daily_mean"]

TZ_OFFSET_S = 7 * 3600  # Vietnam, UTC+7, no daylight saving
_STEP_S = 600.0

# Monthly normals (Jan..Dec), Red River delta lowlands.
_ET0_MM_DAY = (1.9, 1.9, 2.2, 3.0, 4.3, 4.4, 4.6, 4.1, 3.8, 3.4, 2.7, 2.2)
_RAIN_MM_MONTH = (20, 25, 45, 85, 180, 230, 260, 300, 230, 130, 50, 20)
_RAIN_DAYS = (8, 10, 13, 12, 13, 14, 15, 16, 12, 9, 6, 5)
_TSOIL_C = (17.0, 17.5, 20.0, 24.0, 27.5, 29.5, 30.0, 29.5, 28.0, 25.5, 22.0, 18.5)


def et0_daily_mean(month: int) -> float:
    """Mean reference ET0 (mm/day) for a month 1..12."""
    return _ET0_MM_DAY[month - 1]


@dataclass(frozen=True, slots=True)
class SoilType:
    name: str
    theta_fc: float  # field capacity, m3/m3
    theta_wp: float  # wilting point
    theta_sat: float  # saturation


SOILS = {
    "alluvial_loam": SoilType("alluvial_loam", 0.32, 0.15, 0.46),  # Thanh Hà river-bank orchards
    "sandy_loam": SoilType("sandy_loam", 0.26, 0.11, 0.42),  # Đức Chính carrot fields
}


@dataclass(frozen=True, slots=True)
class CropProfile:
    name: str
    root_depth_m: float
    p: float  # FAO-56 depletion fraction before stress
    emitter_lph: float  # litres per hour per emitter
    emitters_per_m2: float
    soil: str
    # carrot-style annual: (sowing day of year, stage lengths ini/dev/mid/late, Kc ini/mid/end)
    sow_doy: int = 0
    stages: tuple[int, int, int, int] = (0, 0, 0, 0)
    kc_points: tuple[float, float, float] = (0.0, 0.0, 0.0)
    fallow_kc: float = 0.3
    # perennial: Kc per month Jan..Dec (interpolated between mid-months)
    monthly_kc: tuple[float, ...] = ()

    def kc(self, doy: float, sow_shift: int = 0) -> float:
        """Crop coefficient on day-of-year ``doy`` (1..366)."""
        if self.monthly_kc:
            pos = (doy - 15.0) / 30.44  # month index (0 = mid-January), cyclic
            i = math.floor(pos)
            f = pos - i
            a = self.monthly_kc[i % 12]
            b = self.monthly_kc[(i + 1) % 12]
            return a + (b - a) * f
        ini, dev, mid, late = self.stages
        kc_ini, kc_mid, kc_end = self.kc_points
        d = (doy - (self.sow_doy + sow_shift)) % 365
        if d < ini:
            return kc_ini
        d -= ini
        if d < dev:
            return kc_ini + (kc_mid - kc_ini) * d / dev
        d -= dev
        if d < mid:
            return kc_mid
        d -= mid
        if d < late:
            return kc_mid + (kc_end - kc_mid) * d / late
        return self.fallow_kc

    def app_rate_mm_h(self) -> float:
        """Drip application rate over the zone when the valve is open (mm/h = L/h/m2)."""
        return self.emitter_lph * self.emitters_per_m2


CROPS = {
    "carrot": CropProfile("carrot", root_depth_m=0.30, p=0.35, emitter_lph=1.0,
                          emitters_per_m2=3.3, soil="sandy_loam", sow_doy=268,
                          stages=(20, 30, 50, 20), kc_points=(0.70, 1.05, 0.95)),
    "lychee": CropProfile("lychee", root_depth_m=0.60, p=0.50, emitter_lph=4.0,
                          emitters_per_m2=0.5, soil="alluvial_loam",
                          monthly_kc=(0.55, 0.65, 0.75, 0.85, 0.90, 0.90,
                                      0.75, 0.75, 0.70, 0.65, 0.60, 0.55)),
}


def _local(t: float) -> _time.struct_time:
    return _time.gmtime(t + TZ_OFFSET_S)


@dataclass(slots=True)
class _Day:
    et0: float
    rain_mm: float
    rain_start_h: float
    rain_hours: float


class Weather:
    """Daily ET0 and rain for one farm; deterministic for (seed, key)."""

    def __init__(self, seed: int = 1, key: str = "farm", rain: bool = True,
                 et0_scale: float = 1.0) -> None:
        self.seed = seed
        self.key = key
        self.rain = rain
        self.et0_scale = et0_scale
        self._days: dict[int, _Day] = {}

    def day(self, t: float) -> _Day:
        n = int((t + TZ_OFFSET_S) // 86400)
        d = self._days.get(n)
        if d is None:
            if len(self._days) > 64:
                self._days.clear()
            rng = random.Random(f"weather:{self.seed}:{self.key}:{n}")
            m = _time.gmtime(n * 86400).tm_mon
            rainy = self.rain and rng.random() < _RAIN_DAYS[m - 1] / 30.4
            amount = rng.expovariate(_RAIN_DAYS[m - 1] / _RAIN_MM_MONTH[m - 1]) if rainy else 0.0
            et0 = _ET0_MM_DAY[m - 1] * rng.uniform(0.85, 1.15) * (0.7 if rainy else 1.0)
            d = _Day(et0 * self.et0_scale, amount, rng.uniform(0, 24), rng.uniform(1, 4))
            self._days[n] = d
        return d

    def et0_rate(self, t: float) -> float:
        """Reference ET (mm/h) at UTC time ``t``: half-sine over 06:00-18:00 local."""
        h = ((t + TZ_OFFSET_S) % 86400) / 3600.0
        if h < 6.0 or h >= 18.0:
            return 0.0
        return self.day(t).et0 * (math.pi / 24.0) * math.sin(math.pi * (h - 6.0) / 12.0)

    def rain_rate(self, t: float) -> float:
        """Rain (mm/h) at ``t``; an event may run past midnight into the next day."""
        if not self.rain:
            return 0.0
        h = ((t + TZ_OFFSET_S) % 86400) / 3600.0
        d = self.day(t)
        if d.rain_mm and d.rain_start_h <= h < d.rain_start_h + d.rain_hours:
            return d.rain_mm / d.rain_hours
        y = self.day(t - 86400)
        if y.rain_mm and h + 24.0 < y.rain_start_h + y.rain_hours:
            return y.rain_mm / y.rain_hours
        return 0.0

    def soil_temp_c(self, t: float) -> float:
        """Soil temperature at ~10 cm: monthly mean plus a damped daily wave peaking ~16:00."""
        lt = _local(t)
        pos = (lt.tm_yday - 15.0) / 30.44
        i = math.floor(pos)
        f = pos - i
        mean = _TSOIL_C[i % 12] + (_TSOIL_C[(i + 1) % 12] - _TSOIL_C[i % 12]) * f
        h = lt.tm_hour + lt.tm_min / 60.0
        return mean + 2.5 * math.sin(2 * math.pi * (h - 10.0) / 24.0)


@dataclass(slots=True)
class SoilZone:
    """Water in one zone's root zone; call ``advance(t)`` before reading or changing inputs."""

    crop: CropProfile
    weather: Weather
    area_m2: float
    t: float  # UTC seconds the state refers to
    theta: float = -1.0  # volumetric water content; default: field capacity
    sow_shift: int = 0  # days this zone was sown after the crop's nominal sowing day
    soil: SoilType = field(init=False)
    irrigation_lph: float = 0.0
    totals: dict[str, float] = field(default_factory=lambda: dict.fromkeys(
        ("et", "rain", "irrigation", "drainage", "runoff"), 0.0))

    def __post_init__(self) -> None:
        self.soil = SOILS[self.crop.soil]
        if self.theta < 0:
            self.theta = self.soil.theta_fc

    @property
    def depth_mm(self) -> float:
        return self.crop.root_depth_m * 1000.0

    def storage_mm(self) -> float:
        return self.theta * self.depth_mm

    def kc(self, t: float) -> float:
        return self.crop.kc(_local(t).tm_yday, self.sow_shift)

    def ks(self) -> float:
        s = self.soil
        taw = (s.theta_fc - s.theta_wp) * self.depth_mm
        dr = max(0.0, (s.theta_fc - self.theta) * self.depth_mm)
        raw = self.crop.p * taw
        if dr <= raw:
            return 1.0
        return max(0.0, (taw - dr) / ((1.0 - self.crop.p) * taw))

    def set_irrigation(self, t: float, lph: float) -> None:
        """Change the inflow (litres per hour through the emitters) from time ``t`` on."""
        self.advance(t)
        self.irrigation_lph = max(0.0, lph)

    def advance(self, t: float) -> float:
        """Integrate up to ``t``; return θ."""
        s = self.soil
        depth = self.depth_mm
        fc_mm = s.theta_fc * depth
        sat_mm = s.theta_sat * depth
        floor_mm = 0.5 * s.theta_wp * depth  # plants cannot dry soil much below this
        tot = self.totals
        kc_day = -1
        kc = 0.0
        while self.t < t:
            dt = min(_STEP_S, t - self.t)
            mid = self.t + dt / 2
            dt_h = dt / 3600.0
            day = int((mid + TZ_OFFSET_S) // 86400)
            if day != kc_day:
                kc_day = day
                kc = self.kc(mid)
            store = self.theta * depth
            et = self.ks() * kc * self.weather.et0_rate(mid) * dt_h
            rain = self.weather.rain_rate(mid) * dt_h
            irr = 0.95 * self.irrigation_lph / self.area_m2 * dt_h
            store += rain + irr - et
            drain = 0.0
            if store > fc_mm:
                drain = (store - fc_mm) * (1.0 - math.exp(-dt_h / 12.0))
                store -= drain
            runoff = 0.0
            if store > sat_mm:
                runoff = store - sat_mm
                store = sat_mm
            if store < floor_mm:
                et -= floor_mm - store
                store = floor_mm
            tot["et"] += et
            tot["rain"] += rain
            tot["irrigation"] += irr
            tot["drainage"] += drain
            tot["runoff"] += runoff
            self.theta = store / depth
            self.t += dt
        return self.theta


@dataclass(slots=True)
class ProbeModel:
    """A capacitive probe (v1.2/v2.0 type, 16-bit scaled ADC) in one zone's soil.

    The probe's reading on the protocol's moisture scale (0 % = dry air, 100 % = water)
    relates to volumetric water content by the per-soil linear fit the server may
    configure (``vwc = a × m + b``; defaults a = 0.42, b = 3.5 from the field
    calibration in firmware/README.md).  Raw counts fall linearly from ``dry`` to ``wet``
    over that scale, drift 15 counts/°C away from 25 °C and carry Gaussian noise
    (σ 120 counts per sample).  Stated accuracy after the two-point calibration with the
    configured points within ±1 % of the span of the true ones: **±3 % on the moisture
    scale** (and ±3 % VWC through the per-soil fit).
    """

    dry: int
    wet: int
    a: float = 0.42
    b: float = 3.5
    noise: float = 120.0
    temp_coeff: float = 15.0

    ACCURACY_PCT = 3.0

    def true_moisture(self, theta: float) -> float:
        return (theta * 100.0 - self.b) / self.a

    def raw(self, theta: float, temp_c: float, rng: random.Random) -> int:
        m = self.true_moisture(theta)
        r = self.dry - m / 100.0 * (self.dry - self.wet)
        r += self.temp_coeff * (temp_c - 25.0) + rng.gauss(0.0, self.noise)
        return min(65535, max(0, int(r)))
