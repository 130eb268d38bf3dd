"""The in-browser verifier on the 行政处罚 page (issue #24): every penalty's sealed content is
checked against its commitment; a withdrawn one is reported with its date and reason; a
tampered blob and a blob removed with no withdrawal fail (docs/browser-verifier.md)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from publisher.model import load_model
from tests.browser.chromium import StaticServer, offsite, recorded_page
from tests.browser.verifier import press_verify
from tests.test_rectification_review_attack import forge_order

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory, demo_city: Path) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("sealed-browser")
    export = demo_city / "export"
    good = root / "site"
    shutil.copytree(demo_city / "site", good)  # the run's demo site, copied: forged/ goes in it
    model = load_model(export)
    [live] = [r for r in model.penalties if r.id not in model.withdrawals]
    blob = Path("export") / "blobs" / live.body["sealed"]
    tampered, missing = root / "tampered", root / "missing"
    shutil.copytree(good, tampered)
    data = (tampered / blob).read_bytes()
    (tampered / blob).write_bytes(data.replace("罚款".encode(), "警告".encode(), 1))
    shutil.copytree(good, missing)
    (missing / blob).unlink()
    _forge_withdrawal_without_commitment(good / "forged" / "no-commitment")
    _forge_reviewed_result_showing_a_withheld_field(good / "forged" / "withheld-place")
    forge_order(good / "forged" / "unreviewed-order", reviewed=False)
    servers = {
        name: StaticServer(path)
        for name, path in (("good", good), ("tampered", tampered), ("missing", missing))
    }
    try:
        yield {name: server.url for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.close()


def _forge_withdrawal_without_commitment(out: Path) -> None:
    """A log (signed with the TEST-ONLY key) whose withdrawal names a record that carries no
    commitment: the penalty's blob is present, so only ``withdrawal.sealed`` may fail."""
    from datetime import UTC, datetime

    from lottery.core.canonical import sha256_hex
    from lottery.core.records import open_record
    from lottery.core.sealed import seal
    from tests.core.test_sealed import CONTENT
    from tests.forge import VERIFIERS, penalty_fields, sign, write_forged_export

    blob = seal("penalty", CONTENT, bytes(32))
    penalty = sign(
        "penalty",
        datetime(2026, 4, 9, 2, tzinfo=UTC),
        penalty_fields(sha256_hex(blob), "青人防罚〔2026〕9号"),
    )
    # A record that carries no commitment (a calendar; not a key-change, whose invalid key
    # would fail log.key_change first: docs/spec.md §2 "Key changes").
    year = {
        "year": 2026,
        "holidays": ["2026-01-01"],
        "workdays": [],
        "notice": "",
        "supersedes": None,
    }
    other = sign("calendar", datetime(2026, 5, 1, tzinfo=UTC), year)
    withdrawal = sign(
        "penalty-withdrawal",
        datetime(2026, 10, 12, 1, tzinfo=UTC),
        {
            "penalty": open_record(other, VERIFIERS).id,
            "decision": "青人防罚〔2026〕9号",
            "sealed": [sha256_hex(blob)],
            "ground": "expired",
            "reason": "公示期满",
            "revoked": None,
            "deadline": None,
        },
    )
    write_forged_export(out, [penalty, other, withdrawal], {sha256_hex(blob): blob})


