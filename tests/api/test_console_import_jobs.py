"""The registry check and import run in the background (docs/console.md, "名录管理"): the
status page with its progress while a job is held, one job per file, the outcome page once
done, a failure in Chinese; and :class:`ImportJobs` itself. TestClient on SQLite and
PostgreSQL; jobs are held with events, never with sleeps.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from fastapi.testclient import TestClient

from lottery.api.console.import_jobs import ImportJob, ImportJobs
from lottery.service import registries
from lottery.service.lifecycle import Lifecycle
from lottery.storage.models import Target
from tests.api.test_console import _csrf, login
from tests.api.test_console_registries import _all_targets, _audit, _check, _count, _region
from tests.registry_io.conftest import target, uscc
from tests.sqlite_only import sqlite_only_database_url  # noqa: F401 - fixture: SQLite only

WAIT = 30.0  # seconds an event may take at most (a stuck job fails the test, never hangs it)


class Gate:
    """A service call that reads ``head`` bytes of the file, then waits to be released."""

    def __init__(self, real: Callable[..., Any], head: int = 0) -> None:
        self.real, self.head = real, head
        self.reading, self.release = threading.Event(), threading.Event()
        self.calls = 0

    def __call__(self, lc: Lifecycle, kind: str, fh: BinaryIO, **kw: Any) -> Any:
        self.calls += 1
        fh.read(self.head)
        self.reading.set()
        assert self.release.wait(WAIT)
        return self.real(lc, kind, fh, **kw)


def _held(client: TestClient) -> ImportJobs:
    jobs = ImportJobs(grace=0.0)  # show the status page at once
    client.app.state.import_jobs = jobs  # type: ignore[attr-defined]
    return jobs


def _job(jobs: ImportJobs, location: str) -> ImportJob:
    found = re.fullmatch(r"/console/registries/targets/jobs/([A-Za-z0-9_-]+)", location)
    assert found, location
    job = jobs.get(found.group(1))
    assert job is not None
    return job


def _big_targets(service: Lifecycle) -> bytes:
    region = _region(service)
    extra = [
        target(uscc(f"91419901MA2{n:06d}"), 名称=f"新登记的公司{n}", 所属区域=region)
        for n in range(1, 400)
    ]
    return _all_targets(service, extra)


def test_a_long_check_shows_its_progress_then_the_same_outcome(
    app_client: TestClient, service: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(app_client, "planner")
    jobs = _held(app_client)
    data = _big_targets(service)
    gate = Gate(registries.check_registry, head=len(data) // 2)
    monkeypatch.setattr(registries, "check_registry", gate)
    started = _check_no_follow(app_client, data)
    assert started.status_code == 303
    where = started.headers["location"]
    job = _job(jobs, where)
    assert gate.reading.wait(WAIT)
    status = app_client.get(where)
    assert status.status_code == 200
    text = status.text
    assert '<p role="status" aria-live="polite" id="import-text">正在读取并检查文件：已读取' in text
    assert '<progress id="import-bar"' in text and f'max="{len(data)}"' in text
    assert '<script src="/console/static/import_progress.js" defer></script>' in text
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in text
    assert 50 <= job.percent() < 100
    polled = app_client.get(f"{where}/status").json()
    assert polled["running"] is True and polled["size"] == len(data)
    assert polled["read"] >= len(data) // 2 and "已读取" in polled["text"]
    # The same file again while its check runs: the running job, not a second one.
    again = _check_no_follow(app_client, data)
    assert again.headers["location"] == where and gate.calls == 1
    gate.release.set()
    assert job.done.wait(WAIT)
    done = app_client.get(where)
    assert (
        done.status_code == 200 and "检查通过" in done.text and "新增</dt><dd>399 条" in done.text
    )
    assert app_client.get(f"{where}/status").json()["running"] is False
    assert _audit(service, "registry.import") == []
    script = app_client.get("/console/static/import_progress.js")
    assert script.status_code == 200 and "import-progress" in script.text
    assert script.headers["content-type"].startswith("text/javascript")


def _check_no_follow(client: TestClient, data: bytes) -> Any:
    form = client.get("/console/registries/targets/import")
    return client.post(
        "/console/registries/targets/check",
        data={"csrf": _csrf(form.text)},
        files={"file": ("f.csv", data, "text/csv")},
        follow_redirects=False,
    )


def test_a_double_confirmation_imports_once(
    app_client: TestClient, service: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(app_client, "planner")
    data = _big_targets(service)
    page = _check(app_client, "targets", data)  # the conftest's jobs: waited for
    text = page.text  # type: ignore[attr-defined]
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', text)
    assert digest is not None
    jobs = _held(app_client)
    gate = Gate(registries.import_registry)
    monkeypatch.setattr(registries, "import_registry", gate)
    before = _count(service, Target)
    posts = [
        app_client.post(
            "/console/registries/targets/confirm",
            data={"csrf": _csrf(text), "digest": digest.group(1)},
            follow_redirects=False,
        )
        for _ in range(2)
    ]
    assert posts[0].headers["location"] == posts[1].headers["location"]
    job = _job(jobs, posts[0].headers["location"])
    assert gate.reading.wait(WAIT)
    running = app_client.get(posts[0].headers["location"])
    assert "正在导入，完成前请勿重复提交" in running.text
    gate.release.set()
    assert job.done.wait(WAIT)
    done = app_client.get(posts[0].headers["location"])
    assert done.status_code == 200 and "导入完成" in done.text and "新增 399" in done.text
    assert gate.calls == 1 and len(_audit(service, "registry.import")) == 1
    assert _count(service, Target) == before + 399


def test_a_failed_job_is_shown_in_chinese_and_an_unknown_one_is_404(
    app_client: TestClient, service: Lifecycle, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(app_client, "planner")
    jobs = _held(app_client)

    def broken(lc: Lifecycle, kind: str, fh: BinaryIO, **kw: Any) -> Any:
        raise RuntimeError("internal detail /srv/secret")

    monkeypatch.setattr(registries, "check_registry", broken)
    started = _check_no_follow(app_client, _big_targets(service))
    job = _job(jobs, started.headers["location"])
    assert job.done.wait(WAIT)
    failed = app_client.get(started.headers["location"])
    assert failed.status_code == 500 and "发生意外错误，未导入任何数据" in failed.text
    assert "secret" not in failed.text
    unknown = app_client.get("/console/registries/targets/jobs/nope")
    assert unknown.status_code == 404 and "找不到这次检查或导入" in unknown.text
    other_kind = started.headers["location"].replace("/targets/", "/inspectors/")
    assert app_client.get(other_kind).status_code == 404
    assert app_client.get("/console/registries/targets/jobs/nope/status").status_code == 404
    app_client.cookies.clear()
    login(app_client, "reviewer")
    assert app_client.get(started.headers["location"]).status_code == 403


def test_jobs_report_progress_join_per_file_and_forget_old_ones(tmp_path: Path) -> None:
    now = [0.0]
    jobs = ImportJobs(clock=lambda: now[0])
    path = tmp_path / "file"
    path.write_bytes(b"x" * 100_000)
    read, release = threading.Event(), threading.Event()

    def work(fh: BinaryIO) -> int:
        fh.read(40_000)
        read.set()
        assert release.wait(WAIT)
        return len(fh.read())

    job = jobs.start("targets", "check", "d1", path, "planner", work)
    assert read.wait(WAIT) and job.running
    assert 40_000 <= job.position() < 100_000 and 40 <= job.percent() < 100
    assert jobs.start("targets", "confirm", "d1", path, "planner", work) is job
    other = jobs.start("inspectors", "check", "d1", path, "planner", lambda fh: 0)
    assert other is not job and other.done.wait(WAIT) and other.outcome == 0
    release.set()
    assert job.done.wait(WAIT) and job.outcome == 60_000 and job.percent() == 100
    failing = jobs.start("targets", "check", "d2", path, "planner", lambda fh: 1 // 0)
    assert failing.done.wait(WAIT) and isinstance(failing.error, ZeroDivisionError)
    now[0] = 3601.0
    jobs.start("targets", "check", "d3", path, "planner", lambda fh: 0).done.wait(WAIT)
    assert jobs.get(job.id) is None and jobs.get(failing.id) is None
