"""The staff console in Chromium (issue #15): a planner logs in, announces a task through its
confirmation page and logs out; every console page (an admin's too) passes axe (no serious or
critical violation) at 1280 px and 375 px, and every control on it is reachable with the Tab key.

Passwords here are TEST-ONLY values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright import sync_api
from sqlmodel import select

from lottery.api import create_app
from lottery.core.draw import TaskParams
from lottery.demo.recorded import QUICKNET_SIGNATURE
from lottery.service import cancellations, users
from lottery.service.drawing import draw_task
from lottery.service.lifecycle import Lifecycle
from lottery.service.penalties import Amount, PenaltyEntry, PenaltyService
from lottery.service.taskfile import TaskDefinition
from lottery.settings import get_settings
from lottery.storage.models import Target, TaskReport
from tests import lifecycle as lc
from tests.api.conftest import T_ANNOUNCE, T_DRAW, task_definition
from tests.browser.chromium import axe_violations, offsite, recorded_page, tab_through
from tests.browser.serving import serve_app
from tests.service.conftest import load_registries

pytestmark = pytest.mark.browser
PASSWORD = "test-only-password"  # noqa: S105 - test-only
WIDTHS = (1280, 375)
SEVERE = ("serious", "critical")


def _params(task: str) -> TaskParams:
    return TaskDefinition.model_validate(task_definition(task)).to_params()


@dataclass
class Console:
    url: str
    service: Lifecycle
    app: FastAPI | None = None  # the served app (its state: e.g. the registry import jobs)


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """A served console: a draft (T-web), an announced task (T-ann) whose cancellation the
    admin asked for, a drawn one (T-drawn), a planner, a reviewer and an admin; a site
    directory (never published here)."""
    data = Path(tmp_path_factory.mktemp("console"))
    settings = get_settings(
        data_dir=data,
        log_origin=lc.LOG,
        drand_relays=["http://127.0.0.1:9"],
        site_dir=data / "site",
    )
    service = Lifecycle.open(settings)
    load_registries(service, lc.small_registries())
    for name in ("planner", "reviewer", "admin"):
        users.create_user(service, name, PASSWORD, [name], T_ANNOUNCE, actor="test")
    for task in ("T-web", "T-ann", "T-drawn"):
        service.create_task(_params(task), T_ANNOUNCE, actor="test")
    service.announce("T-ann", T_ANNOUNCE)
    service.announce("T-drawn", T_ANNOUNCE)
    draw_task(
        service,
        "T-drawn",
        T_DRAW,
        actor="test",
        signature=QUICKNET_SIGNATURE,
    ).drawn()
    # A cancellation of T-ann asked by the admin: the planner's task page shows it with the
    # confirm and reject forms.
    cancellations.request_cancel(service, "T-ann", "名录有误，取消重抽", "admin", T_ANNOUNCE)
    app = create_app(settings, service=service, clock=lambda: T_DRAW - (T_DRAW - T_ANNOUNCE) / 2)
    with serve_app(app) as url:
        yield Console(url, service, app)
    service.engine.dispose()


def _login(page: sync_api.Page, url: str, name: str) -> None:
    page.goto(f"{url}/console/login")
    page.fill("#f-name", name)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/console/")


def _severe(page: sync_api.Page) -> list[str]:
    violations = axe_violations(page)
    return [f"{v['id']} ({v['impact']}): {v['help']}" for v in violations if v["impact"] in SEVERE]


# Tab through the page; return the controls the focus never reached.
# A control's key: its markup, except that a group of radio buttons is one tab stop (the
# arrow keys move inside it, as in every browser), named after the group.
_KEY = "e => e.type === 'radio' ? 'radio group ' + e.name : e.outerHTML.slice(0, 80)"
_UNREACHED = """async () => {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]';
  const controls = [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null
      || getComputedStyle(e).position === 'absolute');
  return [...new Set(controls.map(KEY))];
}""".replace("KEY", _KEY)


def _unreached(page: sync_api.Page) -> list[str]:
    controls: list[str] = page.evaluate(_UNREACHED)
    # A date or time field takes one Tab per part (year, month, day, hour...): up to 7.
    seen = tab_through(page, controls, _KEY, len(controls) * 7 + 5)
    return [c for c in controls if c not in seen]


def _check_page(page: sync_api.Page, path: str, url: str, submit: str = "") -> None:
    """axe and the Tab key on ``path`` at each width; after clicking ``submit`` if given (a
    form sent as it is, to check the page with its errors next to the fields)."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(f"{url}{path}")
        assert response is not None and response.status < 500, path
        if submit:
            page.click(submit)
            page.wait_for_selector(".field-error, .error-box")
        assert _severe(page) == [], (path, submit, width)
        assert _unreached(page) == [], (path, submit, width)


