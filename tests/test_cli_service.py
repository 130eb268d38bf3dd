"""The service commands end to end: init, user add, task create/announce/show, export, and
`lottery serve` answering the API and the public log, audited by `lottery verify <url>`."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from tests import lifecycle as lc

LOTTERY = [sys.executable, "-m", "lottery"]
PASSWORD = "test-only-password"  # noqa: S105 - test-only


SLOW = 60.0  # seconds: a login hashes a password, which a loaded machine makes slow


def run(*args: str, data: Path, ok: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI on ``data`` in this process (fast); the exit code and output as a
    subprocess gives."""
    proc = run_main(*args, "--data-dir", str(data), **{"LOTTERY_LOG_ORIGIN": lc.LOG, **env})
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def run_main(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``lottery.cli.main`` in this process, with ``env`` set (and no LOTTERY_DATABASE_URL)
    while it runs: the exit code, standard output and standard error a subprocess gives,
    without its second or so of Python start and imports."""
    import contextlib
    import io

    from lottery.cli import main

    saved = {k: os.environ.get(k) for k in [*env, "LOTTERY_DATABASE_URL"]}
    os.environ.update(env)
    os.environ.pop("LOTTERY_DATABASE_URL", None)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def _task_file(tmp: Path) -> Path:
    """A task whose public draw is tomorrow (real time), so it can be announced now."""
    params = lc.params(lc.small_registries(), "T-cli")
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    spec = lc.numbers_beacon(tomorrow, "测试", (1, (1, 2, 3, 4, 5, 6)))[0]
    body = {
        "task": "T-cli",
        "title": params.title,
        "org_units": list(params.org_units),
        "window": {"start": params.window_start, "end": params.window_end},
        "ratios": dict(params.ratios),
        "team_size": 2,
        "disclosure": f"{date.today().year + 1}-01-31T00:00:00Z",
        "beacon": spec.to_dict(),
        "items": [{"code": c, "version": v} for c, v in params.items],
    }
    path = tmp / "task.yaml"
    path.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def data(tmp_path: Path, cli_loaded: Path) -> Path:
    """A data directory after ``lottery init`` with the small registries loaded: a copy of
    one built once a test process (tests/conftest.py)."""
    return copy_data(cli_loaded, tmp_path)


def copy_data(template: Path, tmp_path: Path) -> Path:
    """A test's own copy of a template data directory (modes kept: the key stays private)."""
    return Path(shutil.copytree(template, tmp_path / "data"))


def test_init_users_and_tasks(data: Path, tmp_path: Path) -> None:
    again = run("init", "--admin", "boss", data=data, LOTTERY_ADMIN_PASSWORD=PASSWORD)
    assert "already" in again.stdout
    assert (data / "keys" / "office.key").stat().st_mode & 0o077 == 0
    run("user", "add", "alice", "--role", "planner", data=data, LOTTERY_USER_PASSWORD=PASSWORD)
    assert "alice\tplanner\tactive" in run("user", "list", data=data).stdout
    run("task", "create", str(_task_file(tmp_path)), data=data)
    out = run("task", "announce", "T-cli", "--actor", "alice", data=data)
    assert "announced" in out.stdout
    shown = json.loads(run("task", "show", "T-cli", data=data).stdout)
    assert shown["state"] == "announced" and shown["announcement_record"]
    export = tmp_path / "export"
    # The item list the fixture published, the three registry snapshots the announcement
    # publishes with it, then the announcement.
    assert "5 records" in run("export", str(export), data=data).stdout
    verified = subprocess.run(
        [*LOTTERY, "verify", str(export)], capture_output=True, text=True, check=False
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_documents_owed_reports_what_it_issued(data: Path) -> None:
    """The manual retry of the 告知书 a disclosure left owed (tests/service/test_result_notices.py
    covers what is owed); with nothing owed it says so, on one line, and exits 0."""
    out = run("documents", "owed", "--actor", "boss", data=data).stdout
    assert out.strip() == "已出具 0 份检查结果告知书，没有待出具的告知书"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("task", "announce", "NOPE"), "no task NOPE"),
        (("task", "create", "/nonexistent/task.yaml"), "cannot read task file"),
        (("user", "add", "bob", "--role", "king"), "unknown role"),
        (("task", "cancel", "NOPE", "--reason", "x"), "no task NOPE"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(data: Path, args: tuple[str, ...], words: str) -> None:
    proc = run(*args, data=data, ok=False, LOTTERY_USER_PASSWORD=PASSWORD)
    assert proc.returncode != 0
    assert words in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_input_in_a_real_process_has_no_traceback(data: Path) -> None:
    proc = subprocess.run(
        [*LOTTERY, "task", "show", "NOPE", "--data-dir", str(data)],
        env={**os.environ, "LOTTERY_LOG_ORIGIN": lc.LOG},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: no task NOPE"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def served(data: Path, tmp_path: Path) -> Iterator[str]:
    run("task", "create", str(_task_file(tmp_path)), data=data)
    run("task", "announce", "T-cli", data=data)
    port = _free_port()
    env = {**os.environ, "LOTTERY_LOG_ORIGIN": lc.LOG}
    env.pop("LOTTERY_DATABASE_URL", None)
    proc = subprocess.Popen(
        [*LOTTERY, "serve", "--data-dir", str(data), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Wait until it answers; the deadline is only a guard against a server that never does.
        deadline = time.monotonic() + 120
        while not _answers(f"{base}/log/checkpoint"):
            if proc.poll() is not None:
                pytest.fail(
                    f"lottery serve exited: {proc.stderr.read().decode() if proc.stderr else ''}"
                )
            if time.monotonic() > deadline:
                pytest.fail("lottery serve did not answer within 120 s")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_serve_answers_staff_and_the_public(served: str) -> None:
    # A real server on a busy machine: a login hashes its password at a low priority, so each
    # request may wait longer than httpx's 5 s default (what is tested is the answer). No
    # shared client: a login's cookie must not authenticate the anonymous requests below.
    wait = 60
    login = httpx.post(
        f"{served}/api/auth/login", json={"name": "boss", "password": PASSWORD}, timeout=wait
    )
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    tasks = httpx.get(f"{served}/api/tasks", headers=headers, timeout=wait).json()
    assert [(t["id"], t["state"]) for t in tasks] == [("T-cli", "announced")]
    assert httpx.get(f"{served}/api/tasks", timeout=wait).status_code == 401
    console = httpx.get(f"{served}/console/", follow_redirects=True, timeout=wait)
    assert console.status_code == 200 and "抽查工作台" in console.text  # the login page
    assert httpx.get(f"{served}/openapi.json", timeout=wait).json()["info"]["title"]
    proc = subprocess.run(
        [*LOTTERY, "verify", f"{served}/log"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "VERIFIED" in proc.stdout


def test_risk_rules_shown_published_and_bad_files_refused(data: Path, tmp_path: Path) -> None:
    shown = run("registry", "risk-rules", data=data).stdout
    assert "第 1 版的风险规则" in shown and "无风险规则" in shown
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            {
                "raise": [{"when": "bad_records", "at_least": 2, "to": "C"}],
                "uncapped": [],
                "key_items_uncapped": False,
            }
        ),
        encoding="utf-8",
    )
    done = run("registry", "risk-rules", str(rules), "--actor", "alice", data=data).stdout
    assert "已发布抽查事项清单第 2 版" in done
    assert "不良记录次数达到2次的，风险等级至少为较高风险（C类）" in done
    rules.write_text('{"raise": [], "uncapped": ["Z"], "key_items_uncapped": false}', "utf-8")
    bad = run("registry", "risk-rules", str(rules), data=data, ok=False)
    assert bad.returncode != 0 and "uncapped" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
    assert "第 2 版的风险规则" in run("registry", "risk-rules", data=data).stdout


def test_withheld_target_types_set_listed_released_and_bad_types_refused(data: Path) -> None:
    """Committed pools (docs/spec.md §4): staff withhold a type's identity from the CLI."""
    assert "（无）" in run("registry", "withhold", data=data).stdout
    done = run("registry", "withhold", "人防工程平时使用", "--actor", "alice", data=data).stdout
    assert "以承诺值公开" in done and "平时使用" in done
    assert "平时使用" in run("registry", "withhold", data=data).stdout
    bad = run("registry", "withhold", "不存在的类型", data=data, ok=False)
    assert bad.returncode != 0 and "未知的检查对象类型" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
    gone = run("registry", "withhold", "peacetime_use", "--release", data=data).stdout
    assert "（无）" in gone


def test_serve_logs_json_lines_with_request_ids_and_no_secrets(data: Path) -> None:
    """``lottery serve --log-format json``: every line on standard error is one JSON object
    (docs/operations.md); uvicorn's access lines carry the request's id, which the response
    names too; a login's password and token appear nowhere; /readyz and /metrics answer."""
    port = _free_port()
    env = {**os.environ, "LOTTERY_LOG_ORIGIN": lc.LOG}
    env.pop("LOTTERY_DATABASE_URL", None)
    proc = subprocess.Popen(
        [*LOTTERY, "serve", "--data-dir", str(data), "--port", str(port), "--log-format", "json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # only a guard against a server that never answers
        while not _answers(f"{base}/healthz"):
            assert proc.poll() is None, "lottery serve exited"
            assert time.monotonic() < deadline, "lottery serve did not answer within 120 s"
            time.sleep(0.1)
        wrong = httpx.post(
            f"{base}/api/auth/login", json={"name": "boss", "password": "wrong-1"}, timeout=SLOW
        )
        assert wrong.status_code == 401
        login = httpx.post(
            f"{base}/api/auth/login", json={"name": "boss", "password": PASSWORD}, timeout=SLOW
        )
        assert login.status_code == 200
        ready = httpx.get(f"{base}/readyz", timeout=SLOW)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["scheduler"]["status"] == "ok"
        metrics = httpx.get(f"{base}/metrics", timeout=SLOW)  # from this host: allowed by default
        assert metrics.status_code == 200
        assert 'lottery_login_failures_total{reason="wrong_password"} 1.0' in metrics.text
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=20)
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert lines, "no log lines"
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line), line
        assert line["time"].endswith("+00:00")
    access = {
        line["request_id"]: line["message"] for line in lines if line["logger"] == "uvicorn.access"
    }
    assert "POST /api/auth/login" in access[login.headers["x-request-id"]]
    assert "GET /readyz" in access[ready.headers["x-request-id"]]
    assert PASSWORD not in stderr and "wrong-1" not in stderr
    assert login.json()["token"] not in stderr


def test_a_bad_log_format_setting_is_one_line(data: Path) -> None:
    proc = run("serve", data=data, ok=False, LOTTERY_LOG_FORMAT="xml")
    assert proc.returncode != 0
    assert "LOTTERY_LOG_FORMAT" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_serve_refuses_a_trusted_proxy_that_is_not_an_address(tmp_path: Path) -> None:
    """docs/service.md: a wrong LOTTERY_TRUSTED_PROXIES stops `lottery serve` with one line,
    before anything is opened or created."""
    data = tmp_path / "data"
    done = run("serve", data=data, ok=False, LOTTERY_TRUSTED_PROXIES="127.0.0.1, proxy.lan")
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "LOTTERY_TRUSTED_PROXIES" in lines[0] and "proxy.lan" in lines[0]
    assert "Traceback" not in done.stderr
    assert not data.exists()
