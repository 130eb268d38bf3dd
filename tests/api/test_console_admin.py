"""The console's 网站发布, 审计记录 and 用户管理 pages (issue #15, second increment), through
FastAPI's TestClient on SQLite and PostgreSQL.

Passwords here are TEST-ONLY values.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from lottery.api.console.audit_csv import neutralise
from lottery.api.console.audit_words import ACTIONS_ZH, DETAIL_KEYS_ZH, detail_pairs
from lottery.api.console.site_page import duration_zh, error_zh
from lottery.api.deps import COOKIE
from lottery.service.audit_trail import record_audit
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import AuditEvent, SitePublication, User
from tests import lifecycle as lc
from tests.api.conftest import T_ANNOUNCE
from tests.api.test_console import _csrf, login

SERVICE_DIR = Path(__file__).resolve().parents[2] / "lottery" / "service"


def _audit(service: Lifecycle, action: str) -> list[AuditEvent]:
    with service.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _account(service: Lifecycle, name: str) -> User | None:
    with service.session() as session:
        return session.get(User, name)


# -- 网站发布 -------------------------------------------------------------------------------


def test_without_a_site_dir_the_page_says_so_instead_of_the_button(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "planner")
    page = app_client.get("/console/site")
    assert page.status_code == 200
    assert "未配置公开网站目录" in page.text
    assert "立即重新发布" not in page.text
    refused = app_client.post("/console/site/publish", data={"csrf": _csrf(page.text)})
    assert refused.status_code == 409 and "无法重新发布" in refused.text
    assert "LOTTERY_SITE_DIR" not in refused.text
    assert _audit(service, "site.publish") == []


def test_republish_now_from_the_page_publishes_and_shows_the_run(
    site_client: TestClient, service: Lifecycle, tmp_path: Path
) -> None:
    service.create_task(lc.params(lc.small_registries(), "T-site"), lc.T_ANNOUNCE, actor="t")
    service.announce("T-site", lc.T_ANNOUNCE, actor="t")
    login(site_client, "planner")
    before = site_client.get("/console/site")
    assert "还没有成功发布过" in before.text and "立即重新发布" in before.text
    forged = site_client.post("/console/site/publish", data={"csrf": "forged"})
    assert forged.status_code == 403 and _audit(service, "site.publish") == []
    done = site_client.post(
        "/console/site/publish", data={"csrf": _csrf(before.text)}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/console/site?done=1"
    assert [e.actor for e in _audit(service, "site.publish")] == ["planner"]
    after = site_client.get(done.headers["location"]).text
    with service.session() as session:
        size = service.log.size(session)
    assert "已请求重新发布" in after
    assert f"公开网站已是最新：已发布公开日志的全部 {size} 条记录" in after
    assert f"{size} 条记录" in after.split('id="h-last"', 1)[1]
    assert "成功" in after and "（北京时间）" in after and "用时" in after
    assert (tmp_path / "site" / "index.html").is_file()


def test_roles_without_the_publish_permission_see_the_status_but_no_button(
    site_client: TestClient, service: Lifecycle
) -> None:
    login(site_client, "inspector")
    page = site_client.get("/console/site")
    assert page.status_code == 200 and "公开网站的状态" in page.text
    assert "立即重新发布" not in page.text
    refused = site_client.post("/console/site/publish", data={"csrf": _csrf(page.text)})
    assert refused.status_code == 403 and "公开抽取结果" in refused.text
    assert _audit(service, "site.publish") == []


def test_a_failed_run_is_explained_in_chinese(site_client: TestClient, service: Lifecycle) -> None:
    start = T_ANNOUNCE
    with service.session() as session, session.begin():
        session.add(
            SitePublication(
                holder="h",
                actor="scheduler",
                started_at=start,
                finished_at=start + timedelta(seconds=75),
                size=3,
                duration_s=75.2,
                error="OSError: [Errno 28] No space left on device",
            )
        )
    login(site_client, "auditor")
    page = site_client.get("/console/site").text
    last = page.split('id="h-last"', 1)[1]
    assert "失败" in last and "生成公开网站时出错" in last and "1 分 15 秒" in last
    assert "OSError" not in page and "No space" not in page


def test_durations_and_errors_in_words() -> None:
    assert duration_zh(None) == "—"
    assert duration_zh(0.2) == "不到 1 秒"
    assert duration_zh(12.4) == "12 秒"
    assert duration_zh(125) == "2 分 5 秒"
    assert error_zh(None) == ""
    assert "LeaseLost" not in error_zh("LeaseLost: 发布用时超过租约期限")
    assert "发布用时超过租约期限" in error_zh("LeaseLost: 发布用时超过租约期限")
    assert "Errno" not in error_zh("OSError: [Errno 28] No space left on device")


# -- 审计记录 -------------------------------------------------------------------------------

BASE = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)  # 2026-03-01 23:00 Beijing time


def _events(service: Lifecycle, count: int) -> None:
    """``count`` events an hour apart from BASE: actors alternate, objects T-0, T-1, ..."""
    with service.session() as session, session.begin():
        for i in range(count):
            actor = "planner" if i % 2 == 0 else "reviewer"
            action = "task.announce" if i % 3 == 0 else "result.approve"
            record_audit(session, BASE + timedelta(hours=i), actor, action, f"T-{i}")


def test_only_auditing_roles_may_read_the_trail(app_client: TestClient) -> None:
    login(app_client, "planner")
    home = app_client.get("/console/").text
    assert "/console/audit" not in home.split("<nav", 1)[1].split("</nav>", 1)[0]
    for path in ("/console/audit", "/console/audit.csv"):
        refused = app_client.get(path)
        assert refused.status_code == 403 and "查看审计日志" in refused.text
    app_client.cookies.clear()
    login(app_client, "auditor")
    nav = app_client.get("/console/").text.split("<nav", 1)[1].split("</nav>", 1)[0]
    assert "审计记录" in nav and "用户管理" not in nav


def _rows(html: str) -> list[str]:
    """The object column of the events table."""
    body = html.split('id="h-events"', 1)[1]
    return [cells.split("<td>")[4].split("</td>")[0] for cells in body.split("<tr>")[2:]]


def test_the_trail_is_paginated_newest_first_with_chinese_action_names(
    app_client: TestClient, service: Lifecycle
) -> None:
    _events(service, 120)
    login(app_client, "auditor")
    first = app_client.get("/console/audit?action=result.approve")
    assert first.status_code == 200
    assert "共 80 条" in first.text and "第 1 页，共 2 页" in first.text
    rows = _rows(first.text)
    assert len(rows) == 50 and rows[0] == "T-119" and rows[1] == "T-118"
    assert "审核通过检查结果" in first.text and "<td>result.approve</td>" not in first.text
    second = app_client.get("/console/audit?action=result.approve&page=2")
    rows2 = _rows(second.text)
    assert len(rows2) == 30 and rows2[-1] == "T-1" and not set(rows) & set(rows2)
    assert "上一页" in second.text and "下一页" not in second.text
    junk = app_client.get("/console/audit?page=abc")
    assert junk.status_code == 200 and "第 1 页" in junk.text


def test_filters_by_user_object_and_beijing_dates(
    app_client: TestClient, service: Lifecycle
) -> None:
    _events(service, 30)
    login(app_client, "auditor")
    by_user = _rows(app_client.get("/console/audit?user=reviewer&object=T-").text)
    assert by_user and all(int(o[2:]) % 2 == 1 for o in by_user)
    # object "T-2" matches T-2, T-20..T-29 (contains), and a '%' is not a wildcard.
    assert sorted(_rows(app_client.get("/console/audit?object=T-2").text)) == sorted(
        ["T-2"] + [f"T-{i}" for i in range(20, 30)]
    )
    assert _rows(app_client.get("/console/audit?object=T-%25").text) == []
    # 2026-03-02 Beijing time is BASE+1h .. BASE+24h (events T-1 .. T-24).
    day = _rows(app_client.get("/console/audit?from=2026-03-02&to=2026-03-02&object=T-").text)
    assert sorted(int(o[2:]) for o in day) == list(range(1, 25))


def test_a_bad_date_is_refused_next_to_the_field(app_client: TestClient) -> None:
    login(app_client, "auditor")
    bad = app_client.get("/console/audit?from=yesterday")
    assert bad.status_code == 422
    assert "起始日期须是日期" in bad.text and 'aria-invalid="true"' in bad.text
    assert 'id="h-events"' not in bad.text
    backwards = app_client.get("/console/audit?from=2026-03-05&to=2026-03-01")
    assert backwards.status_code == 422 and "截止日期不能早于起始日期" in backwards.text
    csv_bad = app_client.get("/console/audit.csv?to=31/12/2026")
    assert csv_bad.status_code == 422 and "截止日期须是日期" in csv_bad.text


def test_the_csv_export_has_a_bom_the_filtered_rows_and_no_formulas(
    app_client: TestClient, service: Lifecycle
) -> None:
    _events(service, 6)
    hostile = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "safe"]
    with service.session() as session, session.begin():
        for i, obj in enumerate(hostile):
            record_audit(session, BASE + timedelta(days=3, minutes=i), "=cmd", "user.create", obj)
    login(app_client, "auditor")
    page = app_client.get("/console/audit?user=%3Dcmd")
    assert "/console/audit.csv?user=%3Dcmd" in page.text
    response = app_client.get("/console/audit.csv?user=%3Dcmd")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["编号", "时间（北京时间）", "用户", "操作"]
    assert len(rows) == 1 + len(hostile)
    assert {r[2] for r in rows[1:]} == {"'=cmd"} and {r[3] for r in rows[1:]} == {"新建用户账号"}
    objects = [r[5] for r in rows[1:]]
    assert objects == ["'" + o if o != "safe" else o for o in reversed(hostile)]
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t")) for cell in row)
    assert rows[1][1] == "2026-03-04 23:05:00"  # newest first, Beijing time


def test_neutralise_leaves_plain_text_alone() -> None:
    assert neutralise("T2026-001") == "T2026-001"
    assert neutralise("张三") == "张三"
    assert neutralise("-5") == "'-5"
    assert neutralise("") == ""


def test_audit_text_is_escaped(app_client: TestClient, service: Lifecycle) -> None:
    with service.session() as session, session.begin():
        record_audit(session, BASE, "x", "task.create", "<script>alert(1)</script>")
    login(app_client, "auditor")
    page = app_client.get("/console/audit").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_audit_detail_is_shown_as_chinese_labels_and_escaped(
    app_client: TestClient, service: Lifecycle
) -> None:
    detail = {
        "reason": "<script>alert(2)</script>",
        "record": "ab" * 32,
        "ground": "expired",
        "must_change_password": True,
        "roles": ["planner", "reviewer"],
        "<i>odd</i>": {"b": "<b>x</b>", "a": 1},
    }
    with service.session() as session, session.begin():
        record_audit(session, BASE, "x", "penalty.withdraw", "P-1", detail)
    login(app_client, "auditor")
    page = app_client.get("/console/audit").text
    row = page.split("<td>P-1</td>", 1)[1].split("</tr>", 1)[0]
    cell = row.split('<td class="detail">', 1)[1].split("</td>", 1)[0]
    assert "<script>alert(2)" not in page and "&lt;script&gt;alert(2)&lt;/script&gt;" in cell
    # Known keys by their Chinese label, in the table's order; the unknown key last, as itself.
    labels = re.findall(r"<dt>(.*?)</dt>", cell)
    assert labels == ["公开记录", "依据", "原因", "角色", "须修改密码", "&lt;i&gt;odd&lt;/i&gt;"]
    assert f"<dt>公开记录</dt><dd>{'ab' * 32}</dd>" in cell
    assert "<dt>依据</dt><dd>公示期满</dd>" in cell
    assert "<dt>须修改密码</dt><dd>是</dd>" in cell
    assert "<dt>角色</dt><dd>planner、reviewer</dd>" in cell
    assert "&lt;b&gt;x&lt;/b&gt;" in cell and "<b>x</b>" not in page
    assert '"reason"' not in cell  # not the stored JSON any more
    # The CSV keeps the detail as its stored JSON.
    rows = list(csv.reader(io.StringIO(app_client.get("/console/audit.csv").text.lstrip("\ufeff"))))
    (stored,) = [r[-1] for r in rows[1:] if r[5] == "P-1"]
    assert json.loads(stored) == detail


def test_audit_detail_values_in_words() -> None:
    assert detail_pairs({}) == []
    assert detail_pairs({"fallback": False, "before": None, "changed": []}) == [
        ("修改的内容", "无"),
        ("备用信标", "否"),
        ("修改前", "无"),
    ]
    assert detail_pairs({"step": "draw", "ground": "nope", "rows": 12}) == [
        ("依据", "nope"),
        ("步骤", "抽取"),
        ("行数", "12"),
    ]
    assert detail_pairs({"numbers": [[408], [2, 7]]}) == [("录入的号码", "[[408], [2, 7]]")]


def _detail_keys() -> set[str]:
    """The literal keys of the details the service records: a dict passed to ``record_audit``
    or as ``detail=``, or assigned to a name called ``detail`` or ``extra``."""
    found: set[str] = set()
    for path in SERVICE_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            dicts: list[ast.expr] = []
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "record_audit":
                dicts += node.args[5:6]
            if isinstance(node, ast.Call):
                dicts += [k.value for k in node.keywords if k.arg == "detail"]
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id in ("detail", "extra") for t in targets):
                    dicts += [node.value] if node.value is not None else []
            for d in dicts:
                if isinstance(d, ast.Dict):
                    found |= {k.value for k in d.keys if isinstance(k, ast.Constant)}
    return found


def test_every_audited_detail_key_has_a_chinese_label() -> None:
    keys = _detail_keys()
    assert {"record", "reason", "ground", "round", "sessions_ended", "added", "scope"} <= keys
    assert keys - set(DETAIL_KEYS_ZH) == set()


def _audit_actions() -> set[str]:
    """The action of every ``record_audit(`` call in the service (literal, or the string
    constants assigned to the name it passes)."""
    found: set[str] = set()
    for path in SERVICE_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assigned: dict[str, set[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                strings = {
                    n.value
                    for n in ast.walk(node.value)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)
                }
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, set()).update(strings)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "record_audit"):
                continue
            action = node.args[3] if len(node.args) > 3 else None
            if isinstance(action, ast.Constant) and isinstance(action.value, str):
                found.add(action.value)
            elif isinstance(action, ast.Name):
                found |= assigned.get(action.id, set())
            else:
                pytest.fail(f"{path.name}:{node.lineno}: action not understood")
    return found


def test_every_audited_action_has_a_chinese_name() -> None:
    actions = _audit_actions()
    assert {"task.announce", "user.enable", "user.disable", "site.publish"} <= actions
    assert actions - set(ACTIONS_ZH) == set()


# -- 用户管理 -------------------------------------------------------------------------------


def test_only_admins_manage_users(app_client: TestClient) -> None:
    login(app_client, "auditor")
    refused = app_client.get("/console/users")
    assert refused.status_code == 403 and "管理用户账号" in refused.text
    app_client.cookies.clear()
    login(app_client, "admin")
    page = app_client.get("/console/users")
    assert page.status_code == 200
    assert "用户管理" in page.text.split("<nav", 1)[1].split("</nav>", 1)[0]
    row = page.text.split("<td>reviewer</td>", 1)[1].split("</tr>", 1)[0]
    assert "审核人员" in row and "启用" in row and "否" in row


def test_an_admin_adds_a_user_who_must_change_the_password(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "admin")
    form = app_client.get("/console/users")
    done = app_client.post(
        "/console/users",
        data={
            "csrf": _csrf(form.text),
            "name": "zhang.san",
            "password": "first-login-secret-1",
            "roles": ["inspector", "reviewer"],
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    shown = app_client.get(done.headers["location"]).text
    assert "已新建用户 zhang.san" in shown
    account = _account(service, "zhang.san")
    assert account is not None and account.must_change_password
    assert sorted(account.roles) == ["inspector", "reviewer"]
    assert [e.actor for e in _audit(service, "user.create") if e.object == "zhang.san"] == ["admin"]
    row = shown.split("<td>zhang.san</td>", 1)[1].split("</tr>", 1)[0]
    assert "执法检查人员、审核人员" in row and "是（尚未设置自己的密码）" in row
    other = TestClient(app_client.app)
    login(other, "zhang.san", "first-login-secret-1")
    assert other.get("/console/", follow_redirects=False).headers["location"] == (
        "/console/password"
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "张三", "roles": ["planner"]}, "name", "用户名只能用英文字母"),
        ({"name": "", "roles": ["planner"]}, "name", "请输入用户名"),
        ({"name": "planner", "roles": ["planner"]}, "name", "已被使用"),
        ({"name": "li.si", "roles": []}, "roles", "请至少选择一个角色"),
        ({"name": "li.si", "roles": ["root"]}, "roles", "请从列出的角色中选择"),
        ({"name": "li.si", "roles": ["planner"], "password": "short"}, "password", "密码太短"),
        (
            {"name": "li.si", "roles": ["planner"], "password": "li.si-li.si-li.si"},
            "password",
            "用户名",
        ),
    ],
)
def test_a_bad_new_user_is_refused_next_to_the_field(
    app_client: TestClient,
    service: Lifecycle,
    fields: dict[str, object],
    field: str,
    message: str,
) -> None:
    login(app_client, "admin")
    csrf = _csrf(app_client.get("/console/users").text)
    data = {"csrf": csrf, "password": "a-good-long-secret-4", **fields}
    response = app_client.post("/console/users", data=data)
    assert response.status_code == 422
    error = response.text.split(f'id="f-{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert _account(service, "li.si") is None and _account(service, "张三") is None


def test_adding_a_user_without_the_form_token_changes_nothing(
    app_client: TestClient, service: Lifecycle
) -> None:
    login(app_client, "admin")
    app_client.get("/console/users")
    response = app_client.post(
        "/console/users",
        data={"csrf": "", "name": "li.si", "password": "a-good-long-secret-4", "roles": "admin"},
    )
    assert response.status_code == 403 and "表单已失效" in response.text
    assert _account(service, "li.si") is None


def test_disable_ends_the_sessions_and_enable_restores_the_account(
    app_client: TestClient, service: Lifecycle
) -> None:
    reviewer = TestClient(app_client.app)
    login(reviewer, "reviewer")
    login(app_client, "admin")
    csrf = _csrf(app_client.get("/console/users").text)
    off = app_client.post(
        "/console/users/reviewer/active", data={"csrf": csrf, "active": "0"}, follow_redirects=False
    )
    assert off.status_code == 303
    assert "已停用用户 reviewer" in app_client.get(off.headers["location"]).text
    account = _account(service, "reviewer")
    assert account is not None and not account.active
    assert reviewer.get("/console/", follow_redirects=False).headers["location"] == (
        "/console/login?expired=1"
    )
    on = app_client.post("/console/users/reviewer/active", data={"csrf": csrf, "active": "1"})
    assert on.status_code == 200 and "已启用用户 reviewer" in on.text
    account = _account(service, "reviewer")
    assert account is not None and account.active
    assert [e.action for e in _audit(service, "user.disable")] == ["user.disable"]
    # One's own account is not offered, and a hand-made request is refused.
    page = app_client.get("/console/users").text
    assert 'action="/console/users/admin/active"' not in page
    self_off = app_client.post("/console/users/admin/active", data={"csrf": csrf, "active": "0"})
    assert self_off.status_code == 409 and "不能停用您自己" in self_off.text
    account = _account(service, "admin")
    assert account is not None and account.active
    missing = app_client.post("/console/users/nobody/active", data={"csrf": csrf, "active": "0"})
    assert missing.status_code == 404 and "找不到这个用户" in missing.text


def test_a_password_reset_goes_through_its_confirmation_page(
    app_client: TestClient, service: Lifecycle
) -> None:
    reviewer = TestClient(app_client.app)
    login(reviewer, "reviewer")
    login(app_client, "admin")
    confirm = app_client.get("/console/users/reviewer/reset")
    assert confirm.status_code == 200
    assert "将会发生什么" in confirm.text and "登录立即失效" in confirm.text
    account = _account(service, "reviewer")
    assert account is not None and not account.must_change_password  # showing changes nothing
    csrf = _csrf(confirm.text)
    short = app_client.post("/console/users/reviewer/reset", data={"csrf": csrf, "password": "x"})
    assert short.status_code == 422 and "密码太短" in short.text
    assert 'aria-invalid="true"' in short.text
    done = app_client.post(
        "/console/users/reviewer/reset",
        data={"csrf": csrf, "password": "a-fresh-start-pass-5"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "已重置用户 reviewer 的密码" in app_client.get(done.headers["location"]).text
    account = _account(service, "reviewer")
    assert account is not None and account.must_change_password
    assert reviewer.get("/console/", follow_redirects=False).status_code == 303
    assert reviewer.cookies.get(COOKIE)  # the cookie is there, the session is not
    assert [e.actor for e in _audit(service, "user.password-reset")] == ["admin"]
    assert app_client.get("/console/users/nobody/reset").status_code == 404
