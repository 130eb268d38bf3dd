"""A whole task through the console in Chromium, as four people, with no command and no API
call outside the browser (issue #15, "Must show"):

- a planner (计划员) uploads the registries (files made by the registry test helpers) through
  名录管理, creates two tasks with the wizard (after a bad ratio shown next to its field) and
  announces them: one drawn with the recorded drand round, one with public numbers;
- at the round's time the planner draws the drand task (the draw button, with the recorded
  signature: the relay is offline, as in the other tests); the planner enters the public
  numbers of the other task and a second staff member (the office head, 主任) confirms them;
- at the disclosure time a reviewer (审核员) discloses the drand task (the reviewer did not
  draw it) and is refused a cancellation (Chinese page: reviewers hold no task.cancel); the
  planner asks for the cancellation of the public-numbers task, cannot confirm it alone, and
  the office head confirms it from the 工作台 (the task is cancelled, its outcome revealed);
  the head links the inspector's account to a drawn team member;
- an inspector (检查员) enters a result with an evidence file on a 768 px viewport and the
  reviewer approves it; the planner records a penalty and the reviewer approves it;
- the public site, published by the app's own scheduler (its ``site`` job, as under
  ``lottery serve``; ``LOTTERY_SITE_DIR`` set), shows the disclosure, the result and the
  penalty, and ``lottery verify`` on the published export passes.

The set-up only creates the empty service, the user accounts and the app; it moves the app's
clock (the scheduler runs on it too). One database (SQLite). Passwords are TEST-ONLY values.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright import sync_api

from lottery.api import create_app
from lottery.demo.recorded import QUICKNET_ROUND
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.service.site_publishing import SitePublisher
from lottery.settings import Settings, get_settings
from tests import lifecycle as lc
from tests.api.conftest import OFFLINE_RELAY, ROUND_TIME, SIGNATURE, T_ANNOUNCE, T_DRAW, Clock
from tests.browser.chromium import StaticServer, offsite, recorded_page
from tests.browser.serving import serve_app
from tests.registry_io.conftest import (
    INSPECTOR_HEADER,
    ITEM_HEADER,
    TARGET_HEADER,
    inspector,
    item,
    target,
    uscc,
    write_csv,
)
from tests.service.test_registries import ORG_HEADER, ORG_ROWS

pytestmark = pytest.mark.browser
PASSWORD = "test-only-password"  # noqa: S105 - test-only
TASK, NUMBERS_TASK = "T-walk", "T-walk-num"
T_NUMBERS = lc.T_DRAW  # the public numbers' draw day (2026-03-02), after it
T_DISCLOSE = lc.T_REVEAL  # 2026-04-01 09:00 Beijing, after the disclosure time
T_ENTER = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
DECISION = "走查测试罚〔1〕号"
FINDINGS = "人防工程被占用堆放杂物"
CANCEL_REASON = "走查测试：抽查事项调整，本任务取消"
SITE_WAIT_S = 90


@dataclass
class Office:
    url: str
    service: Lifecycle
    clock: Clock
    site: Path
    files: Path
    settings: Settings


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """An empty service with four accounts, served with its scheduler and a site directory."""
    data = Path(tmp_path_factory.mktemp("walkthrough"))
    site = data / "site"
    settings = get_settings(
        data_dir=data, log_origin=lc.LOG, drand_relays=[OFFLINE_RELAY], site_dir=site
    )
    service = Lifecycle.open(settings)
    for name, roles in (
        ("planner", ["planner"]),
        ("head", ["admin"]),
        ("reviewer", ["reviewer"]),
        ("inspector", ["inspector"]),
    ):
        users.create_user(service, name, PASSWORD, roles, T_ANNOUNCE, actor="test")
    clock = Clock(T_ANNOUNCE)
    app = create_app(settings, service=service, clock=clock, scheduler=True)
    with serve_app(app) as url:
        files = data / "files"
        files.mkdir()
        yield Office(url, service, clock, site, files, settings)
    service.engine.dispose()


def _registry_files(folder: Path) -> dict[str, Path]:
    """The office's registries as the office keeps them: CSV files with Chinese headers."""
    targets = [
        target(
            uscc(f"91{region}MA{n:07d}"),
            名称=f"走查测试企业{n:02d}",
            所属区域=region,
            信用风险分类="B",
        )
        for n, region in ((n, ("419901", "419902")[n % 2]) for n in range(1, 31))
    ]
    names = "赵钱孙李周吴郑王"
    inspectors = [
        inspector(f"R{n:03d}", f"HN-{n:03d}", 姓名=f"{names[n - 1]}检查员")
        for n in range(1, len(names) + 1)
    ]
    return {
        "org-units": write_csv(folder / "机构.csv", ORG_HEADER, ORG_ROWS),
        "targets": write_csv(folder / "检查对象.csv", TARGET_HEADER, targets),
        "inspectors": write_csv(folder / "执法检查人员.csv", INSPECTOR_HEADER, inspectors),
        "items": write_csv(folder / "抽查事项清单.csv", ITEM_HEADER, [item("RF-01")]),
    }


