"""`lottery bench draw` and `lottery demo` as a user runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LOTTERY = [sys.executable, "-m", "lottery"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LOTTERY, *args], capture_output=True, text=True, check=False)


def test_bench_draw_json_last_line() -> None:
    out = run("bench", "draw", "--targets", "3000", "--inspectors", "60", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for key in ("announce_s", "draw_s", "verify_s", "peak_rss_mb", "floor_s"):
        assert isinstance(result[key], int | float) and result[key] > 0
    # Each phase against the floors measured right before and after it.
    floors = result["floors_s"]
    assert len(floors) == 4 and result["floor_s"] == min(floors)
    for i, phase in enumerate(("announce", "draw", "verify")):
        base = (floors[i] + floors[i + 1]) / 2
        assert result[phase + "_x"] == pytest.approx(result[phase + "_s"] / base, rel=0.02)
    # 5% of each of 40 strata, rounded up per stratum.
    assert result["strata"] == 40
    assert result["picks"] >= result["candidates"] * 5 // 100
    assert result["checks_passed"] > 20


def test_bench_draw_rejects_bad_sizes() -> None:
    out = run("bench", "draw", "--targets", "0", "--inspectors", "60")
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "at least 1 target" in out.stderr


def test_demo_end_to_end(tmp_path: Path, demo_city: Path) -> None:
    # Over an earlier demo's directory (the suite's shared demo city, copied: built without
    # the PDFs), which the command must clear: one demo run instead of two.
    demo = Path(shutil.copytree(demo_city, tmp_path / "demo", symlinks=True))
    earlier = (demo / "demo-accounts.txt").read_text("utf-8").splitlines()[1:]
    earlier_passwords = {line.split()[1] for line in earlier}
    assert len(earlier_passwords) == 6
    assert not any((demo / "data").rglob("*.pdf"))  # run_demo(documents=False) wrote none
    stale = demo / "data" / "documents" / "from-an-earlier-run.pdf"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"%PDF-1.7 stale")
    out = run("demo", "--out", str(demo))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    verified = [i for i, line in enumerate(lines) if line.startswith("VERIFIED")]
    assert len(verified) == 1
    # After the verdict, the console's demo logins, one per role and a county clerk, each
    # with its password and unit.
    logins = [line.split() for line in lines[verified[0] + 2 :]]
    assert [row[0] for row in logins] == [
        "admin",
        "planner",
        "reviewer",
        "inspector",
        "auditor",
        "county-clerk",
    ]
    assert all(len(row) >= 3 and len(row[1]) >= 16 for row in logins)
    for state in ("disclosed", "drawn (sealed)", "cancelled", "waiting for its beacon"):
        assert state in out.stdout
    assert "recorded drand quicknet round 123" in out.stdout
    # Three witnesses, 2 of 3 (lottery/demo/witnesses.py): verify enforces the published
    # policy, so it no longer says that announcement times are only the office's word.
    assert "witness-policy: 2 of 3 (市纪委监委、市公证处、青岚大学)" in out.stdout
    assert "announcement.witnessed" in out.stdout and "office's word" not in out.stderr
    assert "fictional public numbers" in out.stdout
    # The summary names the results, the correction, the late report and the penalties.
    assert "T2026-001 results: 87 current, one of them a correction" in out.stdout
    assert "substitute: " in out.stdout and "supersedes" in out.stdout
    assert "LATE by 2 working days" in out.stdout
    penalties = [line for line in out.stdout.splitlines() if line.startswith("  penalty 青人防罚")]
    assert len(penalties) == 5  # three published, one expired, one revoked (issue #24)
    assert all("withdrawn 2026-10-12" in line for line in penalties[-2:])
    assert "on time: True" in penalties[-1]  # revoked 9 Oct, withdrawn within 3 working days
    late = "[deadline] task-report T2026-001: due 2026-04-10, published 2026-04-14, late by 2"
    assert late in out.stdout  # and `lottery verify` (run by the demo) reports it
    # The registries came in through the import service, from the files left in input/.
    inputs = sorted(p.name for p in (demo / "input").iterdir())
    # 11 files: 2026-专项检查 is the office's own visits behind T2026-006's cap exception.
    assert len(inputs) == 11 and any(n.endswith(".xlsx") for n in inputs)
    assert "(csv, gb18030)" in out.stdout and "移出 40" in out.stdout
    # The second item-list file is version 3: version 2 is the first with the risk rules.
    assert "risk rules: item list version 2" in out.stdout
    assert "已发布为抽查事项清单第 3 版" in out.stdout
    # Private state only under data/; the export and the site hold no private key.
    assert (demo / "data" / "keys" / "office.key").exists()
    for public in ("export", "site"):
        names = {p.name for p in (demo / public).rglob("*")}
        assert "office.key" not in names and "lottery.db" not in names
    export = demo / "export"
    everything = b"".join(p.read_bytes() for p in export.rglob("*") if p.is_file())
    assert b'"task":"T2026-002","teams"' not in everything  # no sealed outcome blob
    assert b'"task":"T2026-001","teams"' in everything
    assert b'"type":"registry-snapshot"' in everything and b'"type":"item-list"' in everything
    # The earlier run's state is gone: its documents, its accounts and their passwords (new
    # passwords on each run: none is fixed anywhere).
    pdfs = sorted((demo / "data" / "documents").rglob("*.pdf"))
    assert pdfs and all(p.read_bytes().startswith(b"%PDF-") for p in pdfs)
    assert not stale.exists()
    assert earlier_passwords.isdisjoint(row[1] for row in logins)


def test_demo_refuses_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("not a demo")
    out = run("demo", "--out", str(tmp_path))
    assert out.returncode == 2 and "not a demo directory" in out.stderr
    assert out.stderr.strip().count("\n") == 0
    assert (tmp_path / "keep.txt").exists()
