"""``lottery verify URL``: a withdrawn sealed blob (410 Gone from the service's ``/log/``) reads
as not published, as a 404 does, so the audit can accept it under its withdrawal (issue #24);
a server error (5xx) decides nothing (exit 3), another status is bad input (exit 2)."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import httpx
import pytest

from lottery.cli import main, verify_cmd
from lottery.core.errors import InputError, LotteryError
from lottery.core.note import parse_note
from lottery.verifier import standalone
from lottery.verifier.exit_status import FetchFailed
from tests.export_prefix import log_entries


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


def _first_pool(export: Path) -> str:
    bodies = (json.loads(parse_note(e).text) for e in log_entries(export))
    return sorted(b["pool"]["sha256"] for b in bodies if b.get("type") == "task-announcement")[0]


def test_a_blob_that_cannot_be_read_mid_audit_decides_nothing(
    demo_city: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 503 for one pool blob, after the checkpoint was read: the check that read it records a
    failure, but the run exits 3 (not 1, "refused"): deploy/site-swap.sh retries it."""
    export = demo_city / "export"
    failing = f"blobs/{_first_pool(export)}"

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/log/")
        if path == failing:
            return httpx.Response(503, content=b"busy")
        file = export / path
        return (
            httpx.Response(200, content=file.read_bytes())
            if file.is_file()
            else httpx.Response(404)
        )

    real = httpx.Client
    monkeypatch.setattr(
        httpx, "Client", lambda **kw: real(transport=httpx.MockTransport(handler), **kw)
    )
    monkeypatch.delenv("LOTTERY_DATABASE_URL", raising=False)
    with pytest.raises(SystemExit) as exited:
        main(["verify", "http://office.example/log", "--workers", "1", "--lang", "en"])
    assert exited.value.code == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"error: cannot read http://office.example/log/{failing} (HTTP 503)")

    def urlopen(url: str, timeout: float) -> Any:
        path = url.removeprefix("http://office.example/log/")
        if path == failing:
            raise urllib.error.HTTPError(url, 503, "busy", {}, None)  # type: ignore[arg-type]
        file = export / path
        if not file.is_file():
            raise urllib.error.HTTPError(url, 404, "none", {}, None)  # type: ignore[arg-type]
        return io.BytesIO(file.read_bytes())

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    code = standalone.main(["http://office.example/log", "--workers", "1", "--lang", "en"])
    assert code == 3
    assert "HTTP 503" in capsys.readouterr().err