def _login(page: sync_api.Page, url: str, name: str) -> None:
    page.goto(f"{url}/console/login")
    page.fill("#f-name", name)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/console/")


def _import(page: sync_api.Page, url: str, kind: str, path: Path) -> None:
    page.goto(f"{url}/console/registries")
    page.click(f"a[href='/console/registries/{kind}/import']")
    page.set_input_files("#f-file", str(path))
    page.click("button:text-is('上传并检查')")
    page.wait_for_selector("text=检查通过")
    page.click("button:text-is('确认导入')")
    page.wait_for_selector("text=导入完成")


def _wizard_common(page: sync_api.Page, task: str, title: str) -> None:
    page.fill("#f-task", task)
    page.fill("#f-title", title)
    page.check("input[name=org_units][value=city]")
    page.check("input[name=items][value='RF-01@1']")
    page.fill("#f-window_start", "2026-03-10")
    page.fill("#f-window_end", "2026-03-31")
    page.fill("#f-ratio_B", "20")
    page.fill("#f-team_size", "2")


def _announce(page: sync_api.Page, url: str, task: str) -> None:
    page.goto(f"{url}/console/tasks/{task}")
    page.click("a.button:text-is('公告')")
    assert "将会发生什么" in page.inner_text("main")
    page.click("button:text-is('确认公告')")
    page.wait_for_url(f"{url}/console/tasks/{task}?done=announce")


def _planner_prepares(page: sync_api.Page, office: Office) -> None:
    url = office.url
    for kind, path in _registry_files(office.files).items():
        _import(page, url, kind, path)
    page.click("nav >> text=抽查任务")
    page.click("a:text-is('新建抽查任务')")
    _wizard_common(page, TASK, "走查：2026年人防工程使用情况抽查")
    page.fill("#f-ratio_B", "很多")  # a bad value: shown next to its field, nothing created
    page.fill("#f-disclosure", "2026-04-01T08:00")
    page.select_option("#f-beacon_kind", "drand")
    page.fill("#f-drand_round", str(QUICKNET_ROUND))
    deadline = ROUND_TIME + timedelta(hours=9)  # Beijing time, an hour after the round
    page.fill("#f-drand_deadline", deadline.strftime("%Y-%m-%dT%H:%M:%S"))
    page.click("button:text-is('保存草稿并预览')")
    error = page.locator("#f-ratio_B-error")
    assert "百分比" in error.inner_text()
    assert page.get_attribute("#f-ratio_B", "aria-invalid") == "true"
    assert "f-ratio_B-error" in (page.get_attribute("#f-ratio_B", "aria-describedby") or "")
    assert office.service.list_tasks() == []
    page.fill("#f-ratio_B", "20")
    page.click("button:text-is('保存草稿并预览')")
    page.wait_for_url(f"{url}/console/tasks/{TASK}/preview?done=created")
    assert "可以公告" in page.inner_text("main")
    _announce(page, url, TASK)
    # The second task: drawn with public numbers, entered and confirmed by two people.
    page.goto(f"{url}/console/tasks/new")
    _wizard_common(page, NUMBERS_TASK, "走查：以开奖号码抽取的任务")
    page.fill("#f-disclosure", "2026-05-01T08:00")
    page.select_option("#f-beacon_kind", "numbers")
    page.fill("#f-numbers_description", "福利彩票开奖号码（测试用，虚构数字）")
    page.fill("#f-numbers_date", "2026-03-02")
    for i, (name, kind, count) in enumerate(
        (("福彩3D", "number", "1"), ("双色球红球", "set", "6"))
    ):
        page.fill(f"#f-src{i + 1}_name", name)
        page.fill(f"#f-src{i + 1}_draw", "2026023期")
        page.select_option(f"#f-src{i + 1}_kind", kind)
        page.fill(f"#f-src{i + 1}_count", count)
    page.click("button:text-is('保存草稿并预览')")
    page.wait_for_url(f"{url}/console/tasks/{NUMBERS_TASK}/preview?done=created")
    _announce(page, url, NUMBERS_TASK)


def _planner_draws(page: sync_api.Page, url: str) -> None:
    page.goto(f"{url}/console/tasks/{TASK}")
    page.click("a.button:text-is('抽取')")
    page.fill("#f-drand_signature", SIGNATURE)
    page.click("button:text-is('确认抽取')")
    page.wait_for_url(f"{url}/console/tasks/{TASK}?done=draw")


