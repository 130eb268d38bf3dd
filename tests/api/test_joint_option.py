"""A joint task's departments (部门联合抽查, issue #18) through the API: stored and read back,
the lead defaulting to the office's name; bad values refused in Chinese naming the field,
nothing written (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lottery.service.lifecycle import Lifecycle
from lottery.service.params import params_from_task
from lottery.settings import Settings
from lottery.storage.models import Task
from tests.api.conftest import task_definition, token


def test_the_api_takes_the_departments_and_refuses_bad_ones_naming_the_field(
    app_client: TestClient, service: Lifecycle
) -> None:
    planner = token(app_client, "planner")
    joint = {"participants": ["市住建局", "市消防支队"], "one_per_team": True}
    body = task_definition("T2026-311") | {"team_size": 3, "departments": joint}
    made = app_client.post("/api/tasks", json=body, headers=planner)
    assert made.status_code == 201, made.text
    stored = service.get_task("T2026-311").params["departments"]
    assert stored == {"lead": Settings().office_name, **joint}
    with service.session() as s:
        task = s.get(Task, "T2026-311")
        assert task is not None
        assert params_from_task(task).departments is not None
    for n, (bad, field, words) in enumerate(
        (
            ({"participants": []}, "departments.participants", "项数太少"),
            (
                {"participants": ["市住建局", "市住建局"]},
                "departments.participants",
                "部门名称重复",
            ),
            (
                {"participants": ["市住建局"], "leader": "x"},
                "departments.leader",
                "不是可以填写的字段",
            ),
        )
    ):
        refused = app_client.post(
            "/api/tasks",
            json=task_definition(f"T2026-32{n}") | {"departments": bad},
            headers=planner,
        )
        assert refused.status_code == 422, refused.text
        msg = refused.json()["detail"][0]["msg"]
        assert f"字段「{field}」" in msg and words in msg, msg
    for n, bad in enumerate(
        (
            {"lead": "市住建局", "participants": ["市住建局"]},  # the lead among the participants
            {"participants": ["市住建局", "市消防支队"], "one_per_team": True},  # teams of 2
        )
    ):
        refused = app_client.post(
            "/api/tasks",
            json=task_definition(f"T2026-33{n}") | {"departments": bad},
            headers=planner,
        )
        assert 400 <= refused.status_code < 500, refused.text
        assert "departments" in refused.text and "部门" in refused.text, refused.text
    with service.session() as s:
        assert not [t for t in (s.get(Task, f"T2026-3{k}") for k in (20, 21, 22, 30, 31)) if t]
