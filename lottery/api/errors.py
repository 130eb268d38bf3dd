"""Domain errors -> HTTP responses, in one place.

Every error body is ``{"detail": "<message>", "error": "<ErrorClass>"}``. Bad input is a 4xx that
names what is wrong; only a genuine fault of the service is a 500, and even then no stack trace
leaves the process.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from lottery.api.result_messages import api_detail
from lottery.api.uscc_words import with_uscc_words
from lottery.api.validation_words import worded_all
from lottery.core.errors import (
    EncodingError,
    InfeasibleError,
    InputError,
    LotteryError,
    VerificationError,
)
from lottery.documents.render import DocumentError
from lottery.service.cancellations import SamePerson
from lottery.service.drand_client import BeaconNotYetAvailable, RelaysUnavailable
from lottery.service.exchange import ExchangeNotFound
from lottery.service.fork_guard import LogForkError
from lottery.service.integrity import StoredDataMissing
from lottery.service.lifecycle import StateError, TaskNotFound
from lottery.service.log import LogIdentityError
from lottery.service.login_throttle import Throttled
from lottery.service.office_signer import SignerRefused, SignerUnavailable
from lottery.service.org_scope import OutOfScope
from lottery.service.penalties import PenaltyNotFound, PenaltyStateError
from lottery.service.results import ContentWithdrawn, NotAssigned, ResultNotFound, ReviewError
from lottery.service.users import AuthError, Forbidden, LastAdmin, UserExists

log = logging.getLogger("lottery.api")


class NotFound(InputError):
    """A public or staff resource that does not exist (HTTP 404)."""


# Most specific first: the first matching class decides the status.
STATUS: tuple[tuple[type[Exception], int], ...] = (
    (NotFound, 404),
    (StoredDataMissing, 500),  # the database lacks what a task's state promises: our fault
    (AuthError, 401),
    (Throttled, 429),  # too many failed logins: Retry-After says when to try again
    (Forbidden, 403),
    (OutOfScope, 403),  # the task or account lies outside the user's org unit
    (ReviewError, 403),  # the author may not approve their own entry
    (SamePerson, 403),  # who asked for a cancellation may not confirm it
    (NotAssigned, 403),  # an inspector enters results only for targets they were drawn for
    (ContentWithdrawn, 410),  # a result's sealed content (and its evidence) was withdrawn
    (ResultNotFound, 404),
    (PenaltyNotFound, 404),
    (PenaltyStateError, 409),  # approved, withdrawn meanwhile: perhaps by someone else
    (ExchangeNotFound, 404),
    (TaskNotFound, 404),
    (StateError, 409),
    (UserExists, 409),
    (LastAdmin, 409),
    (InfeasibleError, 422),
    (VerificationError, 422),
    (EncodingError, 422),
    (InputError, 422),
    (BeaconNotYetAvailable, 409),
    (RelaysUnavailable, 503),
    (DocumentError, 503),  # no CJK font or Typst failed: the message says which
    (LogForkError, 503),  # a restored database behind the published log: `lottery recover`
    # The office key was rotated by `lottery key rotate` while this process ran: restart it.
    (LogIdentityError, 503),
    # The office's signer process (LOTTERY_SIGNER_SOCKET) is down or refused: nothing signed.
    (SignerUnavailable, 503),
    (SignerRefused, 503),
)


def status_of(exc: Exception) -> int:
    """The HTTP status for a domain error (500 for an unexpected service fault)."""
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    async def on_lottery_error(request: Request, exc: Exception) -> JSONResponse:
        status = status_of(exc)
        if status >= 500:
            log.error("service fault on %s %s: %s", request.method, request.url.path, exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(exc, Throttled):
            headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse(
            {"detail": with_uscc_words(api_detail(exc)), "error": type(exc).__name__},
            status_code=status,
            headers=headers,
        )

    async def on_invalid_request(request: Request, exc: Exception) -> JSONResponse:
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        return JSONResponse({"detail": worded_all(errors)}, status_code=422)

    app.add_exception_handler(LotteryError, on_lottery_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
