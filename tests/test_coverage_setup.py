"""The coverage configuration measures code run only in a forked worker or a CLI subprocess.

``make pytest`` runs the suite under ``coverage run`` with pyproject.toml's
``[tool.coverage.run]``; this checks that configuration on a small probe run under its own
coverage (data in a temporary directory): ``lottery.runtime.forking._child`` runs only in the
child that :class:`~lottery.runtime.forking.Background` forks (it leaves with ``os._exit``), and
``lottery/__main__.py`` only in the ``python -m lottery`` subprocess, ``ForkWorkers.share``
only in a subprocess that dies of SIGTERM (as ``lottery serve`` does when a test stops it).
Each process must leave its own data file with those lines, and the combined data must hold them.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from coverage import CoverageData

from lottery.runtime import forking

ROOT = Path(__file__).resolve().parent.parent

PROBE = """\
import json, os, signal, subprocess, sys
from lottery.runtime import forking

job = forking.Background(lambda: 42, fork=True)
child = job._proc.pid if job._proc is not None else None
assert job.forked and job.result() == 42
cli = subprocess.Popen([sys.executable, "-m", "lottery", "--help"], stdout=subprocess.DEVNULL)
assert cli.wait() == 0
# Ends as `lottery serve` does on the tests' SIGTERM: uvicorn raises the signal again.
term = "from lottery.runtime import forking; import signal; forking.ForkWorkers(1).share(0); " \
    "signal.raise_signal(signal.SIGTERM)"
killed = subprocess.Popen([sys.executable, "-c", term])
assert killed.wait() == -signal.SIGTERM
print(json.dumps({"parent": os.getpid(), "child": child, "cli": cli.pid, "term": killed.pid}))
"""


def _line_of(path: Path, first_line: int, text: str) -> int:
    """The number of the line of ``path`` (from ``first_line`` on) that is exactly ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for number in range(first_line, len(lines) + 1):
        if lines[number - 1].strip() == text:
            return number
    raise AssertionError(f"no line {text!r} in {path}")


def _lines(data_file: Path, source: Path) -> set[int]:
    data = CoverageData(str(data_file))
    data.read()
    return set(data.lines(str(source)) or ())


def test_lines_run_only_in_a_fork_a_subprocess_or_a_sigtermed_one_are_measured(
    tmp_path: Path,
) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    data = tmp_path / "cov" / ".coverage"
    # Not the outer run's coverage (make pytest): this probe starts its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    run = [sys.executable, "-m", "coverage"]
    rc = ["--rcfile", str(ROOT / "pyproject.toml"), "--data-file", str(data)]
    proc = subprocess.run(
        [*run, "run", *rc, str(probe)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    pids = json.loads(proc.stdout.splitlines()[-1])
    assert pids["child"] is not None, "the probe did not fork"

    forking_py = Path(forking.__file__)
    _, child_start = inspect.getsourcelines(forking._child)
    send = _line_of(forking_py, child_start, "send.send(value)")  # reached only in the child
    main_py = ROOT / "lottery" / "__main__.py"
    call = _line_of(main_py, 1, "main()")  # reached only by `python -m lottery`
    _, use_start = inspect.getsourcelines(forking.ForkWorkers.share)
    use = _line_of(
        forking_py, use_start, "return self.n >= 2 and size >= MIN_PARALLEL and can_fork()"
    )  # reached only in the process ended by SIGTERM

    files = {p.name: p for p in data.parent.glob(".coverage.*")}
    by_pid = {
        role: [p for n, p in files.items() if f".pid{pid}." in n] for role, pid in pids.items()
    }
    assert all(by_pid.values()), f"a process left no data: {by_pid} in {sorted(files)}"
    parent, child, cli, term = (by_pid[r][0] for r in ("parent", "child", "cli", "term"))
    assert send not in _lines(parent, forking_py)
    assert send in _lines(child, forking_py)
    assert call not in _lines(parent, main_py)
    assert call in _lines(cli, main_py)
    assert use not in _lines(parent, forking_py)
    assert use in _lines(term, forking_py)

    combined = subprocess.run(
        [*run, "combine", "-q", *rc, str(data.parent)], cwd=ROOT, env=env, capture_output=True
    )
    assert combined.returncode == 0, combined.stderr
    assert send in _lines(data, forking_py)
    assert call in _lines(data, main_py)
    assert use in _lines(data, forking_py)


# --- tests/coverage_floors.py: the per-package table and the floors make pytest enforces -------


def test_every_file_belongs_to_the_longest_matching_package() -> None:
    from tests import coverage_floors as cf

    assert cf.package_of("lottery/core/verify.py") == "lottery/core/"
    assert cf.package_of("lottery/storage/migrations/env.py") == "lottery/storage/"
    assert cf.package_of("lottery/export/write.py") == "lottery/"
    assert cf.package_of("publisher/build.py") == "publisher/"
    assert cf.package_of("bench/bench_draw.py") is None


def test_a_package_under_its_floor_fails_by_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests import coverage_floors as cf

    monkeypatch.setattr(cf, "FLOORS", {"lottery/core/": 90.0, "lottery/": 50.0})
    files = {  # core: 8 of 10 statements and 1 of 2 branches covered: 75%
        "lottery/core/a.py": cf.Tally(statements=6, missing=1, branches=2, missing_branches=1),
        "lottery/core/b.py": cf.Tally(statements=4, missing=1),
        "lottery/x.py": cf.Tally(statements=4, missing=2),  # 50%: at the floor passes
    }
    monkeypatch.setattr(cf, "read_files", lambda data_file: files)
    assert cf.main(["--data-file", "unused"]) == 1
    out, err = capsys.readouterr()
    assert [line.split()[0] for line in out.splitlines()[1:]] == [
        "lottery/core/",
        "lottery/",
        "TOTAL",
    ]
    assert err == "coverage under the floor: lottery/core/ 75.0% < floor 90%\n"


def test_a_measured_file_outside_every_package_is_an_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests import coverage_floors as cf

    monkeypatch.setattr(cf, "read_files", lambda data_file: {"elsewhere/x.py": cf.Tally(1)})
    assert cf.main(["--data-file", "unused"]) == 2
    assert "elsewhere/x.py belongs to no package" in capsys.readouterr().err


def test_missing_data_is_one_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests import coverage_floors as cf

    assert cf.main(["--data-file", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no coverage data at" in err and "Traceback" not in err
