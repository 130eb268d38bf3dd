"""``lottery import`` under the upload limits (issue #23): a file refused as a whole is one line
on stderr and a non-zero exit, no traceback, nothing changed; many bad rows print the first 100
and the total."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest

from lottery.registry_io import limits as rio_limits
from tests.registry_io.conftest import TARGET_HEADER, target
from tests.registry_io.xlsx_parts import sheet_xml, workbook
from tests.test_cli_service import data, run  # noqa: F401 - the fixture


def _export(data: Path, out: Path) -> bytes:  # noqa: F811 - a path, not the fixture
    run("registry", "export", "targets", str(out), data=data)
    return out.read_bytes()


def test_a_file_over_the_size_limit_is_one_line_and_touches_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lowered = dataclasses.replace(rio_limits.LIMITS["targets"], max_bytes=1_000)
    monkeypatch.setitem(rio_limits.LIMITS, "targets", lowered)
    path = tmp_path / "t.csv"
    path.write_bytes(b"x" * 1_001)
    fresh = tmp_path / "never-created"
    proc = run("import", "targets", str(path), data=fresh, ok=False)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert lines == [
        "error: 检查对象名录（targets）文件过大（本文件 1.001 KB）：上限为 1 KB，"
        "请检查是否选错了文件"
    ]
    assert not fresh.exists()  # refused before the data directory was opened


def test_a_zip_bomb_is_one_line_and_imports_nothing(
    data: Path,  # noqa: F811 - the fixture
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lim = rio_limits.LIMITS["targets"]
    small_zip = dataclasses.replace(lim.xlsx, max_total_bytes=2_000_000)
    monkeypatch.setitem(rio_limits.LIMITS, "targets", dataclasses.replace(lim, xlsx=small_zip))
    before = _export(data, tmp_path / "before.csv")
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(
        workbook(sheet_xml([TARGET_HEADER]), extra={"xl/media/pad.bin": bytes(3_000_000)})
    )
    proc = run("import", "targets", str(bomb), data=data, ok=False)
    assert proc.returncode == 1
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("导入失败，未导入任何数据：文件: XLSX 文件解压后共 3.")
    assert line.endswith("[xlsx.zip_bomb]")
    assert "Traceback" not in proc.stderr
    assert _export(data, tmp_path / "after.csv") == before


def test_many_bad_rows_print_the_first_100_and_the_total(
    data: Path,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(TARGET_HEADER)
        w.writerows(target("bad") for _ in range(150))
    proc = run("import", "targets", str(path), data=data, ok=False)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 101
    assert lines[0].startswith("第2行 统一社会信用代码: ")
    assert lines[-1] == "导入失败：共 150 行有错误（150 处），仅列出前 100 处，未导入任何数据"
