"""``lottery verify`` on a log with a task cancelled with its secret lost (docs/spec.md §7,
§8; the known-answer vector tests/vectors/lottery-v1/task-secret-lost.json): exit 0, the task
warned (WARN / 警告), its status in words and the count on the last line, in English, Chinese
and JSON; a forged case fails with its check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lottery.cli import main
from tests.secret_lost_site import LOST, TASK, write_case


def _verify(export: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(["verify", str(export), "--workers", "1", "--key", LOST["vkey"], *args])
    return int(done.value.code or 0), capsys.readouterr().out


def test_the_warning_is_printed_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = write_case(tmp_path / "export", "lost-after-draw")
    code, out = _verify(export, capsys)
    assert code == 0, out
    assert f"WARN  [{TASK}] cancel.secret_lost" in out
    assert f"ok    [{TASK}] status: cancelled (secret lost: the draw cannot be checked)" in out
    assert (
        out.strip()
        .splitlines()[-1]
        .endswith(
            "; WARNING: 1 task(s) cancelled with the secret lost, their draws cannot be checked"
        )
    )
    assert "commit.reveal" not in out and "draw.rerun" not in out
    code, out = _verify(export, capsys, "--lang", "zh")
    assert code == 0, out
    assert f"警告  [{TASK}] 警告：办公室声明本任务的秘密值已遗失" in out
    assert "状态：已取消（秘密值遗失，抽取结果无法公开核验）" in out
    last = out.strip().splitlines()[-1]
    assert last.endswith("；警告：1 个任务因秘密值遗失而取消，其抽取结果无法核验")
    code, out = _verify(export, capsys, "--json")
    report = json.loads(out)
    assert report["ok"] and report["secret_lost"] == [TASK]
    assert report["tasks"][TASK]["secret_lost"] is True


def test_a_lost_cancellation_of_a_revealed_task_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = write_case(tmp_path / "export", "lost-after-reveal")
    code, out = _verify(export, capsys)
    assert code == 1 and "FAIL" in out and "task.state" in out and "WARNING" not in out


def test_a_secret_lost_cancellation_with_a_secret_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = write_case(tmp_path / "export", "lost-with-secret")
    code, out = _verify(export, capsys)
    assert code == 1 and "record.format" in out and "WARN " not in out


def test_the_monitor_says_the_secret_is_lost() -> None:
    from lottery.core.monitor_words import record_words

    lost = json.loads(LOST["cases"][0]["notes"][-1].split("\n", 1)[0])
    (en, zh), _ = record_words(lost)
    assert en == f"task {TASK} cancelled WITH THE SECRET LOST: its draw can never be checked"
    assert zh == f"任务 {TASK} 已取消，声明秘密值遗失：其抽取永远无法核验"
    ordinary = {k: v for k, v in lost.items() if k != "secret_lost"}
    assert record_words(ordinary)[0] == (f"task {TASK} cancelled", f"任务 {TASK} 已取消")
