"""The on-site record in the results form, in Chromium (issue #16): the task's item carries a
checklist; the form asks each point (符合 / 不符合 / 不涉及 with a note), the time of the check,
and each evidence file's kind and source; a point left unanswered is refused next to the
checklist, in Chinese. The form, empty and with its errors, passes axe-core (no serious or
critical violation) at 1280 px and 390 px with every control reached by the Tab key; an
inspector then enters a complete record that the reviewer sees.

Passwords here are TEST-ONLY values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright import sync_api

from lottery.api import create_app
from lottery.core.outcome import Outcome, decode_outcome
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.service.registries import publish_item_list
from lottery.service.results import ResultsService
from lottery.settings import get_settings
from tests import lifecycle as lc
from tests.browser.chromium import recorded_page
from tests.browser.serving import serve_app
from tests.browser.test_console import _severe, _unreached
from tests.service.conftest import ITEMS_PUBLISHED, TEST_ITEM, load_registries

pytestmark = pytest.mark.browser
PASSWORD = "test-only-password"  # noqa: S105 - test-only
WIDTHS = (1280, 390)
TASK = "T2026-001"
T_ENTER = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
POINTS = (
    ("建立维护管理制度<b>并落实</b>", "《中华人民共和国人民防空法》第二十五条"),
    ("口部通道未被占用", "《中华人民共和国人民防空法》第二十七条"),
)


@dataclass
class Served:
    url: str
    service: Lifecycle
    outcome: Outcome


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A disclosed task citing an item with two checklist points; the inspector account
    linked to the first team's first member."""
    data = Path(tmp_path_factory.mktemp("console-onsite"))
    settings = get_settings(data_dir=data, log_origin=lc.LOG, drand_relays=["http://127.0.0.1:9"])
    service = Lifecycle.open(settings)
    load_registries(service, lc.small_registries())
    item = replace(TEST_ITEM, checklist=POINTS)
    publish_item_list(service, [item], actor="test", now=ITEMS_PUBLISHED + timedelta(hours=1))
    for name in ("inspector", "reviewer", "admin"):
        users.create_user(service, name, PASSWORD, [name], lc.T_ANNOUNCE, actor="test")
    params = replace(lc.params(lc.small_registries(), TASK), items=(("RF-01", 2),))
    service.create_task(params, lc.T_ANNOUNCE, actor="test")
    service.announce(TASK, lc.T_ANNOUNCE)
    service.draw(TASK, lc.beacon()[1], lc.T_DRAW)
    service.disclose(TASK, lc.T_REVEAL)
    outcome = decode_outcome(service.read_sealed_outcome(TASK, "test", lc.T_REVEAL))
    me = outcome.teams[0].inspectors[0]
    users.set_inspector(service, "inspector", me, lc.T_REVEAL, actor="admin")
    app = create_app(settings, service=service, clock=lambda: T_ENTER)
    with serve_app(app) as url:
        yield Served(url, service, outcome)
    service.engine.dispose()


def _login(page: sync_api.Page, url: str, name: str) -> None:
    page.goto(f"{url}/console/login")
    page.fill("#f-name", name)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/console/")


def _fill_basics(page: sync_api.Page) -> None:
    page.fill("#f-date1", "2026-03-25")
    page.check("input[name=methods][value='实地检查']")
    page.check("input[name=categories][value='发现问题已责令改正']")
    page.fill("#f-findings", "口部通道堆放货物")


def test_the_form_asks_the_checklist_and_is_accessible(
    browser: sync_api.Browser, served: Served
) -> None:
    target = served.outcome.teams[0].target
    session = recorded_page(browser, viewport={"width": 1280, "height": 900})
    page = session.page
    _login(page, served.url, "inspector")
    path = f"/console/my/{TASK}/{target}"
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{served.url}{path}")
        main = page.inner_text("main")
        assert "建立维护管理制度<b>并落实</b>" in main  # the point's text, escaped
        assert "依据：《中华人民共和国人民防空法》第二十五条" in main
        assert page.locator("input[type=radio][name=cl_1]").count() == 3
        assert _severe(page) == [], ("empty form", width)
        assert _unreached(page) == [], ("empty form", width)
        # One point left unanswered: refused next to the checklist, nothing stored.
        _fill_basics(page)
        page.check("input[name=cl_1][value='符合']")
        page.click("button:text-is('提交审核')")
        page.wait_for_selector("#f-checklist-error")
        error = page.inner_text("#f-checklist-error")
        assert "检查要点“口部通道未被占用”（事项 RF-01）未填写检查情况" in error
        assert _severe(page) == [], ("errors", width)
        assert _unreached(page) == [], ("errors", width)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (width, overflow)
    assert ResultsService(served.service.engine, served.service.log).versions(TASK, target) == []
    assert session.errors == []
    session.context.close()


def test_an_inspector_enters_the_on_site_record_and_the_reviewer_sees_it(
    browser: sync_api.Browser, served: Served, tmp_path: Path
) -> None:
    target = served.outcome.teams[0].target
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(b"\xff\xd8\xff test-only photo")
    inspector = recorded_page(browser, viewport={"width": 390, "height": 900})
    page = inspector.page
    _login(page, served.url, "inspector")
    page.goto(f"{served.url}/console/my/{TASK}/{target}")
    _fill_basics(page)
    page.fill("#f-started", "2026-03-25T09:30")
    page.fill("#f-ended", "2026-03-25T11:00")
    page.check("input[name=cl_1][value='符合']")
    page.check("input[name=cl_2][value='不符合']")
    page.fill("#f-cl_2_note", "通道堆放货物")
    page.set_input_files("#f-evidence_1", str(photo))
    page.select_option("#f-evidence_kind_1", "照片")
    page.fill("#f-evidence_source_1", "现场拍摄")
    page.click("button:text-is('提交审核')")
    page.wait_for_url(f"{served.url}/console/my?done=entered")
    inspector.context.close()
    [row] = ResultsService(served.service.engine, served.service.log).versions(TASK, target)
    assert [a["answer"] for a in row.fields["checklist"]] == ["符合", "不符合"]
    assert row.fields["checklist"][1]["note"] == "通道堆放货物"
    assert (row.fields["started"], row.fields["ended"]) == (
        "2026-03-25T01:30:00Z",
        "2026-03-25T03:00:00Z",
    )
    assert (row.fields["evidence"][0]["kind"], row.fields["evidence"][0]["source"]) == (
        "照片",
        "现场拍摄",
    )
    reviewer = recorded_page(browser, viewport={"width": 1280, "height": 900})
    page = reviewer.page
    _login(page, served.url, "reviewer")
    page.goto(f"{served.url}/console/review/{row.id}")
    main = page.inner_text("main")
    assert "口部通道未被占用：不符合（通道堆放货物）" in main
    assert "2026-03-25 09:30（北京时间） 至 2026-03-25 11:00（北京时间）" in main
    assert "照片，来源：现场拍摄" in main
    assert _severe(page) == []
    assert inspector.errors == [] and reviewer.errors == []
    reviewer.context.close()
