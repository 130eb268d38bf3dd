"""Staff see the tasks whose office secret cannot be opened: the 工作台's alert and
``GET /api/alerts``, each with the way out, record text escaped. SQLite only (the service
calls run on both databases in tests/service/test_lost_secrets.py)."""

from __future__ import annotations

import dataclasses

from fastapi.testclient import TestClient

from lottery.service.lifecycle import NO_SECRET_ROW, Lifecycle
from lottery.service.lost_secrets import SECRET_IN_ARCHIVED_KEY
from lottery.service.secrets import SecretKeeper, create_key_file
from lottery.settings import Settings
from lottery.storage.models import TaskSecret
from tests import lifecycle as lc
from tests.api.conftest import token
from tests.api.test_console import login
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

TASK = "T2026-A01"
TITLE = "<b>恢复后</b>的抽查"


def _section(html: str) -> str:
    start = html.index('id="h-lost"')
    return html[start : html.index("</section>", start)]


def _announced_without_secret(service: Lifecycle) -> None:
    params = dataclasses.replace(lc.params(lc.small_registries(), TASK), title=TITLE)
    service.create_task(params, lc.T_ANNOUNCE, actor="planner")
    service.announce(TASK, lc.T_ANNOUNCE)
    with service.session() as s, s.begin():  # as `lottery recover` rebuilds it
        row = s.get(TaskSecret, TASK)
        assert row is not None
        s.delete(row)


def test_nothing_to_show_while_every_secret_opens(
    app_client: TestClient, service: Lifecycle
) -> None:
    service.create_task(lc.params(lc.small_registries(), TASK), lc.T_ANNOUNCE, actor="planner")
    service.announce(TASK, lc.T_ANNOUNCE)
    answer = app_client.get("/api/alerts", headers=token(app_client, "auditor"))
    assert answer.status_code == 200 and answer.json() == {"secret_lost": []}
    login(app_client, "planner")
    assert 'id="h-lost"' not in app_client.get("/console/").text


def test_the_dashboard_and_the_api_name_the_task_and_the_way_out(
    app_client: TestClient, service: Lifecycle
) -> None:
    _announced_without_secret(service)
    answer = app_client.get("/api/alerts", headers=token(app_client, "auditor"))
    assert answer.status_code == 200
    [alert] = answer.json()["secret_lost"]
    assert (alert["task"], alert["title"], alert["state"]) == (TASK, TITLE, "announced")
    assert alert["reason"] == NO_SECRET_ROW
    assert alert["console"] == f"/console/tasks/{TASK}/cancel"
    assert (
        alert["commands"][1] == f"lottery task cancel-confirm {TASK} --secret-lost --actor 确认人"
    )
    assert f"任务 {TASK}（{TITLE}）的秘密值无法打开" in alert["message"]
    assert "请按程序以“秘密值遗失”取消" in alert["message"]

    login(app_client, "planner")
    board = _section(app_client.get("/console/").text)
    assert 'role="alert"' in board and "无法抽取或公开" in board
    assert "&lt;b&gt;恢复后&lt;/b&gt;" in board and "<b>恢复后" not in board
    assert f'href="/console/tasks/{TASK}/cancel"' in board
    assert f"lottery task cancel {TASK} --secret-lost --reason" in board
    # The link opens the cancellation that offers the lost-secret way.
    page = app_client.get(f"/console/tasks/{TASK}/cancel").text
    assert "系统无法打开本任务的秘密值" in page and 'name="secret_lost"' in page


def test_a_secret_an_archived_key_opens_is_not_offered_for_cancellation(
    app_client: TestClient, service: Lifecycle, settings: Settings
) -> None:
    """A row sealed under a retired key (keys/archive/secrets-<n>.key): the alert names the
    file to put back, and neither the API nor the 工作台 offers the lost-secret cancellation."""
    service.create_task(lc.params(lc.small_registries(), TASK), lc.T_ANNOUNCE, actor="planner")
    service.announce(TASK, lc.T_ANNOUNCE)
    archived = settings.data_dir / "keys" / "archive" / "secrets-1.key"
    archived.parent.mkdir(mode=0o700, exist_ok=True)
    create_key_file(archived)
    with service.session() as s, s.begin():
        row = s.get(TaskSecret, TASK)
        assert row is not None
        secret = service.keeper.open("office-secret", TASK, row.ciphertext)
        row.ciphertext = SecretKeeper.from_file(archived).seal("office-secret", TASK, secret)
        s.add(row)
    [alert] = app_client.get("/api/alerts", headers=token(app_client, "auditor")).json()[
        "secret_lost"
    ]
    assert alert["reason"] == SECRET_IN_ARCHIVED_KEY and alert["commands"] == []
    assert alert["console"] == f"/console/tasks/{TASK}"
    assert f"cp -p {archived} keys/secrets.key" in alert["message"]
    login(app_client, "planner")
    board = _section(app_client.get("/console/").text)
    assert "不要取消" in board and str(archived) in board
    assert "--secret-lost" not in board and f"/console/tasks/{TASK}/cancel" not in board
