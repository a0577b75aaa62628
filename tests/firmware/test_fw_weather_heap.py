"""The weather node under real MicroPython (wasm) in a 64 KiB heap, loaded as .mpy (issue 18).

The node's own tests (``shared/test_fw_weather.py``) run under both CPython and
MicroPython through ``test_fw_micropython.py``; this adds the memory bound."""
from __future__ import annotations

from pathlib import Path

from tests.firmware.test_fw_micropython import HEAP_64K, run_in_64k_heap


def test_weather_node_cycles_fit_in_64k_heap(tmp_path: Path) -> None:
    """Twelve wakes (tip-only wakes and readings) flushing a backlog of 100 readings."""
    res = run_in_64k_heap(tmp_path, "fw_memwx", "mp_memwx.py")
    w = res["weather"]
    assert w["peak_alloc"] < HEAP_64K
    # wakes 0, 3, 6, 9 are timer wakes: the first is due, 3 and 9 too (900 s apart)
    assert w["readings_sent"] >= 100 + 3 and w["tip_wakes"] >= 6
    assert w["last_rain_mm"] > 0
