"""``/metrics``: Prometheus text, protected; ingest hooks; resolver rate limit on failures."""

from __future__ import annotations

import re

import pytest

from server import metrics
from tests.server.conftest import World
from tests.server.stamps.conftest import issue, make_lot

LINE = re.compile(r'^[a-z_:][a-z0-9_:]*(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? -?[0-9.e+Inf-]+$')


def _parse(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        assert LINE.match(line), line
        name, value = line.rsplit(" ", 1)
        out[name] = float(value)
    return out


def test_metrics_needs_admin_or_token(world: World) -> None:
    c = world.client
    assert c.get("/metrics").status_code == 401
    assert c.get("/metrics", headers=world.auth("lychee_admin")).status_code == 403
    assert c.get("/metrics", headers={"Authorization": "Bearer guess"}).status_code in (401, 403)
    r = c.get("/metrics", headers=world.auth("admin"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=0.0.4")
    c.app.state.settings.metrics_token = "s3cret-metrics-token"  # NONGSO_METRICS_TOKEN
    assert c.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"}).status_code == 200
    assert c.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-tokeN"}).status_code == 403


def test_metrics_content(world: World) -> None:
    c = world.client
    sw = make_lot(world)
    batch = issue(sw, count=1)["batch"]
    uri = c.get(f"/api/v1/stamp-batches/{batch['id']}/stamps.csv",
                headers=world.auth("lychee_admin")).text.splitlines()[1]
    c.cookies.clear()
    before = _parse(c.get("/metrics", headers=world.auth("admin")).text)
    c.get(uri.replace("http://localhost:8000", ""), headers={"Accept": "text/html"})
    c.get("/nothing-here")
    text = c.get("/metrics", headers=world.auth("admin")).text
    assert "# TYPE nongso_http_requests_total counter" in text
    assert "# TYPE nongso_ingest_batch_commit_seconds histogram" in text
    got = _parse(text)
    key404 = 'nongso_http_requests_total{method="GET",status="404"}'
    assert got[key404] >= before.get(key404, 0) + 1
    assert got["nongso_stamp_scans_total"] == before.get("nongso_stamp_scans_total", 0) + 1
    assert got['nongso_devices{state="never_seen"}'] >= 0
    assert "nongso_dead_letters" in got and "nongso_stamp_scans_last_minute" in got
    assert got['nongso_http_request_seconds_bucket{le="+Inf"}'] == got["nongso_http_request_seconds_count"]


def test_registry_formats() -> None:
    reg = metrics.Registry()
    ctr = reg.add(metrics.Counter("t_total", "A counter."))
    h = reg.add(metrics.Histogram("t_seconds", "A histogram.", buckets=(0.1, 1.0)))
    ctr.inc(2, reason='a"b')
    for v in (0.05, 0.5, 5.0):
        h.observe(v)
    out = _parse(reg.render())
    assert out['t_total{reason="a\\"b"}'] == 2
    assert [out[f't_seconds_bucket{{le="{b}"}}'] for b in ("0.1", "1", "+Inf")] == [1, 2, 3]
    assert out["t_seconds_count"] == 3 and out["t_seconds_sum"] == pytest.approx(5.55)


def test_resolver_rate_limits_failed_lookups_not_genuine_scans(world: World) -> None:
    from server.stamps import resolver

    c = world.client
    sw = make_lot(world)
    batch = issue(sw, count=1)["batch"]
    good = c.get(f"/api/v1/stamp-batches/{batch['id']}/stamps.csv",
                 headers=world.auth("lychee_admin")).text.splitlines()[1]
    c.cookies.clear()
    good = good.replace("http://localhost:8000", "")
    gtin = sw.gtin14
    for _ in range(resolver.ENUMERATION_LIMIT * 2):  # genuine scans: a shop's stock check
        assert c.get(good, headers={"Accept": "application/json"}).status_code == 200
    for i in range(resolver.ENUMERATION_LIMIT):
        r = c.get(f"/01/{gtin}/10/{sw.lot_code}/21/AAAA{i:08d}")
        assert r.status_code == 404, r.status_code
    r = c.get(f"/01/{gtin}/10/{sw.lot_code}/21/AAAABBBBCCCC")
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert r.json()["detail"] and r.headers["access-control-allow-origin"] == "*"
    # a genuine stamp is still answered from this address (carrier NAT: issue 15.12)
    assert c.get(good, headers={"Accept": "application/json"}).status_code == 200


def test_registries_of_several_workers_are_summed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two workers' files in one directory: the sum, whichever worker answers (``serve
    --workers 2`` for real: tests/cluster/test_cluster.py, node A)."""
    regs = [metrics.Registry(), metrics.Registry()]
    for i, reg in enumerate(regs):
        reg.add(metrics.Counter("t_total", "A counter.")).inc(i + 1, status="200")
        reg.add(metrics.Histogram("t_seconds", "A histogram.", buckets=(1.0,))).observe(0.5)
    multi = [metrics.MultiProcess(tmp_path, reg) for reg in regs]
    for m in multi:
        m.flush()
    for m in multi:
        out = _parse(m.render())
        assert out['t_total{status="200"}'] == 3 and out["t_seconds_count"] == 2

