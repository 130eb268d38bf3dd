"""The console's registry pages in Chromium (issue #15): 名录管理 and the two-step import,
检查对象 and 执法检查人员 with filters, 回避关系, 抽查事项清单 and its editing form. Each passes
axe (no serious or critical violation) at 1280 px and 375 px, every control is reached with
the Tab key, pages with errors next to their fields too, and no page triggers a CSP violation.

Passwords here are TEST-ONLY values.
"""

from __future__ import annotations

import csv
import io

import pytest
from playwright import sync_api

from lottery.api.console.import_jobs import ImportJobs
from lottery.service import registries
from tests.api.test_console_import_jobs import Gate
from tests.browser.chromium import offsite, recorded_page
from tests.browser.test_console import (  # noqa: F401 - the console fixture
    Console,
    _check_page,
    _login,
    _severe,
    _unreached,
    console,
)
from tests.browser.test_hostile_site import WATCH
from tests.registry_io.conftest import ITEM_HEADER, item

pytestmark = pytest.mark.browser
PAGES = (
    "/console/registries",
    "/console/registries/targets/import",
    "/console/targets",
    "/console/targets?risk=A&page=2",
    "/console/targets?risk=Q",  # the error next to the field
    "/console/inspectors",
    "/console/inspectors?cert=expired",
    "/console/conflicts",
    "/console/items",
    "/console/items/edit",
    "/console/items/risk-rules",
    "/console/targets/withheld-types",
)


def _items_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ITEM_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _upload(page: sync_api.Page, url: str, kind: str, name: str, data: bytes) -> None:
    page.goto(f"{url}/console/registries/{kind}/import")
    page.set_input_files("#f-file", files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    page.click("button:text-is('上传并检查')")
    # The check runs in the background: wait for its outcome (the status page reloads itself).
    page.wait_for_selector("#h-errors, #h-summary")


def _check_here(page: sync_api.Page) -> None:
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        assert _severe(page) == [], (page.url, width)
        assert _unreached(page) == [], (page.url, width)


def test_registry_pages_are_accessible_and_keyboard_reachable(
    browser: sync_api.Browser,
    console: Console,  # noqa: F811 - fixture
) -> None:
    rec = recorded_page(browser)
    page = rec.page
    _login(page, console.url, "planner")
    for path in PAGES:
        _check_page(page, path, console.url)
    # A bad upload: the row-by-row report.
    bad = _items_csv([item("RF-01", 抽查比例="很多"), item("RF-01")])
    _upload(page, console.url, "items", "bad.csv", bad)
    assert "文件有错误，未导入任何数据" in page.inner_text("main")
    _check_here(page)
    # A good one: the check's summary and the confirmation; then the item list published.
    _upload(page, console.url, "items", "good.csv", _items_csv([item("RF-01"), item("RF-02")]))
    # The console fixture's office published version 1 (RF-01) already: RF-02 is new.
    assert "检查通过" in page.inner_text("main") and "新增事项（1 项）" in page.inner_text("main")
    _check_here(page)
    page.click("button:text-is('确认导入')")
    page.wait_for_selector("text=导入完成")
    assert "抽查事项清单第 2 版" in page.inner_text("main")
    _check_here(page)
    # The edit form with two items, compared (a change shown), and with an error.
    page.goto(f"{console.url}/console/items/edit")
    page.fill("#f-i0-ratio", "10%")
    page.click("button:text-is('检查并比较变化')")
    assert "修改事项（1 项）" in page.inner_text("main")
    _check_here(page)
    page.fill("#f-i1-ratio", "很多")
    page.click("button:text-is('检查并比较变化')")
    page.wait_for_selector(".field-error")
    assert "百分数" in page.inner_text("main")
    _check_here(page)
    # The conflict form sent empty: errors next to the fields.
    _check_page(page, "/console/conflicts", console.url, "button:text-is('登记')")
    assert "请填写回避原因" in page.inner_text("main")
    _check_page(
        page, "/console/registries/targets/import", console.url, "button:text-is('上传并检查')"
    )
    assert "请选择要导入的文件" in page.inner_text("main")
    assert offsite(rec.requests) == [] and rec.errors == []
    rec.context.close()


def test_a_held_check_shows_its_progress_accessibly_then_its_outcome(
    browser: sync_api.Browser,
    console: Console,  # noqa: F811 - fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert console.app is not None
    jobs = console.app.state.import_jobs = ImportJobs(grace=0.0)
    data = _items_csv([item(f"RF-{n:02d}") for n in range(1, 60)])
    gate = Gate(registries.check_registry, head=len(data) // 2)
    monkeypatch.setattr(registries, "check_registry", gate)
    rec = recorded_page(browser)
    rec.context.add_init_script(WATCH)
    page = rec.page
    _login(page, console.url, "planner")
    page.goto(f"{console.url}/console/registries/items/import")
    page.set_input_files(
        "#f-file", files=[{"name": "held.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.click("button:text-is('上传并检查')")
    page.wait_for_selector("#import-progress")
    assert gate.reading.wait(30)
    # The script updates the status sentence in place with the bytes read so far.
    page.wait_for_selector("#import-text:has-text('已读取')")
    assert page.get_attribute("#import-text", "role") == "status"
    _check_here(page)
    assert page.evaluate("() => window.__violations") == []
    gate.release.set()
    page.wait_for_selector("#h-summary")  # reloaded by the script: the check's outcome
    assert "检查通过" in page.inner_text("main") and "文件共 59 行数据" in page.inner_text("main")
    assert [j for j in jobs._jobs.values() if j.running] == []
    assert offsite(rec.requests) == [] and rec.errors == []
    assert page.evaluate("() => window.__violations") == []
    rec.context.close()
    console.app.state.import_jobs = ImportJobs()


def test_registry_pages_run_under_the_csp(
    browser: sync_api.Browser,
    console: Console,  # noqa: F811 - fixture
) -> None:
    context = browser.new_context()
    context.add_init_script(WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, console.url, "planner")
    for path in PAGES:
        page.goto(f"{console.url}{path}")
        assert page.evaluate("() => window.__violations") == [], path
    assert errors == []
    context.close()
