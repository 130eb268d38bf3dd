"""``lottery verify URL``: a withdrawn sealed blob (410 Gone from the service's ``/log/``) reads
as not published, as a 404 does, so the audit can accept it under its withdrawal (issue #24)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lottery.cli import verify_cmd
from lottery.core.errors import InputError


def test_gone_and_missing_are_absent_other_errors_are_not(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"/log/blobs/gone": 410, "/log/blobs/none": 404, "/log/checkpoint": 500}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(answers.get(request.url.path, 200), content=b"data")

    real = httpx.Client

    def client(**kwargs: Any) -> httpx.Client:
        return real(transport=httpx.MockTransport(handler), **kwargs)

    monkeypatch.setattr(httpx, "Client", client)
    get = verify_cmd._http_getter("http://office.example/log")
    assert get("blobs/present") == b"data"
    for path in ("blobs/gone", "blobs/none"):
        with pytest.raises(KeyError):
            get(path)
    with pytest.raises(InputError, match="HTTP 500"):
        get("checkpoint")
