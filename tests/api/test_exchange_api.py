"""The platform exchange through the JSON API and the console (平台报送): the file as the
answer with its log number and SHA-256, the planner's permission, a refusal in Chinese naming
the field, the sent mark, and the console's list and forms. SQLite only: the storage is
tested on both databases in tests/service/test_exchange.py."""

from __future__ import annotations

import hashlib
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from lottery.core.outcome import Outcome
from tests.api.conftest import Clock, token
from tests.api.test_console import _csrf
from tests.api.test_console import login as _login
from tests.service.test_exchange import T_EXPORT, published  # noqa: F401 - fixture
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only


def test_export_download_sent_mark_and_console(
    app_client: TestClient,
    clock: Clock,
    published: Outcome,  # noqa: F811 - fixture
) -> None:
    clock.now = T_EXPORT
    planner = token(app_client, "planner")
    body = {"format": "national", "kind": "results", "year": 2026, "file_type": "xlsx"}
    refused = app_client.post(
        "/api/exchange/exports", json=body, headers=token(app_client, "inspector")
    )
    assert refused.status_code == 403
    made = app_client.post("/api/exchange/exports", json=body, headers=planner)
    assert made.status_code == 200, made.text
    assert made.headers["X-Lottery-SHA256"] == hashlib.sha256(made.content).hexdigest()
    assert "attachment" in made.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(made.content), read_only=True).active
    assert sheet is not None and len(list(sheet.iter_rows(values_only=True))) == 2
    export_id = made.headers["X-Lottery-Export"]

    wrong = app_client.post(
        "/api/exchange/exports", json=body | {"format": "credit", "kind": "picks"}, headers=planner
    )
    assert 400 <= wrong.status_code < 500 and "kind" in wrong.json()["detail"]
    assert "信用公示系统" in wrong.json()["detail"]
    sent = app_client.post(
        f"/api/exchange/exports/{export_id}/sent", json={"date": "2026-04-10"}, headers=planner
    )
    assert sent.status_code == 200 and sent.json()["sent_on"] == "2026-04-10"
    future = app_client.post(
        f"/api/exchange/exports/{export_id}/sent", json={"date": "2026-05-01"}, headers=planner
    )
    assert future.status_code == 422 and "报送日期" in future.json()["detail"]
    missing = app_client.post(
        "/api/exchange/exports/99/sent", json={"date": "2026-04-10"}, headers=planner
    )
    assert missing.status_code == 404
    listed = app_client.get("/api/exchange/exports", headers=planner).json()
    assert [(e["id"], e["rows"], e["sent_on"]) for e in listed] == [(1, 1, "2026-04-10")]

    # The console: a reviewer sees the log without the forms; the planner exports and marks.
    _login(app_client, "reviewer")
    page = app_client.get("/console/exchange")
    assert page.status_code == 200 and made.headers["X-Lottery-SHA256"] in page.text
    assert "2026年4月10日 报送" in page.text or "2026-04-10" in page.text
    assert "/console/exchange/export" not in page.text
    app_client.cookies.clear()
    _login(app_client, "planner")
    page = app_client.get("/console/exchange")
    csrf = _csrf(page.text)
    form = {"csrf": csrf, "layout": "credit/results", "year": "2026", "file_type": "csv"}
    download = app_client.post("/console/exchange/export", data=form)
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert download.content.decode("utf-8-sig").startswith("统一社会信用代码,企业名称,抽查类型")
    bad = app_client.post("/console/exchange/export", data=form | {"year": "26"})
    assert bad.status_code == 422 and "年份（year）须是四位数字" in bad.text
    marked = app_client.post(
        "/console/exchange/2/sent", data={"csrf": csrf, "sent_on": "2026-04-10"}
    )
    assert marked.status_code == 200 and "导出 2 已标记为已报送" in marked.text
    forged = app_client.post(
        "/console/exchange/2/sent", data={"csrf": "x", "sent_on": "2026-04-10"}
    )
    assert forged.status_code in (400, 403)
