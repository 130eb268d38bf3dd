"""A cancellation in the console takes two people: the planner asks on the confirmation page,
the task page and the 工作台 show the pending request, the planner cannot confirm it, another
holder of task.cancel (the admin) confirms it or either rejects it with a reason (TestClient;
Passwords are TEST-ONLY values)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lottery.service import cancellations
from lottery.service.lifecycle import Lifecycle
from tests.api.test_console import _audit, _csrf, _draft, _section, login
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

TASK = "T2026-101"
REASON = "名录有误<b>请核对</b>"


def _announced(client: TestClient, service: Lifecycle) -> None:
    _draft(client, TASK)
    service.announce(TASK, service.get_task(TASK).created_at)


def _ask(client: TestClient) -> None:
    login(client, "planner")
    task_page = client.get(f"/console/tasks/{TASK}").text
    assert f'href="/console/tasks/{TASK}/cancel">申请取消任务<' in task_page
    confirm = client.get(f"/console/tasks/{TASK}/cancel")
    assert confirm.status_code == 200
    assert "另一位有取消权限的工作人员确认" in confirm.text and "作废" in confirm.text
    done = client.post(
        f"/console/tasks/{TASK}/cancel",
        data={"csrf": _csrf(confirm.text), "reason": REASON},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=cancel")


def test_the_planner_asks_and_the_head_confirms(app_client: TestClient, service: Lifecycle) -> None:
    _announced(app_client, service)
    _ask(app_client)
    assert service.get_task(TASK).state == "announced"  # nothing happens yet
    page = app_client.get(f"/console/tasks/{TASK}?done=cancel").text
    assert "已提交取消申请" in page
    pending = _section(page, "h-cancel")
    assert "planner" in pending and "名录有误&lt;b&gt;请核对&lt;/b&gt;" in pending
    assert "<b>请核对" not in page  # the reason is escaped
    # The one who asked sees no confirm button, may withdraw, and may not ask twice.
    assert "/cancel/confirm" not in pending and "撤回申请" in pending
    assert f'href="/console/tasks/{TASK}/cancel"' not in page
    refused = app_client.post(f"/console/tasks/{TASK}/cancel/confirm", data={"csrf": _csrf(page)})
    assert refused.status_code == 403 and "两个不同的人" in refused.text
    assert "SamePerson" not in refused.text
    assert service.get_task(TASK).state == "announced"

    app_client.cookies.clear()
    login(app_client, "admin")
    home = app_client.get("/console/").text
    waiting = _section(home, "h-cancels")
    assert TASK in waiting and "planner" in waiting and "确认或驳回" in waiting
    page = app_client.get(f"/console/tasks/{TASK}").text
    pending = _section(page, "h-cancel")
    assert "确认取消任务" in pending and "驳回申请" in pending and "撤回申请" not in pending
    # A rejection needs a reason: shown next to the field, nothing changes.
    empty = app_client.post(
        f"/console/tasks/{TASK}/cancel/reject", data={"csrf": _csrf(page), "reason": " "}
    )
    assert empty.status_code == 422 and "请填写撤回或驳回的原因" in empty.text
    assert 'aria-invalid="true"' in _section(empty.text, "h-cancel")
    assert cancellations.pending_request(service, TASK) is not None
    done = app_client.post(
        f"/console/tasks/{TASK}/cancel/confirm", data={"csrf": _csrf(page)}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=cancel-confirm")
    task = service.get_task(TASK)
    assert (task.state, task.cancel_reason) == ("cancelled", REASON)
    after = app_client.get(done.headers["location"]).text
    assert "已确认取消申请，任务已取消" in after and 'id="h-cancel"' not in after
    assert "没有等待确认的取消申请" in _section(app_client.get("/console/").text, "h-cancels")
    assert [e.actor for e in _audit(service, "task.cancel.request")] == ["planner"]
    assert [e.actor for e in _audit(service, "task.cancel")] == ["admin"]


def test_the_author_withdraws_and_a_role_without_task_cancel_is_refused(
    app_client: TestClient, service: Lifecycle
) -> None:
    _announced(app_client, service)
    _ask(app_client)
    app_client.cookies.clear()
    login(app_client, "reviewer")  # may read tasks, may not cancel
    page = app_client.get(f"/console/tasks/{TASK}").text
    pending = _section(page, "h-cancel")
    assert "planner" in pending and "<form" not in pending
    refused = app_client.post(f"/console/tasks/{TASK}/cancel/confirm", data={"csrf": _csrf(page)})
    assert refused.status_code == 403 and "取消抽查任务" in refused.text
    assert service.get_task(TASK).state == "announced"
    app_client.cookies.clear()
    login(app_client, "planner")
    page = app_client.get(f"/console/tasks/{TASK}").text
    done = app_client.post(
        f"/console/tasks/{TASK}/cancel/reject",
        data={"csrf": _csrf(page), "reason": "申请有误"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=cancel-reject")
    after = app_client.get(done.headers["location"]).text
    assert "取消申请已撤回或驳回" in after and 'id="h-cancel"' not in after
    assert service.get_task(TASK).state == "announced"
    (event,) = _audit(service, "task.cancel.reject")
    assert (event.actor, event.detail["reason"], event.detail["withdrawn"]) == (
        "planner",
        "申请有误",
        True,
    )
    other = app_client.post(f"/console/tasks/{TASK}/cancel/other", data={"csrf": _csrf(after)})
    assert other.status_code == 404


def test_a_lost_secret_is_offered_and_shown_in_the_console(
    app_client: TestClient, service: Lifecycle
) -> None:
    """Only a task whose secret the service cannot open offers 按“秘密值遗失”取消; the pending
    request says so and the admin's confirmation carries it (docs/operations.md)."""
    from lottery.storage.models import TaskSecret

    _announced(app_client, service)
    login(app_client, "planner")
    assert 'name="secret_lost"' not in app_client.get(f"/console/tasks/{TASK}/cancel").text
    with service.session() as s, s.begin():
        row = s.get(TaskSecret, TASK)
        assert row is not None
        s.delete(row)
    confirm = app_client.get(f"/console/tasks/{TASK}/cancel").text
    assert 'name="secret_lost"' in confirm and "系统无法打开本任务的秘密值" in confirm
    unticked = app_client.post(
        f"/console/tasks/{TASK}/cancel", data={"csrf": _csrf(confirm), "reason": REASON}
    )
    assert "--secret-lost" in unticked.text or "秘密值遗失" in unticked.text
    assert cancellations.pending_request(service, TASK) is None
    done = app_client.post(
        f"/console/tasks/{TASK}/cancel",
        data={"csrf": _csrf(confirm), "reason": REASON, "secret_lost": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    app_client.cookies.clear()
    login(app_client, "admin")
    page = app_client.get(f"/console/tasks/{TASK}").text
    pending = _section(page, "h-cancel")
    assert "按“秘密值遗失”取消" in pending and 'name="secret_lost" value="1"' in pending
    confirmed = app_client.post(
        f"/console/tasks/{TASK}/cancel/confirm",
        data={"csrf": _csrf(page), "secret_lost": "1"},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303, confirmed.text
    assert service.get_task(TASK).state == "cancelled"
    [event] = _audit(service, "task.cancel")
    assert event.detail["secret_lost"] is True and event.detail["requested_by"] == "planner"
