"""Sending one signed alert webhook, safely (issue 15.3: no server-side request forgery).

* Only ``http``/``https`` URLs to **public** addresses: loopback, private (RFC 1918, ULA),
  link-local (cloud metadata 169.254.169.254), multicast, reserved, unspecified, shared
  (100.64/10), and IPv6 forms that embed such an IPv4 (mapped, 6to4, NAT64) are refused — at
  registration (:func:`check_registration`) and again at delivery, after DNS resolution.
* The connection goes to the address that was checked (no second resolution, so DNS
  rebinding cannot swap it); TLS still verifies the certificate against the host name.
* Redirects are never followed (a 3xx is a failure).
* What comes back is summarised by us (``HTTP 5xx``, ``timeout``...): the remote's body and
  error detail are never stored nor shown.

``allow_private`` (``Settings.webhook_allow_private``) lifts the address rule for tests that
need a local receiver; it is off by default.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from server.errors import Invalid

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "sign", "is_public_address", "Refused",
           "resolve_checked", "check_registration", "SendResult", "post", "status_class"]

SIGNATURE_HEADER = "X-Nongso-Signature"
TIMESTAMP_HEADER = "X-Nongso-Timestamp"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(ValueError):
    """The webhook's address is not allowed (not public, or not http/https)."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, ``<timestamp>.<body>``)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def is_public_address(addr: IPAddress) -> bool:
    """True for a globally routable unicast address (and nothing that embeds a private one)."""
    if isinstance(addr, ipaddress.IPv6Address):
        inner = addr.ipv4_mapped or addr.sixtofour or (
            ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF) if addr in _NAT64 else None)
        if inner is not None:
            return is_public_address(inner)
        if addr.teredo is not None:
            return False
    return addr.is_global and not (addr.is_private or addr.is_loopback or addr.is_link_local
                                   or addr.is_multicast or addr.is_reserved
                                   or addr.is_unspecified)


def _system_resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(i[4][0]) for i in infos))


def _split(url: str) -> tuple[str, str, int, str]:
    """``(scheme, host, port, path with query)``; only http and https with a host name."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("only http and https URLs with a host name")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return (parts.scheme, parts.hostname,
            parts.port or (443 if parts.scheme == "https" else 80), path)


def resolve_checked(host: str, port: int, allow_private: bool,
                    resolve: Resolver = _system_resolve) -> str:
    """The address to connect to: every address ``host`` resolves to must be public (an IP
    literal is checked as is). Raises :class:`Refused`, or ``OSError`` when it does not
    resolve."""
    try:
        addrs = [ipaddress.ip_address(host)]
    except ValueError:
        addrs = [ipaddress.ip_address(a.split("%")[0]) for a in resolve(host, port)]
    if not addrs:
        raise OSError(f"{host} has no address")
    if not allow_private and not all(is_public_address(a) for a in addrs):
        raise Refused("address not public")
    return str(addrs[0])


def check_registration(url: str, allow_private: bool,
                       resolve: Resolver = _system_resolve) -> None:
    """Refuse a webhook URL whose host is, or resolves to, a non-public address (422).

    A name that does not resolve now is accepted: it is checked again at every delivery."""
    try:
        _scheme, host, port, _path = _split(url)
        resolve_checked(host, port, allow_private, resolve)
    except Refused as exc:
        raise Invalid("Địa chỉ webhook phải là một địa chỉ công khai trên Internet (http/https); "
                      "địa chỉ nội bộ, loopback hoặc link-local không được phép.") from exc
    except OSError:
        pass


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the checked address; ``Host`` is still the URL's host name."""

    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to the checked address, the certificate verified against the URL's host name."""

    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        self._ctx = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._ctx)
        self._ip = ip

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._ctx.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True, slots=True)
class SendResult:
    ok: bool
    #: The HTTP status, None when there was no answer.
    status: int | None
    #: Our own short description of a failure (never the remote's words).
    error: str | None = None


def status_class(status: int | None) -> str | None:
    """``204`` → ``2xx``: what the API shows of a remote answer."""
    return f"{status // 100}xx" if status else None


def _outcome(status: int) -> SendResult:
    if 200 <= status < 300:
        return SendResult(True, status)
    if 300 <= status < 400:
        return SendResult(False, status, "redirect (3xx) not followed")
    return SendResult(False, status, f"HTTP {status_class(status)}")


def post(url: str, secret: str, body: bytes, *, timeout_s: float, allow_private: bool = False,
         resolve: Resolver = _system_resolve) -> SendResult:
    """POST ``body`` signed with ``secret`` to ``url``; never raises, never follows redirects."""
    try:
        scheme, host, port, path = _split(url)
        ip = resolve_checked(host, port, allow_private, resolve)
    except Refused:
        return SendResult(False, None, "refused: address not public")
    except (OSError, ValueError):
        return SendResult(False, None, "host name does not resolve")
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/json; charset=utf-8", TIMESTAMP_HEADER: ts,
               SIGNATURE_HEADER: sign(secret, ts, body), "User-Agent": "nongso-alerts/1",
               "Connection": "close"}
    conn: Any = (_PinnedHTTPS if scheme == "https" else _PinnedHTTP)(host, port, ip, timeout_s)
    try:
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read(4096)  # not kept: the remote's words are never shown
        return _outcome(int(resp.status))
    except TimeoutError:
        return SendResult(False, None, "timeout")
    except ssl.SSLError:
        return SendResult(False, None, "TLS error")
    except (OSError, http.client.HTTPException):
        return SendResult(False, None, "connection failed")
    finally:
        conn.close()
