"""Benchmark: a 10,000-row target import through the console's page vs the service directly.

    .venv/bin/python bench/bench_console_import.py                 # 10,000 rows, 3 runs
    .venv/bin/python bench/bench_console_import.py --rows 50000 --runs 1

The console checks and imports an uploaded file in a background thread (docs/console.md,
"名录管理"). Each run, on a new SQLite data directory with the org units imported (untimed):

- ``service``: ``registries.check_registry`` then ``import_registry`` on the file (what the
  two steps of the page call), in this process;
- ``page``: the same file through the app in-process (``TestClient``, a planner's cookie
  session): POST ``/console/registries/targets/check`` (the upload), wait for the job, GET the
  outcome page, POST ``.../confirm``, wait for the job, GET the outcome page. Waiting is on
  the job's event, as a browser's poll would see it at most a second later.

Prints the median of each and their ratio (page / service): the cost of the upload, the kept
copy, the thread and the pages. The PASSWORD is a throw-away value for a temporary directory.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench_import import _org_units, generate
from fastapi.testclient import TestClient

from lottery.api import create_app
from lottery.api.console.import_jobs import ImportJobs
from lottery.service import registries, users
from lottery.service.lifecycle import Lifecycle
from lottery.settings import Settings, get_settings

PASSWORD = "bench-only-Password-2026!"  # noqa: S105 - a throw-away data directory
NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_JOB = re.compile(r"/console/registries/targets/jobs/([A-Za-z0-9_-]+)$")


def _service(tmp: Path) -> tuple[Lifecycle, Settings]:
    settings = get_settings(data_dir=tmp / "data")
    lc = Lifecycle.open(settings)
    registries.import_registry(lc, "org-units", _org_units(tmp / "org.csv"), actor="b", now=NOW)
    return lc, settings


def direct(path: Path) -> float:
    """Seconds for check + import through the service calls."""
    with tempfile.TemporaryDirectory() as tmp:
        lc, _ = _service(Path(tmp))
        t0 = time.perf_counter()
        registries.check_registry(lc, "targets", path, now=NOW)
        result = registries.import_registry(lc, "targets", path, actor="bench", now=NOW)
        took = time.perf_counter() - t0
        assert result.inserted > 0
        lc.engine.dispose()
    return took


def _csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, html[:500]
    return found.group(1)


def _wait(client: TestClient, jobs: ImportJobs, response: object) -> str:
    """Wait for the job a POST started; the outcome page's HTML."""
    location = response.headers["location"]  # type: ignore[attr-defined]
    found = _JOB.search(location)
    assert found, location
    job = jobs.get(found.group(1))
    assert job is not None
    job.done.wait()
    page = client.get(location)
    assert page.status_code == 200, page.text[:2000]
    return page.text


def through_page(path: Path) -> float:
    """Seconds for the upload, its check, the confirmation and its import, through pages."""
    with tempfile.TemporaryDirectory() as tmp:
        lc, settings = _service(Path(tmp))
        users.create_user(lc, "planner", PASSWORD, ["planner"], NOW, actor="bench")
        app = create_app(settings, service=lc, clock=lambda: NOW)
        jobs = app.state.import_jobs = ImportJobs(grace=0.0)
        data = path.read_bytes()
        with TestClient(app) as client:
            form = client.get("/console/login")
            client.post(
                "/console/login",
                data={"name": "planner", "password": PASSWORD, "csrf": _csrf(form.text)},
            )
            csrf = _csrf(client.get("/console/registries/targets/import").text)
            t0 = time.perf_counter()
            started = client.post(
                "/console/registries/targets/check",
                data={"csrf": csrf},
                files={"file": ("targets.csv", data, "text/csv")},
                follow_redirects=False,
            )
            checked = _wait(client, jobs, started)
            digest = re.search(r'name="digest" value="([0-9a-f]{64})"', checked)
            assert digest, checked[:2000]
            confirmed = client.post(
                "/console/registries/targets/confirm",
                data={"csrf": csrf, "digest": digest.group(1)},
                follow_redirects=False,
            )
            done = _wait(client, jobs, confirmed)
            took = time.perf_counter() - t0
            assert "导入完成" in done, done[:2000]
        lc.engine.dispose()
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "targets.csv"
        generate(path, args.rows)
        size = path.stat().st_size / 1e6
        service, page = [], []
        for _ in range(args.runs):  # interleaved: the machine is shared and its load drifts
            service.append(direct(path))
            page.append(through_page(path))
    s, p = statistics.median(service), statistics.median(page)
    print(f"{args.rows} target rows ({size:.1f} MB CSV), median of {args.runs} runs")
    print(f"  service (check_registry + import_registry): {s:.2f} s  {service}")
    print(f"  page (upload, check, confirm, import, pages): {p:.2f} s  {page}")
    print(f"  ratio page / service: {p / s:.2f}")


if __name__ == "__main__":
    main()
