"""Login throttling against password guessing.

Failures are counted per login name and per client address in a sliding window; past the
limit, further attempts are refused with 429 and ``Retry-After`` before any password is
checked. A success clears the login's counter. State is per process (one API process per
machine in the documented deployment; behind several API replicas each keeps its own,
which still bounds guessing to limit × replicas per window).
"""

from __future__ import annotations

import threading
import time
from collections import deque

__all__ = ["LoginThrottle"]


class LoginThrottle:
    def __init__(self, per_login: int = 5, per_ip: int = 30, window_s: float = 900.0) -> None:
        self.per_login = per_login
        self.per_ip = per_ip
        self.window_s = window_s
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._fails.setdefault(key, deque())
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def retry_after(self, login: str, ip: str) -> int:
        """Seconds to wait before another attempt is allowed (0: go ahead)."""
        now = time.monotonic()
        with self._lock:
            waits = []
            for key, limit in ((f"l:{login.lower()}", self.per_login), (f"i:{ip}", self.per_ip)):
                q = self._recent(key, now)
                if len(q) >= limit:
                    waits.append(int(q[0] + self.window_s - now) + 1)
            return max(waits, default=0)

    def failed(self, login: str, ip: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in (f"l:{login.lower()}", f"i:{ip}"):
                self._recent(key, now).append(now)
            if len(self._fails) > 100_000:  # bound memory under a spraying attack
                for k in [k for k, q in self._fails.items() if not q][:50_000]:
                    del self._fails[k]

    def succeeded(self, login: str) -> None:
        with self._lock:
            self._fails.pop(f"l:{login.lower()}", None)
