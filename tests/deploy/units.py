"""What the unit tests of deploy/*.service share: a unit's options as written, and
``systemd-analyze`` (``verify`` and ``security``) run on copies whose command exists."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
_COMMAND = "/opt/lottery/venv/bin/lottery"  # not installed here: /bin/true stands in for it
_EXPOSURE = re.compile(r"Overall exposure level for \S+: (\d+\.\d+) (\w+)")


def unit_options(unit: Path) -> dict[str, list[str]]:
    """Each option of ``unit`` (any section) with its values in the order written."""
    options: dict[str, list[str]] = {}
    for line in unit.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(("#", "[")):
            name, _, value = line.partition("=")
            options.setdefault(name.strip(), []).append(value.strip())
    return options


def systemd_analyze() -> str | None:
    """The path of ``systemd-analyze``, None where systemd's tools are not installed."""
    return shutil.which("systemd-analyze")


def copy_units(tmp_path: Path, *names: str) -> list[Path]:
    """The units ``names`` of deploy/ copied into ``tmp_path``, their command /bin/true
    (``verify`` wants the command to exist)."""
    copies = []
    for name in names:
        copy = tmp_path / name
        text = (DEPLOY / name).read_text(encoding="utf-8").replace(_COMMAND, "/bin/true")
        copy.write_text(text, encoding="utf-8")
        copies.append(copy)
    return copies


def assert_verified(analyze: str, *units: Path) -> None:
    """``systemd-analyze verify`` accepts ``units`` and says nothing."""
    verify = subprocess.run(
        [analyze, "verify", *map(str, units)], capture_output=True, text=True, check=False
    )
    assert verify.returncode == 0 and not verify.stderr.strip(), verify.stderr


def exposure(analyze: str, unit: Path) -> tuple[float, str]:
    """``systemd-analyze security``'s overall exposure of ``unit``: (level, its word)."""
    security = subprocess.run(
        [analyze, "security", "--offline=true", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    found = _EXPOSURE.search(security.stdout)
    assert found is not None, security.stdout[-2000:] + security.stderr
    return float(found.group(1)), found.group(2)
