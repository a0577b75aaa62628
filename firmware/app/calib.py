"""Sensor maths: median filtering and two-point probe calibration.

A capacitive probe reads LOWER as the soil gets wetter: ``dry`` is the raw count
in dry air, ``wet`` the raw count in water, so dry > wet.
"""
from .compat import const
from .errors import SensorError

ADC_MAX = const(65535)
# a raw count this far outside the calibrated span means a broken/unplugged probe
_SLACK_PCT = const(25)
# DS18B20 reports exactly 85.0 on a power-on reset and -127 when it vanished
_T_MIN = -40.0
_T_MAX = 85.0
_BAT_MIN_MV = const(2000)
_BAT_MAX_MV = const(6000)


def median(buf: list, n: int) -> int:
    """Median of the first ``n`` items of ``buf``; sorts ``buf[:n]`` in place (no allocation)."""
    if n <= 0:
        raise SensorError("no_sample")
    # insertion sort: n is small (5..9) and this allocates nothing
    for i in range(1, n):
        v = buf[i]
        j = i - 1
        while j >= 0 and buf[j] > v:
            buf[j + 1] = buf[j]
            j -= 1
        buf[j + 1] = v
    if n & 1:
        return buf[n >> 1]
    return (buf[(n >> 1) - 1] + buf[n >> 1]) // 2


def moisture_pct(raw: int, dry: int, wet: int) -> float:
    """Raw count -> percent (0 = dry air, 100 = water), clamped to 0..100.

    Raises SensorError('uncal') for an unusable calibration and
    SensorError('range') for a count far outside it (broken probe, rail reading).
    """
    span = dry - wet
    if span <= 0 or dry > ADC_MAX or wet < 0:
        raise SensorError("uncal")
    if raw <= 0 or raw >= ADC_MAX:
        raise SensorError("range")
    slack = span * _SLACK_PCT // 100
    if raw > dry + slack or raw < wet - slack:
        raise SensorError("range")
    pct = (dry - raw) * 100.0 / span
    if pct < 0.0:
        return 0.0
    if pct > 100.0:
        return 100.0
    return pct


def vwc_pct(pct: float, a: float, b: float) -> float:
    """Optional per-soil linear fit: volumetric water content % = a * pct + b, clamped 0..100."""
    v = a * pct + b
    if v < 0.0:
        return 0.0
    if v > 100.0:
        return 100.0
    return v


def check_temp(c: float) -> float:
    """Validate a DS18B20 reading; its error values must never go out as data."""
    if c != c or c < _T_MIN or c >= _T_MAX:  # NaN, disconnected (-127), power-on 85.0
        raise SensorError("range")
    return c


def check_battery(mv: int) -> int:
    if mv < _BAT_MIN_MV or mv > _BAT_MAX_MV:
        raise SensorError("range")
    return mv


def spread_ok(buf: list, n: int, max_spread: int) -> bool:
    """After ``median`` sorted buf[:n]: is the inner half of samples within ``max_spread``?"""
    if n < 4:
        return True
    q = n >> 2
    return buf[n - 1 - q] - buf[q] <= max_spread


__all__ = ["median", "moisture_pct", "vwc_pct", "check_temp", "check_battery", "spread_ok", "ADC_MAX"]
