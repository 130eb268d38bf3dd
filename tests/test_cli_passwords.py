"""The password policy and resets from the operator's shell: `lottery init`, `lottery user add`
and `lottery user passwd` (issue #23, defect 4)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.settings import get_settings
from tests import lifecycle as lc
from tests.test_cli_service import PASSWORD, copy_data, run

NEW = "violet-harbour-lantern-7"  # a test-only password that follows the policy
WITH_NAME = "carol-password-1"  # test-only, refused: holds the name
COMMON = "qwerty123456"  # test-only, refused: on the public lists


def _one_line_error(proc_stderr: str, words: str) -> None:
    assert words in proc_stderr, proc_stderr
    assert len(proc_stderr.strip().splitlines()) == 1, proc_stderr
    assert "Traceback" not in proc_stderr


@pytest.fixture
def data(tmp_path: Path, cli_initialised: Path) -> Path:
    data = copy_data(cli_initialised, tmp_path)  # after `lottery init --admin boss`
    return data


def _service(data: Path) -> Lifecycle:
    return Lifecycle.open(get_settings(data_dir=data, log_origin=lc.LOG))


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("short-pw", "至少需要 12 个字符"),
        ("1qaz2wsx3edc", "过于常见"),
        ("boss-is-the-boss", "用户名"),
    ],
)
def test_init_refuses_a_bad_password_before_creating_anything(
    tmp_path: Path, password: str, words: str
) -> None:
    data = tmp_path / "data"
    proc = run("init", "--admin", "boss", data=data, ok=False, LOTTERY_ADMIN_PASSWORD=password)
    assert proc.returncode != 0
    _one_line_error(proc.stderr, words)
    assert not data.exists()


def test_user_add_applies_the_policy_and_forces_a_change(data: Path) -> None:
    bad = run(
        "user",
        "add",
        "carol",
        "--role",
        "planner",
        data=data,
        ok=False,
        LOTTERY_USER_PASSWORD=WITH_NAME,
    )
    assert bad.returncode != 0
    _one_line_error(bad.stderr, "不得包含用户名（carol）")
    out = run(
        "user", "add", "carol", "--role", "planner", data=data, LOTTERY_USER_PASSWORD=PASSWORD
    )
    assert "must change the password at first login" in out.stdout
    run(
        "user",
        "add",
        "dave",
        "--role",
        "auditor",
        "--no-must-change",
        data=data,
        LOTTERY_USER_PASSWORD=PASSWORD,
    )
    service = _service(data)
    try:
        now = datetime.now(UTC)
        assert users.login(service, "carol", PASSWORD, now)[2].must_change_password
        assert not users.login(service, "dave", PASSWORD, now)[2].must_change_password
        assert not users.login(service, "boss", PASSWORD, now)[2].must_change_password
    finally:
        service.engine.dispose()


def test_user_passwd_resets_ends_sessions_and_forces_a_change(data: Path) -> None:
    service = _service(data)
    try:
        now = datetime.now(UTC)
        session, _, _ = users.login(service, "boss", PASSWORD, now)
        out = run("user", "passwd", "boss", data=data, LOTTERY_USER_PASSWORD=NEW)
        assert "password of boss reset" in out.stdout
        with pytest.raises(users.AuthError):
            users.authenticate(service, session, now)
        with pytest.raises(users.AuthError):
            users.login(service, "boss", PASSWORD, now)
        assert users.login(service, "boss", NEW, now)[2].must_change_password
    finally:
        service.engine.dispose()
    weak = run("user", "passwd", "boss", data=data, ok=False, LOTTERY_USER_PASSWORD=COMMON)
    _one_line_error(weak.stderr, "过于常见")
    ghost = run("user", "passwd", "ghost", data=data, ok=False, LOTTERY_USER_PASSWORD=NEW)
    _one_line_error(ghost.stderr, "no user ghost")


def test_the_prompt_names_the_rule_and_asks_again(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    monkeypatch.delenv("LOTTERY_USER_PASSWORD", raising=False)
    from lottery.cli import make_app

    app = make_app()
    typed = f"short\nshort\n{NEW}\n{NEW}\n"
    result = CliRunner().invoke(
        app, ["user", "passwd", "boss", "--data-dir", str(data)], input=typed, env={}
    )
    assert result.exit_code == 0, result.output
    assert "至少需要 12 个字符" in result.output
    assert "password of boss reset" in result.output
