"""The verifier's exit status 3: it could not run to the end (review finding 6).

deploy/site-swap.sh refuses a version on 1 (a check failed) and 2 (bad input) and tries again
on 3, so a failure of the machine (a fork refused, EIO, too many open files, no memory, a
Python too old) must never come out as 1 or 2 (docs/verifier.md, "Exit status"). Each case is
one line on stderr, no stack trace; the meanings of 0, 1 and 2 stay as they were.
"""

from __future__ import annotations

import errno
import socket
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from lottery.cli import main
from lottery.export.write import write_export
from lottery.verifier import run, standalone
from lottery.verifier.bundle import _MAIN, write_pyz
from lottery.verifier.exit_status import BAD_INPUT, NOT_RUN, os_error_status
from tests.lifecycle import LOG, disclosed, office_signer

# (what goes wrong inside the run, the exit status, words of the line)
FAILURES = {
    "EIO": (OSError(errno.EIO, "Input/output error"), 3, "Input/output error"),
    "a fork refused": (BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable"), 3, ""),
    "too many open files": (OSError(errno.EMFILE, "Too many open files", "/x/blobs/ab"), 3, ""),
    "no memory": (MemoryError(), 3, "MemoryError"),
    "a bug": (ZeroDivisionError("division by zero"), 3, "ZeroDivisionError"),
    # A file of the input that may not be read: bad input, as before.
    "unreadable input": (PermissionError(errno.EACCES, "Permission denied", "/x/blobs/ab"), 2, ""),
}


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    done = disclosed()
    signer = office_signer()
    out = tmp_path_factory.mktemp("exit") / "export"
    notes, blobs = done.published.notes, done.published.blobs
    write_export(out, notes, blobs, signer, origin=LOG, public_keys=[signer.vkey])
    return out


def _break_the_run(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    def audit_export(*args: object, **kwargs: object) -> None:
        raise exc

    monkeypatch.setattr(run, "audit_export", audit_export)


def _one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("case", list(FAILURES))
def test_the_standalone_verifier(
    export: Path, case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exc, code, words = FAILURES[case]
    key = office_signer().vkey
    assert standalone.main([str(export), "--key", key, "--workers", "1"]) == 0
    capsys.readouterr()
    _break_the_run(monkeypatch, exc)
    assert standalone.main([str(export), "--key", key, "--workers", "1", "--lang", "zh"]) == code
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("错误：") and words in line
    if code == NOT_RUN:
        assert "核验程序未能运行完毕" in line and "不是核验未通过" in line


@pytest.mark.parametrize("case", list(FAILURES))
def test_lottery_verify(
    export: Path, case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exc, code, words = FAILURES[case]
    _break_the_run(monkeypatch, exc)
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        main(["verify", str(export), "--key", office_signer().vkey, "--workers", "1"])
    assert stop.value.code == code
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("error: ") and words in line
    if code == NOT_RUN:
        assert "could not run to the end" in line


def test_bad_input_and_failed_checks_keep_their_codes(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A key file that is not UTF-8 text: bad input (a stack trace and 1 before).
    bad_key = tmp_path / "office.vkey"
    bad_key.write_bytes(b"\xff\xfe")
    assert standalone.main([str(export), "--key", str(bad_key)]) == BAD_INPUT
    assert str(bad_key) in _one_line(capsys.readouterr().err)
    with pytest.raises(SystemExit) as stop:
        main(["verify", str(export), "--key", str(bad_key)])
    assert stop.value.code == BAD_INPUT
    assert str(bad_key) in _one_line(capsys.readouterr().err)
    # A missing input is still 2 (a named path: ENOENT).
    assert standalone.main([str(tmp_path / "nowhere")]) == BAD_INPUT
    missing = FileNotFoundError(errno.ENOENT, "No such file", "x")
    assert os_error_status(missing) == BAD_INPUT
    # An ENOENT with no path named is the machine's (a helper program gone), not the input's.
    assert os_error_status(OSError(errno.ENOENT, "No such file")) == NOT_RUN


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 that is bound but not listening: every connection is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_site_url_that_cannot_be_read_is_not_a_verdict(
    closed_port: int, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A network failure says nothing about the site: 3 (try again), not 2 (refuse), in one
    line naming the URL."""
    site = f"http://127.0.0.1:{closed_port}/"
    words = "无法读取" if lang == "zh" else "cannot read"
    assert standalone.main([site, "--lang", lang]) == NOT_RUN
    line = _one_line(capsys.readouterr().err)
    assert f"{site}checkpoint" in line and words in line
    with pytest.raises(SystemExit) as stop:
        main(["verify", site, "--lang", lang])
    assert stop.value.code == NOT_RUN
    line = _one_line(capsys.readouterr().err)
    assert f"{site}checkpoint" in line and words in line


def _python_3_10(pyz: Path) -> subprocess.CompletedProcess[str]:
    """``pyz`` run as ``python3 pyz`` would on a Python that says it is 3.10."""
    code = (
        "import runpy, sys; sys.version_info = (3, 10, 12, 'final', 0); "
        f"sys.argv = [{str(pyz)!r}]; runpy.run_path({str(pyz)!r}, run_name='__main__')"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )


def test_the_single_file_says_3_when_python_is_too_old_or_it_cannot_load(tmp_path: Path) -> None:
    pyz = tmp_path / "lottery-verify.pyz"
    write_pyz(pyz)
    old = _python_3_10(pyz)
    assert old.returncode == NOT_RUN, old.stderr
    assert "needs Python 3.11 or later" in _one_line(old.stderr)
    # An archive that cannot load its modules (only __main__.py in it; -S: no installed copy).
    broken = tmp_path / "broken.pyz"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("__main__.py", _MAIN)
    done = subprocess.run(
        [sys.executable, "-S", str(broken), "."],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == NOT_RUN, done.stderr
    assert "核验程序无法启动" in _one_line(done.stderr)
