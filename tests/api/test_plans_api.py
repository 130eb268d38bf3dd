"""The annual plan from the API and the console (docs/plans.md): a version from JSON or a
file, bad input refused with the field named and nothing written, the plan against its
execution, the export with Chinese headers; the console page escapes what a plan says."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from lottery.service import plans
from lottery.service.lifecycle import Lifecycle
from tests.api.conftest import token
from tests.api.test_console import _csrf, login

ENTRY = {
    "id": "P01",
    "items": ["RF-01"],
    "ratio": "5%",
    "frequency": "每年一次",
    "period": "第一季度",
    "tasks": 2,
    "joint": True,
    "departments": ["住建", "消防"],
    "note": "<script>alert(1)</script>",
}


def test_a_version_from_json_shown_with_its_execution_and_exported(
    app_client: TestClient, service: Lifecycle
) -> None:
    auth = token(app_client, "planner")
    bad = app_client.post(
        "/api/plans/2026", json={"entries": [ENTRY | {"period": "13月"}]}, headers=auth
    )
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("字段「entries[0].period」：计划时间应写月份")
    unknown = app_client.post(
        "/api/plans/2026", json={"entries": [ENTRY | {"items": ["RF-99"]}]}, headers=auth
    )
    assert unknown.status_code == 422 and "字段「items」" in unknown.json()["detail"]
    assert plans.plan_versions(service) == []
    done = app_client.post("/api/plans/2026", json={"entries": [ENTRY]}, headers=auth)
    assert done.status_code == 200, done.text
    assert done.json()["type"] == "plan" and done.json()["body"]["entries"][0]["period"] == "Q1"
    listed = app_client.get("/api/plans", headers=auth).json()
    assert [(v["year"], v["version"], v["entries"]) for v in listed] == [(2026, 1, 1)]
    shown = app_client.get("/api/plans/2026", headers=auth).json()
    assert shown["in_force"] and shown["entries"][0]["planned"] == 2
    assert shown["entries"][0]["announced"] == []
    again = app_client.post("/api/plans/2026", json={"entries": [ENTRY]}, headers=auth)
    assert again.status_code == 422 and "无需发布新版本" in again.json()["detail"]
    exported = app_client.get("/api/plans/2026/export?format=csv", headers=auth)
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][0] == "计划编号" and rows[1][4] == "第一季度" and rows[1][7] == "住建、消防"


def test_the_console_publishes_a_file_and_escapes_the_plan(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "planner")
    page = app_client.get("/console/plans")
    assert page.status_code == 200 and "尚未发布年度抽查计划" in page.text
    assert 'href="/console/plans" aria-current="page"' in page.text
    text = (
        "计划编号,计划抽查事项,计划时间,计划任务数,备注\n"
        "P01,RF-01,3月,1,<b>夜间检查</b>\n"
        "P02,RF-01,第五季度,1,\n"
    )
    form = {"csrf": _csrf(page.text), "year": "2026", "reason": ""}
    files = {"file": ("计划.csv", text.encode("utf-8"), "text/csv")}
    bad = app_client.post("/console/plans/import", data=form, files=files)
    assert bad.status_code == 422
    assert "第3行 计划时间: 计划时间应写月份（如 3月）或季度（如 第二季度）" in bad.text
    assert plans.plan_versions(service) == []
    files = {"file": ("计划.csv", text.replace("第五季度", "第四季度").encode(), "text/csv")}
    done = app_client.post("/console/plans/import", data=form, files=files, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/console/plans?published=2026-1"
    shown = app_client.get(done.headers["location"]).text
    assert "已发布 2026 年度抽查计划第 1 版" in shown and "3月" in shown and "第四季度" in shown
    assert "&lt;b&gt;夜间检查&lt;/b&gt;" in shown and "<b>夜间检查" not in shown
    sheet = app_client.get("/console/plans/2026/export?format=xlsx")
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
