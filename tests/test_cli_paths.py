"""Every command given a missing or unwritable path: one line on stderr, a non-zero exit, no
stack trace, and nothing created (issue: bad input changes nothing)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PASSWORD = "a-long-test-password-1"  # noqa: S105 - test only


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "LOTTERY_DATABASE_URL"}
    env["LOTTERY_ADMIN_PASSWORD"] = PASSWORD
    return subprocess.run(
        [sys.executable, "-m", "lottery", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-paths")
    (root / "a-file").write_text("not a directory\n")
    init = _run("init", "--admin", "boss", "--data-dir", str(root / "data"), cwd=root)
    assert init.returncode == 0, init.stderr
    return root


# (arguments with {root} for the temporary place, a fragment the one line must contain)
CASES = {
    "registry_export_missing_dir": (
        "registry export targets {root}/no/such/out.xlsx --data-dir {root}/data",
        "does not exist",
    ),
    "registry_export_under_a_file": (
        "registry export targets {root}/a-file/out.csv --data-dir {root}/data",
        "is not a directory",
    ),
    "credit_export_missing_dir": (
        "export-credit {root}/no/such/x.csv --since 2026-01-01 --data-dir {root}/data",
        "does not exist",
    ),
    "import_missing_file": ("import targets {root}/no/such.csv --data-dir {root}/data", "文件"),
    "data_dir_missing": ("user list --data-dir {root}/no/such", "not an initialised"),
    "data_dir_is_a_file": ("task list --data-dir {root}/a-file", "not an initialised"),
    "serve_missing_data_dir": ("serve --data-dir {root}/no/such --port 1", "not an initialised"),
    "init_under_a_file": ("init --admin boss --data-dir {root}/a-file/data", "Not a directory"),
    "task_file_missing": ("task create {root}/no/such.yaml --data-dir {root}/data", "such.yaml"),
    "verify_missing_export": ("verify {root}/no/such", "no export found"),
    "publish_missing_export": (
        "publish --export {root}/no/such --out {root}/site",
        "not an export",
    ),
    "serve_site_missing": ("serve-site {root}/no/such", "not a built site"),
    "witness_key_under_a_file": ("witness keygen w.example --out {root}/a-file/k", "a-file"),
    "unknown_option": ("verify {root} --no-such-option", "No such option"),
}


def _main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from lottery.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(args)
    return int(exit_.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_path_gives_one_line_and_changes_nothing(
    place: Path, case: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOTTERY_DATABASE_URL", raising=False)
    template, fragment = CASES[case]
    before = sorted(p.relative_to(place) for p in place.rglob("*"))
    code, stderr = _main(template.format(root=place).split(), capsys)
    assert code != 0
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert fragment in lines[0]
    assert not (place / "no").exists()
    after = sorted(p.relative_to(place) for p in place.rglob("*") if "data" not in p.parts)
    assert after == [p for p in before if "data" not in p.parts]


def test_the_process_exits_with_one_line_and_no_stack_trace(place: Path) -> None:
    result = _run("registry", "export", "targets", "no/such/out.xlsx", cwd=place)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: cannot write no/such/out.xlsx: the directory no/such does not exist"
    ]
