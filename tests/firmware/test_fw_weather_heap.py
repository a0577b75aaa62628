"""The weather node under real MicroPython (wasm) in a 64 KiB heap, loaded as .mpy (issue 18).

The node's own tests (``shared/test_fw_weather.py``) run under both CPython and
MicroPython through ``test_fw_micropython.py``; this adds the memory bound."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from tests.firmware.test_fw_micropython import FW, HEAP_64K, HERE, NODE, REPO, RUNNER, SHARED, _mpy_cross


def test_weather_node_cycles_fit_in_64k_heap(tmp_path: Path) -> None:
    """Twelve wakes (tip-only wakes and readings) flushing a backlog of 100 readings."""
    app, root = tmp_path / "app", tmp_path / "root"
    app.mkdir()
    root.mkdir()
    for f in (FW / "app").glob("*.py"):
        assert _mpy_cross(f, app / (f.stem + ".mpy")).returncode == 0
    for m in ("fw_support", "fw_memwx"):
        assert _mpy_cross(SHARED / f"{m}.py", root / f"{m}.mpy").returncode == 0
    env = dict(os.environ, FW_APP_DIR=str(app), FW_ROOT_DIR=str(root))
    r = subprocess.run(
        [NODE, str(RUNNER), str(REPO), str(HEAP_64K), "stepped", str(HERE / "mp_memwx.py")],
        capture_output=True, text=True, timeout=120, cwd=REPO, env=env,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    res = json.loads(next(x for x in r.stdout.splitlines() if x.startswith("@@MEM "))[6:])
    totals = [int(x) for x in re.findall(r"GC: total: (\d+)", r.stdout)]
    print("memory:", json.dumps(res))
    assert totals and totals[-1] <= HEAP_64K and res["total_at_start"] <= HEAP_64K
    assert res["grew_at"] == -1, "the heap grew past its initial 64 KiB"
    w = res["weather"]
    assert w["peak_alloc"] < HEAP_64K
    # wakes 0, 3, 6, 9 are timer wakes: the first is due, 3 and 9 too (900 s apart)
    assert w["readings_sent"] >= 100 + 3 and w["tip_wakes"] >= 6
    assert w["last_rain_mm"] > 0
