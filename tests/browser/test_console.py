"""The staff console in Chromium: log in, see the tasks, upload a registry file (a bad one is
refused with every bad row listed; a good one is imported), enter public numbers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright import sync_api

from lottery.api import create_app
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.settings import get_settings
from tests import lifecycle as lc
from tests.service.conftest import load_registries

pytestmark = pytest.mark.browser
PASSWORD = "test-only-password"  # noqa: S105 - test-only
ORG_HEADER = "机构代码,机构名称,层级,上级机构代码,行政区划代码\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = Path(tmp_path_factory.mktemp("console"))
    settings = get_settings(data_dir=data, log_origin=lc.LOG, drand_relays=["http://127.0.0.1:9"])
    service = Lifecycle.open(settings)
    load_registries(service, lc.small_registries())
    users.create_user(service, "planner", PASSWORD, ["planner"], lc.T_ANNOUNCE, actor="test")
    service.create_task(lc.params(lc.small_registries(), "T-web"), lc.T_ANNOUNCE, actor="test")
    service.announce("T-web", lc.T_ANNOUNCE)
    app = create_app(settings, service=service, clock=lambda: lc.T_DRAW)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    service.engine.dispose()


@pytest.fixture(scope="module")
def page(browser: sync_api.Browser, console: str) -> Iterator[object]:
    page = browser.new_page()
    page.goto(f"{console}/console/")
    page.fill("input[name=name]", "planner")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button")
    page.wait_for_selector("#tasks tr")
    yield page
    page.close()


def test_login_shows_the_tasks(page: object) -> None:
    row = page.locator("#tasks tr", has_text="T-web")  # type: ignore[attr-defined]
    assert "已公告" in row.inner_text()
    assert "planner" in page.inner_text("#who")  # type: ignore[attr-defined]


def test_bad_upload_lists_every_bad_row_and_good_upload_imports(
    page: object, tmp_path: Path
) -> None:
    bad = tmp_path / "org.csv"
    bad.write_text(ORG_HEADER + "x1,甲,县级,nowhere,1\nx2,乙,宇宙级,city,2\n", encoding="utf-8")
    page.select_option("#import-form select", "org-units")  # type: ignore[attr-defined]
    page.set_input_files("#import-form input[type=file]", str(bad))  # type: ignore[attr-defined]
    page.click("#import-form button")  # type: ignore[attr-defined]
    page.wait_for_selector("#import-errors:not(.hidden)")  # type: ignore[attr-defined]
    assert "未导入" in page.inner_text("#import-msg")  # type: ignore[attr-defined]
    rows = page.locator("#import-errors tbody tr").all_inner_texts()  # type: ignore[attr-defined]
    assert any(r.startswith("2") for r in rows) and any(r.startswith("3") for r in rows), rows
    good = tmp_path / "org-ok.csv"
    good.write_text(ORG_HEADER + "county-n9,新区人防办,区级,city,419999\n", encoding="utf-8")
    page.set_input_files("#import-form input[type=file]", str(good))  # type: ignore[attr-defined]
    page.click("#import-form button")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('#import-msg').textContent.includes('导入成功')"
    )


def test_numbers_are_entered_and_wait_for_a_second_person(page: object) -> None:
    values = ";".join(",".join(map(str, v)) for v in lc.beacon()[1].values)
    page.once("dialog", lambda d: d.accept(values))  # type: ignore[attr-defined]
    page.locator("#tasks tr", has_text="T-web").locator("button", has_text="录入开奖号码").click()  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('#task-msg').textContent.includes('录入号码')"
    )
    assert "成功" in page.inner_text("#task-msg")  # type: ignore[attr-defined]
    page.once("dialog", lambda d: d.accept(values))  # type: ignore[attr-defined]
    page.locator("#tasks tr", has_text="T-web").locator("button", has_text="确认号码并抽取").click()  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('#task-msg').textContent.includes('确认号码失败')"
    )
    # The same person may not confirm their own entry.
    assert "不同的人" in page.inner_text("#task-msg")  # type: ignore[attr-defined]
