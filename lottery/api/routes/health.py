"""``/healthz``, ``/readyz`` and ``/metrics``: for load balancers and Prometheus.

Kept out of the OpenAPI schema (they are the operator's, not the staff API): see
docs/operations.md, "Health and metrics", for the answers and the metric names.

- ``GET /healthz``: 200 ``{"status": "ok"}`` whenever the process answers; no check.
- ``GET /readyz``: 200 when every check of :mod:`lottery.service.health` passes (a part "not
  configured" here does not fail), else 503; the body names each part with a code and a
  Chinese sentence, never an error's text. Both are unauthenticated.
- ``GET /metrics``: Prometheus's text format, only for a client address in
  ``LOTTERY_METRICS_ALLOW`` (default: this host) and, when ``LOTTERY_METRICS_TOKEN`` is set,
  with ``Authorization: Bearer <token>``; else 403 (address) or 401 (token).
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from lottery.api.deps import get_now, get_remote_addr, get_service
from lottery.core.net_addresses import allowed
from lottery.service.health import Check, readiness
from lottery.settings import Settings

router = APIRouter(include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
async def healthz() -> JSONResponse:
    """The process answers."""
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


def _state(check: Check) -> str:
    return "not_configured" if check.ok is None else "ok" if check.ok else "failing"


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Database, scheduler, office key and publication: 200 when none fails, else 503."""
    settings: Settings = request.app.state.settings
    service, now = get_service(request), get_now(request)
    checks = await run_in_threadpool(readiness, settings, service, request.app.state.scheduler, now)
    failing = [c.name for c in checks if c.ok is False]
    body = {
        "status": "unavailable" if failing else "ok",
        "failing": failing,
        "checks": {
            c.name: {"status": _state(c), "code": c.code, "message": c.message} for c in checks
        },
    }
    return JSONResponse(body, status_code=503 if failing else 200, headers=NO_STORE)


def _token_given(request: Request, expected: str) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    given = value.strip() if scheme.lower() == "bearer" else ""
    return hmac.compare_digest(given.encode(), expected.encode())


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """The app's registry in Prometheus's text format, for allowed callers only."""
    settings: Settings = request.app.state.settings
    if not allowed(get_remote_addr(request), settings.metrics_networks):
        return JSONResponse(
            {"detail": "只允许从本机或配置的地址读取运行指标", "error": "MetricsForbidden"},
            status_code=403,
        )
    token = settings.metrics_token
    if token is not None and not _token_given(request, token.get_secret_value()):
        return JSONResponse(
            {"detail": "读取运行指标需要正确的令牌", "error": "MetricsTokenRequired"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    data = generate_latest(request.app.state.metrics_registry)
    return Response(data, media_type=CONTENT_TYPE_LATEST, headers=NO_STORE)
