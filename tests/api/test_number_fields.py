"""Numbers in console fields, queries and addresses (a review's findings): a digit-like
character such as ``²`` (``"²".isdigit()`` is true, ``int("²")`` raises) and a number past
SQLite's 64-bit integers (``10**20``) are refused with a 4xx or the page's own answer, never
a 500. SQLite only: nothing here depends on the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lottery.api.console.audit_page import _page_number
from lottery.api.console.browse_pages import page_number
from lottery.api.console.numbers_page import parse_numbers
from lottery.api.digits import MAX_ID, ascii_int, row_id
from lottery.core.beacon import NumberSource, PublicNumbersBeacon
from tests.api.test_console import _csrf, login
from tests.storage.conftest import sqlite_database_url

HUGE = str(10**20)
SHA = "0" * 64


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLite only (see the module's docstring)."""
    return sqlite_database_url(request, tmp_path)


def test_ascii_int_reads_ascii_digits_only() -> None:
    assert [ascii_int(t) for t in ("0", "42", "007", "9" * 18)] == [0, 42, 7, 10**18 - 1]
    for text in ("", "²", "1²", "٣", "１２", "-1", "+1", " 1", "1 ", "1.0", "9" * 19):
        assert ascii_int(text) is None, text
    assert ascii_int("12345", 4) is None and ascii_int("1234", 4) == 1234
    assert row_id("1") == 1 and row_id(str(MAX_ID)) == MAX_ID
    assert row_id("0") is None and row_id(str(MAX_ID + 1)) is None and row_id("²") is None


def test_page_numbers_and_typed_numbers() -> None:
    for parse in (page_number, _page_number):
        assert [parse(t) for t in ("²", "0", "", "1234567", "3")] == [1, 1, 1, 1, 3]
    source = NumberSource("双色球 红球", "中国福利彩票 双色球 2026140期", "set", 2)
    beacon = PublicNumbersBeacon("双色球", (source,), "2026-12-01")
    assert parse_numbers(beacon, ["3 ²"]) == ([[3]], {"n1": "只能填写非负整数，用空格或逗号隔开"})
    assert parse_numbers(beacon, ["3，12"]) == ([[3, 12]], {})


def test_console_and_api_refuse_odd_and_huge_numbers(app_client: TestClient) -> None:
    login(app_client, "admin")
    for url in ("/console/audit?page=²", "/console/targets?page=²", "/console/plans?published=²-1"):
        page = app_client.get(url)
        assert page.status_code == 200, url
    assert "已发布" not in app_client.get("/console/plans?published=²-1").text
    for url in (
        "/console/review/²",
        "/console/penalties/²/approve",
        f"/console/results/²/evidence/{SHA}",
        f"/console/results/{HUGE}/evidence/{SHA}",
        "/console/document-files/²",
        f"/console/review/{HUGE}",
    ):
        assert app_client.get(url).status_code == 404, url
    csrf = _csrf(app_client.get("/console/plans").text)
    files = {"file": ("计划.csv", b"x", "text/csv")}
    year = app_client.post("/console/plans/import", data={"csrf": csrf, "year": "²"}, files=files)
    assert year.status_code == 422 and "计划年度：请填写四位数的年份" in year.text
    risk = app_client.post(
        "/console/items/risk-rules",
        data={"csrf": csrf, "to_complaints": "B", "at_least_complaints": "²"},
    )
    assert risk.status_code == 422 and "次数须为 1 到 1000000 的整数" in risk.text
    items = app_client.post("/console/items/preview", data={"csrf": csrf, "count": "²"})
    assert items.status_code < 500
    for url in (
        f"/console/objections/{HUGE}/decide",
        f"/console/rectifications/{HUGE}/check",
        f"/console/rectifications/{HUGE}/approve",
    ):
        refused = app_client.post(url, data={"csrf": csrf})
        assert refused.status_code == 422, url
        assert "数值太大" in refused.json()["detail"][0]["msg"]
    for url in (
        f"/console/plans/2026/export?version={HUGE}",
        f"/console/plans/{HUGE}/export",
        f"/api/plans/2026?version={HUGE}",
        f"/api/plans/2026/export?version={HUGE}",
    ):
        refused = app_client.get(url)
        assert refused.status_code == 422, url
        assert "数值太大" in refused.json()["detail"][0]["msg"], url
