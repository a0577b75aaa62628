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

:class:`DbThrottle` counts failures per key in fixed windows in the database too (one row per
key and window), for hot paths where only failures may cost a statement (the stamp
resolver's failed lookups per address).

Past a limit, attempts are refused with 429 and ``Retry-After`` before any password is
checked. A success clears the pair's failures and marks the address as known.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from server.models.org import LoginAttempt
from server.models.stamps import ThrottleCounter
from server.timeutil import as_utc, utcnow

__all__ = ["AccountThrottle", "DbThrottle"]

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


class DbThrottle:
    """Failures per key in fixed windows of ``window_s``, counted in PostgreSQL (or SQLite)
    — one ``throttle_counters`` row per key and window, bumped by ``INSERT … ON CONFLICT …
    DO UPDATE … RETURNING`` — so every process of every node counts against the same limit
    and a restart resets nothing. Only failures touch the database: :meth:`retry_after`
    (one primary-key read, answered from memory once this process saw the key over its
    limit) and :meth:`failed` (one upsert). The stamp resolver's failed lookups per client
    address use it; a genuine stamp's page never asks (carrier NAT)."""

    def __init__(self, engine: Engine, limit: int, window_s: float, prefix: str) -> None:
        self.engine, self.limit, self.window_s, self.prefix = engine, limit, int(window_s), prefix
        #: key → end of the window in which this process saw it at its limit (no DB asked).
        self._over: dict[str, float] = {}
        self._lock = threading.Lock()

    def _window(self, now: float) -> int:
        return int(now) // self.window_s * self.window_s

    def _key(self, key: str) -> str:
        return f"{self.prefix}:{key}"[:64]

    def _wait_over(self, key: str, now: float) -> int:
        with self._lock:
            ends = self._over.get(key)
            if ends is not None and ends <= now:
                del self._over[key]
                ends = None
        return int(ends - now) + 1 if ends is not None else 0

    def _mark_over(self, key: str, window: int) -> None:
        with self._lock:
            if len(self._over) > 100_000:  # bound memory under a spraying attack
                self._over.clear()
            self._over[key] = float(window + self.window_s)

    def retry_after(self, key: str) -> int:
        """Seconds before ``key``'s next attempt is allowed (0: go ahead)."""
        now = time.time()
        wait = self._wait_over(key, now)
        if wait:
            return wait
        window = self._window(now)
        with self.engine.connect() as conn:
            count = conn.execute(sa.select(_COUNTERS.c.count).where(
                _COUNTERS.c.key == self._key(key), _COUNTERS.c.window == window)).scalar()
        if count is None or count < self.limit:
            return 0
        self._mark_over(key, window)
        return int(window + self.window_s - now) + 1

    def failed(self, key: str) -> int:
        """Count one failure for ``key``; return the window's count so far."""
        now = time.time()
        window = self._window(now)
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(_COUNTERS).values(key=self._key(key), window=window, count=1)
        stmt = stmt.on_conflict_do_update(index_elements=["key", "window"],
                                          set_={"count": _COUNTERS.c.count + 1})
        with self.engine.begin() as conn:
            count = int(conn.execute(stmt.returning(_COUNTERS.c.count)).scalar_one())
            if count == 1 and secrets.randbelow(64) == 0:  # now and then: forget old windows
                conn.execute(sa.delete(_COUNTERS).where(_COUNTERS.c.window < window))
        if count >= self.limit:
            self._mark_over(key, window)
        return count


_COUNTERS = ThrottleCounter.__table__  # type: ignore[attr-defined]
