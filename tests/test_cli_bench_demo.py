"""`lottery bench draw` and `lottery demo` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LOTTERY = [sys.executable, "-m", "lottery"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LOTTERY, *args], capture_output=True, text=True, check=False)


def test_bench_draw_json_last_line() -> None:
    out = run("bench", "draw", "--targets", "3000", "--inspectors", "60", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for key in ("announce_s", "draw_s", "verify_s", "peak_rss_mb", "floor_s"):
        assert isinstance(result[key], int | float) and result[key] > 0
    # 5% of each of 40 strata, rounded up per stratum.
    assert result["strata"] == 40
    assert result["picks"] >= result["candidates"] * 5 // 100
    assert result["checks_passed"] > 20


def test_bench_draw_rejects_bad_sizes() -> None:
    out = run("bench", "draw", "--targets", "0", "--inspectors", "60")
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "at least 1 target" in out.stderr


def test_demo_end_to_end(tmp_path: Path) -> None:
    out = run("demo", "--out", str(tmp_path / "demo"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1].startswith("VERIFIED")
    for state in ("disclosed", "drawn (sealed)", "cancelled", "waiting for its beacon"):
        assert state in out.stdout
    export = tmp_path / "demo" / "export"
    private = (tmp_path / "demo" / "private" / "office.key").read_text().strip()
    everything = b"".join(p.read_bytes() for p in export.rglob("*") if p.is_file())
    assert private.encode() not in everything
    assert private.split("+")[-1].encode() not in everything
    # The sealed task's secret is published nowhere; the disclosed task's is.
    sealed = (tmp_path / "demo" / "private" / "T2026-002.secret").read_text().strip()
    disclosed = (tmp_path / "demo" / "private" / "T2026-001.secret").read_text().strip()
    assert sealed.encode() not in everything
    assert disclosed.encode() in everything
    assert b'"task":"T2026-002","teams"' not in everything  # no sealed outcome blob
    assert b'"task":"T2026-001","teams"' in everything
    # Running it again appends nothing and rewrites nothing: the export is stable.
    again = run("demo", "--out", str(tmp_path / "demo"))
    assert again.returncode == 0, again.stderr
