"""The FastAPI application factory: ``create_app(settings)``.

Nothing happens at import time. ``create_app`` opens the service (database engine, migrations,
keys) unless one is passed in, and wires the routers, the error handlers and the clock. The
scheduler is started by ``lottery serve`` (``scheduler=True``), not by tests that only need the
API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import cache

from fastapi import APIRouter, Depends, FastAPI
from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.core import Metric
from prometheus_client.registry import Collector
from starlette.routing import BaseRoute

from lottery.service.drand_client import DrandClient
from lottery.service.lifecycle import Lifecycle
from lottery.service.logview import LogView
from lottery.service.metrics import ServiceMetrics
from lottery.service.state_metrics import StateCollector
from lottery.settings import Settings

from . import errors
from .proxy_headers import TrustedProxyHeaders
from .request_id import RequestId
from .routes import (
    alerts,
    api_docs,
    audit,
    auth,
    calendar,
    console,
    documents,
    exchange,
    health,
    objections,
    penalties,
    plans,
    public,
    rectifications,
    registries,
    results,
    site,
    target_reports,
    tasks,
    users,
    witnesses,
)
from .security_headers import SecurityHeaders
from .text_guard import refuse_unsafe_json

# Every router with API routes (the authorization tests walk these).
ROUTERS = (
    auth.router,
    users.router,
    tasks.router,
    registries.router,
    results.router,
    documents.router,
    penalties.router,
    exchange.router,
    plans.router,
    objections.router,
    rectifications.router,
    target_reports.router,
    calendar.router,
    audit.router,
    site.router,
    witnesses.router,
    alerts.router,
    public.router,
)


@cache
def _routes() -> tuple[BaseRoute, ...]:
    """Every route of the app, built once per process and shared by every app it creates.

    FastAPI analyses a route's signature (dependencies, parameters, body models) when the route
    is first matched, and keeps the result on the router that includes it: about a second for
    our routes, paid again by every new app. ``lottery serve`` makes one app; the suite makes
    hundreds (one a test), so they share the included routers, which hold no per-app state
    (the service, settings and clock are read from ``request.app.state``). Every route carries
    the app-wide guard against unsafe characters in JSON bodies (docs/security.md).
    """
    shared = APIRouter(dependencies=[Depends(refuse_unsafe_json)])
    for router in (*ROUTERS, console.router, api_docs.router, health.router):
        shared.include_router(router)
    return tuple(shared.routes)


class _Registry(Collector):
    """Another registry's metrics, collected into the app's (the service's own counters)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self.registry.collect()


def metrics_registry(app: FastAPI, settings: Settings, svc: Lifecycle) -> CollectorRegistry:
    """The app's own registry (never the library's global one: a test process builds many
    apps): the service's counters, the database's state at scrape time, the process's."""
    if svc.metrics is None:
        svc.metrics = ServiceMetrics()
    registry = CollectorRegistry()
    registry.register(_Registry(svc.metrics.registry))
    registry.register(
        StateCollector(
            svc,
            publishes_site=settings.site_dir is not None,
            scheduler=lambda: app.state.scheduler,
            clock=app.state.clock,
        )
    )
    ProcessCollector(registry=registry)
    return registry


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


def create_app(
    settings: Settings,
    *,
    service: Lifecycle | None = None,
    clock: Callable[[], datetime] = utc_now,
    scheduler: bool = False,
) -> FastAPI:
    """Build the app for ``settings``.

    Args:
        settings: where the state lives.
        service: an already opened service (tests); default: opened from ``settings``.
        clock: the time source for every request (tests inject a fixed clock).
        scheduler: start the APScheduler jobs with the app (``lottery serve``).
    """
    svc = service or Lifecycle.open(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from lottery.service.scheduler import start_scheduler, stop_scheduler

        # The scheduler runs on the app's clock, so its steps and the requests agree on the
        # time (the wall clock in production; a test's settable clock in tests).
        sched = (
            start_scheduler(settings, svc, clock=clock, fetch=drand.fetch_for)
            if scheduler
            else None
        )
        app.state.scheduler = sched
        try:
            yield
        finally:
            if sched is not None:
                stop_scheduler(sched, wait=False)
            drand.close()

    app = FastAPI(
        title="双随机、一公开 抽查服务 (lottery)",
        version="1",
        description=(
            "Staff API of the publicly verifiable spot-check lottery. Staff routes need a "
            "bearer token from POST /api/auth/login and a role; /log/ is public."
        ),
        lifespan=lifespan,
        # FastAPI's own /docs and /redoc load from a CDN: ours are served offline (api_docs).
        docs_url=None,
        redoc_url=None,
        # No control, bidi or other refused character in any JSON body (docs/security.md).
        dependencies=[Depends(refuse_unsafe_json)],
    )
    app.state.settings = settings
    app.state.service = svc
    app.state.clock = clock
    app.state.log_view = LogView(svc)
    # One client for the app's life, so a relay caught lying stays distrusted.
    drand = DrandClient(settings.drand_relays, clock=clock)
    app.state.fetch_drand = drand.fetch_for
    app.state.scheduler = None
    app.state.metrics_registry = metrics_registry(app, settings, svc)
    errors.install(app)
    app.router.routes.extend(_routes())
    console.install(app)  # the console's redirects and Chinese refusal pages
    # CSP, nosniff, no-referrer, no framing on every response (docs/security.md).
    app.add_middleware(SecurityHeaders)
    # The request id is set for everything below, and uvicorn's access line.
    app.add_middleware(RequestId)
    # Outermost: the client's address from a trusted proxy's X-Forwarded-For (docs/deploy.md),
    # so that everything below (the audit trail, the throttle, /metrics's allow-list) sees it.
    trusted = settings.trusted_networks
    if trusted:
        app.add_middleware(TrustedProxyHeaders, trusted=trusted)
    return app
