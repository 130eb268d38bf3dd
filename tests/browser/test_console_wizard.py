"""The task wizard, the preview, the draft pages and the two-person public-numbers entry in
Chromium: axe-core (no serious or critical violation at 1280 px and 375 px) and the Tab key
on every new page, a task created through the wizard, and numbers entered by one person and
confirmed by another. Passwords are TEST-ONLY values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from playwright import sync_api

from lottery.api import create_app
from lottery.demo.recorded import QUICKNET_ROUND
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.settings import get_settings
from tests import lifecycle as lc
from tests.api.conftest import ROUND_TIME, T_ANNOUNCE, Clock
from tests.browser.chromium import offsite, recorded_page
from tests.browser.serving import serve_app
from tests.browser.test_console import PASSWORD, _check_page, _login, _params
from tests.service.conftest import load_registries


@dataclass
class Served:
    url: str
    service: Lifecycle
    clock: Clock


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A served console with a draft (T-web), a public-numbers task announced (T-num), a
    planner and a reviewer; the clock is the tests' to move."""
    data = Path(tmp_path_factory.mktemp("wizard"))
    settings = get_settings(data_dir=data, log_origin=lc.LOG, drand_relays=["http://127.0.0.1:9"])
    service = Lifecycle.open(settings)
    load_registries(service, lc.small_registries())
    for name in ("planner", "reviewer"):
        users.create_user(service, name, PASSWORD, [name], T_ANNOUNCE, actor="test")
    service.create_task(_params("T-web"), T_ANNOUNCE, actor="test")
    service.create_task(lc.params(lc.small_registries(), "T-num"), lc.T_ANNOUNCE, actor="test")
    service.announce("T-num", lc.T_ANNOUNCE)
    clock = Clock(T_ANNOUNCE)
    app = create_app(settings, service=service, clock=clock)
    with serve_app(app) as url:
        yield Served(url, service, clock)
    service.engine.dispose()


PAGES = (
    "/console/tasks/new",
    "/console/tasks/T-web/preview",
    "/console/tasks/T-web/edit",
    "/console/tasks/T-web/delete",
    "/console/tasks/T-web/announce",  # the confirmation with the preview
    "/console/tasks/T-num",
)


def test_the_new_pages_are_accessible_and_keyboard_reachable(
    browser: sync_api.Browser, served: Served
) -> None:
    served.clock.now = T_ANNOUNCE
    rec = recorded_page(browser)
    page = rec.page
    _login(page, served.url, "planner")
    for path in PAGES:
        _check_page(page, path, served.url)
    # The wizard sent empty: the errors next to their fields.
    _check_page(page, "/console/tasks/new", served.url, "button:text-is('保存草稿并预览')")
    assert "请填写任务名称" in page.inner_text("main")
    assert served.service.get_task("T-web").state == "draft"
    rec.context.close()
    # The numbers pages: entry (planner), the entry's errors, confirmation (reviewer).
    served.clock.now = lc.T_DRAW
    planner = recorded_page(browser)
    _login(planner.page, served.url, "planner")
    _check_page(planner.page, "/console/tasks/T-num/numbers", served.url)
    _check_page(
        planner.page, "/console/tasks/T-num/numbers", served.url, "button:text-is('录入号码')"
    )
    assert "须填写 1 个号码" in planner.page.inner_text("main")
    planner.context.close()
    assert offsite(rec.requests + planner.requests) == []
    assert rec.errors == [] and planner.errors == []


def test_a_planner_creates_a_task_with_the_wizard(
    browser: sync_api.Browser, served: Served
) -> None:
    served.clock.now = T_ANNOUNCE
    rec = recorded_page(browser, viewport={"width": 768, "height": 1000})
    page = rec.page
    _login(page, served.url, "planner")
    page.click("nav >> text=抽查任务")
    page.click("a:text-is('新建抽查任务')")
    page.fill("#f-task", "T-wiz")
    page.fill("#f-title", "向导新建的任务")
    page.check("input[name=org_units][value=city]")
    page.check("input[name=items][value='RF-01@1']")
    page.fill("#f-window_start", "2026-03-10")
    page.fill("#f-window_end", "2026-03-31")
    for risk, percent in (("A", "3"), ("B", "5"), ("C", "10"), ("D", "20")):
        page.fill(f"#f-ratio_{risk}", percent)
    page.fill("#f-team_size", "2")
    page.fill("#f-disclosure", "2026-04-01T08:00")
    page.select_option("#f-beacon_kind", "drand")
    page.fill("#f-drand_round", str(QUICKNET_ROUND))
    deadline = ROUND_TIME + timedelta(hours=9)  # Beijing time, an hour after the round
    page.fill("#f-drand_deadline", deadline.strftime("%Y-%m-%dT%H:%M:%S"))
    page.fill("#f-dept_participants", "市住房和城乡建设局")  # a joint task, the office leading
    page.click("button:text-is('保存草稿并预览')")
    page.wait_for_url(f"{served.url}/console/tasks/T-wiz/preview?done=created")
    main = page.inner_text("main")
    assert "草稿已保存" in main and "可以公告" in main
    task = served.service.get_task("T-wiz")
    assert task.state == "draft" and task.params["ratios"] == {
        "A": 300,
        "B": 500,
        "C": 1000,
        "D": 2000,
    }
    assert task.params["beacon"]["primary"]["round"] == QUICKNET_ROUND
    assert task.params["departments"] == {
        "lead": "市人民防空办公室",
        "participants": ["市住房和城乡建设局"],
    }
    assert rec.errors == [] and offsite(rec.requests) == []
    rec.context.close()


def test_numbers_are_entered_by_one_and_confirmed_by_another(
    browser: sync_api.Browser, served: Served
) -> None:
    served.clock.now = lc.T_DRAW
    one = recorded_page(browser)
    _login(one.page, served.url, "planner")
    one.page.goto(f"{served.url}/console/tasks/T-num/numbers")
    one.page.fill("#f-n1", "2")
    one.page.fill("#f-n2", "2 7 11 19 26 30")
    one.page.click("button:text-is('录入号码')")
    assert "等待另一人复核" in one.page.inner_text("main")
    assert one.page.locator("button:text-is('复核一致，抽取')").count() == 0
    one.context.close()
    other = recorded_page(browser)
    _login(other.page, served.url, "reviewer")
    other.page.goto(f"{served.url}/console/tasks/T-num/numbers")
    _check_page(other.page, "/console/tasks/T-num/numbers", served.url)  # confirm and void
    other.page.fill("#f-n1", "2")
    other.page.fill("#f-n2", "2 7 11 19 26 30")
    other.page.click("button:text-is('复核一致，抽取')")
    other.page.wait_for_url(f"{served.url}/console/tasks/T-num?done=draw")
    assert served.service.get_task("T-num").state == "drawn"
    assert other.errors == [] and offsite(other.requests) == []
    other.context.close()
