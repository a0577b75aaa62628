"""Benchmark: stamps minted and rendered into the printable PDF per second.

Beside it, in the same run, the naive loop ``qrcode.make(uri).save(png)``
over the same URIs (one PNG file each). Both write into a throw-away
directory. Each side runs ``--rounds`` times (after one small warm-up each:
imports, font registration) and the best round counts, so a busy machine
hurts both sides alike. Also measured: building the QR matrix with the mask
``qrcode`` chooses vs the fixed mask ``qr.render`` uses.

Usage::

    uv run python bench/stamps.py [--count 2000] [--naive 300] [--layout a4] [--rounds 3]

Last line, exactly: ``stamps: per_s=<n> naive_per_s=<n> ratio=<x>`` (target ratio ≥ 5).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

import qrcode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qr.export import write_csv  # noqa: E402
from qr.render import FIXED_MASK, qr_matrix  # noqa: E402
from qr.serial import Keyring  # noqa: E402
from qr.sheet import write_pdf  # noqa: E402
from qr.stamps import mint_stamps  # noqa: E402

BASE = "https://nongso.vn"
GTIN = "8934602001078"
LOT = "TH2025-06-01"
PRODUCT = "Vải thiều Thanh Hà loại 1"


def ours(ring: Keyring, count: int, layout: str, out: Path) -> float:
    """Mint ``count`` stamps and write stamps.pdf + stamps.csv; return stamps/s."""
    t0 = time.perf_counter()
    stamps = mint_stamps(ring, BASE, GTIN, LOT, count)
    write_pdf(out / "stamps.pdf", stamps, product=PRODUCT, lot=LOT, layout=layout)
    write_csv(out / "stamps.csv", (s.uri for s in stamps))
    return count / (time.perf_counter() - t0)


def naive(uris: list[str], out: Path) -> float:
    """``qrcode.make(uri).save(png)`` for each URI; return PNGs/s."""
    t0 = time.perf_counter()
    for i, uri in enumerate(uris):
        qrcode.make(uri).save(out / f"{i:06d}.png")
    return len(uris) / (time.perf_counter() - t0)


def mask_ms(uris: list[str], mask: int | None) -> float:
    """Milliseconds per QR matrix with ``mask`` (None: qrcode chooses)."""
    t0 = time.perf_counter()
    for uri in uris:
        qr_matrix(uri, mask=mask)
    return (time.perf_counter() - t0) * 1000 / len(uris)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=2000, help="stamps per round (ours)")
    ap.add_argument("--naive", type=int, default=300, help="PNGs per round (naive loop)")
    ap.add_argument("--layout", default="a4", choices=("a4", "roll-30x20", "roll-40x30"))
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    ring = Keyring.generate(1)
    uris = [s.uri for s in mint_stamps(ring, BASE, GTIN, LOT, max(args.naive, 200))]
    with tempfile.TemporaryDirectory(prefix="nongso-bench-") as tmp:
        out = Path(tmp)
        # warm-up: imports, font registration, the QR version cache, PIL's PNG plugin
        write_pdf(io.BytesIO(), mint_stamps(ring, BASE, GTIN, LOT, 2), product=PRODUCT, lot=LOT)
        qrcode.make(uris[0]).save(io.BytesIO())
        best_ours = best_naive = 0.0
        for r in range(args.rounds):
            per_s = ours(ring, args.count, args.layout, out)
            naive_per_s = naive(uris[: args.naive], out)
            print(f"round {r + 1}: ours {per_s:.0f}/s ({args.count} stamps, {args.layout}), "
                  f"naive {naive_per_s:.0f}/s ({args.naive} PNGs)")
            best_ours = max(best_ours, per_s)
            best_naive = max(best_naive, naive_per_s)
        pdf_kb = (out / "stamps.pdf").stat().st_size / 1024
        print(f"pdf: {args.count} stamps, {pdf_kb:.0f} KiB")

    sample = uris[:200]
    auto = min(mask_ms(sample, None) for _ in range(args.rounds))
    fixed = min(mask_ms(sample, FIXED_MASK) for _ in range(args.rounds))
    print(f"mask: chosen_ms={auto:.2f} fixed_ms={fixed:.2f} speedup={auto / fixed:.1f}")
    print(f"stamps: per_s={best_ours:.0f} naive_per_s={best_naive:.0f} "
          f"ratio={best_ours / best_naive:.2f}")


if __name__ == "__main__":
    main()
