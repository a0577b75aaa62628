"""Webhook safety (issue 15.3) and the outbox sender's retries (issue 15.1), against real
local HTTP servers: non-public addresses refused at registration and at delivery (after DNS
resolution, connecting to the checked address), no redirect followed, the remote's words
never shown, retries with backoff then failed, the HMAC signature verifiable, a cap per
organisation."""

from __future__ import annotations

import ipaddress
import ssl
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from server.irrigation import webhooks
from server.irrigation.outbox import WebhookSender, backoff_s, enqueue
from server.models.irrigation import Alert, AlertWebhook, WebhookDelivery
from tests.server.conftest import World
from tests.server.irrigation.conftest import HOOK_SECRET, Irr, utc

T0 = utc(2026, 11, 20, 0, 0)
SECRET = HOOK_SECRET


@pytest.mark.parametrize("addr", ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1",
                                  "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
                                  "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1",
                                  "fd00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
                                  "2002:a00:1::", "64:ff9b::a00:1"])
def test_non_public_addresses_are_not_public(addr: str) -> None:
    assert not webhooks.is_public_address(ipaddress.ip_address(addr))


@pytest.mark.parametrize("addr", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111",
                                  "::ffff:8.8.8.8", "64:ff9b::808:808"])
def test_public_addresses_are_public(addr: str) -> None:
    assert webhooks.is_public_address(ipaddress.ip_address(addr))


@pytest.mark.parametrize("url", ["http://127.0.0.1/hook", "https://10.0.0.5/hook",
                                 "http://169.254.169.254/latest/meta-data/",
                                 "http://[::1]:8080/hook", "http://localhost:9/hook",
                                 "http://[::ffff:127.0.0.1]/hook", "https://[fd12::1]/h",
                                 "http://0.0.0.0:80/", "http://2130706433/hook",
                                 "http://0x7f.1/hook", "http://127.1:8000/"])
def test_webhook_ssrf_refused_at_registration(world: World, url: str) -> None:
    r = world.client.post(f"/api/v1/organisations/{world.orgs['carrot']}/alert-webhooks",
                          headers=world.auth("carrot_admin"), json={"url": url})
    assert r.status_code == 422, r.text
    assert "công khai" in r.json()["detail"]
    assert world.count(AlertWebhook) == 0


def test_webhook_ssrf_refused_at_delivery_after_dns(irr: Irr, hook_server: Any) -> None:
    """A hook that passed registration (or whose name now resolves elsewhere) is checked again
    when sent: loopback by IP or by a name resolving to it is refused; nothing reaches it."""
    srv = hook_server()
    ids = _hooks(irr, srv.url, f"http://localhost:{srv.port}/hook")
    sender = WebhookSender(irr.engine, allow_private=False, max_attempts=1)
    assert sender.run_once(T0) == 2
    assert srv.got == []
    with Session(irr.engine) as s:
        for hid in ids:
            hook = s.get(AlertWebhook, hid)
            assert hook is not None and hook.last_error == "refused: address not public"
        assert {d.status for d in s.exec(select(WebhookDelivery)).all()} == {"failed"}
    # a name whose resolution mixes a public and a private address is refused too
    res = webhooks.post("http://hook.example/x", SECRET, b"{}", timeout_s=1,
                        resolve=lambda h, p: ["93.184.216.34", "127.0.0.1"])
    assert res == webhooks.SendResult(False, None, "refused: address not public")


def test_webhook_connects_to_the_checked_address(hook_server: Any) -> None:
    """The name is resolved once, checked, and the connection goes to that address (the Host
    header keeps the name; the system resolver never sees it)."""
    srv = hook_server()
    res = webhooks.post(f"http://gateway.invalid:{srv.port}/hook", SECRET, b'{"a":1}',
                        timeout_s=2, allow_private=True, resolve=lambda h, p: ["127.0.0.1"])
    assert res.ok and res.status == 204
    assert srv.got[0]["host"] == f"gateway.invalid:{srv.port}" and srv.got[0]["ok"]


def test_https_webhook_is_verified_against_the_host_name(
        hook_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """TLS to the checked address, the certificate checked against the URL's host name: a
    self-signed certificate for ``gateway.invalid`` is refused while untrusted, accepted once
    trusted, and refused for any other name on the same address."""
    pem = tmp_path / "gateway.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=gateway.invalid", "-addext", "subjectAltName=DNS:gateway.invalid",
                    "-keyout", str(pem), "-out", str(pem)], check=True, capture_output=True)
    srv = hook_server(certfile=str(pem))

    def send(host: str) -> webhooks.SendResult:
        return webhooks.post(f"https://{host}:{srv.port}/hook", SECRET, b"{}", timeout_s=2,
                             allow_private=True, resolve=lambda h, p: ["127.0.0.1"])

    tls_error = webhooks.SendResult(False, None, "TLS error")
    assert send("gateway.invalid") == tls_error and srv.got == []  # not trusted
    real = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: real(cafile=str(pem)))
    assert send("other.invalid") == tls_error and srv.got == []  # trusted, wrong name
    assert send("gateway.invalid") == webhooks.SendResult(True, 204)
    assert srv.got[0]["host"] == f"gateway.invalid:{srv.port}" and srv.got[0]["ok"]


def test_webhook_redirect_to_loopback_not_followed(irr: Irr, hook_server: Any) -> None:
    inner = hook_server()
    outer = hook_server(status=302, location=inner.url)
    (hid,) = _hooks(irr, outer.url)
    WebhookSender(irr.engine, allow_private=True, max_attempts=1).run_once(T0)
    assert len(outer.got) == 1 and inner.got == []
    with Session(irr.engine) as s:
        hook = s.get(AlertWebhook, hid)
        assert hook is not None and hook.last_error == "redirect (3xx) not followed"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_irr(request: pytest.FixtureRequest) -> Irr:
    return request.getfixturevalue("irr" if request.param == "sqlite" else "irr_pg")  # type: ignore[no-any-return]


