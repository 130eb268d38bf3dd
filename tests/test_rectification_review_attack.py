"""Attack (docs/spec.md §2.3): a rectification order published, under an item list whose
publication rules govern orders, without its 保密审查 (no ``review``). ``lottery verify`` fails
``publication.review`` and nothing else; the honest twin (the order reviewed, its requirements
in general words) verifies. The in-browser verifier's side is
tests/browser/test_sealed_verifier.py (the same forged log)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lottery.cli import main
from lottery.core.canonical import sha256_hex
from lottery.core.records import open_record
from lottery.core.sealed import seal
from lottery.verifier.check_words import CHECKS_ZH
from tests.forge import VERIFIERS, sign, write_forged_export
from tests.lifecycle import office_signer
from tests.test_publication_vectors import VECTORS, _item_list
from tests.test_verify_attacks_cli import run_cli

TARGET = "91430000MA4L0Q1X2B"


def forge_order(out: Path, *, reviewed: bool) -> Path:
    """A result with findings, then an item list whose rule (P4 of the vectors: generalise
    an order's requirements) governs orders, then an order on that result: reviewed (its
    requirements in general words) or published without review. Signed with the TEST-ONLY
    key."""
    result_blob = seal(
        "inspection-result",
        {"findings": "防护密闭门无法正常关闭", "follow_up": "责令整改", "evidence": [],
         "no_evidence_reason": "笔录另行归档"},
        bytes(32),
    )  # fmt: skip
    result: dict[str, Any] = {
        "task": "T2026-099",
        "target": TARGET,
        "target_name": "某物业管理有限公司",
        "dates": ["2026-04-10"],
        "inspectors": [{"id": i, "role": "drawn"} for i in ("INS-001", "INS-002")],
        "methods": ["实地检查"],
        "categories": ["发现问题已责令改正"],
        "pending_reasons": [],
        "sealed": sha256_hex(result_blob),
        "entered_by": "录入员",
        "approved_by": "审核员",
        "supersedes": None,
        "correction_reason": None,
    }
    result_note = sign("inspection-result", datetime(2026, 4, 12, 2, tzinfo=UTC), result)
    rules = [VECTORS["rules"][3]]  # P4: an order's requirements in general words
    item_list = {
        k: v for k, v in _item_list(rules).items() if k not in ("type", "v", "log", "time")
    }
    text = "按规定整改防护设施" if reviewed else "修复B1层东侧防护密闭门"
    order_blob = seal("rectification-order", {"requirements": text}, bytes(32))
    order: dict[str, Any] = {
        "task": "T2026-099",
        "target": TARGET,
        "result": open_record(result_note, VERIFIERS).id,
        "due": "2026-05-08",
        "sealed": sha256_hex(order_blob),
        "ordered_by": "审核员",
    }
    if reviewed:
        order["review"] = {"by": "保密审查员", "rules": []}  # no RF-03 cited: P4 does not apply
    notes = [
        result_note,
        sign("item-list", datetime(2026, 4, 13, tzinfo=UTC), item_list),
        sign("rectification-order", datetime(2026, 4, 15, 2, tzinfo=UTC), order),
    ]
    blobs = {sha256_hex(result_blob): result_blob, sha256_hex(order_blob): order_blob}
    return write_forged_export(out, notes, blobs)


def test_an_order_published_without_its_review_fails_publication_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_cli(forge_order(tmp_path / "honest", reviewed=True), capsys)
    assert code == 0, out
    assert "ok    publication.review" in out
    code, out = run_cli(forge_order(tmp_path / "forged", reviewed=False), capsys)
    fails = [line for line in out.splitlines() if line.startswith("FAIL ")]
    assert code == 1 and len(fails) == 1, out
    assert fails[0].startswith(f"FAIL  [rectification-order T2026-099/{TARGET}] publication.review")
    assert "published without the review the publication rules in force require" in fails[0]


def _verify_zh(export: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(
            ["verify", str(export), "--key", office_signer().vkey, "--workers", "1", "--lang", "zh"]
        )
        raise SystemExit(0)
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return int(info.value.code or 0), out.out


def test_publication_review_is_said_in_chinese_under_lang_zh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/verifier.md "Language": a passed check is its sentence and name, without the
    English detail ("N reviewed records follow ..."); a failure keeps its English detail
    (it quotes record names and fields) after the sentence."""
    sentence = CHECKS_ZH["publication.review"]
    code, out = _verify_zh(forge_order(tmp_path / "honest", reviewed=True), capsys)
    assert code == 0, out
    assert f"通过  {sentence}（publication.review）" in out.splitlines()
    assert "reviewed records" not in out and "ok    " not in out
    code, out = _verify_zh(forge_order(tmp_path / "forged", reviewed=False), capsys)
    fails = [line for line in out.splitlines() if line.startswith("未通过 ")]
    assert code == 1 and len(fails) == 1, out
    assert fails[0].startswith(
        f"未通过 [rectification-order T2026-099/{TARGET}] {sentence}（publication.review）："
    )
    assert out.splitlines()[-1].startswith("核验未通过：")
