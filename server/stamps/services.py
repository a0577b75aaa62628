"""What the stamp routes and the scan fast path share within one app, built once in
:func:`server.app.create_app` and closed in its lifespan (:meth:`StampServices.close`)."""

from __future__ import annotations

import dataclasses
import logging
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine

from qr.serial import Keyring
from server.settings import Settings
from server.stamps.keys import keyring_of
from server.stamps.lookup import AsyncReadPool, make_read_pool
from server.stamps.pagecache import PageCache
from server.stamps.scanlog import ScanLog
from server.throttle import DbThrottle

__all__ = ["StampServices", "StampsDep", "stamp_services", "ENUMERATION_LIMIT",
           "ENUMERATION_WINDOW_S"]

log = logging.getLogger(__name__)

#: Failed lookups (malformed, not genuine, never issued, no such link) allowed per client
#: address in ``window_s``: plenty for a shop checking its stock, useless for enumerating
#: serials (and the MAC makes guessing hopeless anyway). Past it only failures are
#: refused (429): a genuine stamp's page is always served (many phones share one address
#: behind a carrier's NAT).
ENUMERATION_LIMIT, ENUMERATION_WINDOW_S = 60, 600.0


@dataclasses.dataclass(eq=False)
class StampServices:
    """One app's stamp machinery: keyring, scan lookup pool, page cache, scan log and
    the failed-lookup throttle."""

    settings: Settings
    engine: Engine
    keyring: Keyring
    #: The asyncpg lookup pool on PostgreSQL; None on SQLite.
    read_pool: AsyncReadPool | None
    pages: PageCache
    scan_log: ScanLog
    #: Failed lookups per client address, counted in the database (one limit for every
    #: process and node; only failures touch it — the serial's MAC already makes guessing
    #: hopeless, this bounds the noise).
    lookup_throttle: DbThrottle

    @classmethod
    def build(cls, settings: Settings, engine: Engine) -> StampServices:
        """Cheap: opens no connection and starts no thread until the first scan."""
        return cls(settings=settings, engine=engine, keyring=keyring_of(settings),
                   read_pool=make_read_pool(engine),
                   pages=PageCache(engine, settings.public_base_url),
                   scan_log=ScanLog(engine),
                   lookup_throttle=DbThrottle(engine, ENUMERATION_LIMIT,
                                              ENUMERATION_WINDOW_S, "lookup"))

    async def close(self) -> None:
        """Write the scans still queued; close the lookup pool."""
        self.scan_log.stop()
        if self.read_pool is not None:
            await self.read_pool.close()


async def stamp_services(request: Request) -> StampServices:
    services: StampServices = request.app.state.stamps
    return services


StampsDep = Annotated[StampServices, Depends(stamp_services)]