def test_failed_delivery_retried_with_backoff_then_failed(any_irr: Irr, hook_server: Any) -> None:
    irr = any_irr
    srv = hook_server(status=500)
    (hid,) = _hooks(irr, srv.url)
    sender = WebhookSender(irr.engine, allow_private=True, max_attempts=3, backoff_base_s=30)
    assert sender.run_once(T0) == 1
    assert sender.run_once(T0 + timedelta(seconds=29)) == 0  # not due yet
    assert sender.run_once(T0 + timedelta(seconds=30)) == 1  # 2nd try after 30 s
    assert sender.run_once(T0 + timedelta(seconds=89)) == 0
    assert sender.run_once(T0 + timedelta(seconds=90)) == 1  # 3rd try 60 s later: the last
    assert sender.run_once(T0 + timedelta(days=1)) == 0
    assert len(srv.got) == 3 and all(g["ok"] for g in srv.got)  # signed every time
    assert [backoff_s(n, 30) for n in (1, 2, 3, 10)] == [30, 60, 120, 3600]
    with Session(irr.engine) as s:
        d = s.exec(select(WebhookDelivery)).one()
        assert (d.status, d.attempts, d.last_error) == ("failed", 3, "HTTP 5xx")
        hook = s.get(AlertWebhook, hid)
        assert hook is not None and hook.last_status == 500 and hook.last_success_at is None
        assert hook.last_failure_at is not None
    # a later success is recorded per hook
    ok = hook_server(status=204)
    with Session(irr.engine) as s:
        hook = s.get(AlertWebhook, hid)
        assert hook is not None
        hook.url = ok.url
        d = s.exec(select(WebhookDelivery)).one()
        enqueue(s, hid, d.alert_id, "resolved", {"event": "resolved"}, T0 + timedelta(days=2))
        s.commit()
    assert sender.run_once(T0 + timedelta(days=2)) == 1
    with Session(irr.engine) as s:
        hook = s.get(AlertWebhook, hid)
        assert hook is not None and hook.last_status == 204 and hook.last_error is None
        assert hook.last_success_at is not None


def test_webhook_status_shows_class_only_and_cap_per_org(world: World, hook_server: Any) -> None:
    org, h = world.orgs["carrot"], world.auth("carrot_admin")
    srv = hook_server(status=503)
    with Session(world.engine) as s:
        hook = AlertWebhook(organisation_id=org, url=srv.url, secret=SECRET)
        s.add(hook)
        s.flush()
        alert = Alert(organisation_id=org, kind="too_dry", key="k", message="m", opened_at=T0,
                      last_seen_at=T0)
        s.add(alert)
        s.flush()
        assert hook.id is not None and alert.id is not None
        enqueue(s, hook.id, alert.id, "opened", {"event": "opened"}, T0)
        s.commit()
    WebhookSender(world.engine, allow_private=True).run_once(T0)
    listed = world.client.get(f"/api/v1/organisations/{org}/alert-webhooks", headers=h)
    assert listed.status_code == 200
    got = listed.json()[0]
    assert got["last_status"] == "5xx" and got["last_error"] == "HTTP 5xx"
    assert got["last_failure_at"] and got["last_success_at"] is None
    assert got["secret"] == "…" + SECRET[-4:] and "XYZZY" not in listed.text
    world.client.app.state.settings.webhook_max_per_org = 3  # type: ignore[attr-defined]
    for n in (1, 2):
        r = world.client.post(f"/api/v1/organisations/{org}/alert-webhooks", headers=h,
                              json={"url": f"https://hooks-{n}.nongso.invalid/a"})
        assert r.status_code == 201, r.text
        assert len(r.json()["secret"]) > 20  # shown once, in full
    r = world.client.post(f"/api/v1/organisations/{org}/alert-webhooks", headers=h,
                          json={"url": "https://hooks-3.nongso.invalid/a"})
    assert r.status_code == 409 and "tối đa 3" in r.json()["detail"]
    assert world.count(AlertWebhook) == 3


def _hooks(irr: Irr, *urls: str) -> list[int]:
    """One hook per URL on the carrot co-op and one queued delivery each."""
    org = irr.ids["orgs"]["carrot"]
    ids = []
    with Session(irr.engine) as s:
        alert = Alert(organisation_id=org, kind="too_dry", key="k", message="m", opened_at=T0,
                      last_seen_at=T0)
        s.add(alert)
        s.flush()
        for url in urls:
            hook = AlertWebhook(organisation_id=org, url=url, secret=SECRET)
            s.add(hook)
            s.flush()
            assert hook.id is not None and alert.id is not None
            enqueue(s, hook.id, alert.id, "opened", {"event": "opened"}, T0)
            ids.append(hook.id)
        s.commit()
    return ids


def test_finished_deliveries_are_pruned_after_30_days(irr: Irr, hook_server: Any) -> None:
    srv = hook_server()
    _hooks(irr, srv.url, srv.url)
    sender = WebhookSender(irr.engine, allow_private=True)
    assert sender.run_once(T0) == 2
    with Session(irr.engine) as s:
        d = s.exec(select(WebhookDelivery)).first()
        assert d is not None
        enqueue(s, d.hook_id, d.alert_id, "resolved", {}, T0 + timedelta(days=31))  # pending
        s.commit()
    assert sender.prune(T0 + timedelta(days=29)) == 0
    assert sender.prune(T0 + timedelta(days=31)) == 2  # the delivered ones, not the pending
    assert irr.scalar("select status from alert_webhook_deliveries") == "pending"
