"""Login throttling against password guessing, in the database (shared by every process).

Failed logins are recorded under three keys, counted in a sliding window:

* the (client address, account) pair — ``per_pair`` failures (5 in 15 min) stop further
  tries of that account *from that address*; a guesser cannot lock the owner out;
* the account, from anywhere — ``per_account`` failures (50 in 15 min: the slower, global
  path against a guesser with many addresses) stop tries from addresses the account has
  never logged in from; an address with a successful login in the last ``known_days`` keeps
  its own pair limit only, so the owner at home still gets in during a distributed attack;
* the client address, over all accounts — ``per_ip`` failures (100: a carrier NAT shares one
  address among many farmers) stop password spraying from one place.

:class:`MemoryThrottle` is a per-process counter per key for hot paths that must not touch
the database (the stamp resolver's failed lookups per address).

Past a limit, attempts are refused with 429 and ``Retry-After`` before any password is
checked. A success clears the pair's failures and marks the address as known.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from datetime import timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from server.models.org import LoginAttempt
from server.timeutil import as_utc, utcnow

__all__ = ["AccountThrottle", "MemoryThrottle"]

log = logging.getLogger(__name__)


class AccountThrottle:
    def __init__(self, per_pair: int = 5, per_account: int = 50, per_ip: int = 100,
                 window_s: float = 900.0, known_days: int = 30) -> None:
        self.per_pair = per_pair
        self.per_account = per_account
        self.per_ip = per_ip
        self.window = timedelta(seconds=window_s)
        self.known = timedelta(days=known_days)

    @staticmethod
    def _keys(login: str, ip: str) -> tuple[str, str, str, str]:
        name = login.strip().lower()[:254]
        ip = ip[:45]
        return f"p:{ip}|{name}", f"a:{name}", f"i:{ip}", f"k:{ip}|{name}"

    def _wait(self, session: Session, key: str, limit: int) -> int:
        """Seconds until ``key`` is under ``limit`` failures in the window (0: it is)."""
        since = utcnow() - self.window
        count, oldest = session.exec(
            select(func.count(), func.min(LoginAttempt.at)).where(
                LoginAttempt.key == key, col(LoginAttempt.ok).is_(False),
                LoginAttempt.at > since)).one()
        if count < limit or oldest is None:
            return 0
        return max(1, int((as_utc(oldest) - since).total_seconds()) + 1)

    def _is_known(self, session: Session, key: str) -> bool:
        since = utcnow() - self.known
        row = session.exec(select(LoginAttempt.id).where(
            LoginAttempt.key == key, col(LoginAttempt.ok).is_(True),
            LoginAttempt.at > since).limit(1)).first()
        return row is not None

    def retry_after(self, session: Session, login: str, ip: str) -> int:
        """Seconds to wait before another attempt is allowed (0: go ahead)."""
        pair, account, addr, known = self._keys(login, ip)
        waits = [self._wait(session, pair, self.per_pair), self._wait(session, addr, self.per_ip)]
        if not waits[0]:
            account_wait = self._wait(session, account, self.per_account)
            if account_wait and not self._is_known(session, known):
                waits.append(account_wait)
        return max(waits)

    def failed(self, session: Session, login: str, ip: str) -> None:
        """Record a failure (in its own transaction: the caller's is about to be dropped)."""
        now = utcnow()
        pair, account, addr, _ = self._keys(login, ip)
        with Session(session.get_bind()) as s:
            s.exec(delete(LoginAttempt).where(
                col(LoginAttempt.ok).is_(False), col(LoginAttempt.at) < now - self.window))
            for key in (pair, account, addr):
                s.add(LoginAttempt(key=key, at=now))
            s.commit()

    def succeeded(self, session: Session, login: str, ip: str) -> None:
        """Clear the pair's failures and remember the address for this account."""
        now = utcnow()
        pair, _, _, known = self._keys(login, ip)
        with Session(session.get_bind()) as s:
            s.exec(delete(LoginAttempt).where(
                col(LoginAttempt.key).in_([pair, known])
                | (col(LoginAttempt.ok).is_(True) & (col(LoginAttempt.at) < now - self.known))))
            s.add(LoginAttempt(key=known, ok=True, at=now))
            s.commit()


class MemoryThrottle:
    """Failures per key in this process's memory, in a sliding window: for hot paths that
    must not touch the database (the stamp resolver's failed lookups per address)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit, self.window_s = limit, window_s
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._fails.setdefault(key, deque())
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def retry_after(self, key: str) -> int:
        """Seconds before ``key``'s next attempt is allowed (0: go ahead)."""
        now = time.monotonic()
        with self._lock:
            q = self._recent(key, now)
            return int(q[0] + self.window_s - now) + 1 if len(q) >= self.limit else 0

    def failed(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(key, now).append(now)
            if len(self._fails) > 100_000:  # bound memory under a spraying attack
                for k in [k for k, q in self._fails.items() if not q][:50_000]:
                    del self._fails[k]
