"""deploy/site-swap.sh: the public host serves a new site version only once it verifies.

Run on copies of the demo city's built site, with the single-file verifier and the office keys
the host keeps (docs/deploy.md, "Each new site version").
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "site-swap.sh"


@pytest.fixture
def host(tmp_path: Path, demo_city: Path) -> dict[str, str]:
    """The host's own copies of the verifier and of the office's keys."""
    site = demo_city / "site"
    shutil.copy(site / "verify" / "lottery-verify.pyz", tmp_path / "verifier.pyz")
    shutil.copy(site / "export" / "keys" / "office.vkey", tmp_path / "office.vkey")
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("LOTTERY_")},
        "LOTTERY_SITE": str(tmp_path / "srv" / "site"),
        "LOTTERY_SITE_KEYS": str(tmp_path / "office.vkey"),
        "LOTTERY_VERIFIER": str(tmp_path / "verifier.pyz"),
        "PYTHON": sys.executable,
    }


def _builds(site: Path) -> list[str]:
    return sorted(p.name for p in (site.parent / "site.builds").iterdir() if p.name != ".lock")


def _swap(env: dict[str, str], incoming: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(SCRIPT), str(incoming)], env=env, capture_output=True, text=True, check=False
    )


def test_a_verified_version_is_served_and_a_tampered_one_is_not(
    host: dict[str, str], demo_city: Path, tmp_path: Path
) -> None:
    site = Path(host["LOTTERY_SITE"])
    site.parent.mkdir()
    first = tmp_path / "incoming-1"
    shutil.copytree(demo_city / "site", first)
    done = _swap(host, first)
    assert done.returncode == 0, done.stdout + done.stderr
    assert site.is_symlink()
    served = site.resolve()
    assert served.parent == site.parent / "site.builds"
    # The incoming folder stays, the base of the next rsync; the served copy shares its files.
    assert (first / "index.html").stat().st_ino == (site / "index.html").stat().st_ino
    assert (site / "index.html").read_bytes() == (demo_city / "site" / "index.html").read_bytes()

    # A version whose log does not verify (one byte of an entry bundle changed) is refused.
    second = tmp_path / "incoming-2"
    shutil.copytree(demo_city / "site", second)
    bundle = min(p for p in (second / "export" / "tile" / "entries").rglob("*") if p.is_file())
    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 1
    bundle.write_bytes(bytes(data))
    refused = _swap(host, second)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "新版本未通过核验，未上线" in refused.stderr
    assert site.resolve() == served and second.exists()
    assert _builds(site) == [served.name]


def test_a_shorter_log_is_a_rollback_and_is_refused(
    host: dict[str, str], demo_city: Path, tmp_path: Path
) -> None:
    site = Path(host["LOTTERY_SITE"])
    site.parent.mkdir()
    # What is served now claims a longer log than the demo's (a hand-placed folder).
    shutil.copytree(demo_city / "site" / "export", site / "export")
    checkpoint = (site / "export" / "checkpoint").read_text("utf-8").split("\n")
    checkpoint[1] = str(int(checkpoint[1]) + 1)
    (site / "export" / "checkpoint").write_text("\n".join(checkpoint), "utf-8")
    incoming = tmp_path / "incoming"
    shutil.copytree(demo_city / "site", incoming)
    refused = _swap(host, incoming)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "比当前网站" in refused.stderr
    assert site.is_dir() and not site.is_symlink() and incoming.exists()
    assert _builds(site) == []


def test_wrong_use() -> None:
    wrong = subprocess.run(["sh", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert wrong.returncode == 2 and "用法" in wrong.stderr


def test_a_swap_that_did_not_check_the_version_exits_3_not_1(
    host: dict[str, str], demo_city: Path, tmp_path: Path
) -> None:
    """Exit 1 only for a version checked and refused; busy or a failure on the host is 3, so
    site-push.sh and site-pull.sh try again (docs/deploy.md; review finding 9)."""
    site = Path(host["LOTTERY_SITE"])
    site.parent.mkdir()
    incoming = tmp_path / "incoming"
    shutil.copytree(demo_city / "site", incoming)
    # Another swap is running.
    lock = site.parent / "site.builds" / ".lock"
    lock.parent.mkdir()
    with lock.open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        busy = _swap(host, incoming)
    assert busy.returncode == 3, busy.stdout + busy.stderr
    assert "另一次上线正在进行" in busy.stderr
    # The copy fails (a full disk: cp exits 1 under set -e): 3, the partial copy removed.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "cp").write_text("#!/bin/sh\necho 'cp: No space left on device' >&2\nexit 1\n")
    (bin_dir / "cp").chmod(0o755)
    full = _swap({**host, "PATH": f"{bin_dir}:{host['PATH']}"}, incoming)
    assert full.returncode == 3, full.stdout + full.stderr
    assert "上线过程出错" in full.stderr
    # The verifier cannot run (no such interpreter), or the key file is missing: 3.
    no_python = _swap({**host, "PYTHON": str(tmp_path / "no-python")}, incoming)
    assert no_python.returncode == 3, no_python.stdout + no_python.stderr
    assert "核验程序未能运行" in no_python.stderr
    no_keys = _swap({**host, "LOTTERY_SITE_KEYS": str(tmp_path / "none.vkey")}, incoming)
    assert no_keys.returncode == 3 and "公钥文件" in no_keys.stderr
    assert not site.exists() and _builds(site) == []
    # Nothing was served meanwhile; the same version then swaps in.
    done = _swap(host, incoming)
    assert done.returncode == 0, done.stdout + done.stderr
    assert site.is_symlink()


def test_a_verifier_that_could_not_run_is_not_a_refusal(
    host: dict[str, str], demo_city: Path, tmp_path: Path
) -> None:
    """The verifier's own exit 3 (it could not run to the end: here the host's Python is too
    old) is the swap's 3, which push and pull retry, never 1 (review finding 6)."""
    site = Path(host["LOTTERY_SITE"])
    site.parent.mkdir()
    incoming = tmp_path / "incoming"
    shutil.copytree(demo_city / "site", incoming)
    old_python = tmp_path / "python3.10"
    claim = (
        "import runpy, sys; sys.version_info = (3, 10, 12, 'final', 0); "
        "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    old_python.write_text(f'#!/bin/sh\nexec {sys.executable} -c "{claim}" "$@"\n')
    old_python.chmod(0o755)
    too_old = _swap({**host, "PYTHON": str(old_python)}, incoming)
    assert too_old.returncode == 3, too_old.stdout + too_old.stderr
    assert "needs Python 3.11 or later" in too_old.stderr
    assert "核验程序未能运行（状态 3）" in too_old.stderr
    assert not site.exists() and _builds(site) == []
    done = _swap(host, incoming)
    assert done.returncode == 0, done.stdout + done.stderr
