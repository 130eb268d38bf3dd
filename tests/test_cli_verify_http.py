"""``lottery verify URL``: a withdrawn sealed blob (410 Gone from the service's ``/log/``) reads
as not published, as a 404 does, so the audit can accept it under its withdrawal (issue #24);
a server error (5xx) decides nothing (exit 3), another status is bad input (exit 2)."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from typing import Any

import httpx
import pytest

from lottery.cli import verify_cmd
from lottery.core.errors import InputError, LotteryError
from lottery.verifier import standalone
from lottery.verifier.exit_status import FetchFailed


def test_gone_and_missing_are_absent_other_errors_are_not(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {
        "/log/blobs/gone": 410,
        "/log/blobs/none": 404,
        "/log/checkpoint": 500,
        "/log/keys/office.vkey": 403,
    }

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
    with pytest.raises(FetchFailed, match="HTTP 500") as failed:
        get("checkpoint")
    assert failed.value.url == "http://office.example/log/checkpoint"
    with pytest.raises(InputError, match="HTTP 403"):
        get("keys/office.vkey")


def test_the_single_file_reads_statuses_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"gone": 410, "none": 404, "checkpoint": 503, "office.vkey": 403}

    def urlopen(url: str, timeout: float) -> Any:
        code = answers.get(url.rsplit("/", 1)[1], 200)
        if code != 200:
            raise urllib.error.HTTPError(url, code, "status", {}, None)  # type: ignore[arg-type]
        return io.BytesIO(b"data")

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    get = standalone._http_getter("http://office.example/log")
    assert get("blobs/present") == b"data"
    for path in ("blobs/gone", "blobs/none"):
        with pytest.raises(KeyError):
            get(path)
    with pytest.raises(FetchFailed, match="HTTP 503"):
        get("checkpoint")
    with pytest.raises(LotteryError, match="HTTP 403"):
        get("keys/office.vkey")
