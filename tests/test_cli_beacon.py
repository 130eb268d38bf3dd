"""The ``lottery rfc3797`` and ``lottery beacon verify-drand`` commands, end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lottery.cli import main
from tests.core.test_rfc3797 import RFC_POOL, RFC_SELECTED
from tests.test_cli_service import run_main

VECTOR = json.loads(
    (Path(__file__).parent / "vectors" / "drand" / "quicknet.json").read_text("utf-8")
)
SIGNATURE = VECTOR["rounds"][0]["signature"]
RANDOMNESS = VECTOR["rounds"][0]["randomness"]

# RFC 3797 section 6: the pool in order and the 16 selections of its table.
RFC_ARGS = ["--source", "9319", "--source", "2,5,12,8,10", "--source", "9,18,26,34,41,45"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The command in this process: its exit code and output as a subprocess gives them
    (test_rfc3797_example_via_subprocess runs a real one)."""
    return run_main(*args)


def run_process(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lottery", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> None:
    assert result.returncode == code
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.fixture
def pool_file(tmp_path: Path) -> Path:
    # A byte-order mark, CRLF line ends, trailing blanks and blank lines are all tolerated.
    text = "\ufeff" + "\r\n".join(f"{name}  " for name in RFC_POOL[:12]) + "\r\n\r\n"
    text += "\n".join(RFC_POOL[12:]) + "\n\n"
    path = tmp_path / "pool.txt"
    path.write_bytes(text.encode("utf-8"))
    return path


def test_rfc3797_example_via_subprocess(pool_file: Path) -> None:
    result = run_process("rfc3797", str(pool_file), *RFC_ARGS, "--count", "16")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "".join(f"{name}\n" for name in RFC_SELECTED)
    assert result.stderr == ""


def test_rfc3797_show_key(pool_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["rfc3797", str(pool_file), *RFC_ARGS, "--count", "10", "--show-key"])
    assert info.value.code == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == RFC_SELECTED[:10]
    assert err == "key string: 9319./2.5.8.10.12./9.18.26.34.41.45./\n"


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--count", "26"], "only 25"),
        (["--count", "0"], "at least 1"),
        (["--count", "3", "--source", "1.5"], "decimal"),
        (["--count", "3", "--source", "x"], "integers"),
    ],
)
def test_rfc3797_bad_input(
    pool_file: Path, capsys: pytest.CaptureFixture[str], extra: list[str], fragment: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["rfc3797", str(pool_file), *RFC_ARGS, *extra])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error:")
    assert fragment in err
    assert len(err.splitlines()) == 1


def test_rfc3797_bad_pool_files(tmp_path: Path) -> None:
    duplicates = tmp_path / "dup.txt"
    duplicates.write_text("a\nb\na\n", encoding="utf-8")
    assert_one_line_error(run("rfc3797", str(duplicates), "-s", "1", "-n", "1"), 2)
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Zoë\n".encode("latin-1"))
    assert_one_line_error(run("rfc3797", str(latin1), "-s", "1", "-n", "1"), 2)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    assert_one_line_error(run("rfc3797", str(empty), "-s", "1", "-n", "1"), 2)
    assert_one_line_error(run("rfc3797", str(tmp_path / "missing.txt"), "-s", "1", "-n", "1"), 2)


def test_verify_drand_prints_the_randomness() -> None:
    result = run(
        "beacon", "verify-drand", "--chain", "quicknet", "--round", "123", "--signature", SIGNATURE
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == RANDOMNESS + "\n"
    assert result.stderr == ""


def test_verify_drand_wrong_round_prints_nothing() -> None:
    result = run("beacon", "verify-drand", "--round", "124", "--signature", SIGNATURE)
    assert_one_line_error(result, 1)
    assert "beacon.drand" in result.stderr


@pytest.mark.parametrize(
    ("signature", "code"),
    [
        (SIGNATURE[:-2] + "00", 1),  # modified
        ("00" * 48, 1),  # not a curve point
        ("ab", 1),  # wrong length
        ("not hex", 2),  # not even hex: an input error
    ],
)
def test_verify_drand_bad_signature(
    capsys: pytest.CaptureFixture[str], signature: str, code: int
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["beacon", "verify-drand", "--round", "123", "--signature", signature])
    assert info.value.code == code
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1


def test_verify_drand_unknown_chain_lists_the_known_ones() -> None:
    result = run(
        "beacon", "verify-drand", "--chain", "mainnet", "--round", "1", "--signature", SIGNATURE
    )
    assert_one_line_error(result, 2)
    assert "quicknet" in result.stderr
