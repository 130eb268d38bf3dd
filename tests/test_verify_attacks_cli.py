"""`lottery verify` on whole exports a dishonest office re-signed: each attack names its check.

The forged tasks are those of tests/core/test_verify_attacks.py, published as a whole log
(tiles, entry bundles and a checkpoint signed with the office key, as the office can), so
the log verifies and only the task check can catch the attack. The command runs in this
process (``lottery.cli.main``) except for one case run as a real process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lottery.cli import main
from tests.core.test_verify_attacks import ATTACKS
from tests.forge import forge, results_and_report, write_forged_export
from tests.lifecycle import office_signer

CLI_ATTACKS = [
    "reveal_before_draw",
    "draw_before_announcement",
    "excluded_target_pooled",
    "exclusion_count_false",
    "wrong_picks",
    "revealed_and_cancelled",
    "pool_candidates_count_false",
    "pool_picks_count_false",
    "pool_strata_count_false",
    "inspector_count_false",
    "announced_after_beacon",
    "announced_after_beacon_undrawn",
    "draw_logged_before_announcement",
    "reveal_logged_before_draw",
    "reveal_without_draw",
    "cancellation_names_another_announcement",
]


def run_cli(export: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run ``lottery verify EXPORT --key VKEY --workers 1``; return the exit code and stdout."""
    with pytest.raises(SystemExit) as info:
        main(["verify", str(export), "--key", office_signer().vkey, "--workers", "1"])
        raise SystemExit(0)  # a verified log returns without exiting
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    code = info.value.code
    return (code if isinstance(code, int) else 1), out.out


def test_the_honest_export_verifies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    forged = forge()
    notes = [*forged.notes, *results_and_report(forged)]
    code, out = run_cli(write_forged_export(tmp_path / "e", notes, forged.blobs), capsys)
    assert code == 0, out
    assert "ok    [T2026-001] task.log_order" in out
    assert "ok    report.references" in out
    assert out.strip().splitlines()[-1].startswith("VERIFIED")


@pytest.mark.parametrize("name", CLI_ATTACKS)
def test_cli_names_the_check(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    attack = ATTACKS[name]
    forged = attack.build()
    code, out = run_cli(write_forged_export(tmp_path / "e", forged.notes, forged.blobs), capsys)
    assert code == 1, out
    fails = [line for line in out.splitlines() if line.startswith("FAIL ")]
    assert len(fails) == 1 and fails[0].startswith(f"FAIL  [T2026-001] {attack.check} "), out
    assert out.strip().splitlines()[-1].startswith("FAILED: 1 problem")


def test_cli_names_a_false_report_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forged = forge()

    def hide(summary: dict[str, object]) -> None:
        summary["problems"] = 0

    notes = [*forged.notes, *results_and_report(forged, hide)]
    code, out = run_cli(write_forged_export(tmp_path / "e", notes, forged.blobs), capsys)
    assert code == 1, out
    fails = [line for line in out.splitlines() if line.startswith("FAIL ")]
    assert len(fails) == 1, out
    assert fails[0].startswith("FAIL  [task-report T2026-001] report.summary "), out
    assert "summary.problems 0, but the results it covers give 1" in fails[0]


def test_cli_process_exits_non_zero_and_names_the_check(tmp_path: Path) -> None:
    forged = ATTACKS["reveal_before_draw"].build()
    export = write_forged_export(tmp_path / "e", forged.notes, forged.blobs)
    out = subprocess.run(
        [sys.executable, "-m", "lottery", "verify", str(export), "--key", office_signer().vkey],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1
    assert "FAIL  [T2026-001] task.order" in out.stdout
    assert "Traceback" not in out.stderr
