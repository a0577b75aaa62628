"""Schemathesis against the OpenAPI spec with the server running: no 500, every 4xx explains.

Every operation gets a bounded number of generated requests (as the lychee co-op's admin,
so they reach the routes' own validation, not only the login check). A response of 500 or
more fails; so does a 4xx without a JSON ``detail`` message.
"""

from __future__ import annotations

import time
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.server.conftest import World
from tests.support.browser import live_server

EXAMPLES = 6
SKIP = {("POST", "/api/v1/auth/logout")}  # would end the session the run uses


def test_api_fuzz_no_server_errors_and_4xx_explain(world: World) -> None:
    headers = world.auth("lychee_admin")
    problems: list[str] = []
    calls = [0]
    t0 = time.monotonic()
    with live_server(world.client.app) as base:
        schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
        ops = [r.ok() for r in schema.get_all_operations()]
        assert len(ops) > 60, len(ops)
        for op in ops:
            if (op.method.upper(), op.path) in SKIP:
                continue

            @given(case=op.as_strategy())
            @settings(max_examples=EXAMPLES, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            def run(case: Any) -> None:
                resp = case.call(base_url=base, headers=headers, timeout=10)
                calls[0] += 1
                label = f"{case.method} {case.formatted_path} -> {resp.status_code}"
                if resp.status_code >= 500:
                    problems.append(f"{label}: {resp.text[:200]}")
                elif 400 <= resp.status_code < 500:
                    try:
                        detail = resp.json().get("detail")
                    except (ValueError, AttributeError):
                        detail = None
                    if not isinstance(detail, str) or not detail.strip():
                        problems.append(f"{label} without a detail message: {resp.text[:200]}")

            run()
    assert calls[0] > 200, calls[0]
    assert not problems, "\n".join(sorted(set(problems))[:40])
    assert time.monotonic() - t0 < 90
