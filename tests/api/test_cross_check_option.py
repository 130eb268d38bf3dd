"""The cross-check rule (交叉检查, issue #16) on each way to create a task: the API body, the
console wizard's checkboxes and a task file; bad values are refused naming the field, and a task
nobody can staff under the rule is refused in plain words (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from lottery.service.lifecycle import Lifecycle
from lottery.settings import get_settings
from tests.api.conftest import Clock, task_definition, token
from tests.api.test_console_wizard import _form as _wizard_form
from tests.api.test_console_wizard import _login, _post
from tests.lifecycle import LOG, small_registries
from tests.service.conftest import load_registries
from tests.test_cli_service import PASSWORD, _task_file, run

RULE = {"own_district": True, "specialty": False}


def test_the_api_and_the_wizard_take_the_rule(app_client: TestClient, service: Lifecycle) -> None:
    planner = token(app_client, "planner")
    body = task_definition("T2026-301") | {"cross_check": {"own_district": True}}
    api = app_client.post("/api/tasks", json=body, headers=planner)
    assert api.status_code == 201, api.text
    assert service.get_task("T2026-301").params["cross_check"] == RULE
    for bad, field, words in (
        (
            {"own_district": "maybe"},
            ["body", "cross_check", "own_district"],
            "字段「cross_check.own_district」：应为 true 或 false",
        ),
        (
            {"own_district": True, "district": True},
            ["body", "cross_check", "district"],
            "字段「cross_check.district」：不是可以填写的字段",
        ),
    ):
        refused = app_client.post(
            "/api/tasks", json=task_definition("T2026-302") | {"cross_check": bad}, headers=planner
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["loc"] == field
        assert refused.json()["detail"][0]["msg"] == words  # in Chinese, naming the field
    _login(app_client, "planner")
    page = app_client.get("/console/tasks/new").text
    assert "交叉检查（不得检查本辖区）" in page
    made = _post(
        app_client, "/console/tasks/new", _wizard_form("T2026-303", cross_own_district="1")
    )
    assert made.status_code == 303, made.text
    assert service.get_task("T2026-303").params["cross_check"] == RULE
    plain = _post(app_client, "/console/tasks/new", _wizard_form("T2026-304"))
    assert plain.status_code == 303, plain.text
    assert "cross_check" not in service.get_task("T2026-304").params  # old tasks unchanged
    edit = app_client.get("/console/tasks/T2026-303/edit").text
    assert 'name="cross_own_district" value="1" checked' in edit
    assert 'name="cross_specialty" value="1" checked' not in edit


def test_a_county_only_task_under_the_rule_is_refused_in_plain_words(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    planner = token(app_client, "planner")
    county = small_registries().org_units[1]
    body = task_definition("T2026-305") | {"cross_check": RULE, "org_units": [county]}
    assert app_client.post("/api/tasks", json=body, headers=planner).status_code == 201
    _login(app_client, "planner")
    page = app_client.get("/console/tasks/T2026-305/preview").text
    assert "现在公告会被拒绝：按交叉检查规则（不得检查本辖区）无法组成检查组" in page
    refused = app_client.post("/api/tasks/T2026-305/announce", headers=planner)
    assert refused.status_code == 422
    assert "不得检查本辖区" in refused.json()["detail"]
    assert service.get_task("T2026-305").state == "draft"


def test_a_task_file_with_a_bad_rule_is_refused_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run("init", "--admin", "boss", data=data, LOTTERY_ADMIN_PASSWORD=PASSWORD)
    service = Lifecycle.open(get_settings(data_dir=data, log_origin=LOG))
    try:
        load_registries(service, small_registries())
        path = _task_file(tmp_path)
        body = yaml.safe_load(path.read_text(encoding="utf-8"))
        path.write_text(yaml.safe_dump(body | {"cross_check": {"own_district": "maybe"}}))
        bad = run("task", "create", str(path), data=data, ok=False)
        assert bad.returncode != 0 and "Traceback" not in bad.stderr
        assert "cross_check.own_district" in bad.stderr and len(bad.stderr.splitlines()) == 1
        path.write_text(yaml.safe_dump(body | {"cross_check": {"own_district": True}}))
        run("task", "create", str(path), data=data)
        assert service.get_task("T-cli").params["cross_check"] == RULE
    finally:
        service.engine.dispose()
