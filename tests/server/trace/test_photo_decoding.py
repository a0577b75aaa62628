"""Issue 15.6: product photos are decoded off the event loop, a few at a time, and an image
bomb is refused from its header (before: a 7000 × 7000 PNG took the process from 159 to
937 MB and stalled ``/healthz``)."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from pathlib import Path

import httpx
from PIL import Image

from server.trace.photos import DecodeLimiter, DecoderBusy
from tests.server.conftest import World
from tests.server.trace.conftest import Trace
from tests.support.browser import live_server

MB = 1024 * 1024


def _png(w: int, h: int) -> bytes:
    """A smooth PNG: a few hundred KB on the wire, w × h × 3 bytes once decoded."""
    img = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    out = io.BytesIO()
    img.save(out, "PNG", compress_level=1)
    return out.getvalue()


def _vm(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(field)


def test_photo_decoding_does_not_block_healthz(trace: Trace, world: World) -> None:
    pid = trace.product()["id"]
    auth = trace.headers("lychee_admin")
    big = _png(5000, 5000)  # 25 MP: the largest accepted; ~1 s of decoding and resampling
    results: list[int] = []

    def upload(base: str) -> None:
        r = httpx.put(f"{base}/api/v1/products/{pid}/photo", headers=auth, timeout=60,
                      files={"photo": ("big.png", big, "image/png")})
        results.append(r.status_code)

    with live_server(world.client.app) as base:
        assert httpx.get(f"{base}/healthz").status_code == 200
        uploads = [threading.Thread(target=upload, args=(base,)) for _ in range(3)]
        for t in uploads:
            t.start()
        took: list[float] = []
        with httpx.Client(base_url=base, timeout=10) as c:
            while any(t.is_alive() for t in uploads):
                t0 = time.perf_counter()
                assert c.get("/healthz").status_code == 200
                took.append(time.perf_counter() - t0)
                time.sleep(0.02)
        for t in uploads:
            t.join()
    took.sort()
    p95, worst = took[int(len(took) * 0.95)], took[-1]
    print(f"healthz: {len(took)} polls during 3 uploads, p95 {p95 * 1000:.0f} ms, "
          f"worst {worst * 1000:.0f} ms")
    assert results == [200, 200, 200]
    # before: 3 polls got through, the worst waited 1060 ms. A shared 2-core test machine
    # may pause any thread now and then: 95 % under 200 ms, none over 500 ms.
    assert len(took) >= 10 and p95 < 0.2 and worst < 0.5


def test_photo_of_7000_by_7000_pixels_is_refused_unread(trace: Trace, world: World) -> None:
    pid = trace.product()["id"]
    auth = trace.headers("lychee_admin")
    bomb = _png(7000, 7000)  # 49 MP, ~150 KB as PNG, 147 MB decoded
    assert len(bomb) < 2 * MB
    Path("/proc/self/clear_refs").write_text("5")  # restart the peak-memory (VmHWM) count
    before = _vm("VmRSS")
    t0 = time.perf_counter()
    r = world.client.put(f"/api/v1/products/{pid}/photo", headers=auth,
                         files={"photo": ("bomb.png", bomb, "image/png")})
    took = time.perf_counter() - t0
    grew = _vm("VmHWM") - before
    print(f"7000x7000 PNG: {r.status_code} in {took * 1000:.0f} ms, peak memory +{grew / MB:.1f} MB")
    assert r.status_code == 422, r.text
    assert "7000 × 7000" in r.json()["detail"] and "25 million" in r.json()["detail"]
    assert grew < 40 * MB  # decoded, it would be 147 MB
    assert world.client.get(f"/api/v1/products/{pid}", headers=auth).json()["photo_url"] is None


def test_photo_decodes_are_limited_and_a_busy_server_answers_503(trace: Trace,
                                                                 world: World) -> None:
    running = [0, 0]  # now, most at once
    lock = threading.Lock()

    def slow(ms: int) -> int:
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        time.sleep(ms / 1000)
        with lock:
            running[0] -= 1
        return ms

    async def burst(limiter: DecodeLimiter) -> list[object]:
        return await asyncio.gather(*(limiter.run(slow, 300) for _ in range(5)),
                                    return_exceptions=True)

    out = asyncio.run(burst(DecodeLimiter(2, 5.0)))
    assert out == [300] * 5 and running[1] == 2  # all done, never more than two at once
    running[1] = 0
    out = asyncio.run(burst(DecodeLimiter(2, 0.1)))
    busy = [e for e in out if isinstance(e, DecoderBusy)]
    assert out.count(300) == 2 and len(busy) == 3 and busy[0].retry_after >= 1
    # over HTTP: no slot comes free -> 503 with Retry-After, in the API's error format
    pid = trace.product()["id"]
    full = DecodeLimiter(1, 0.05)
    full._sem = asyncio.Semaphore(0)
    world.client.app.state.image_decoder = full  # type: ignore[attr-defined]
    r = world.client.put(f"/api/v1/products/{pid}/photo", headers=trace.headers("lychee_admin"),
                         files={"photo": ("a.png", _png(300, 200), "image/png")})
    assert r.status_code == 503 and r.json()["code"] == "busy", r.text
    assert int(r.headers["retry-after"]) >= 1


def test_photo_large_jpeg_is_decoded_at_a_reduced_scale() -> None:
    from server.trace.photos import SIDE, recode

    img = Image.linear_gradient("L").resize((6000, 4000)).convert("RGB")
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    jpeg, w, h = recode(out.getvalue())
    assert (w, h) == (SIDE, SIDE * 2 // 3)
    assert Image.open(io.BytesIO(jpeg)).size == (w, h)