def _numbers(page: sync_api.Page, url: str, button: str) -> None:
    page.goto(f"{url}/console/tasks/{NUMBERS_TASK}")
    page.click("a:text-is('录入或复核开奖号码')")
    page.fill("#f-n1", "408")
    page.fill("#f-n2", "2 7 11 19 26 30")
    page.click(f"button:text-is('{button}')")


def _site_shows(office: Office) -> None:
    """Wait for the scheduler's site job to have published every record of the log."""
    publisher = SitePublisher.from_settings(office.settings, office.service, office.clock)
    assert publisher is not None
    deadline = time.monotonic() + SITE_WAIT_S
    while time.monotonic() < deadline:
        status = publisher.status()
        if status.up_to_date and not status.running:
            assert status.last is not None and status.last.actor == "scheduler"
            return
        time.sleep(0.5)
    raise AssertionError(f"the site was not published in {SITE_WAIT_S} s: {publisher.status()}")


def test_a_whole_task_as_four_people_reaches_the_public_site(
    browser: sync_api.Browser, office: Office, tmp_path: Path
) -> None:
    url, clock = office.url, office.clock
    planner = recorded_page(browser, viewport={"width": 1280, "height": 900})
    head = recorded_page(browser, viewport={"width": 1280, "height": 900})
    reviewer = recorded_page(browser, viewport={"width": 1280, "height": 900})
    inspector_ = recorded_page(browser, viewport={"width": 768, "height": 1024})
    everyone = (planner, head, reviewer, inspector_)

    # The planner: registries, two tasks with the wizard, both announced.
    clock.now = T_ANNOUNCE
    _login(planner.page, url, "planner")
    _planner_prepares(planner.page, office)
    assert office.service.get_task(TASK).state == "announced"
    assert office.service.get_task(NUMBERS_TASK).state == "announced"

    # The draw at the round's time (the recorded signature: the relay is offline).
    clock.now = T_DRAW
    _planner_draws(planner.page, url)
    assert office.service.get_task(TASK).state == "drawn"

    # The public numbers: the planner enters them, the office head confirms (and draws).
    clock.now = T_NUMBERS  # years later: everyone logs in again (sessions expire)
    _login(planner.page, url, "planner")
    _numbers(planner.page, url, "录入号码")
    assert "等待另一人复核" in planner.page.inner_text("main")
    assert office.service.get_task(NUMBERS_TASK).state == "announced"
    _login(head.page, url, "head")
    _numbers(head.page, url, "复核一致，抽取")
    head.page.wait_for_url(f"{url}/console/tasks/{NUMBERS_TASK}?done=draw")
    assert office.service.get_task(NUMBERS_TASK).state == "drawn"

    # The disclosure time: a reviewer discloses (the planner drew); a reviewer may not cancel.
    clock.now = T_DISCLOSE
    _login(reviewer.page, url, "reviewer")
    reviewer.page.goto(f"{url}/console/tasks/{NUMBERS_TASK}")
    assert reviewer.page.locator("a.button:text-is('申请取消任务')").count() == 0
    refused = reviewer.page.goto(f"{url}/console/tasks/{NUMBERS_TASK}/cancel")
    assert refused is not None and refused.status == 403
    assert "没有权限" in reviewer.page.inner_text("main")
    assert "task.cancel" not in reviewer.page.content()
    assert office.service.get_task(NUMBERS_TASK).state == "drawn"
    reviewer.page.goto(f"{url}/console/tasks/{TASK}")
    reviewer.page.click("a.button:text-is('公开结果')")
    reviewer.page.click("button:text-is('确认公开结果')")
    reviewer.page.wait_for_url(f"{url}/console/tasks/{TASK}?done=disclose")
    assert office.service.get_task(TASK).state == "disclosed"

    # A cancellation takes two people: the planner asks, the head confirms.
    _login(planner.page, url, "planner")
    planner.page.goto(f"{url}/console/tasks/{NUMBERS_TASK}")
    planner.page.click("a.button:text-is('申请取消任务')")
    planner.page.fill("#f-reason", CANCEL_REASON)
    planner.page.click("button:text-is('确认申请取消任务')")
    planner.page.wait_for_url(f"{url}/console/tasks/{NUMBERS_TASK}?done=cancel")
    pending = planner.page.inner_text("#h-cancel + p")
    assert "planner" in pending and "另一位" in pending
    assert planner.page.locator("button:text-is('确认取消任务')").count() == 0  # not alone
    assert office.service.get_task(NUMBERS_TASK).state == "drawn"
    _login(head.page, url, "head")
    head.page.click(f"a[aria-label='确认或驳回 {NUMBERS_TASK} 的取消申请']")
    assert CANCEL_REASON in head.page.inner_text("main")
    head.page.click("button:text-is('确认取消任务')")
    head.page.wait_for_url(f"{url}/console/tasks/{NUMBERS_TASK}?done=cancel-confirm")
    assert office.service.get_task(NUMBERS_TASK).state == "cancelled"

    # The head links the inspector's account to a member of the first team (用户管理).
    head.page.goto(f"{url}/console/sheets/{TASK}")
    members = head.page.locator("dt:text-is('检查组成员') + dd").first.inner_text()
    member = re.findall(r"编号 (R\d{3})", members)[0]
    head.page.goto(f"{url}/console/users")
    head.page.get_by_label("inspector 的执法检查人员编号", exact=True).fill(member)
    head.page.click("button[aria-label='保存 inspector 的执法检查人员编号']")
    assert (
        head.page.get_by_label("inspector 的执法检查人员编号", exact=True).input_value() == member
    )

    # The inspector, on a tablet: a result with a photo.
    clock.now = T_ENTER
    page = inspector_.page
    _login(page, url, "inspector")
    page.click("nav >> text=我的检查任务")
    link = page.locator("a[aria-label^='录入 '][aria-label$=' 的检查结果']").first
    href = link.get_attribute("href") or ""
    checked = href.rsplit("/", 1)[-1]
    link.click()
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(b"\xff\xd8\xff test-only photo")
    page.fill("#f-date1", "2026-03-25")
    page.check("input[name=methods][value='实地检查']")
    page.check("input[name=categories][value='发现问题已责令改正']")
    page.fill("#f-findings", FINDINGS)
    page.set_input_files("#f-evidence_1", str(photo))
    page.select_option("#f-evidence_kind_1", "照片")
    page.fill("#f-evidence_source_1", "现场拍摄")
    page.click("button:text-is('提交审核')")
    page.wait_for_url(f"{url}/console/my?done=entered")
    assert "等待审核" in page.inner_text("main")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1  # readable at 768 px

    # The reviewer approves it.
    page = reviewer.page
    _login(page, url, "reviewer")
    page.click("nav >> text=结果审核")
    page.locator("main a[href^='/console/review/']").first.click()
    assert "现场照片.jpg" in page.inner_text("main")
    assert FINDINGS in page.inner_text("main")
    page.click("button:text-is('审核通过并公开')")
    page.wait_for_url(f"{url}/console/review?done=approve")

    # The planner records a penalty against the inspected target; the reviewer approves it.
    page = planner.page
    _login(page, url, "planner")
    page.click("nav >> text=行政处罚")
    page.click("a:text-is('录入处罚决定')")
    for field, value in (
        ("decision", DECISION),
        ("target", checked),
        ("decided", "2026-04-02"),
        ("facts", FINDINGS),
        ("basis", "《中华人民共和国人民防空法》第四十九条"),
        ("kind", "罚款"),
        ("content", "责令改正，并处罚款"),
        ("authority", "市人民防空办公室"),
        ("publish_until", "2027-04-01"),
        ("amount_yuan", "2000"),
    ):
        page.fill(f"#f-{field}", value)
    page.click("button:text-is('录入（待审核）')")
    assert f"已录入处罚决定 {DECISION}" in page.inner_text("main")
    page = reviewer.page
    page.click("nav >> text=行政处罚")
    page.click(f"a[aria-label='审核 {DECISION}']")
    page.click("button:text-is('确认审核通过并公开')")
    assert "已审核通过并公开" in page.inner_text("main")

    # Nobody runs a command: the scheduler's site job publishes the site by itself.
    _site_shows(office)
    server = StaticServer(office.site)
    public = recorded_page(browser, viewport={"width": 1280, "height": 900})
    try:
        public.page.goto(f"{server.url}tasks/{TASK}/")
        assert "已公开" in public.page.inner_text("main")
        assert checked in public.page.inner_text("main")  # the disclosed outcome lists it
        public.page.goto(f"{server.url}results/{TASK}/")
        assert checked in public.page.inner_text("main")
        assert FINDINGS in public.page.content()
        public.page.goto(f"{server.url}penalties/")
        assert DECISION in public.page.inner_text("main")
        public.page.goto(f"{server.url}tasks/{NUMBERS_TASK}/")
        assert CANCEL_REASON in public.page.inner_text("main")
    finally:
        public.context.close()
        server.close()
    vkey = office.service.log.verifier.vkey
    verified = subprocess.run(
        [sys.executable, "-m", "lottery", "verify", str(office.site / "export"), "--key", vkey],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "VERIFIED" in verified.stdout
    for rec in (*everyone, public):
        assert rec.errors == [], rec.errors
        assert offsite(rec.requests) == []
    for rec in everyone:
        rec.context.close()
