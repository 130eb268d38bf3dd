"""The server-rendered staff console (issue #15) through FastAPI's TestClient, on SQLite.

Login and logout with the session cookie, the forms' CSRF token, the navigation by role, the
Chinese refusal page, a transition through its confirmation page, and the sealed outcome
(audited). Passwords are TEST-ONLY values.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.api.console.session import csrf_of
from lottery.api.deps import COOKIE
from lottery.service import beacons, users
from lottery.service.lifecycle import Lifecycle
from lottery.service.roles import PERM_NAMES_ZH, Perm
from lottery.storage.models import AuditEvent, Inspector, Target
from tests import lifecycle as lc
from tests.api.conftest import PASSWORD, SIGNATURE, T_DRAW, Clock, task_definition, token

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _csrf(html: str) -> str:
    match = _CSRF.search(html)
    assert match is not None, html
    return match.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> None:
    """Log ``name`` in through the console's form (cookie session)."""
    form = client.get("/console/login")
    assert form.status_code == 200
    response = client.post(
        "/console/login",
        data={"name": name, "password": password, "csrf": _csrf(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert client.cookies.get(COOKIE)


def _draft(client: TestClient, task: str = "T2026-101") -> None:
    response = client.post(
        "/api/tasks", json=task_definition(task), headers=token(client, "planner")
    )
    assert response.status_code == 201, response.text


def _audit(service: Lifecycle, action: str) -> list[AuditEvent]:
    with service.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _drawn_by_the_planner(app_client: TestClient, clock: Clock) -> str:
    """T2026-101 created, announced and drawn through the console by the planner (logged in
    afterwards); returns the form token of the planner's session."""
    _draft(app_client)
    login(app_client, "planner")
    csrf = _csrf(app_client.get("/console/").text)
    app_client.post("/console/tasks/T2026-101/announce", data={"csrf": csrf})
    clock.now = T_DRAW
    app_client.post(
        "/console/tasks/T2026-101/draw", data={"csrf": csrf, "drand_signature": SIGNATURE}
    )
    return csrf


def test_anonymous_pages_send_the_browser_to_the_login_form(app_client: TestClient) -> None:
    for path in ("/console/", "/console/tasks", "/console/password", "/console/sealed"):
        response = app_client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/console/login"
    page = app_client.get("/console/login")
    assert "用户名" in page.text and 'lang="zh-CN"' in page.text


def test_login_opens_the_dashboard_and_logout_ends_the_session(app_client: TestClient) -> None:
    login(app_client, "planner")
    session = app_client.cookies.get(COOKIE)
    home = app_client.get("/console/")
    assert home.status_code == 200
    assert "工作台" in home.text and "抽查计划员" in home.text
    logout = app_client.post(
        "/console/logout", data={"csrf": _csrf(home.text)}, follow_redirects=False
    )
    assert logout.status_code == 303
    assert logout.headers["location"] == "/console/login?bye=1"
    # The token itself is revoked: sending it again is no longer a session.
    app_client.cookies.set(COOKIE, session or "")
    again = app_client.get("/console/", follow_redirects=False)
    assert again.headers["location"] == "/console/login?expired=1"


def test_a_wrong_password_is_refused_next_to_the_field(app_client: TestClient) -> None:
    form = app_client.get("/console/login")
    response = app_client.post(
        "/console/login",
        data={"name": "planner", "password": "wrong-password-1", "csrf": _csrf(form.text)},
    )
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.text
    assert 'aria-invalid="true"' in response.text
    assert COOKIE not in app_client.cookies


def test_login_without_the_form_token_is_refused(app_client: TestClient) -> None:
    app_client.get("/console/login")
    response = app_client.post(
        "/console/login", data={"name": "planner", "password": PASSWORD, "csrf": "forged"}
    )
    assert response.status_code == 403
    assert COOKIE not in app_client.cookies


def test_the_session_expires_after_twelve_hours(app_client: TestClient, clock: Clock) -> None:
    login(app_client, "planner")
    clock.now += users.TOKEN_TTL
    response = app_client.get("/console/", follow_redirects=False)
    assert response.headers["location"] == "/console/login?expired=1"
    assert "登录已过期" in app_client.get("/console/login?expired=1").text


def test_a_form_post_without_the_session_token_changes_nothing(
    app_client: TestClient, service: Lifecycle
) -> None:
    _draft(app_client)
    login(app_client, "planner")
    for csrf in ("", "0" * 64, csrf_of("another session")):
        response = app_client.post("/console/tasks/T2026-101/announce", data={"csrf": csrf})
        assert response.status_code == 403
        assert "表单已失效" in response.text
    assert service.get_task("T2026-101").state == "draft"
    # The JSON API keeps its own rule: a cookie without the header is refused.
    api = app_client.post("/api/tasks/T2026-101/announce")
    assert api.status_code == 401


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("planner", ["工作台", "抽查任务", "封存结果"], []),
        ("inspector", ["工作台", "封存结果"], []),
        ("reviewer", ["工作台", "抽查任务"], ["封存结果"]),
        ("auditor", ["工作台", "抽查任务"], ["封存结果"]),
    ],
)
def test_the_navigation_shows_only_what_the_role_may_do(
    app_client: TestClient, role: str, shown: list[str], hidden: list[str]
) -> None:
    login(app_client, role)
    nav = app_client.get("/console/").text.split("<nav", 1)[1].split("</nav>", 1)[0]
    for label in shown:
        assert label in nav, (role, label)
    for label in hidden:
        assert label not in nav, (role, label)


def test_the_buttons_follow_the_role(app_client: TestClient) -> None:
    _draft(app_client)
    login(app_client, "planner")
    assert "/console/tasks/T2026-101/announce" in app_client.get("/console/tasks/T2026-101").text
    app_client.cookies.clear()
    login(app_client, "reviewer")
    page = app_client.get("/console/tasks/T2026-101")
    assert page.status_code == 200
    assert "/announce" not in page.text


def test_a_forbidden_post_gets_a_chinese_refusal_page(
    app_client: TestClient, service: Lifecycle
) -> None:
    _draft(app_client)
    login(app_client, "reviewer")
    home = app_client.get("/console/")
    response = app_client.post("/console/tasks/T2026-101/announce", data={"csrf": _csrf(home.text)})
    assert response.status_code == 403
    assert "不能新建和公告抽查任务" in response.text
    assert "系统管理员、抽查计划员" in response.text
    assert "task.plan" not in response.text and "Forbidden" not in response.text
    assert service.get_task("T2026-101").state == "draft"
    sealed = app_client.get("/console/sealed")
    assert sealed.status_code == 403 and "查看封存的抽取结果" in sealed.text


def test_announce_through_the_confirmation_page(app_client: TestClient, service: Lifecycle) -> None:
    _draft(app_client)
    login(app_client, "planner")
    confirm = app_client.get("/console/tasks/T2026-101/announce")
    assert confirm.status_code == 200
    assert "将会发生什么" in confirm.text and "承诺值" in confirm.text
    assert "不能撤回" in confirm.text
    assert service.get_task("T2026-101").state == "draft"  # showing it changes nothing
    done = app_client.post(
        "/console/tasks/T2026-101/announce",
        data={"csrf": _csrf(confirm.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert service.get_task("T2026-101").state == "announced"
    page = app_client.get(done.headers["location"])
    assert "已公告。" in page.text
    record = service.get_task("T2026-101").announcement_record
    assert f"/log/records/{record}" in page.text
    assert [e.actor for e in _audit(service, "task.announce")] == ["planner"]


def test_a_cancellation_without_a_reason_is_refused_next_to_the_field(
    app_client: TestClient, service: Lifecycle
) -> None:
    _draft(app_client)
    service.announce("T2026-101", service.get_task("T2026-101").created_at)
    login(app_client, "planner")
    confirm = app_client.get("/console/tasks/T2026-101/cancel")
    response = app_client.post(
        "/console/tasks/T2026-101/cancel", data={"csrf": _csrf(confirm.text), "reason": "  "}
    )
    assert response.status_code == 422
    assert "请填写取消原因" in response.text
    assert service.get_task("T2026-101").state == "announced"


def test_a_refusal_by_the_service_is_worded_in_chinese(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    csrf = _drawn_by_the_planner(app_client, clock)
    assert service.get_task("T2026-101").state == "drawn"
    # Before the disclosure time the service refuses (its message is English): a page in
    # Chinese, 4xx, nothing changed.
    early = app_client.post("/console/tasks/T2026-101/disclose", data={"csrf": csrf})
    assert early.status_code == 422
    assert "未作任何更改" in early.text and "may not" not in early.text
    assert service.get_task("T2026-101").state == "drawn"


def test_the_sealed_outcome_is_a_table_and_every_view_is_audited(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    _drawn_by_the_planner(app_client, clock)
    app_client.cookies.clear()
    login(app_client, "inspector")
    before = len(_audit(service, "outcome.read"))
    page = app_client.get("/console/tasks/T2026-101/outcome")
    assert page.status_code == 200
    assert "保密" in page.text
    with service.session() as session:
        names = {t.name for t in session.exec(select(Target))}
        people = {i.name for i in session.exec(select(Inspector))}
    rows = re.findall(r"<tr><td>\d+</td><td>([^<]+)</td>", page.text)
    assert rows and set(rows) <= names
    teams = re.findall(r"<td>([^<]*)</td></tr>", page.text)
    assert teams and all(set(t.split("、")) <= people for t in teams)
    assert "ticket" not in page.text and "{" not in page.text.split("<main", 1)[1]
    app_client.get("/console/tasks/T2026-101/outcome")
    events = _audit(service, "outcome.read")
    assert len(events) == before + 2
    assert {e.actor for e in events[before:]} == {"inspector"}


def test_a_user_who_must_change_the_password_sees_only_that_page(
    app_client: TestClient, service: Lifecycle
) -> None:
    users.reset_password(service, "auditor", "reset-only-password-7", lc.T_ANNOUNCE, actor="t")
    login(app_client, "auditor", "reset-only-password-7")
    assert app_client.get("/console/", follow_redirects=False).headers["location"] == (
        "/console/password"
    )
    form = app_client.get("/console/password")
    csrf = _csrf(form.text)
    short = app_client.post(
        "/console/password",
        data={
            "csrf": csrf,
            "old_password": "reset-only-password-7",
            "new_password": "short",
            "new_password2": "short",
        },
    )
    assert short.status_code == 422
    assert "密码太短：至少需要 12 个字符（现为 5 个）" in short.text
    wrong = app_client.post(
        "/console/password",
        data={
            "csrf": csrf,
            "old_password": "not-the-password",
            "new_password": "a-much-better-secret-9",
            "new_password2": "a-much-better-secret-9",
        },
    )
    assert wrong.status_code == 403 and "当前密码不正确" in wrong.text
    ok = app_client.post(
        "/console/password",
        data={
            "csrf": csrf,
            "old_password": "reset-only-password-7",
            "new_password": "a-much-better-secret-9",
            "new_password2": "a-much-better-secret-9",
        },
    )
    assert ok.status_code == 200 and "密码已修改" in ok.text
    assert app_client.get("/console/").status_code == 200


def test_record_text_is_escaped(app_client: TestClient) -> None:
    definition = task_definition("T-xss")
    definition["title"] = '<script>alert(1)</script>"><img src=x>'
    headers = token(app_client, "planner")
    assert app_client.post("/api/tasks", json=definition, headers=headers).status_code == 201
    login(app_client, "planner")
    page = app_client.get("/console/tasks/T-xss").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_unknown_console_pages_are_a_chinese_404(app_client: TestClient) -> None:
    login(app_client, "planner")
    assert "找不到" in app_client.get("/console/no-such-page").text
    missing = app_client.get("/console/tasks/T-none")
    assert missing.status_code == 404 and "找不到这个抽查任务" in missing.text


def _section(html: str, heading_id: str) -> str:
    return html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def test_the_dashboard_shows_times_sealed_tasks_beacons_and_the_checkpoint(
    app_client: TestClient, service: Lifecycle, clock: Clock
) -> None:
    _drawn_by_the_planner(app_client, clock)
    # A public-numbers task whose numbers one person has entered.
    service.create_task(lc.params(lc.small_registries(), "T-num"), lc.T_ANNOUNCE, actor="t")
    service.announce("T-num", lc.T_ANNOUNCE)
    values = [list(v) for v in lc.beacon()[1].values]
    beacons.enter_numbers(service, "T-num", values, "planner", lc.T_DRAW)
    home = app_client.get("/console/").text
    upcoming = _section(home, "h-upcoming")
    assert "T2026-101" in upcoming and "公开抽取结果" in upcoming
    assert "2026-04-01 08:00（北京时间）" in upcoming  # disclosure 2026-04-01T00:00:00Z
    assert "T-num" in upcoming and "2026年3月2日" in upcoming  # the numbers' draw day
    assert "T2026-101" in _section(home, "h-sealed")
    pending = _section(home, "h-beacons")
    assert "T-num" in pending and "planner" in pending and "T2026-101" not in pending
    with service.session() as session:
        size = service.log.size(session)
    assert f"共 {size} 条记录" in _section(home, "h-log")
    assert "没有待公示" in _section(home, "h-due")


def test_every_permission_has_a_chinese_name_for_refusals() -> None:
    # A refusal page names the action; a permission without a name would be a 500.
    assert set(PERM_NAMES_ZH) == set(Perm)
    assert all(re.search(r"[\u4e00-\u9fff]", name) for name in PERM_NAMES_ZH.values())


def test_a_mixed_english_message_is_not_shown_as_chinese() -> None:
    from lottery.api.console.words import error_zh
    from lottery.core.errors import InputError
    from lottery.core.workdays import CalendarDataMissing

    missing = error_zh(CalendarDataMissing(2031))
    assert "2031 年的节假日安排" in missing and "calendar" not in missing
    quoted = error_zh(InputError("the office must enter the data first (数据尚未录入)"))
    assert quoted == "输入或时间不符合要求，未作任何更改。"
    chinese = error_zh(InputError("任务 T2026-001 当前状态为 drawn，不能录入号码"))
    assert chinese.endswith("任务 T2026-001 当前状态为 drawn，不能录入号码")
