"""The inspector's side of the console in Chromium (issue #15): an inspector enters a result
with an evidence file on a 768 px viewport and a reviewer approves it; 检查任务单, 我的检查任务,
the results form (also with its errors), the review queue and page (also with an empty
send-back reason), the history and the users page with inspector ids pass axe-core (no
serious or critical violation) at 768 px and 375 px, every control reached with the Tab key.

Passwords here are TEST-ONLY values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from playwright import sync_api

from lottery.api import create_app
from lottery.core.outcome import Outcome, decode_outcome
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.service.results import Present, ResultEntry, ResultsService
from lottery.settings import get_settings
from tests import lifecycle as lc
from tests.browser.chromium import offsite, recorded_page
from tests.browser.serving import serve_app
from tests.browser.test_console import _severe, _unreached
from tests.service.conftest import load_registries

pytestmark = pytest.mark.browser
PASSWORD = "test-only-password"  # noqa: S105 - test-only
WIDTHS = (768, 375)
TASK = "T2026-001"
T_ENTER = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)


@dataclass
class Served:
    url: str
    service: Lifecycle
    outcome: Outcome
    waiting: int  # a result entered by someone else, waiting for the reviewer


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A disclosed task; the inspector account linked to the first team's first member; a
    result of another target waiting for review."""
    data = Path(tmp_path_factory.mktemp("console-results"))
    settings = get_settings(data_dir=data, log_origin=lc.LOG, drand_relays=["http://127.0.0.1:9"])
    service = Lifecycle.open(settings)
    load_registries(service, lc.small_registries())
    for name in ("planner", "inspector", "reviewer", "admin"):
        users.create_user(service, name, PASSWORD, [name], lc.T_ANNOUNCE, actor="test")
    service.create_task(lc.params(lc.small_registries(), TASK), lc.T_ANNOUNCE, actor="test")
    service.announce(TASK, lc.T_ANNOUNCE)
    service.draw(TASK, lc.beacon()[1], lc.T_DRAW)
    service.disclose(TASK, lc.T_REVEAL)
    outcome = decode_outcome(service.read_sealed_outcome(TASK, "test", lc.T_REVEAL))
    me = outcome.teams[0].inspectors[0]
    users.set_inspector(service, "inspector", me, lc.T_REVEAL, actor="admin")
    other = next(t for t in outcome.teams if me not in t.inspectors)
    waiting = ResultsService(service.engine, service.log).enter(
        ResultEntry(
            task=TASK,
            target=other.target,
            dates=[date(2026, 3, 25)],
            inspectors=[Present(i) for i in other.inspectors],
            methods=["实地检查"],
            categories=["未发现问题"],
        ),
        T_ENTER,
        actor="planner",
    )
    app = create_app(settings, service=service, clock=lambda: T_ENTER)
    with serve_app(app) as url:
        yield Served(url, service, outcome, waiting)
    service.engine.dispose()


def _login(page: sync_api.Page, url: str, name: str) -> None:
    page.goto(f"{url}/console/login")
    page.fill("#f-name", name)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/console/")


def _check(page: sync_api.Page, url: str, path: str, submit: str = "") -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(f"{url}{path}")
        assert response is not None and response.status < 500, path
        if submit:
            page.click(submit)
            page.wait_for_selector(".field-error, .error-box")
        assert _severe(page) == [], (path, submit, width)
        assert _unreached(page) == [], (path, submit, width)
        # Readable at this width: the page itself does not scroll sideways.
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, width, overflow)


