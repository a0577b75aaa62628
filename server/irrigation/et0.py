"""Daily reference evapotranspiration ET₀ (mm/day), FAO Irrigation and Drainage Paper 56
(Allen, Pereira, Raes & Smith 1998), Chapter 3. Pure functions, no database.

* :func:`penman_monteith` — FAO-56 Penman-Monteith, Eq. 6, with: atmospheric pressure
  Eq. 7, psychrometric constant Eq. 8, saturation vapour pressure Eq. 11/12, slope Eq. 13,
  actual vapour pressure from RHmax/RHmin Eq. 17 (or RHmean Eq. 19), extraterrestrial
  radiation Eq. 21–25, daylight hours Eq. 34, Rs from sunshine (Ångström) Eq. 35,
  clear-sky Rso Eq. 37, net shortwave Eq. 38 (albedo 0.23), net longwave Eq. 39, wind at
  2 m from another height Eq. 47. Missing wind: 2 m/s (Chapter 3, "Missing wind speed
  data"). Daily G ≈ 0 (Eq. 42); monthly G from Eq. 43.
* :func:`hargreaves` — Hargreaves-Samani, Eq. 52: ET₀ = 0.0023 (Tmean + 17.8)
  (Tmax − Tmin)^0.5 · 0.408 Ra, for days with temperatures only.
* :func:`daily_et0` — PM when humidity and radiation (or sunshine) are known, else HS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["pressure", "psychrometric", "svp", "slope", "extraterrestrial", "daylight_hours",
           "solar_from_sunshine", "clear_sky", "net_longwave", "wind_2m", "PMTerms",
           "penman_monteith", "hargreaves", "daily_et0", "SIGMA", "ALBEDO"]

#: Stefan-Boltzmann constant, MJ K⁻⁴ m⁻² day⁻¹ (FAO-56 Eq. 39)
SIGMA = 4.903e-9
#: Albedo of the grass reference crop (Eq. 38)
ALBEDO = 0.23
GSC = 0.0820  # solar constant, MJ m⁻² min⁻¹ (Eq. 21)


def pressure(z_m: float) -> float:
    """Atmospheric pressure (kPa) at ``z_m`` metres above sea level, Eq. 7."""
    return float(101.3 * ((293 - 0.0065 * z_m) / 293) ** 5.26)


def psychrometric(p_kpa: float) -> float:
    """γ (kPa °C⁻¹), Eq. 8."""
    return 0.665e-3 * p_kpa


def svp(t_c: float) -> float:
    """Saturation vapour pressure e°(T) (kPa), Eq. 11."""
    return 0.6108 * math.exp(17.27 * t_c / (t_c + 237.3))


def slope(t_c: float) -> float:
    """Δ, slope of the saturation vapour pressure curve (kPa °C⁻¹), Eq. 13."""
    return 4098 * svp(t_c) / (t_c + 237.3) ** 2


def _sun(lat_deg: float, doy: int) -> tuple[float, float, float, float]:
    """(dr, δ, φ, ωs) of Eq. 23, 24, 22 and 25."""
    dr = 1 + 0.033 * math.cos(2 * math.pi / 365 * doy)
    dec = 0.409 * math.sin(2 * math.pi / 365 * doy - 1.39)
    phi = math.radians(lat_deg)
    ws = math.acos(max(-1.0, min(1.0, -math.tan(phi) * math.tan(dec))))
    return dr, dec, phi, ws


def extraterrestrial(lat_deg: float, doy: int) -> float:
    """Ra (MJ m⁻² day⁻¹), Eq. 21."""
    dr, dec, phi, ws = _sun(lat_deg, doy)
    return 24 * 60 / math.pi * GSC * dr * (ws * math.sin(phi) * math.sin(dec)
                                           + math.cos(phi) * math.cos(dec) * math.sin(ws))


def daylight_hours(lat_deg: float, doy: int) -> float:
    """N (h), Eq. 34."""
    return 24 / math.pi * _sun(lat_deg, doy)[3]


def solar_from_sunshine(n_h: float, lat_deg: float, doy: int, a_s: float = 0.25,
                        b_s: float = 0.50) -> float:
    """Rs (MJ m⁻² day⁻¹) from ``n_h`` hours of sunshine (Ångström), Eq. 35."""
    return (a_s + b_s * n_h / daylight_hours(lat_deg, doy)) * extraterrestrial(lat_deg, doy)


def clear_sky(ra: float, z_m: float) -> float:
    """Rso (MJ m⁻² day⁻¹), Eq. 37."""
    return (0.75 + 2e-5 * z_m) * ra


def net_longwave(tmax: float, tmin: float, ea: float, rs: float, rso: float) -> float:
    """Rnl (MJ m⁻² day⁻¹), Eq. 39 (Rs/Rso limited to ≤ 1.0)."""
    ratio = min(1.0, rs / rso) if rso > 0 else 0.5
    tk4 = ((tmax + 273.16) ** 4 + (tmin + 273.16) ** 4) / 2
    return SIGMA * tk4 * (0.34 - 0.14 * math.sqrt(max(ea, 0.0))) * (1.35 * ratio - 0.35)


def wind_2m(u_z: float, z_m: float) -> float:
    """Wind speed at 2 m from a measurement at ``z_m`` m, Eq. 47."""
    return u_z * 4.87 / math.log(67.8 * z_m - 5.42)


@dataclass(frozen=True, slots=True)
class PMTerms:
    """The intermediate results of one Penman-Monteith day (as FAO-56's examples print)."""

    delta: float
    gamma: float
    es: float
    ea: float
    ra: float
    rs: float
    rso: float
    rns: float
    rnl: float
    rn: float
    et0: float


def penman_monteith(*, tmax: float, tmin: float, lat_deg: float, doy: int, z_m: float,
                    rs: float | None = None, sunshine_h: float | None = None,
                    rh_max: float | None = None, rh_min: float | None = None,
                    rh_mean: float | None = None, ea: float | None = None,
                    u2: float | None = None, g: float = 0.0) -> PMTerms:
    """FAO-56 Eq. 6 for one day (or one month's mean day with ``g`` from Eq. 43).

    Radiation: measured ``rs``, or from ``sunshine_h``. Humidity: ``ea`` directly, else
    Eq. 17 from RHmax/RHmin, else Eq. 19 from RHmean. ``u2`` None → 2 m/s."""
    tmean = (tmax + tmin) / 2
    delta, gamma = slope(tmean), psychrometric(pressure(z_m))
    es = (svp(tmax) + svp(tmin)) / 2  # Eq. 12
    if ea is None:
        if rh_max is not None and rh_min is not None:
            ea = (svp(tmin) * rh_max / 100 + svp(tmax) * rh_min / 100) / 2  # Eq. 17
        elif rh_mean is not None:
            ea = rh_mean / 100 * es  # Eq. 19
        else:
            raise ValueError("Penman-Monteith needs humidity (ea, RHmax/RHmin or RHmean)")
    ra = extraterrestrial(lat_deg, doy)
    if rs is None:
        if sunshine_h is None:
            raise ValueError("Penman-Monteith needs solar radiation or sunshine hours")
        rs = solar_from_sunshine(sunshine_h, lat_deg, doy)
    rso = clear_sky(ra, z_m)
    rns = (1 - ALBEDO) * rs
    rnl = net_longwave(tmax, tmin, ea, rs, rso)
    rn = rns - rnl
    u = 2.0 if u2 is None else u2
    et0 = (0.408 * delta * (rn - g) + gamma * 900 / (tmean + 273) * u * (es - ea)) / \
        (delta + gamma * (1 + 0.34 * u))
    return PMTerms(delta, gamma, es, ea, ra, rs, rso, rns, rnl, rn, max(0.0, et0))


def hargreaves(tmax: float, tmin: float, lat_deg: float, doy: int) -> float:
    """Hargreaves-Samani ET₀ (mm/day), FAO-56 Eq. 52 (Ra in mm/day: × 0.408, Eq. 20)."""
    ra_mm = 0.408 * extraterrestrial(lat_deg, doy)
    return max(0.0, 0.0023 * ((tmax + tmin) / 2 + 17.8) * math.sqrt(max(0.0, tmax - tmin)) * ra_mm)


def daily_et0(*, tmax: float, tmin: float, lat_deg: float, doy: int, z_m: float = 0.0,
              rh_max: float | None = None, rh_min: float | None = None,
              rs: float | None = None, u2: float | None = None) -> tuple[float, str]:
    """(ET₀ mm/day, method): ``pm`` when humidity and radiation are known, else ``hs``."""
    if rh_max is not None and rh_min is not None and rs is not None:
        t = penman_monteith(tmax=tmax, tmin=tmin, lat_deg=lat_deg, doy=doy, z_m=z_m, rs=rs,
                            rh_max=rh_max, rh_min=rh_min, u2=u2)
        return round(t.et0, 2), "pm"
    return round(hargreaves(tmax, tmin, lat_deg, doy), 2), "hs"
