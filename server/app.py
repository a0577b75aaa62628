"""The FastAPI application factory. Nothing is built at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine

from server.api import api_router
from server.body_limit import BodyLimitMiddleware
from server.db import make_engine
from server.deps import authenticate
from server.errors import install_error_handlers
from server.farm.pages import router as pages_router
from server.irrigation import pages as irrigation_pages
from server.metrics import MetricsMiddleware
from server.metrics import router as metrics_router
from server.ocop_workflow import pages as ocop_pages
from server.ocop_workflow.mailer import Mailer
from server.ocop_workflow.reminders import ReminderScheduler
from server.security_headers import SecurityHeadersMiddleware, install_input_guards
from server.settings import Settings, load_settings
from server.stamps import resolver as stamp_resolver
from server.stamps.compressed import CompressedLinks
from server.stamps.fastpath import ScanFastPath
from server.stamps.services import StampServices
from server.telemetry import pages as telemetry_pages
from server.throttle import AccountThrottle
from server.trace import pages as trace_pages
from server.trace.photos import DecodeLimiter

__all__ = ["create_app"]

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app. ``settings``/``engine`` default to the environment's."""
    settings = settings or load_settings()
    own_engine = engine is None
    engine = engine or make_engine(settings.sqlalchemy_url)
    stamps = StampServices.build(settings, engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # OCOP reminders, each sent once (issue 19); by e-mail too when NONGSO_SMTP_URL is set
        ocop_reminders = ReminderScheduler(engine, mailer=Mailer.from_settings(settings))
        ocop_reminders.start()
        app.state.ocop_reminders = ocop_reminders
        yield
        ocop_reminders.stop()
        await stamps.close()  # write the consumer scans still queued, close the scan pool
        if own_engine:
            engine.dispose()

    app = FastAPI(
        title="nongso API",
        version="0.1.0",
        description="nông nghiệp số — irrigation telemetry, traceability and OCOP for "
                    "Vietnamese farms and co-operatives.",
        dependencies=[Depends(authenticate)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.stamps = stamps
    app.state.login_throttle = AccountThrottle()
    app.state.image_decoder = DecodeLimiter(settings.image_decode_slots,
                                            settings.image_decode_wait_s)
    install_error_handlers(app)
    install_input_guards(app)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    # The GS1 resolver first: consumer scans are the hottest path and routes match in order.
    app.include_router(stamp_resolver.router)
    app.include_router(api_router)
    app.include_router(pages_router)
    for pages in (telemetry_pages, trace_pages, ocop_pages, irrigation_pages):
        app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(metrics_router)
    # Browser scans of genuine stamps skip the router (still inside headers and metrics).
    app.add_middleware(ScanFastPath)
    # Compressed GS1 Digital Link URIs answered as their uncompressed form (issue 16).
    app.add_middleware(CompressedLinks)
    # Bodies are counted as they stream in: 413 past the route's limit (server/body_limit.py).
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    # Pages, CSS and JSON gzipped for phones on 3G (clients that say Accept-Encoding: gzip).
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(SecurityHeadersMiddleware, hsts_always=settings.cookie_secure)
    app.add_middleware(MetricsMiddleware)
    return app
