"""Log lines as JSON objects, one a line, and the request id they carry (docs/operations.md).

``lottery serve --log-format json`` (or ``LOTTERY_LOG_FORMAT=json``) hands uvicorn
:func:`uvicorn_log_config`: every logger of the process (ours, uvicorn's server and access
loggers) writes through :class:`JsonFormatter` to standard error. Each line is one object:
``time`` (RFC 3339, UTC, milliseconds), ``level``, ``logger``, ``message``, ``request_id``
while a request is being answered (:data:`REQUEST_ID`, set by the API's middleware), and
``exception`` with the traceback when one is logged.

Nothing here adds anything to a message: what a line says is what the code logged, and the
code never logs a password, a token, a cookie or a key (tests/api/test_health.py reads the
lines of a login to check).
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID: ContextVar[str | None] = ContextVar("lottery_request_id", default=None)
"""The id of the request being answered in this context (None outside a request)."""

LOG_FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record's fields as a JSON object (no newline inside: JSON escapes them)."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = REQUEST_ID.get()
        if request is not None:
            line["request_id"] = request
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def uvicorn_log_config(log_format: str) -> dict[str, Any] | None:
    """uvicorn's ``log_config`` for ``log_format`` (None: uvicorn's own text lines).

    JSON: every logger writes JSON lines to standard error at INFO, except APScheduler's,
    which would log every run of every job (WARNING and above only).
    """
    if log_format != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    quiet = {"level": "INFO", "handlers": ["json"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"json": handler},
        "loggers": {
            "uvicorn": quiet,
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": quiet,
            "apscheduler": {"level": "WARNING"},
        },
        "root": {"level": "INFO", "handlers": ["json"]},
    }
