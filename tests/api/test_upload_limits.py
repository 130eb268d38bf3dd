"""Upload limits at the API (issue #23): 413 over the kind's size limit (by Content-Length,
while the body arrives, and on the spooled file), a bounded 422 for a file of bad rows, a zip
bomb refused; nothing is imported in any case, and a valid upload still works.

The limits are lowered for the test (the route reads `registry_io.limits.LIMITS`), so no test
sends megabytes.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import random
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from lottery.demo.synthetic import make_uscc
from lottery.registry_io import limits as rio_limits
from tests.api.conftest import token
from tests.registry_io.conftest import TARGET_HEADER, target
from tests.registry_io.xlsx_parts import sheet_xml, workbook
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

URL = "/api/registries/targets/import"


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(TARGET_HEADER)
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def _codes(n: int) -> list[str]:
    rng = random.Random(11)  # noqa: S311 - test data
    codes: set[str] = set()
    while len(codes) < n:
        codes.add(make_uscc(rng, "419901"))
    return sorted(codes)


@pytest.fixture
def low_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    """Targets limited to 20 KB for this test."""
    limit = 20_000
    lowered = dataclasses.replace(rio_limits.LIMITS["targets"], max_bytes=limit)
    monkeypatch.setitem(rio_limits.LIMITS, "targets", lowered)
    return limit


@pytest.fixture
def logins(app_client: TestClient) -> dict[str, dict[str, str]]:
    """Bearer headers of the planner and the auditor (a login hashes a password: once)."""
    return {name: token(app_client, name) for name in ("planner", "auditor")}


def _export(client: TestClient, logins: dict[str, dict[str, str]]) -> bytes:
    """The targets registry, to compare before and after."""
    r = client.get("/api/registries/targets/export?format=csv", headers=logins["auditor"])
    assert r.status_code == 200
    return r.content


def _assert_413(r: object, with_size: bool) -> None:
    assert r.status_code == 413, r.text  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert body["error"] == "UploadTooLarge"
    assert "检查对象名录（targets）文件过大" in body["detail"]
    assert "上限为 20 KB" in body["detail"]
    assert ("本文件" in body["detail"]) == with_size


def test_content_length_over_the_limit_is_413_before_reading(
    app_client: TestClient, logins: dict[str, dict[str, str]], low_limit: int
) -> None:
    before = _export(app_client, logins)
    data = b"x" * (low_limit + 70_000)  # past the limit and the multipart slack
    r = app_client.post(URL, files={"file": ("t.csv", data, "text/csv")}, headers=logins["planner"])
    _assert_413(r, with_size=False)
    assert _export(app_client, logins) == before


def test_a_body_without_length_is_counted_as_it_arrives(
    app_client: TestClient, logins: dict[str, dict[str, str]], low_limit: int
) -> None:
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="t.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()

    def chunks() -> Iterator[bytes]:  # a generator body: chunked, no Content-Length
        yield head
        for _ in range(20):
            yield b"y" * 10_000
        yield f"\r\n--{boundary}--\r\n".encode()

    headers = {
        **logins["planner"],
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    r = app_client.post(URL, content=chunks(), headers=headers)
    assert "content-length" not in {k.lower() for k in r.request.headers}
    _assert_413(r, with_size=False)


def test_a_file_just_over_the_limit_is_413_with_its_size(
    app_client: TestClient, logins: dict[str, dict[str, str]], low_limit: int
) -> None:
    before = _export(app_client, logins)
    rows = [target(c) for c in _codes(400)]
    data = _csv(rows)
    assert low_limit < len(data) < low_limit + 60_000  # within the multipart slack
    r = app_client.post(URL, files={"file": ("t.csv", data, "text/csv")}, headers=logins["planner"])
    _assert_413(r, with_size=True)
    assert _export(app_client, logins) == before


def test_many_bad_rows_give_a_bounded_answer_with_the_total(
    app_client: TestClient, logins: dict[str, dict[str, str]]
) -> None:
    before = _export(app_client, logins)
    rows = [target(c, 所属区域="999999", 名称="某" * 150) for c in _codes(300)]
    r = app_client.post(
        URL,
        files={"file": ("t.csv", _csv(rows), "text/csv")},
        headers=logins["planner"],
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert len(body["rows"]) == 100
    assert "共 300 行有错误（300 处），仅列出前 100 处" in body["detail"]
    assert len(r.content) < 100_000
    assert _export(app_client, logins) == before


def test_zip_bomb_upload_is_refused(
    app_client: TestClient, logins: dict[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    lim = rio_limits.LIMITS["targets"]
    small_zip = dataclasses.replace(lim.xlsx, max_total_bytes=2_000_000)
    monkeypatch.setitem(rio_limits.LIMITS, "targets", dataclasses.replace(lim, xlsx=small_zip))
    before = _export(app_client, logins)
    bomb = workbook(sheet_xml([TARGET_HEADER]), extra={"xl/media/pad.bin": bytes(3_000_000)})
    r = app_client.post(
        URL,
        files={"file": ("t.xlsx", bomb, "application/octet-stream")},
        headers=logins["planner"],
    )
    assert r.status_code == 422, r.text
    assert [e["code"] for e in r.json()["rows"]] == ["xlsx.zip_bomb"]
    assert _export(app_client, logins) == before


def test_a_valid_upload_under_the_limit_imports(
    app_client: TestClient, logins: dict[str, dict[str, str]]
) -> None:
    org = "机构代码,机构名称,层级,上级机构代码,行政区划代码\nznew,新设机构,市级,,\n".encode()
    r = app_client.post(
        "/api/registries/org-units/import",
        files={"file": ("o.csv", org, "text/csv")},
        headers=logins["planner"],
    )
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == 1 and r.json()["inserted"] == 1
