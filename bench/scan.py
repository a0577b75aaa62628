"""Benchmark: consumer scans of QR stamps against the server on PostgreSQL.

Starts a throw-away PostgreSQL cluster (like the tests), migrates, seeds the demo world,
issues ``--stamps`` (default 100,000) stamps for a demo lot, starts ``nongso serve`` in its
own process, then drives it from separate processes:

1. ``wrk`` (closed loop, N connections) on random genuine stamp URIs → consumer-page
   throughput, and the same on ``/healthz`` (a trivial endpoint of the same server);
2. a fixed-rate open-loop client (:mod:`simulators.openloop` in its own process,
   ``--rate``, default 500 req/s) on genuine stamps → p50/p99 latency at that rate,
   counted from when each request was due.

Last line exactly: ``scan: rps=<n> p99_ms=<n> trivial_rps=<n> ratio=<x>``.
Run: ``uv run python bench/scan.py`` (installs nothing; needs Debian's wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 10.0
sys.path.insert(0, str(ROOT))

from tests.support.services import PostgresCluster, free_port, wait_port  # noqa: E402


def seed(url: str, var_dir: Path, base: str, count: int) -> list[str]:
    from sqlmodel import Session, select

    from server.db import make_engine
    from server.migrate import upgrade
    from server.models.stamps import StampIssueRequest
    from server.models.trace import Lot, Product
    from server.seed import seed_demo
    from server.settings import load_settings
    from server.stamps.issue import batch_stamps, issue_batch
    from server.stamps.keys import keyring_of

    settings = load_settings(database_url=url, var_dir=var_dir, public_base_url=base)
    upgrade(settings.sqlalchemy_url)
    engine = make_engine(settings.sqlalchemy_url)
    seed_demo(engine, devices=0)
    with Session(engine, expire_on_commit=False) as s:
        lot, product = s.exec(select(Lot, Product).join(Product, Product.id == Lot.product_id)
                              .where(Product.crop == "lychee")).first()  # type: ignore[arg-type]
        t0 = time.perf_counter()
        got = issue_batch(s, keyring_of(settings), settings.secret_key, lot, product,
                          StampIssueRequest(request_id="bench-scan-0001", count=count), None)
        print(f"issued {count} stamps in {time.perf_counter() - t0:.1f} s", flush=True)
        uris = [st.uri for st in batch_stamps(s, base, got.batch, product, lot)]
    engine.dispose()
    return uris


def wrk(url: str, paths_file: Path | None, seconds: int, conns: int) -> tuple[float, str]:
    args = ["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--latency", "-H",
            "Accept: text/html"]
    if paths_file is not None:
        lua = paths_file.with_suffix(".lua")
        lua.write_text(
            'local paths = {}\n'
            f'for line in io.lines("{paths_file}") do paths[#paths + 1] = line end\n'
            'request = function()\n'
            '  return wrk.format("GET", paths[math.random(#paths)])\n'
            'end\n')
        args += ["-s", str(lua)]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise SystemExit(f"wrk saw {bad.group(1)} error responses:\n{out}")
    return rps, out


def fixed_rate(base: str, paths_file: Path, rate: float, seconds: int) -> dict:
    """Latency at a fixed request rate, from a separate lean open-loop process
    (:mod:`simulators.openloop`: latency counted from when each request was due)."""
    out = subprocess.run(
        [sys.executable, "-m", "simulators.openloop", base, "--paths", str(paths_file),
         "--rate", str(rate), "--seconds", str(seconds), "--timeout", str(TIMEOUT_S),
         "--header", "Accept: text/html"],
        capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def start_server(url: str, tmp: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    """``nongso serve`` in its own process on this database (returns once it listens)."""
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NONGSO_")}
    env.update(NONGSO_DATABASE_URL=url, NONGSO_VAR_DIR=str(tmp / "var"),
               NONGSO_PUBLIC_BASE_URL=base)
    server = subprocess.Popen([sys.executable, "-m", "server", "serve", "--port", str(port),
                               "--workers", str(workers)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=open(tmp / "server.log", "wb"))
    wait_port(port, 30)
    return server


def closed_loop(base: str, paths_file: Path, seconds: int,
                conns: int) -> tuple[float, float, str]:
    """(trivial rps, page rps, one page run's wrk output), side by side, twice each and
    interleaved (a busy neighbour on a shared machine then hits both); each figure is the
    mean of its two runs."""
    wrk(base, paths_file, 2, conns)  # warm-up
    half = max(1, seconds // 2)
    runs: dict[str, list[float]] = {"trivial": [], "page": []}
    out = ""
    for _ in range(2):
        runs["trivial"].append(wrk(base + "/healthz", None, half, conns)[0])
        rps_i, out_i = wrk(base, paths_file, half, conns)
        runs["page"].append(rps_i)
        out = out or out_i
    trivial_rps = statistics.fmean(runs["trivial"])
    rps = statistics.fmean(runs["page"])
    print(f"trivial /healthz, closed loop: {trivial_rps:.0f} req/s "
          f"(runs: {', '.join(f'{r:.0f}' for r in runs['trivial'])})", flush=True)
    print(f"consumer page, closed loop: {rps:.0f} req/s "
          f"(runs: {', '.join(f'{r:.0f}' for r in runs['page'])})", flush=True)
    return trivial_rps, rps, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stamps", type=int, default=100_000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rate", type=float, default=500.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--conns", type=int, default=32)
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench/scan.py needs wrk: apt-get install wrk")
    pg = PostgresCluster().start()
    tmp = Path(tempfile.mkdtemp(prefix="nongso-scan-"))
    server = None
    try:
        url = pg.create_database("bench")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        uris = seed(url, tmp / "var", base, args.stamps)
        paths = [u[len(base):] for u in random.sample(uris, min(20_000, len(uris)))]
        paths_file = tmp / "paths.txt"
        paths_file.write_text("\n".join(paths) + "\n")
        server = start_server(url, tmp, port, args.workers)
        trivial_rps, rps, out = closed_loop(base, paths_file, args.seconds, args.conns)
        p99_wrk = re.search(r"99%\s+([\d.]+)(\w+)", out)
        # First a rate the server sustains, then the target rate (which may overload it).
        sustain = max(10.0, round(rps * 0.6, -1))
        low = fixed_rate(base, paths_file, sustain, args.seconds)
        print(f"consumer page at {sustain:.0f} req/s (60 % of its closed-loop rate): "
              f"p50 {low['p50_ms']} ms, p99 {low['p99_ms']} ms", flush=True)
        at = fixed_rate(base, paths_file, args.rate, args.seconds)
        p50, p99 = at["p50_ms"], at["p99_ms"]
        if at["not_ok"] or at["errors"]:
            print(f"at {args.rate:.0f} req/s: {at['not_ok']} error answers, "
                  f"{at['errors']} failed requests (counted as {TIMEOUT_S:.0f} s)")
        print(f"stamps in database: {args.stamps}; server workers: {args.workers}; "
              f"wrk connections: {args.conns}")
        print(f"consumer page, closed loop: {rps:.0f} req/s (wrk p99 "
              f"{p99_wrk.group(1) + p99_wrk.group(2) if p99_wrk else '?'})")
        print(f"trivial /healthz, closed loop: {trivial_rps:.0f} req/s")
        print(f"consumer page at {args.rate:.0f} req/s fixed rate: p50 {p50:.1f} ms, "
              f"p99 {p99:.1f} ms, max {at['max_ms']} ms over {at['sent']} requests "
              f"({at['achieved_per_s']}/s achieved)")
        print(f"scan: rps={rps:.0f} p99_ms={p99:.1f} trivial_rps={trivial_rps:.0f} "
              f"ratio={rps / trivial_rps:.2f}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        pg.cleanup()
        log_file = tmp / "server.log"
        if log_file.exists():
            tail = log_file.read_text(errors="replace").splitlines()[-5:]
            print("server log tail:", *tail, sep="\n  ")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