PLANNER_PAGES = (
    "/console/",
    "/console/tasks",
    "/console/tasks/T-web",
    "/console/tasks/T-web/announce",
    "/console/tasks/T-ann",  # the pending cancellation with its confirm and reject forms
    "/console/tasks/T-ann/draw",
    "/console/tasks/T-drawn",
    "/console/tasks/T-drawn/disclose",
    "/console/tasks/T-drawn/cancel",
    "/console/sealed",
    "/console/tasks/T-drawn/outcome",
    "/console/sheets/T-drawn",
    "/console/site",
    "/console/password",
    "/console/no-such-page",
)
OFFICE_PAGES = (  # a planner's office pages that need no data of their own
    "/console/penalties",
    "/console/penalties/new",
    "/console/penalties/withdraw-expired",  # with the office data: one decision past its period
    "/console/calendar",
    "/console/calendar?year=2099",
    "/console/calendar/2099/edit",
    "/console/snapshots",
    "/console/snapshots/targets",
    "/console/exchange",
)
ADMIN_PAGES = (
    "/console/audit",
    "/console/audit?action=auth.login&page=1",
    "/console/audit?from=not-a-date",  # the error next to the field
    "/console/users",
    "/console/users/reviewer/reset",
    "/console/rectifications",  # the order form (no open order in this data)
    "/console/objections",  # the record form (no objection in this data)
)


def test_every_console_page_is_accessible_and_keyboard_reachable(
    browser: sync_api.Browser, console: Console
) -> None:
    rec = recorded_page(browser)
    page = rec.page
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{console.url}/console/login")
        assert _severe(page) == [], ("login", width)
        assert _unreached(page) == [], ("login", width)
    _check_page(page, "/console/login", console.url, submit="button[type=submit]")
    _login(page, console.url, "planner")
    for path in PLANNER_PAGES:
        _check_page(page, path, console.url)
    # Pages showing errors next to their fields: an empty cancellation reason, a bad
    # signature, an empty password form.
    _check_page(
        page, "/console/tasks/T-drawn/cancel", console.url, "button:text-is('确认申请取消任务')"
    )
    assert "请填写取消原因" in page.inner_text("main")
    _check_page(page, "/console/tasks/T-ann", console.url, "button:text-is('驳回申请，不取消')")
    assert "请填写撤回或驳回的原因" in page.inner_text("main")
    page.goto(f"{console.url}/console/tasks/T-ann/draw")
    page.fill("#f-drand_signature", "not hex")
    page.click("button:text-is('确认抽取')")
    assert "十六进制" in page.inner_text("main")
    assert _severe(page) == []
    _check_page(page, "/console/password", console.url, "button:text-is('修改密码')")
    assert console.service.get_task("T-drawn").state == "drawn"
    assert console.service.get_task("T-ann").state == "announced"
    assert cancellations.pending_request(console.service, "T-ann") is not None
    rec.context.close()
    reviewer = recorded_page(browser)
    _login(reviewer.page, console.url, "reviewer")
    _check_page(reviewer.page, "/console/sealed", console.url)  # the refusal page
    assert "没有权限" in reviewer.page.inner_text("main")
    reviewer.context.close()
    admin = recorded_page(browser)
    _login(admin.page, console.url, "admin")
    for path in ADMIN_PAGES:
        _check_page(admin.page, path, console.url)
    # The new-user form and the reset page sent empty: errors next to their fields.
    _check_page(admin.page, "/console/users", console.url, "button:text-is('新建用户')")
    assert "请输入用户名" in admin.page.inner_text("main")
    assert "请至少选择一个角色" in admin.page.inner_text("main")
    _check_page(
        admin.page, "/console/users/reviewer/reset", console.url, "button:text-is('确认重置密码')"
    )
    assert "请输入新的初始密码" in admin.page.inner_text("main")
    admin.context.close()
    assert offsite(rec.requests + reviewer.requests + admin.requests) == []
    assert rec.errors == [] and reviewer.errors == [] and admin.errors == []


