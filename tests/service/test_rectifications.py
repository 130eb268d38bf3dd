"""Rectification orders and re-checks (整改/复查) on SQLite and PostgreSQL (issue #16)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from lottery.cli import rectification_cmd
from lottery.core.audit import audit_export
from lottery.core.outcome import Outcome
from lottery.export.read import file_getter
from lottery.service.lifecycle import Lifecycle
from lottery.service.rectifications import (
    RectificationError,
    RectificationNotFound,
    RectificationService,
)
from lottery.service.results import (
    Evidence,
    NotAssigned,
    ReviewError,
)
from lottery.storage.models import AuditEvent, Conflict, Inspector, Rectification
from publisher.model import load_model
from publisher.result_pages import result_pages
from tests import lifecycle as lc
from tests.service.conftest import CliRun
from tests.service.results_builder import disclosed_task, entry, publish

TASK = "T2026-001"
T_ENTER = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
T_ORDER = datetime(2026, 4, 3, 2, 0, tzinfo=UTC)  # Beijing 3 Apr
T_CHECK = datetime(2026, 4, 21, 2, 0, tzinfo=UTC)  # Beijing 21 Apr
DUE = date(2026, 4, 20)
RECHECKED = date(2026, 4, 20)


@pytest.fixture
def outcome(service: Lifecycle) -> Outcome:
    return disclosed_task(service, TASK)


@pytest.fixture
def rect(service: Lifecycle) -> RectificationService:
    return RectificationService(service.engine, service.log)


def _publish(service: Lifecycle, outcome: Outcome, i: int, categories: list[str]) -> str:
    """Publish a result for pick ``i``; returns its record id."""
    found: dict[str, Any] = {}
    if categories != ["未发现问题"]:
        found = {
            "findings": "防护密闭门被货物堵塞",
            "follow_up": "责令限期整改",
            "evidence": [Evidence("笔录.txt", b"record", "笔录", "现场制作")],
        }
    one = entry(outcome, i, day=date(2026, 3, 25), categories=categories, **found)
    return publish(service, one, T_ENTER)


def _log_size(service: Lifecycle) -> int:
    with service.session() as s:
        return service.log.size(s)


def _free(service: Lifecycle, target: str, n: int = 2) -> list[str]:
    """``n`` active inspectors with no conflict with ``target``."""
    with service.session() as s:
        conflicted = set(s.exec(select(Conflict.inspector).where(Conflict.target == target)))
        ids = [r.id for r in s.exec(select(Inspector)) if r.id not in conflicted]
    return sorted(ids)[:n]


def test_order_recheck_publish_and_verify(
    service: Lifecycle, rect: RectificationService, outcome: Outcome, tmp_path: Path
) -> None:
    result = _publish(service, outcome, 0, ["发现问题已责令改正"])
    target = outcome.teams[0].target
    order = rect.order(
        result, "  <b>清理</b>防护密闭门前堆放物  ", DUE, T_ORDER, actor="reviewer-li"
    )
    body = order.body
    assert (body["task"], body["target"], body["result"], body["due"]) == (
        TASK,
        target,
        result,
        "2026-04-20",
    )
    # The requirements describe violations: sealed, not in the record's text.
    assert "清理".encode() not in order.note
    assert rect.content(order.id, "rectification-order") == {
        "requirements": "<b>清理</b>防护密闭门前堆放物"
    }
    [open_] = rect.open_orders(date(2026, 4, 10))
    assert (open_.row.order_record, open_.overdue, open_.days_left) == (order.id, False, 10)
    assert rect.open_orders(date(2026, 4, 21))[0].overdue  # past its due date
    # A second order while the first is open is refused.
    with pytest.raises(RectificationError, match="尚未复查"):
        rect.order(result, "再次整改", DUE, T_ORDER, actor="reviewer-li")
    row_id = open_.row.id
    assert row_id is not None
    who = _free(service, target)
    note = "<script>x</script>已清理"
    rect.enter_check(row_id, RECHECKED, who, "已整改", note, T_CHECK, actor="inspector-wang")
    before = _log_size(service)
    with pytest.raises(ReviewError, match="different reviewer"):
        rect.approve_check(row_id, T_CHECK, reviewer="Inspector-Wang")
    assert _log_size(service) == before
    check = rect.approve_check(row_id, T_CHECK, reviewer="reviewer-li")
    assert check.body["order"] == order.id
    assert (check.body["date"], check.body["outcome"], check.body["inspectors"]) == (
        "2026-04-20",
        "已整改",
        who,
    )
    assert rect.open_orders(date(2026, 4, 21)) == []
    with pytest.raises(RectificationError, match="已有复查结果"):
        rect.enter_check(row_id, RECHECKED, who, "已整改", "", T_CHECK, actor="x")
    with service.session() as s:
        actions = [e.action for e in s.exec(select(AuditEvent))]
    assert {"rectification.order", "rectification.check-enter"} <= set(actions)
    assert "rectification.check-approve" in actions
    export = tmp_path / "export"
    service.export_to(export)
    report = audit_export(
        file_getter(export),
        [service.log.verifier],
        origin=lc.LOG,
        deadlines=True,
    )
    assert report.ok, report.failures
    names = {c.name for c in report.checks}
    assert "rectification.references" in names
    # The site's results page shows the order and its re-check, escaped.
    (export / "keys").mkdir(exist_ok=True)
    (export / "keys" / "office.vkey").write_text(service.log.verifier.vkey + "\n")
    page = result_pages(load_model(export))[TASK]
    assert "整改和复查" in page and "2026-04-20" in page and "已整改" in page
    assert "&lt;b&gt;清理&lt;/b&gt;" in page and "<b>清理" not in page
    assert "&lt;script&gt;x" in page and "<script>" not in page
    # Withdrawing the order's requirements deletes its blob; the log still verifies.
    rect_withdraw = rect.withdraw(
        order.id, "整改已完成，公示期满", T_CHECK, actor="li", ground="expired"
    )
    assert rect_withdraw.body["sealed"] == [order.body["sealed"]]
    assert rect.content(order.id, "rectification-order") is None
    with pytest.raises(RectificationError, match="已撤回"):
        rect.withdraw(order.id, "again", T_CHECK, actor="li")
    with pytest.raises(RectificationNotFound):
        rect.withdraw(result, "not an order", T_CHECK, actor="li")
    service.export_to(export)
    assert not (export / "blobs" / order.body["sealed"]).exists()
    report = audit_export(
        file_getter(export), [service.log.verifier], origin=lc.LOG, deadlines=True
    )
    assert report.ok, report.failures
    assert any("withdrawn on" in c.detail for c in report.checks)
    page = result_pages(load_model(export))[TASK]
    assert "（已撤回）" in page and "&lt;b&gt;清理" not in page


def test_order_refusals_write_nothing(
    service: Lifecycle, rect: RectificationService, outcome: Outcome
) -> None:
    clean = _publish(service, outcome, 0, ["未发现问题"])
    bad = _publish(service, outcome, 1, ["发现问题已责令改正"])
    before = _log_size(service)
    with pytest.raises(RectificationError, match="没有需要整改的问题"):
        rect.order(clean, "整改", DUE, T_ORDER, actor="reviewer-li")
    with pytest.raises(RectificationNotFound, match="result"):
        rect.order("ab" * 32, "整改", DUE, T_ORDER, actor="reviewer-li")
    with pytest.raises(RectificationError, match="整改期限（due）"):
        rect.order(bad, "整改", date(2026, 4, 3), T_ORDER, actor="reviewer-li")
    with pytest.raises(RectificationError, match="整改要求（requirements）"):
        rect.order(bad, "   ", DUE, T_ORDER, actor="reviewer-li")
    assert _log_size(service) == before
    with service.session() as s:
        assert s.exec(select(Rectification)).all() == []


def test_recheck_refusals(service: Lifecycle, rect: RectificationService, outcome: Outcome) -> None:
    result = _publish(service, outcome, 0, ["发现问题已责令改正"])
    target = outcome.teams[0].target
    rect.order(result, "整改", DUE, T_ORDER, actor="reviewer-li")
    row_id = rect.open_orders(date(2026, 4, 4))[0].row.id
    assert row_id is not None
    who = _free(service, target)
    cases = [
        ({"inspectors": who[:1]}, "不得少于 2 人"),
        ({"inspectors": [who[0], who[0]]}, "两次"),
        ({"inspectors": [who[0], "NOBODY"]}, "不是名录中在职"),
        ({"day": date(2026, 4, 2)}, "复查日期（date）：不能早于"),
        ({"day": date(2026, 4, 22)}, "不能晚于今天"),
        ({"outcome": "差不多"}, "复查结论（outcome）"),
        ({"outcome": "部分整改", "note": ""}, "复查情况（note）"),
    ]
    base = {"day": RECHECKED, "inspectors": who, "outcome": "已整改", "note": ""}
    for change, message in cases:
        args = base | change
        with pytest.raises(RectificationError, match=message):
            rect.enter_check(
                row_id,
                args["day"],  # type: ignore[arg-type]
                args["inspectors"],  # type: ignore[arg-type]
                args["outcome"],  # type: ignore[arg-type]
                args["note"],  # type: ignore[arg-type]
                T_CHECK,
                actor="inspector-wang",
            )
    with service.session() as s:
        conflicted = s.exec(select(Conflict).where(Conflict.target == target)).first()
    if conflicted is not None:
        with pytest.raises(RectificationError, match="回避"):
            rect.enter_check(
                row_id, RECHECKED, [who[0], conflicted.inspector], "已整改", "", T_CHECK, actor="w"
            )
    with pytest.raises(NotAssigned):
        rect.enter_check(
            row_id, RECHECKED, who, "已整改", "", T_CHECK, actor="w", as_inspector="SOMEONE"
        )
    assert rect.get(row_id).check_status == "none"
    with pytest.raises(RectificationError, match="没有等待审核"):
        rect.approve_check(row_id, T_CHECK, reviewer="reviewer-li")
    with pytest.raises(RectificationNotFound):
        rect.approve_check(9999, T_CHECK, reviewer="reviewer-li")


def test_the_command_line_orders_rechecks_and_lists(
    service: Lifecycle, outcome: Outcome, run_cli: CliRun
) -> None:
    result = _publish(service, outcome, 0, ["发现问题已责令改正"])

    def run(at: datetime, *args: str) -> tuple[int, str, str]:
        return run_cli(rectification_cmd, at, "rectification", *args)

    code, _, err = run(T_ORDER, "order", result, "--requirements", "清理", "--due", "2026-4-20")
    assert code != 0 and "整改期限（--due）" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(T_ORDER, "order", result, "--requirements", "清理", "--due", "2026-04-01")
    assert code != 0 and "整改期限（due）" in err and "Traceback" not in err
    code, out, _ = run(T_ORDER, "order", result, "--requirements", "清理", "--due", "2026-04-20")
    assert code == 0 and "rectification-order" in out
    code, out, _ = run(T_CHECK, "list")
    assert "已逾期" in out and outcome.teams[0].target in out
    number = out.split("\t")[0]
    who = _free(service, outcome.teams[0].target)
    args = ["check", number, "--date", "2026-04-20", "--outcome", "已整改"]
    code, _, err = run(T_CHECK, *args, "--inspector", who[0], "--actor", "wang")
    assert code != 0 and "不得少于 2 人" in err
    code, _, _ = run(
        T_CHECK, *args, "--inspector", who[0], "--inspector", who[1], "--actor", "wang"
    )
    assert code == 0
    code, _, err = run(T_CHECK, "approve", number, "--actor", "Wang")
    assert code != 0 and "different reviewer" in err
    code, out, _ = run(T_CHECK, "approve", number, "--actor", "li")
    assert code == 0 and "rectification-check" in out and "已整改" in out
    assert "没有未复查的整改要求" in run(T_CHECK, "list")[1]


def test_a_county_account_cannot_order_or_approve_for_a_city_task(
    service: Lifecycle, rect: RectificationService, outcome: Outcome
) -> None:
    from lottery.service import users
    from lottery.service.org_scope import OutOfScope

    users.create_user(
        service, "county-rev", "org-scope-test-password", ["reviewer"], T_ORDER,
        actor="test", org_unit="county-419901",
    )  # fmt: skip
    result = _publish(service, outcome, 0, ["发现问题已责令改正"])
    before = _log_size(service)
    with pytest.raises(OutOfScope, match="county-rev"):
        rect.order(result, "清理堆放物", DUE, T_ORDER, actor="county-rev")
    assert _log_size(service) == before and rect.open_orders(date(2026, 4, 10)) == []
    order = rect.order(result, "清理堆放物", DUE, T_ORDER, actor="reviewer-li")
    [open_] = rect.open_orders(date(2026, 4, 10))
    assert open_.row.order_record == order.id and open_.row.id is not None
    who = _free(service, outcome.teams[0].target)
    rect.enter_check(open_.row.id, RECHECKED, who, "已整改", "", T_CHECK, actor="inspector-wang")
    with pytest.raises(OutOfScope):
        rect.approve_check(open_.row.id, T_CHECK, reviewer="county-rev")
    assert _log_size(service) == before + 1  # the order only
