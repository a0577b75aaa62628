"""Read the soil sensors into a telemetry fragment; failures become null + error code."""
from .calib import check_battery, check_temp, median, moisture_pct, spread_ok, vwc_pct
from .codec import fields
from .compat import const
from .errors import SensorError

MAX_SAMPLES = const(15)


def checked(errs: dict, keys: tuple, read: object, check: object = None) -> object:
    """``check(read())`` (or ``read()``); None with ``errs[k]`` set for every key in
    ``keys`` when the sensor did not answer (``io``) or its value is impossible (its code)."""
    try:
        v = read()  # type: ignore[operator]
        return check(v) if check is not None else v  # type: ignore[operator]
    except OSError:
        code = "io"
    except SensorError as e:
        code = e.code
    for k in keys:
        errs[k] = code
    return None


class Sampler:
    def __init__(self, probe: object = None, therm: object = None, battery: object = None) -> None:
        self.probe = probe
        self.therm = therm
        self.battery = battery
        self._s = [0] * MAX_SAMPLES  # preallocated sample buffer
        self.moisture = None  # type: object  # last moisture %, None when unknown

    def _raw(self, n: int) -> int:
        got = 0
        for _ in range(n):
            try:
                self._s[got] = self.probe.read_raw()  # type: ignore[attr-defined]
                got += 1
            except OSError:
                pass
        if got * 2 <= n:
            raise SensorError("io")
        return got

    def pairs(self, cfg: dict) -> list:
        """[(key, value, decimals)] for codec.fields; also sets ``self.moisture``."""
        out = []  # type: list
        errs = {}
        self.moisture = None
        if self.probe is not None:
            raw = None
            m = None
            vwc = None
            try:
                n = self._raw(cfg["samples"] if cfg["samples"] <= MAX_SAMPLES else MAX_SAMPLES)
                raw = median(self._s, n)
                if not spread_ok(self._s, n, (cfg["dry"] - cfg["wet"]) // 10):
                    raise SensorError("noisy")
                m = moisture_pct(raw, cfg["dry"], cfg["wet"])
                if cfg["vwc_a"] is not None:
                    vwc = vwc_pct(m, cfg["vwc_a"], cfg["vwc_b"])
            except SensorError as e:
                errs["m"] = e.code
                m = None
            self.moisture = m
            out.append(("m", m, 1))
            out.append(("raw", raw, 0))
            if cfg["vwc_a"] is not None:
                out.append(("vwc", vwc, 1))
        if self.therm is not None:
            out.append(("st", checked(errs, ("st",), self.therm.read_c, check_temp), 2))  # type: ignore[attr-defined]
        if self.battery is not None:
            out.append(("bat", checked(errs, ("bat",), self.battery.read_mv,  # type: ignore[attr-defined]
                                       check_battery), 0))
        out.append(("err", errs, 0))
        return out

    def read(self, cfg: dict) -> bytes:
        return fields(self.pairs(cfg))


__all__ = ["Sampler", "MAX_SAMPLES"]