def test_a_planner_announces_through_the_confirmation_page_and_logs_out(
    browser: sync_api.Browser, console: Console
) -> None:
    rec = recorded_page(browser, viewport={"width": 1280, "height": 900})
    page = rec.page
    _login(page, console.url, "planner")
    assert "抽查计划员" in page.inner_text("header")
    page.click("nav >> text=抽查任务")
    page.click("a:text-is('T-web')")
    assert "草稿" in page.inner_text("main")
    page.click("a.button:text-is('公告')")
    assert "将会发生什么" in page.inner_text("main")
    assert console.service.get_task("T-web").state == "draft"
    page.click("button:text-is('确认公告')")
    page.wait_for_url(f"{console.url}/console/tasks/T-web?done=announce")
    assert "已公告。" in page.inner_text("main")
    assert "已公告" in page.inner_text("dl.facts")
    assert console.service.get_task("T-web").state == "announced"
    record = console.service.get_task("T-web").announcement_record
    assert page.locator(f"a[href='/log/records/{record}']").count() == 1
    page.click("button:text-is('退出登录')")
    page.wait_for_url(f"{console.url}/console/login?bye=1")
    assert "您已退出登录" in page.inner_text("main")
    page.goto(f"{console.url}/console/")
    assert page.url == f"{console.url}/console/login"
    assert rec.errors == [] and offsite(rec.requests) == []
    rec.context.close()


def _office_data(service: Lifecycle) -> tuple[int, int]:
    """A penalty waiting for approval, a published one and one past its publication period
    (entered by the planner), and a report draft of T-drawn (written directly: its page
    renders the form whatever the task's state); returns the first two penalties' ids."""
    penalties = PenaltyService(service.engine, service.log)
    decided = (T_ANNOUNCE - timedelta(days=10)).date()
    with service.session() as session:
        target = session.exec(select(Target.uscc).order_by(Target.uscc)).first() or ""
    ids = []
    for number, days in (
        ("浏览器测试罚〔1〕号", 365),
        ("浏览器测试罚〔2〕号", 365),
        ("浏览器测试罚〔3〕号", 1),
    ):
        entry = PenaltyEntry(
            decision=number,
            target=target,
            decided=decided,
            facts="擅自改变人防工程主体结构",
            basis="《中华人民共和国人民防空法》第四十九条",
            kind="罚款",
            content="责令限期改正，并处罚款",
            authority="市人民防空办公室",
            publish_until=decided + timedelta(days=days),
            amounts=[Amount("罚款", 500_000)],
        )
        ids.append(penalties.enter(entry, T_ANNOUNCE, actor="planner"))
    penalties.approve(ids[1], T_ANNOUNCE, reviewer="reviewer")
    penalties.approve(ids[2], T_ANNOUNCE, reviewer="reviewer")
    with service.session() as session, session.begin():
        session.add(
            TaskReport(
                task="T-drawn",
                completed=decided,
                summary={"picked": 3, "checked": 3, "problems": 1},
                text="抽查报告\n一、抽查概况\n本次抽查总体良好。",
                drafted_by="planner",
                created_at=T_ANNOUNCE,
            )
        )
    return ids[0], ids[1]