def _forge_reviewed_result_showing_a_withheld_field(out: Path) -> None:
    """A log (signed with the TEST-ONLY key) of an item list whose publication rule withholds
    the place of every result, then a result reviewed under that rule whose sealed content
    still shows the place: its blob matches its commitment, so only ``publication.review``
    may fail."""
    from datetime import UTC, datetime

    from lottery.core.canonical import sha256_hex
    from lottery.core.sealed import seal
    from tests.forge import sign, write_forged_export
    from tests.test_publication_vectors import VECTORS, _item_list

    rules = [VECTORS["rules"][0]]  # P1: withhold place, no condition
    item_list = {
        k: v for k, v in _item_list(rules).items() if k not in ("type", "v", "log", "time")
    }
    content = {"findings": "", "follow_up": "", "evidence": [], "place": "某人防工程地下二层"}
    blob = seal("inspection-result", content, bytes(32))
    result = {
        "task": "T2026-099",
        "target": "91430000MA4L0Q1X2B",
        "target_name": "某物业管理有限公司",
        "dates": ["2026-04-10"],
        "inspectors": [{"id": i, "role": "drawn"} for i in ("INS-001", "INS-002")],
        "methods": ["实地检查"],
        "categories": ["未发现问题"],
        "pending_reasons": [],
        "sealed": sha256_hex(blob),
        "entered_by": "录入员",
        "approved_by": "审核员",
        "supersedes": None,
        "correction_reason": None,
        "review": {"by": "保密审查员", "rules": ["P1"]},
    }
    notes = [
        sign("item-list", datetime(2026, 3, 1, tzinfo=UTC), item_list),
        sign("inspection-result", datetime(2026, 4, 12, 2, tzinfo=UTC), result),
    ]
    write_forged_export(out, notes, {sha256_hex(blob): blob})


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    recorded = recorded_page(browser, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield recorded.page
    recorded.context.close()
    assert not offsite(recorded.requests), offsite(recorded.requests)
    assert not recorded.errors, recorded.errors


def _verify(
    page: Any, base: str, export: str | None = None, path: str = "penalties/"
) -> dict[str, Any]:
    page.goto(f"{base}{path}")
    result = press_verify(page, export)
    return {
        "verdict": result.verdict,
        "failed": (result.failed or "").split(),
        "checks": [(name, state) for name, state, _ in result.items],
        "text": result.text,
    }


def test_the_demo_penalties_verify_and_say_what_was_withdrawn(
    page: Any, sites: dict[str, str]
) -> None:
    out = _verify(page, sites["good"])
    assert out["verdict"] == "pass", out
    assert ("sealed.content", "pass") in out["checks"]
    assert out["checks"].count(("sealed.withdrawn", "pass")) == 2
    assert out["checks"].count(("withdrawal.sealed", "pass")) == 2
    assert "青人防罚〔2026〕4号：已于 2026-10-12 撤回" in out["text"]
    assert "公示期满（至2026-10-09）" in out["text"]
    assert "青人防罚〔2026〕5号：已于 2026-10-12 撤回" in out["text"]


@pytest.mark.parametrize(
    ("copy", "check"), [("tampered", "sealed.content"), ("missing", "sealed.missing")]
)
def test_a_tampered_or_unwithdrawn_missing_blob_fails(
    page: Any, sites: dict[str, str], copy: str, check: str
) -> None:
    out = _verify(page, sites[copy])
    assert out["verdict"] == "fail" and out["failed"] == [check], out
    assert "青人防罚〔2026〕3号" in out["text"]
    assert out["checks"].count(("sealed.withdrawn", "pass")) == 2  # the others still pass


def test_a_withdrawal_of_something_without_a_commitment_fails(
    page: Any, sites: dict[str, str]
) -> None:
    out = _verify(page, sites["good"], "../forged/no-commitment/")
    assert out["verdict"] == "fail" and out["failed"] == ["withdrawal.sealed"], out
    assert ("sealed.content", "pass") in out["checks"]  # the blob stays expected and present


def test_the_results_page_checks_every_results_sealed_findings(
    page: Any, sites: dict[str, str]
) -> None:
    out = _verify(page, sites["good"], path="results/")
    assert out["verdict"] == "pass", out
    passed = [c for c in out["checks"] if c == ("sealed.content", "pass")]
    # Every result of the demo: T2026-001's 87 current, the one the office corrected and the
    # one an upheld objection corrected (docs/objections.md), T2026-005's 27, T2026-006's 36
    # (the cross-check, tests/test_demo_cross_check.py).
    assert len(passed) == 88 + 1 + 27 + 36
    assert ("sealed.withdrawn", "pass") not in out["checks"]  # penalties are not listed here
    # The cross-check task's results were published after the demo's publication rules, each
    # with its 保密审查 (lottery/demo/review.py): one passed publication.review line.
    assert [c for c in out["checks"] if c[0] == "publication.review"] == [
        ("publication.review", "pass")
    ]


def test_a_reviewed_result_showing_a_withheld_field_fails_publication_review(
    page: Any, sites: dict[str, str]
) -> None:
    out = _verify(page, sites["good"], "../forged/withheld-place/", path="results/")
    assert out["verdict"] == "fail" and out["failed"] == ["publication.review"], out
    assert ("sealed.content", "pass") in out["checks"]  # the blob matches its commitment
    assert "规则 P1 规定“检查地点”（place）不公开" in out["text"]


def test_a_governed_rectification_order_without_its_review_fails_publication_review(
    page: Any, sites: dict[str, str]
) -> None:
    """The attack of tests/test_rectification_review_attack.py (lottery verify's side): an
    order published under rules governing orders, without its 保密审查."""
    out = _verify(page, sites["good"], "../forged/unreviewed-order/", path="results/")
    assert out["verdict"] == "fail" and out["failed"] == ["publication.review"], out
    assert "rectification-order T2026-099/" in out["text"]
    assert "在现行公开规则下公开，却没有经过保密审查" in out["text"]