def test_the_inspectors_pages_are_accessible_at_tablet_and_phone_width(
    browser: sync_api.Browser, served: Served
) -> None:
    target = served.outcome.teams[0].target
    me = served.outcome.teams[0].inspectors[0]  # the account's inspector (the fixture)
    other = next(t.target for t in served.outcome.teams if me not in t.inspectors)
    inspector = recorded_page(browser)
    _login(inspector.page, served.url, "inspector")
    _check(inspector.page, served.url, "/console/my")
    _check(inspector.page, served.url, f"/console/my/{TASK}/{target}")
    _check(inspector.page, served.url, f"/console/my/{TASK}/{target}", "button:text-is('提交审核')")
    assert "请填写检查日期" in inspector.page.inner_text("main")
    _check(inspector.page, served.url, f"/console/my/{TASK}/{other}")  # refused in Chinese
    assert "没有分配给您" in inspector.page.inner_text("main")
    inspector.context.close()
    planner = recorded_page(browser)
    _login(planner.page, served.url, "planner")
    _check(planner.page, served.url, f"/console/sheets/{TASK}")
    planner.context.close()
    reviewer = recorded_page(browser)
    _login(reviewer.page, served.url, "reviewer")
    _check(reviewer.page, served.url, "/console/review")
    _check(reviewer.page, served.url, f"/console/review/{served.waiting}")
    _check(
        reviewer.page,
        served.url,
        f"/console/review/{served.waiting}",
        "button:text-is('退回录入人')",
    )
    assert "请填写退回原因" in reviewer.page.inner_text("main")
    _check(reviewer.page, served.url, f"/console/history/{TASK}/{other}")
    reviewer.context.close()
    admin = recorded_page(browser)
    _login(admin.page, served.url, "admin")
    _check(admin.page, served.url, "/console/users")
    admin.page.fill("#f-insp-1", "NO-SUCH-ID")
    admin.page.click("button[aria-label='保存 admin 的执法检查人员编号']")
    assert "名录中没有编号" in admin.page.inner_text("main")
    assert _severe(admin.page) == []
    admin.context.close()
    requests = inspector.requests + planner.requests + reviewer.requests + admin.requests
    assert offsite(requests) == []
    assert served.service.get_task(TASK).state == "disclosed"


def test_an_inspector_enters_a_result_with_evidence_at_768px_and_a_reviewer_approves(
    browser: sync_api.Browser, served: Served, tmp_path: Path
) -> None:
    team = served.outcome.teams[0]
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(b"\xff\xd8\xff test-only photo")
    inspector = recorded_page(browser, viewport={"width": 768, "height": 1024})
    page = inspector.page
    _login(page, served.url, "inspector")
    page.click("nav >> text=我的检查任务")
    page.click(f"a[href='/console/my/{TASK}/{team.target}']")
    page.fill("#f-date1", "2026-03-25")
    page.check("input[name=methods][value='实地检查']")
    page.check("input[name=categories][value='发现问题已责令改正']")
    page.fill("#f-findings", "人防工程被占用堆放杂物")
    page.set_input_files("#f-evidence_1", str(photo))
    page.select_option("#f-evidence_kind_1", "照片")
    page.fill("#f-evidence_source_1", "现场拍摄")
    page.click("button:text-is('提交审核')")
    page.wait_for_url(f"{served.url}/console/my?done=entered")
    assert "等待审核" in page.inner_text("main")
    inspector.context.close()
    reviewer = recorded_page(browser, viewport={"width": 768, "height": 1024})
    page = reviewer.page
    _login(page, served.url, "reviewer")
    page.click("nav >> text=结果审核")
    mine = ResultsService(served.service.engine, served.service.log).versions(TASK, team.target)
    page.click(f"a[href='/console/review/{mine[-1].id}']")
    assert "现场照片.jpg" in page.inner_text("main")
    page.click("button:text-is('审核通过并公开')")
    page.wait_for_url(f"{served.url}/console/review?done=approve")
    [row] = ResultsService(served.service.engine, served.service.log).versions(TASK, team.target)
    assert row.status == "published" and row.approved_by == "reviewer"
    assert row.fields["evidence"][0]["name"] == "现场照片.jpg"
    assert inspector.errors == [] and reviewer.errors == []
    reviewer.context.close()