def test_office_pages_are_accessible_and_keyboard_reachable(
    browser: sync_api.Browser, console: Console
) -> None:
    """行政处罚, 抽查报告, 节假日安排, 名录快照 and the roles form, with their error states."""
    waiting, published = _office_data(console.service)
    planner = recorded_page(browser)
    page = planner.page
    _login(page, console.url, "planner")
    for path in (
        *OFFICE_PAGES,
        f"/console/penalties/{published}/withdraw",
        "/console/tasks/T-drawn/report",
    ):
        _check_page(page, path, console.url)
    page.goto(f"{console.url}/console/penalties/withdraw-expired")
    assert "确认撤回这 1 项" in page.inner_text("main")
    _check_page(page, "/console/penalties/new", console.url, "button:text-is('录入（待审核）')")
    assert "请填写处罚决定书文号" in page.inner_text("main")
    _check_page(
        page, f"/console/penalties/{published}/withdraw", console.url, "button:text-is('确认撤回')"
    )
    assert "请写明撤回的原因" in page.inner_text("main")
    _check_page(
        page,
        "/console/calendar/2099/edit",
        console.url,
        "button:text-is('下一步：查看将公开的内容')",
    )
    assert "请至少填写一天节假日" in page.inner_text("main")
    for width in WIDTHS:  # the confirmation page of a year (a POST)
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{console.url}/console/calendar/2099/edit")
        page.fill("#f-holidays", "2099-01-01")
        page.fill("#f-source", "测试通知")
        page.click("button:text-is('下一步：查看将公开的内容')")
        assert "将会公开的内容" in page.inner_text("main")
        assert _severe(page) == [], ("calendar confirm", width)
        assert _unreached(page) == [], ("calendar confirm", width)
    planner.context.close()
    reviewer = recorded_page(browser)
    _login(reviewer.page, console.url, "reviewer")
    for path in (
        "/console/penalties",
        f"/console/penalties/{waiting}/approve",
        "/console/tasks/T-drawn/report/approve",
        "/console/snapshots",  # the refusal page
    ):
        _check_page(reviewer.page, path, console.url)
    reviewer.context.close()
    admin = recorded_page(browser)
    _login(admin.page, console.url, "admin")
    _check_page(admin.page, "/console/users/reviewer/roles", console.url)
    for width in WIDTHS:  # every role unticked: the error next to the choices
        admin.page.set_viewport_size({"width": width, "height": 900})
        admin.page.goto(f"{console.url}/console/users/reviewer/roles")
        admin.page.uncheck("input[value=reviewer]")
        admin.page.click("button:text-is('保存角色')")
        assert "请至少选择一个角色" in admin.page.inner_text("main")
        assert _severe(admin.page) == [], ("roles", width)
        assert _unreached(admin.page) == [], ("roles", width)
    admin.context.close()
    records = planner.requests + reviewer.requests + admin.requests
    assert offsite(records) == []
    assert planner.errors == [] and reviewer.errors == [] and admin.errors == []


def test_a_planner_records_a_penalty_and_a_reviewer_approves_it(
    browser: sync_api.Browser, console: Console
) -> None:
    decided = (T_ANNOUNCE - timedelta(days=5)).date()
    with console.service.session() as session:
        target = session.exec(select(Target.uscc).order_by(Target.uscc)).first() or ""
    rec = recorded_page(browser, viewport={"width": 768, "height": 900})
    page = rec.page
    _login(page, console.url, "planner")
    page.click("nav >> text=行政处罚")
    page.click("a:text-is('录入处罚决定')")
    for field, value in (
        ("decision", "浏览器流程罚〔1〕号"),
        ("target", target),
        ("decided", decided.isoformat()),
        ("facts", "占用人防工程"),
        ("basis", "《中华人民共和国人民防空法》第四十九条"),
        ("kind", "罚款"),
        ("content", "责令改正，并处罚款"),
        ("authority", "市人民防空办公室"),
        ("publish_until", (decided + timedelta(days=365)).isoformat()),
        ("amount_yuan", "2000"),
    ):
        page.fill(f"#f-{field}", value)
    page.click("button:text-is('录入（待审核）')")
    assert "已录入处罚决定 浏览器流程罚〔1〕号" in page.inner_text("main")
    page.click("button:text-is('退出登录')")
    _login(page, console.url, "reviewer")
    page.click("nav >> text=行政处罚")
    page.click("a[aria-label='审核 浏览器流程罚〔1〕号']")
    assert "2,000.00 元" in page.inner_text("main")
    page.click("button:text-is('确认审核通过并公开')")
    assert "已审核通过并公开" in page.inner_text("main")
    row = next(
        p
        for p in PenaltyService(console.service.engine, console.service.log).list_penalties()
        if p.decision == "浏览器流程罚〔1〕号"
    )
    assert (row.status, row.entered_by, row.approved_by) == ("published", "planner", "reviewer")
    assert page.locator(f"a[href='/log/records/{row.record_id}']").count() == 1
    assert rec.errors == [] and offsite(rec.requests) == []
    rec.context.close()


def test_the_keyboard_check_finds_a_control_tab_skips(browser: sync_api.Browser) -> None:
    # The reachability check above must be able to fail: a button taken out of the tab order.
    rec = recorded_page(browser)
    rec.page.set_content('<a href="#x">甲</a><button tabindex="-1">乙</button><input id="c">')
    assert _unreached(rec.page) == ['<button tabindex="-1">乙</button>']
    rec.context.close()
